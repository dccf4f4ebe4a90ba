"""The REST API's bodies for staff members and their notifications. Unknown fields are
refused."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, StrictBool, StringConstraints

from .core import Id, Strict
from .text import CONTROLS, Documented, EstateCode, Name, Phone, one_line

StaffRole = Literal["manager", "supervisor", "lead", "worker"]

LOGIN_PATTERN = r"^[A-Za-z0-9._@-]{3,100}$"


def _login(value: str) -> str:
    if not re.fullmatch(LOGIN_PATTERN, value):
        raise ValueError("a login is 3-100 letters, digits, '.', '_', '@' or '-', e.g. wang.yghy")
    return value


Login = Annotated[str, AfterValidator(_login), Documented(LOGIN_PATTERN)]
#: Kept exactly as typed (never stripped); one line: no control characters.
Password = Annotated[
    str,
    StringConstraints(min_length=8, max_length=200),
    AfterValidator(one_line),
    Documented(rf"^[^{CONTROLS}]*$"),
]
STAFF_EMAIL_PATTERN = rf"^[^@\s{CONTROLS}]+@[^@\s{CONTROLS}]+\.[^@\s{CONTROLS}]+$"


def _staff_email(value: str) -> str:
    if not re.fullmatch(STAFF_EMAIL_PATTERN, value):
        raise ValueError("must be one e-mail address, such as wang@example.com")
    return value


StaffEmail = Annotated[
    str,
    StringConstraints(max_length=200),
    AfterValidator(_staff_email),
    Documented(STAFF_EMAIL_PATTERN),
]
NotifyBy = Literal["odoo", "email", "webhook", "log"]


class StaffIn(Strict):
    """A staff member; ``worker`` (a repair worker) receives rectification notices and records
    no callbacks. ``notify_by`` is the channel their notifications go out on; left out, it is
    ``odoo`` for someone linked to an Odoo user (an activity in their Odoo), else ``log``."""

    estate: EstateCode
    name: Name
    role: StaffRole
    login: Login | None = None
    password: Password | None = None
    odoo_user_id: Id | None = None
    active: StrictBool = True
    email: StaffEmail | None = None
    phone: Phone | None = None
    notify_by: NotifyBy | None = None
    language: Literal["zh_CN", "en"] = "zh_CN"


class StaffOut(BaseModel):
    id: int
    estate: str
    name: str
    role: StaffRole
    login: str | None
    odoo_user_id: int | None
    active: bool
    email: str | None
    phone: str | None
    notify_by: NotifyBy
    language: str


class NotificationOut(BaseModel):
    id: int
    kind: Literal["reminder", "escalation", "notice", "notice_late", "fix_late"]
    step: int | None
    job: str
    rectification: int | None
    recipient: str
    staff_id: int | None
    channel: NotifyBy
    status: Literal["queued", "sent", "failed"]
    created_at: datetime
    sent_at: datetime | None
    attempts: int
    error: str | None
