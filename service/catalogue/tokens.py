"""Text of the manager's page of API tokens (``/dashboard/tokens``)."""

from __future__ import annotations

from .core import register

register(
    {
        "tokens.title": ("接口令牌", "API tokens"),
        "tokens.nav": ("接口令牌", "API tokens"),
        "tokens.intro": (
            "以下是只能访问本管理处 {estate} 数据的接口令牌（供系统对接和报表工具使用）。"
            "令牌泄露或不再使用时，请立即吊销；吊销后立即失效。新令牌由系统管理员创建。",
            "These API tokens act on estate {estate} only (for integrations and reporting "
            "tools). Revoke one at once when it leaks or is no longer used: it stops working "
            "immediately. New tokens are made by the system administrator.",
        ),
        "tokens.none": ("本管理处还没有接口令牌。", "This estate has no API tokens."),
        "tokens.name": ("名称", "Name"),
        "tokens.role": ("权限", "Role"),
        "tokens.prefix": ("令牌开头", "Starts with"),
        "tokens.created": ("创建", "Created"),
        "tokens.expires": ("到期", "Expires"),
        "tokens.never": ("永不", "never"),
        "tokens.last_used": ("最近使用", "Last used"),
        "tokens.unused": ("未使用", "not yet"),
        "tokens.state": ("状态", "State"),
        "tokens.state.active": ("有效", "active"),
        "tokens.state.expired": ("已过期", "expired"),
        "tokens.state.revoked": ("已吊销", "revoked"),
        "tokens.revoke": ("吊销", "Revoke"),
        "tokens.revoke.confirm": (
            "吊销后使用此令牌的系统将无法访问。确定吊销？",
            "Systems using this token lose access. Revoke it?",
        ),
        "tokens.revoked": ("令牌“{name}”已吊销。", "Token “{name}” is revoked."),
        "tokens.forbidden": (
            "接口令牌仅供经理管理。",
            "API tokens are managed by managers only.",
        ),
        "tokens.notfound": ("本管理处没有这个令牌。", "This estate has no such token."),
        "tokens.role.manager": ("经理", "manager"),
        "tokens.role.supervisor": ("主管", "supervisor"),
        "tokens.role.lead": ("维修负责人", "maintenance lead"),
        "tokens.role.integration": ("系统对接（写入工单）", "integration (writes jobs)"),
        "tokens.role.readonly": ("只读", "read-only"),
    }
)
