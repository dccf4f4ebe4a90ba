"""Tables of the phone pages: which form links were used, and the signatures taken with them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ..models import UTCDateTime, utcnow


class FormTokenUse(SQLModel, table=True):
    """One accepted submission of a form link. The unique nonce makes a link single-use even
    when two submissions race: the second insert fails and its whole transaction rolls back."""

    __tablename__ = "form_token_uses"

    id: int | None = Field(default=None, primary_key=True)
    nonce: str = Field(max_length=40, unique=True)
    purpose: str = Field(max_length=16)  # staff | resident
    job_id: int = Field(foreign_key="jobs.id", index=True)
    callback_id: int | None = Field(default=None, foreign_key="callbacks.id")
    # Chosen by the page for one submission: a resend after a lost reply gets the same answer.
    submission_key: str = Field(max_length=64)
    actor: str = Field(max_length=100)
    used_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False, default=utcnow))


class Signature(SQLModel, table=True):
    """The visited person's answer and signature (or refusal to sign), as submitted."""

    __tablename__ = "signatures"

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="jobs.id", index=True)
    # The callback it confirms; empty while the resident signed before any callback was recorded.
    callback_id: int | None = Field(default=None, foreign_key="callbacks.id", index=True)
    token_use_id: int = Field(foreign_key="form_token_uses.id", unique=True)
    taken_on: str = Field(max_length=16)  # resident (own phone) | staff (staff phone)
    signer_name: str | None = Field(default=None, max_length=100)
    signed_at: datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    refused: bool = False
    refuse_reason: str | None = None
    satisfaction: str | None = Field(default=None, max_length=20)
    comment: str | None = None
    png: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary(), nullable=True))
    width: int | None = None
    height: int | None = None
    strokes: Any | None = Field(default=None, sa_column=sa.Column(sa.JSON(), nullable=True))
    sha256: str | None = Field(default=None, max_length=64)
