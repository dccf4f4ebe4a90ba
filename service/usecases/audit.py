"""The audit log: one row per change a use case makes, in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ..models import AuditLog


def audit(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: Any,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditLog(actor=actor, action=action, entity=entity, entity_id=str(entity_id), detail=detail)
    )
