"""The data crossing the incident workflow's boundary: its input and carried state,
the report update, the query's answer, and the activities' requests and results."""

from dataclasses import dataclass, field
from datetime import datetime

from contracts.delivery import Recipient
from domain.policy import IncidentPolicy

__all__ = [
    "IncidentReport", "ReportOutcome", "IncidentStep", "IncidentCarry", "IncidentInput", "IncidentStatus",
    "RecipientsRequest", "RecipientsResult", "IncidentProjection",
]


@dataclass
class IncidentReport:
    """The ``report`` update's input: what the unit reports (web form, CLI, API)."""
    key: str                          # idempotency key: the same key twice is one report
    number: str                       # số ký hiệu of the report document
    issued_on: str                    # ngày ban hành, ISO YYYY-MM-DD
    summary: str                      # trích yếu nội dung
    followed_coordination: bool       # followed the specialised force's coordination
    reporter: str = ""                # recipient key from the signed link, or "cli" / "api:<user>"
    note: str = ""


@dataclass
class ReportOutcome:
    incident_id: str
    status: str                       # "reported"
    result: str                       # "on_time" | "late"
    reported_at: datetime
    due_at: datetime
    report: IncidentReport
    first: bool = True                # False: already reported; this submission changed nothing


@dataclass
class IncidentStep:
    name: str                         # alert | remind-N | escalate-N
    at: datetime                      # aware UTC
    kind: str                         # alert | reminder | escalation
    levels: list[str] = field(default_factory=list)


@dataclass
class IncidentCarry:
    """State handed to the next run by continue-as-new."""
    opened_at: datetime
    recipients: list[Recipient]
    standing_office: Recipient | None
    alerted: list[str]                # recipient keys already messaged
    steps_sent: list[str]
    late: bool
    next_escalation: int              # number of the next "escalate-N"
    next_escalation_at: datetime
    report_keys: list[str] = field(default_factory=list)


@dataclass
class IncidentInput:
    incident_id: str                  # = workflow id (domain.identity.incident_workflow_id)
    unit_key: str
    unit_name: str
    title: str
    detected_at: datetime             # aware
    severity: str = ""
    policy: IncidentPolicy = field(default_factory=IncidentPolicy)
    opened_by: str = ""
    carry: IncidentCarry | None = None


@dataclass
class IncidentStatus:
    incident_id: str
    unit_key: str
    unit_name: str
    title: str
    severity: str
    detected_at: datetime
    due_at: datetime
    status: str                       # open | reported
    result: str | None                # None while open and in time; "late" once the window closed
    late: bool
    reported_at: datetime | None
    report: IncidentReport | None
    steps_sent: list[str]
    next_step: str | None
    next_step_at: datetime | None
    alerted: list[str]


@dataclass
class RecipientsRequest:
    unit_key: str
    levels: list[str]


@dataclass
class RecipientsResult:
    recipients: list[Recipient]
    missing: list[str] = field(default_factory=list)   # levels that have nobody configured
    standing_office: Recipient | None = None           # told when a recipient has no working channel


@dataclass
class IncidentProjection:
    """One write to the store: the incident row's state plus one timeline event."""
    incident_id: str
    unit: str
    title: str
    severity: str
    detected_at: datetime
    due_at: datetime
    status: str
    result: str | None
    reported_at: datetime | None = None
    report: dict | None = None
    event_kind: str = ""              # incident_opened | incident_step | incident_late | incident_reported
    event_key: str = ""               # idempotency of the event (subject + what happened)
    event_data: dict = field(default_factory=dict)
