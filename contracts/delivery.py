"""What a message is, as it crosses the workflow boundary: to whom (a recipient and
its channels), what (a template kind and its context), and what became of it."""

from dataclasses import dataclass, field

from domain.recipients import Recipient

__all__ = ["Recipient", "DeliverRequest", "DeliverResult"]


@dataclass
class DeliverRequest:
    subject_id: str
    cycle: str
    step: str
    kind: str                         # template kind, see notifiers/render.py
    recipient: Recipient
    context: dict = field(default_factory=dict)
    link_purpose: str | None = None   # "confirm" | "incident" | "report" | "extend"
    link_expires_at: str | None = None  # ISO 8601, aware: an exact expiry (else see link_valid_from)
    # The link works for the configured days of its purpose ([links]) from this moment
    # (ISO, aware; the later of the send and the deadline), or from the send if None.
    link_valid_from: str | None = None
    # Only this group of the recipient's channels ("chat" | "email"), when the recipient
    # carries no targets and they are looked up at send time.
    channel_group: str | None = None
    standing_office: Recipient | None = None  # told when no channel works; else the activity's default


@dataclass
class DeliverResult:
    key: str
    status: str                       # "sent" | "failed" | "skipped"
    channel: str
    attempts: int
    error: str
