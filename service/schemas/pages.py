"""Bodies the phone pages post: the resident's answer and signature, the staff member's callback."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictBool

from ..domain import Channel, Satisfaction
from .core import CallbackAnswers, Id, LongText, Name, Strict, SubmissionKey, Whole
from .text import Line, OneLine

#: The server's signed stamp of when it served a page (``usecases.page_stamps``).
ServedStamp = Line(600)


class SignatureIn(Strict):
    signer_name: Name | None = None
    # Its size is checked with the image (HUIFANG_SIGNATURE_MAX_BYTES).
    signature: OneLine | None = Field(default=None, description="PNG data URL from the canvas")
    strokes: Any | None = None
    refused: StrictBool = False
    refuse_reason: LongText | None = None


class ResidentAnswer(SignatureIn):
    satisfaction: Satisfaction
    comment: LongText | None = None
    # The resident disputes the charge shown (one tap), optionally saying why.
    charge_disputed: StrictBool = False
    charge_note: LongText | None = None
    submission_key: SubmissionKey


MAX_HELD_MS = 24 * 3600 * 1000


class _StaffHow(Strict):
    channel: Channel
    # How long the page held the answer before this send (a draft resent after a dropped
    # connection): the callback is dated by the server's clock minus this, whatever the phone's
    # clock says, but never before ``served`` (the server's signed stamp of when it served the
    # page to this person) and at most a day back; without a stamp, at the server's time.
    held_ms: Whole = Field(default=0, ge=0, le=MAX_HELD_MS)
    served: ServedStamp | None = None


class StaffAnswer(CallbackAnswers, _StaffHow):
    """The staff page's callback: its answers, signed in as the staff member who called back."""

    attempt_id: Id | None = None
    resident: SignatureIn | None = None
    submission_key: SubmissionKey
