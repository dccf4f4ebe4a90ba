"""Who holds a callback role, as an Odoo user: the person a job's activity goes to."""

from __future__ import annotations

import logging

from sqlmodel import Session, col, select

from service.models import Staff
from service.odoo.errors import OdooCallError
from service.odoo.gateway import OdooGateway

log = logging.getLogger(__name__)

ROLE_GROUPS = {
    "manager": "maintenance_callback.group_callback_manager",
    "supervisor": "maintenance_callback.group_callback_supervisor",
    "lead": "maintenance_callback.group_callback_lead",
}
#: Maintenance's own administrators: who calls back when nobody holds a callback role (and
#: on an Odoo without the add-on).
MAINTENANCE_MANAGERS = "maintenance.group_equipment_manager"
#: A role nobody holds goes to the next one up: a manager may make a supervisor's callback.
ROLE_CHAIN = {
    "lead": ("lead", "supervisor", "manager"),
    "supervisor": ("supervisor", "manager"),
    "manager": ("manager",),
}


class RoleUsers:
    """Who holds a role, as an Odoo user.

    In order: the estate's staff linked to Odoo; the members of the add-on's role group
    (each user counted in their highest role), else of the next role up; for a maintenance
    lead's callback on an Odoo without the add-on, the request's technician; then
    Maintenance's own managers. Groups are read with the integration user's rights (no
    ``ir.model.data``)."""

    def __init__(self, session: Session, gateway: OdooGateway) -> None:
        self.session = session
        self.gateway = gateway
        self._from_groups: dict[str, list[int]] | None = None
        self._active: set[int] = set()
        self._linked: dict[tuple[int, str], int | None] = {}

    def _load(self) -> dict[str, list[int]]:
        if self._from_groups is None:
            self._from_groups = {r: [] for r in (*ROLE_GROUPS, "maintenance")}
            try:
                users = self.gateway.users()
            except OdooCallError as exc:
                log.warning("cannot read Odoo users and groups: %s", exc)
                users = []
            for user in sorted(users, key=lambda u: u.id):
                if not user.active:
                    continue
                self._active.add(user.id)
                if MAINTENANCE_MANAGERS in user.group_xmlids:
                    self._from_groups["maintenance"].append(user.id)
                for role in ("manager", "supervisor", "lead"):
                    if ROLE_GROUPS[role] in user.group_xmlids:
                        self._from_groups[role].append(user.id)
                        break
            if not any(self._from_groups.values()):
                log.warning(
                    "no Odoo user holds a callback role or Maintenance's manager group: "
                    "no callback person is set and no activity is scheduled"
                )
        return self._from_groups

    def _linked_staff(self, estate_id: int, role: str) -> int | None:
        """The estate's first active staff member in ``role`` linked to Odoo (read once)."""
        if (estate_id, role) not in self._linked:
            self._linked[(estate_id, role)] = self.session.exec(
                select(Staff.odoo_user_id)
                .where(
                    Staff.estate_id == estate_id,
                    Staff.role == role,
                    Staff.active == True,  # noqa: E712
                    col(Staff.odoo_user_id).is_not(None),
                )
                .order_by(col(Staff.id))
            ).first()
        return self._linked[(estate_id, role)]

    def user_for(self, estate_id: int, role: str, technician: int | None = None) -> int | None:
        staff = self._linked_staff(estate_id, role)
        if staff:
            return staff
        groups = self._load()
        for holder in ROLE_CHAIN.get(role, (role,)):
            if groups.get(holder):
                return groups[holder][0]
        if role == "lead" and technician and technician in self._active:
            if not self.gateway.has_addon:
                return technician
        found = groups.get("maintenance") or []
        return found[0] if found else None
