"""Signed links in reminders: ``{public_url}/{c|i|r|g}/{token}``.

A token is bound to (subject_id, cycle, recipient, purpose) and carries its expiry;
itsdangerous signs it with the settings' secret key (HMAC-SHA1 over a compact JSON
payload, URL-safe). Nothing is stored: the server only needs the key to check a
link, so links survive restarts and work on any web instance.

The page behind a link (web issue) must still check that the claims match the
page it serves (purpose and, for a task, that the cycle is the one open) -- the
signature only says we made this link for this task, cycle and recipient.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from itsdangerous import BadPayload, BadSignature, URLSafeSerializer

# Purpose -> path prefix. "extend" is the lead official's approve/decline link (gia hạn);
# "indicator" is a unit's page for reporting an indicator's value (kết quả chỉ tiêu).
PATHS = {"confirm": "c", "incident": "i", "report": "r", "extend": "g", "indicator": "k"}
_SALT = "dondoc.link.v1"
_TOKEN_SHAPE = re.compile(r"^\.?[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+$")  # a leading "." marks a compressed payload

MESSAGES = {
    "forged": ("Đường dẫn không hợp lệ hoặc đã bị sửa đổi. Vui lòng mở đúng đường dẫn trong tin nhắn "
               "nhắc việc gần nhất, hoặc liên hệ Văn phòng (bộ phận thường trực) để được gửi lại."),
    "expired": ("Đường dẫn đã hết hạn. Vui lòng dùng đường dẫn trong tin nhắn nhắc việc mới nhất, "
                "hoặc liên hệ Văn phòng (bộ phận thường trực) để được cấp đường dẫn mới."),
    "revoked": ("Đường dẫn này đã bị Văn phòng thu hồi. Vui lòng dùng đường dẫn trong tin nhắn mới nhất, "
                "hoặc liên hệ Văn phòng (bộ phận thường trực) để được gửi lại."),
    "malformed": ("Đường dẫn không đầy đủ (có thể đã bị cắt khi sao chép). Vui lòng mở lại toàn bộ "
                  "đường dẫn trong tin nhắn, hoặc bấm trực tiếp vào đường dẫn."),
}


@dataclass(frozen=True)
class LinkLifetimes:
    """How long a link works, in days, per purpose, counted from the later of the
    message and the deadline it is about (``[links]`` in the configuration)."""
    confirm: int = 30      # a task's confirmation page
    incident: int = 7      # an incident's report page
    report: int = 90       # a daily or period report's page
    extend: int = 30       # the lead official's approve/decline page
    other: int = 60        # anything else

    def days(self, purpose: str) -> int:
        return int(getattr(self, purpose, self.other)) if purpose in PATHS else self.other


class LinkError(Exception):
    """A link we cannot honour. ``reason`` in {"forged", "expired", "revoked", "malformed"};
    ``message`` tells the officer, in Vietnamese, what to do."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.message = MESSAGES[reason]
        super().__init__(f"{reason}: {self.message}")


@dataclass(frozen=True)
class LinkClaims:
    subject_id: str
    cycle: str
    recipient: str
    purpose: str
    expires_at: datetime  # aware UTC


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


def _aware(moment: datetime | str) -> datetime:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        raise ValueError("naive datetime given for a link expiry; use aware UTC")
    return moment.astimezone(timezone.utc)


def make_token(secret: str, subject_id: str, cycle: str, recipient: str, purpose: str,
               expires_at: datetime | str) -> str:
    if purpose not in PATHS:
        raise ValueError(f"unknown link purpose {purpose!r}; expected one of {sorted(PATHS)}")
    payload = {"s": subject_id, "c": cycle, "r": recipient, "p": purpose,
               "e": int(_aware(expires_at).timestamp())}
    return _serializer(secret).dumps(payload)


def make_link(secret: str, public_url: str, subject_id: str, cycle: str, recipient: str,
              purpose: str = "confirm", *, expires_at: datetime | str) -> str:
    """The URL to put in a message: ``{public_url}/{c|i|r|g}/{token}``."""
    token = make_token(secret, subject_id, cycle, recipient, purpose, expires_at)
    return f"{public_url.rstrip('/')}/{PATHS[purpose]}/{token}"


def verify(secret: str, token: str, now: datetime) -> LinkClaims:
    """The claims of a token we signed and that has not expired; else LinkError."""
    token = (token or "").strip()
    if not _TOKEN_SHAPE.match(token):
        raise LinkError("malformed")
    try:
        payload = _serializer(secret).loads(token)
    except BadPayload:  # signed by us, yet not decodable: never a valid link
        raise LinkError("malformed") from None
    except BadSignature:  # altered, made with another key, or invented
        raise LinkError("forged") from None
    claims = _claims(payload)
    if _aware(now) >= claims.expires_at:
        raise LinkError("expired")
    return claims


def _claims(payload: object) -> LinkClaims:
    try:
        assert isinstance(payload, dict)
        subject_id, cycle, recipient, purpose = (payload[k] for k in ("s", "c", "r", "p"))
        assert all(isinstance(v, str) for v in (subject_id, cycle, recipient, purpose))
        assert purpose in PATHS
        expires_at = datetime.fromtimestamp(int(payload["e"]), timezone.utc)
    except (AssertionError, KeyError, TypeError, ValueError, OverflowError):
        raise LinkError("malformed") from None
    return LinkClaims(subject_id, cycle, recipient, purpose, expires_at)


def token_from_url(url: str) -> str:
    """The token part of a link (handy for tests and the CLI)."""
    return url.rstrip("/").rsplit("/", 1)[-1]
