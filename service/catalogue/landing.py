"""Text of the landing page (``/``): what Huifang is, and where each person goes from here."""

from __future__ import annotations

from .core import register

register(
    {
        "landing.title": ("回访 · 维修回访管理", "Huifang · maintenance callbacks"),
        "landing.lead": (
            "物业服务中心的维修回访系统：每一单维修都按时回访（安全设施 2 天、漏水 3 天、"
            "其他 7 天内），经理、主管、维修负责人按比例亲自回访，回访结果、住户签字和整改"
            "通知都有据可查。与 Odoo 的维修单同步。",
            "The callback system of a property-management office: every repair is called back "
            "in time (safety facilities within 2 days, water leaks within 3, the rest within "
            "7), managers, supervisors and maintenance leads each call back their share, and "
            "every answer, resident's signature and rectification notice can be proven. "
            "Linked to the repair requests in Odoo.",
        ),
        "landing.points.staff": (
            "维修人员：扫描回访单上的二维码，在手机上记录回访、拍照签字。",
            "Maintenance staff: scan the QR code on the callback form and record the callback, "
            "with the resident's signature, on the phone.",
        ),
        "landing.points.resident": (
            "住户：扫描自己的二维码，在自己的手机上评价并签字，无需注册。",
            "Residents: scan their own QR code and answer and sign on their own phone, with no "
            "account.",
        ),
        "landing.points.office": (
            "经理和主管：看板上查看比例完成情况、超时回访和整改，导出月报。",
            "Managers and supervisors: the dashboard shows the quotas, late callbacks and "
            "rectifications, and exports the monthly report.",
        ),
        "landing.sign_in": ("员工登录", "Staff sign-in"),
        "landing.signed_in": (
            "您已登录：{name}（{role}，{estate}）",
            "Signed in: {name} ({role}, {estate})",
        ),
        "landing.role.worker": ("维修工", "worker"),
        "landing.go.today": ("我的今日工作", "My work today"),
        "landing.go.dashboard": ("回访看板", "Callback dashboard"),
        "landing.go.ledger": ("回访台帐", "Callback ledger"),
        "landing.go.tokens": ("接口令牌", "API tokens"),
        "landing.for_developers": ("对接与运维", "For integrators and operators"),
        "landing.docs": ("接口文档（REST API）", "API documentation (REST API)"),
        "landing.health": ("运行状态", "Health check"),
        "landing.resident_hint": (
            "住户请直接扫描回访单或短信中的二维码链接，无需在此登录。",
            "Residents: open the link from your form's QR code or your text message; there is "
            "nothing to sign in to here.",
        ),
    }
)
