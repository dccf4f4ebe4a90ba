"""Scoped API tokens: what the admin asks for, what is shown once, and what is listed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

from .core import ESTATE_CODE_PATTERN, Name, Strict, Time

__all__ = ["TokenCreatedOut", "TokenIn", "TokenOut", "TokenRole"]

TokenRole = Literal["manager", "supervisor", "lead", "integration", "readonly"]


class TokenIn(Strict):
    """``estate``: the one estate the token acts on (empty: every estate); ``expires_at``:
    when it stops working (empty: never)."""

    name: Name
    role: TokenRole
    estate: Annotated[str, StringConstraints(pattern=ESTATE_CODE_PATTERN)] | None = None
    expires_at: Time | None = None


class TokenOut(BaseModel):
    id: int
    name: str
    role: TokenRole
    estate: str | None
    prefix: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    state: Literal["active", "expired", "revoked"]


class TokenCreatedOut(TokenOut):
    token: str
