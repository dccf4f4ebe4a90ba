"""Text of the refusals of the manager pages (role, estate, period) and of sign-in and the
phone pages' limits (held back, from another site, too many)."""

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
        "login.bad_characters": (
            "账号或密码中含有无法识别的控制字符，请重新输入。",
            "The login or password holds control characters: type it again.",
        ),
    }
)

# Sign-in held back, posts from another site, too many submissions from the phone pages.
register(
    {
        "login.throttled": (
            "登录失败次数过多，请 {minutes} 分钟后再试。",
            "Too many failed sign-ins: try again in {minutes} min.",
        ),
        "login.cross_site": (
            "此登录请求来自其他网站，已被拒绝。请直接打开本系统的登录页面再试。",
            "This sign-in came from another site and was refused: open this service's sign-in "
            "page and try again.",
        ),
        "logout.cross_site": (
            "此退出请求来自其他网站，已被拒绝。请在本系统的页面上点击“退出”。",
            "This sign-out came from another site and was refused: use Sign out on this "
            "service's own pages.",
        ),
        "rate.limited": (
            "提交太频繁，请 {seconds} 秒后再试。",
            "Too many submissions: try again in {seconds} s.",
        ),
    }
)
