"""Text of the refusals of the manager pages (role, estate, period)."""

from __future__ import annotations

from .core import register

register(
    {
        "dash.forbidden.role": (
            "看板仅供经理和主管查看。维修负责人请使用现场回访页面。",
            "The dashboard is for managers and supervisors. Maintenance leads record callbacks "
            "on the job pages.",
        ),
        "dash.forbidden.estate": (
            "您无权查看管理处 {code} 的数据。",
            "You may not see the figures of estate {code}.",
        ),
        "dash.notfound.estate": ("没有管理处 {code}。", "There is no estate {code}."),
        "dash.bad.period": (
            "期间 {period} 无效，请使用 YYYY-MM 格式，例如 2026-05。",
            "Period {period} is not valid: use YYYY-MM, e.g. 2026-05.",
        ),
        "dash.back": ("返回看板", "Back to the dashboard"),
    }
)
