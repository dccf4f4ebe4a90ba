"""Bodies for the resident's confirmation link sent by text, WeChat or e-mail: what the staff
page posts, what the REST API takes, and the record shown back (the address masked)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, StringConstraints

from .core import Name, Strict
from .text import CONTROLS, Documented

__all__ = [
    "EmailAddress",
    "ResidentChannel",
    "ResidentLinkIn",
    "ResidentLinkOut",
    "ResidentLinkRequest",
]

ResidentChannel = Literal["sms", "wechat", "email"]

# One address, nothing around it: no spaces or controls, one @, a dot in the domain, no two
# dots in a row; no display name.
_NOT_IN_ADDRESS = rf"@\s<>,;\"{CONTROLS}"
EMAIL_PATTERN = (
    rf"^(?!.*\.\.)[^{_NOT_IN_ADDRESS}]{{1,64}}@[^{_NOT_IN_ADDRESS}]+\.[^.{_NOT_IN_ADDRESS}]{{2,}}$"
)
_EMAIL = re.compile(EMAIL_PATTERN)


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("must be one e-mail address, such as wang@example.com")
    return value


EmailAddress = Annotated[
    str, StringConstraints(max_length=200), AfterValidator(_email), Documented(EMAIL_PATTERN)
]


class ResidentLinkIn(Strict):
    """What the staff page posts: the way to reach the resident, and for e-mail the address
    (a resident's e-mail is not kept on the job). A text or WeChat message goes to the job's
    own resident phone."""

    channel: ResidentChannel
    to: EmailAddress | None = None
    language: Literal["zh_CN", "en"] = "zh_CN"


class ResidentLinkRequest(ResidentLinkIn):
    """``POST /api/v1/jobs/{ref}/resident-link``: as the page, plus who asked for it (the
    caller's name when omitted)."""

    requested_by: Name | None = None


class ResidentLinkOut(BaseModel):
    id: int
    job: str
    channel: ResidentChannel
    to: str  # masked: 138****5678, z***@example.com
    language: str
    requested_by: str
    status: Literal["queued", "sent", "failed"]
    created_at: datetime
    sent_at: datetime | None
    attempts: int
    error: str | None
