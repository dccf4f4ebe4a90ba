"""The staff page's served-at stamp: the server's signed word of when it served a job's staff
page to a signed-in person. A callback sent from that page may claim it was done at any time
since (a draft kept offline keeps its claim), never before; without a stamp the server's time
of receipt counts. So no value a phone sends can move a callback back into its window.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer

from .. import domain as d
from ..config import Settings

SALT = "huifang.staff-page-served"
#: A stamp older than this is no bound at all: the callback is dated when it arrives.
MAX_AGE = timedelta(days=7)


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=SALT)


def served_stamp(settings: Settings, *, staff_id: int, job_ref: str, now: datetime) -> str:
    """Sign "this page of ``job_ref`` was served to ``staff_id`` at ``now``"."""
    served = now.astimezone(UTC).isoformat()
    return _serializer(settings).dumps({"staff": staff_id, "job": job_ref, "served": served})


def served_at(
    settings: Settings, stamp: str | None, *, staff_id: int, job_ref: str, now: datetime
) -> datetime | None:
    """When the stamped page was served, or ``None`` without a stamp or with one past
    ``MAX_AGE``. A stamp that was altered, or that names another person or job, is refused."""
    if not stamp:
        return None
    try:
        data = _serializer(settings).loads(stamp)
    except BadSignature:
        raise d.InvalidInput("served: the page's stamp is not valid; reload the page") from None
    if not isinstance(data, dict) or data.get("staff") != staff_id or data.get("job") != job_ref:
        raise d.InvalidInput("served: the page was served for another person or job") from None
    try:
        moment = datetime.fromisoformat(str(data["served"]))
    except (KeyError, ValueError):
        raise d.InvalidInput("served: the page's stamp is not valid; reload the page") from None
    if moment.tzinfo is None or now - moment > MAX_AGE:
        return None
    return min(moment, now)


def claimed_done_at(
    *, now: datetime, held_ms: int, served: datetime | None, issued_at: datetime
) -> datetime:
    """When the callback counts as done: the server's time less what the page says it held the
    answer, but never before the page was served (nor the link issued); no stamp, no claim."""
    if served is None:
        return now
    return max(now - timedelta(milliseconds=held_ms), served, issued_at)
