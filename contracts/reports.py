"""The data crossing the report workflow's boundary: what to build, what was built
and for whom, and what became of it."""

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ReportInput", "ReportOutcome", "ReportRequest", "RecipientInfo", "BuiltReport"]


@dataclass
class ReportInput:
    kind: str = "daily"                   # daily | weekly | period | monthly
    schedule_id: str = ""
    working_days_only: bool = True        # scheduled runs: nothing on non-working days
    send: bool = True
    as_of: str | None = None              # ISO instant; default: when the workflow starts
    period: str | None = None             # "2026Q1" / "2026-05" for period kinds


@dataclass
class ReportOutcome:
    skipped: bool = False
    reason: str = ""
    id: int | None = None
    url: str = ""
    as_of: str = ""
    kind: str = ""
    totals: dict = field(default_factory=dict)
    deliveries: list[dict] = field(default_factory=list)


@dataclass
class ReportRequest:
    kind: str = "daily"                 # daily | weekly | period (last quarter) | monthly (last month)
    as_of: str = ""                     # ISO instant; the workflow passes workflow.now()
    schedule_id: str = ""
    working_days_only: bool = True
    send: bool = True
    period: str | None = None           # "2026Q1" / "2026-05" for period kinds


@dataclass
class RecipientInfo:
    key: str
    name: str
    level: str
    targets: list[str] = field(default_factory=list)  # histories before keys-only: the URLs themselves
    groups: list[str] = field(default_factory=list)   # "chat" | "email": one delivery each


@dataclass
class BuiltReport:
    id: int
    kind: str
    as_of: str
    url: str
    title: str
    message_kind: str
    cycle: str                            # the day (YYYY-MM-DD): part of the delivery key
    link_expires_at: str
    context: dict[str, Any]               # for the delivery templates (link filled per recipient)
    recipients: list[RecipientInfo]
    totals: dict[str, Any] = field(default_factory=dict)
