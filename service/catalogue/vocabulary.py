"""The shared vocabulary: roles, categories, satisfaction levels, channels, job statuses, and
the words every page uses (sign in, errors)."""

from __future__ import annotations

from .core import register

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
        "error": ("出错了", "Something went wrong"),
        "error.help": (
            "请返回上一页重试；如仍有问题，请联系管理处。",
            "Go back and try again; if it keeps happening, ask the management office.",
        ),
    }
)
