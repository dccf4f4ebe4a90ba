"""Chinese-first page text. Each page module registers its own messages with ``register``.

A message is ``key -> (zh_CN, en)``; ``t(key, lang)`` falls back to the key itself so a missing
translation shows up in review instead of breaking the page. Tests check every registered key
has both languages.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGS = ("zh_CN", "en")
DEFAULT_LANG = "zh_CN"

MESSAGES: dict[str, tuple[str, str]] = {}


def register(messages: Mapping[str, tuple[str, str]]) -> None:
    for key, pair in messages.items():
        if key in MESSAGES and MESSAGES[key] != pair:
            raise ValueError(f"message {key!r} registered twice with different text")
        MESSAGES[key] = pair


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    pair = MESSAGES.get(key)
    text = key if pair is None else pair[0 if lang == "zh_CN" else 1]
    return text.format(**values) if values else text


def pick_lang(query_lang: str | None, cookie_lang: str | None) -> str:
    """The query parameter, then the remembered choice; Chinese by default whatever the browser
    says (staff phones are often set to English while the residents they serve read Chinese)."""
    for candidate in (query_lang, cookie_lang):
        if candidate in LANGS:
            return candidate  # type: ignore[return-value]
    return DEFAULT_LANG


register(
    {
        "app.name": ("回访", "Huifang"),
        "app.tagline": ("维修回访管理", "Maintenance callbacks"),
        "lang.switch": ("English", "中文"),
        "role.manager": ("经理", "Manager"),
        "role.supervisor": ("主管", "Supervisor"),
        "role.lead": ("维修负责人", "Maintenance lead"),
        "category.safety": ("安全设施", "Safety facility"),
        "category.leak": ("漏水", "Water leak"),
        "category.general": ("一般维修", "General repair"),
        "satisfaction.satisfied": ("满意", "Satisfied"),
        "satisfaction.fairly_satisfied": ("比较满意", "Fairly satisfied"),
        "satisfaction.unsatisfied": ("不满意", "Unsatisfied"),
        "channel.on_site": ("上门回访", "On site"),
        "channel.phone": ("电话回访", "By phone"),
        "status.due": ("待回访", "Due"),
        "status.overdue": ("已逾期", "Overdue"),
        "status.done": ("已回访", "Done"),
        "login.title": ("登录", "Sign in"),
        "login.login": ("账号", "Login"),
        "login.password": ("密码", "Password"),
        "login.submit": ("登录", "Sign in"),
        "login.failed": ("账号或密码不正确", "Wrong login or password"),
        "login.odoo_not_linked": (
            "Odoo 账号正确，但尚未关联回访系统的人员，请联系管理处添加",
            "Your Odoo account is right but not linked to a Huifang staff member: ask the office",
        ),
        "login.odoo_down": (
            "暂时无法连接 Odoo，请稍后再试或使用回访系统账号登录",
            "Odoo cannot be reached right now: try again or use your Huifang login",
        ),
        "login.forbidden": ("您的角色无权查看此页面", "Your role may not open this page"),
        "logout": ("退出", "Sign out"),
        "error.title": ("出错了", "Something went wrong"),
    }
)
