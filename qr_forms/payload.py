"""Signed, expiring, purpose-scoped tokens for the QR codes on a callback form.

A printed callback form carries two QR codes: one for the callback staff (``/s/<token>``) and one
for the resident (``/r/<token>``). Each code holds a URL whose last segment is a token made here.
The token says which job it is for, who it is for (its *purpose*), when it was issued, and a
random *nonce*; it is signed with the deployment's secret so that nobody can forge or alter it.

The service decides what "used" means: to make a link single-use it stores the nonces it has
accepted and refuses a token whose nonce it has seen. This module only creates and checks tokens.

Tokens are kept short on purpose, because every character makes the QR code denser and harder to
scan from a crumpled paper form. A typical token is about 50 characters::

    s<nonce>.<job ref>.<timestamp>.<signature>
    sq3Zb1TkP.odoo-12345.Zp8xYA.Xo3f...(22 chars)

- the first character is the purpose (``s`` staff, ``r`` resident, ``w`` worker);
- the nonce is 8 URL-safe base64 characters (48 random bits) unless the caller gives one;
- the job ref is written as is when it only uses ``A-Z a-z 0-9 _ -``; any other ref is written
  as ``~`` followed by its UTF-8 bytes in URL-safe base64;
- timestamp and signature are added by :class:`itsdangerous.TimestampSigner`; the signature is
  HMAC-SHA256 truncated to 128 bits (the usual truncation for HMAC tags, RFC 2104 section 5).

Every character of the token is checked: a token is accepted only if it is byte for byte the
token that signing its content would give, so no alternative spelling of the same bytes passes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal, get_args

from itsdangerous import BadSignature, TimestampSigner
from itsdangerous.signer import SigningAlgorithm

__all__ = [
    "Purpose",
    "PURPOSES",
    "TokenData",
    "TokenError",
    "TokenExpired",
    "TokenInvalid",
    "TokenWrongPurpose",
    "make_token",
    "read_token",
    "build_form_url",
    "new_nonce",
]

Purpose = Literal["staff", "resident", "worker"]
"""Who a token is for: the callback staff member, the resident, or the repair worker (who
acknowledges a written rectification notice)."""

PURPOSES: Final[tuple[Purpose, ...]] = get_args(Purpose)

_PURPOSE_CODE: Final[dict[Purpose, str]] = {"staff": "s", "resident": "r", "worker": "w"}
_CODE_PURPOSE: Final[dict[str, Purpose]] = {code: p for p, code in _PURPOSE_CODE.items()}
_URL_PATH: Final[dict[Purpose, str]] = {"staff": "s", "resident": "r", "worker": "w"}

_SALT: Final = b"huifang.qr_forms.token.v1"
_SEP: Final = "."
_SIGNATURE_BYTES: Final = 16
_NONCE_BYTES: Final = 6
_MAX_NONCE_CHARS: Final = 32
_MAX_REF_CHARS: Final = 200
# A token minted by a server whose clock runs slightly ahead is still accepted.
_CLOCK_SKEW_SECONDS: Final = 300

_NONCE_RE: Final = re.compile(rf"[A-Za-z0-9_-]{{1,{_MAX_NONCE_CHARS}}}")
_PLAIN_REF_RE: Final = re.compile(r"[A-Za-z0-9_-]+")
_ENCODED_REF_MARK: Final = "~"


class TokenError(Exception):
    """Base class: the token cannot be accepted. Catch this to refuse any bad token."""


class TokenInvalid(TokenError):
    """The token is garbled, was altered, or was signed with another secret."""


class TokenExpired(TokenError):
    """The token is genuine but older than the allowed age.

    Attributes:
        data: the token's content, so a page can say which job the stale link was for.
        age_seconds: how old the token was when it was read.
    """

    def __init__(self, message: str, *, data: TokenData, age_seconds: int) -> None:
        super().__init__(message)
        self.data = data
        self.age_seconds = age_seconds


class TokenWrongPurpose(TokenError):
    """The token is genuine but was issued for the other audience (staff, resident or worker).

    Attributes:
        expected: the purpose the reader asked for.
        actual: the purpose written in the token.
    """

    def __init__(self, message: str, *, expected: Purpose, actual: Purpose) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True, slots=True)
class TokenData:
    """What a genuine token says.

    Attributes:
        job_ref: the job's reference, unique in the deployment (e.g. ``"odoo-12345"``).
        purpose: ``"staff"``, ``"resident"`` or ``"worker"``.
        nonce: random URL-safe string; the service stores used nonces for single use.
        issued_at: when the token was made, an aware UTC datetime (whole seconds).
    """

    job_ref: str
    purpose: Purpose
    nonce: str
    issued_at: datetime


class _TruncatedHmacSha256(SigningAlgorithm):
    """HMAC-SHA256 cut to 128 bits: as strong as forgery resistance needs, 21 chars shorter."""

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.new(key, value, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


class _FormSigner(TimestampSigner):
    """A :class:`TimestampSigner` whose clock can be fixed (for tests and for re-signing)."""

    def __init__(self, secret: str, *, timestamp: int | None = None) -> None:
        super().__init__(
            secret,
            salt=_SALT,
            sep=_SEP,
            key_derivation="hmac",
            digest_method=hashlib.sha256,
            algorithm=_TruncatedHmacSha256(),
        )
        self._fixed_timestamp = timestamp

    def get_timestamp(self) -> int:
        if self._fixed_timestamp is not None:
            return self._fixed_timestamp
        return super().get_timestamp()


def new_nonce() -> str:
    """Return a fresh random nonce: 8 URL-safe characters (48 bits)."""
    return secrets.token_urlsafe(_NONCE_BYTES)


def make_token(
    secret: str,
    *,
    purpose: Purpose,
    job_ref: str,
    nonce: str | None = None,
    now: datetime | None = None,
) -> str:
    """Make a signed token for one job and one audience.

    Args:
        secret: the deployment's signing secret (``HUIFANG_SECRET_KEY``); must not be empty.
        purpose: ``"staff"``, ``"resident"`` or ``"worker"``.
        job_ref: the job's reference; any non-empty string up to 200 characters.
        nonce: URL-safe string (``A-Z a-z 0-9 _ -``, 1-32 chars); a random one when omitted.
        now: the issue time, an aware datetime; the current time when omitted.

    Returns:
        The token, URL-safe, usable as one path segment.

    Raises:
        ValueError: an empty secret, an unknown purpose, an empty or over-long job ref, a nonce
            outside the allowed alphabet or length, or a naive ``now``.
    """
    _check_secret(secret)
    _check_purpose(purpose)
    if not job_ref or len(job_ref) > _MAX_REF_CHARS:
        raise ValueError(f"job_ref must have 1 to {_MAX_REF_CHARS} characters")
    if nonce is None:
        nonce = new_nonce()
    elif not _NONCE_RE.fullmatch(nonce):
        raise ValueError(f"nonce must be 1 to {_MAX_NONCE_CHARS} characters of A-Z a-z 0-9 _ -")
    timestamp = None if now is None else _epoch_seconds(now)
    value = _PURPOSE_CODE[purpose] + nonce + _SEP + _encode_ref(job_ref)
    return _FormSigner(secret, timestamp=timestamp).sign(value).decode("ascii")


def read_token(
    secret: str,
    token: str,
    *,
    purpose: Purpose,
    max_age_seconds: int,
    now: datetime | None = None,
) -> TokenData:
    """Check a token and return what it says.

    The checks run in this order: signature (any altered character fails), purpose, age.

    Args:
        secret: the secret the token was signed with.
        token: the token as found in the URL.
        purpose: the audience of the page reading it; a token for the other audience fails.
        max_age_seconds: the oldest acceptable token, in seconds (>= 0).
        now: the current time, an aware datetime; the real clock when omitted.

    Returns:
        The token's content.

    Raises:
        TokenInvalid: the token is garbled, altered, signed with another secret, or issued more
            than five minutes in the future.
        TokenWrongPurpose: the token is genuine but for the other purpose.
        TokenExpired: the token is genuine but older than ``max_age_seconds``.
        ValueError: an empty secret, an unknown purpose, a negative age or a naive ``now``.
    """
    _check_secret(secret)
    _check_purpose(purpose)
    if max_age_seconds < 0:
        raise ValueError("max_age_seconds must not be negative")
    data = _verify(secret, token)
    if data.purpose != purpose:
        raise TokenWrongPurpose(
            f"token is for {data.purpose}, not {purpose}", expected=purpose, actual=data.purpose
        )
    now_ts = _epoch_seconds(now) if now is not None else _FormSigner(secret).get_timestamp()
    age = now_ts - int(data.issued_at.timestamp())
    if age < -_CLOCK_SKEW_SECONDS:
        raise TokenInvalid("token is issued in the future")
    if age > max_age_seconds:
        raise TokenExpired(
            f"token is {age} s old, more than {max_age_seconds} s", data=data, age_seconds=age
        )
    return data


def build_form_url(base_url: str, purpose: Purpose, token: str) -> str:
    """Return the URL a QR code carries: ``{base}/s/{token}`` (staff) or ``{base}/r/{token}``.

    Args:
        base_url: the public address of the service, e.g. ``"https://wy.example.com"``; a
            trailing slash is ignored. It may include a path prefix.
        purpose: ``"staff"``, ``"resident"`` or ``"worker"``.
        token: a token from :func:`make_token`.

    Raises:
        ValueError: the base URL is not ``http://`` or ``https://``, the purpose is unknown, or
            the token is empty or contains characters a token never has.
    """
    _check_purpose(purpose)
    if not base_url.startswith(("https://", "http://")):
        raise ValueError("base_url must start with https:// or http://")
    if not token or not re.fullmatch(r"[A-Za-z0-9_.~-]+", token):
        raise ValueError("token must be a non-empty URL-safe string")
    return f"{base_url.rstrip('/')}/{_URL_PATH[purpose]}/{token}"


def _verify(secret: str, token: str) -> TokenData:
    """Verify signature and canonical form, then parse; raise TokenInvalid on any failure."""
    if not token.isascii():
        raise TokenInvalid("token contains non-ASCII characters")
    try:
        raw_value, issued_at = _FormSigner(secret).unsign(token, return_timestamp=True)
    except BadSignature as exc:  # BadTimeSignature is a subclass
        raise TokenInvalid("token signature does not match") from exc
    timestamp = int(issued_at.timestamp())
    # Base64 lets a few characters be spelt two ways (unused low bits, leading zero bytes);
    # accept only the spelling signing would produce, so that every character counts.
    resigned = _FormSigner(secret, timestamp=timestamp).sign(raw_value).decode("ascii")
    if not hmac.compare_digest(resigned, token):
        raise TokenInvalid("token is not in canonical form")
    value = raw_value.decode("ascii")
    head, sep, ref_text = value.partition(_SEP)
    if not sep or len(head) < 2 or head[0] not in _CODE_PURPOSE:
        raise TokenInvalid("token content is malformed")
    job_ref = _decode_ref(ref_text)
    return TokenData(
        job_ref=job_ref, purpose=_CODE_PURPOSE[head[0]], nonce=head[1:], issued_at=issued_at
    )


def _encode_ref(job_ref: str) -> str:
    if _PLAIN_REF_RE.fullmatch(job_ref):
        return job_ref
    encoded = base64.urlsafe_b64encode(job_ref.encode("utf-8")).rstrip(b"=")
    return _ENCODED_REF_MARK + encoded.decode("ascii")


def _decode_ref(text: str) -> str:
    if not text.startswith(_ENCODED_REF_MARK):
        if not _PLAIN_REF_RE.fullmatch(text):
            raise TokenInvalid("token job ref is malformed")
        return text
    body = text[1:]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise TokenInvalid("token job ref is malformed") from exc


def _epoch_seconds(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return int(moment.astimezone(UTC).timestamp())


def _check_secret(secret: str) -> None:
    if not secret:
        raise ValueError("secret must not be empty")


def _check_purpose(purpose: str) -> None:
    if purpose not in _PURPOSE_CODE:
        raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}, not {purpose!r}")
