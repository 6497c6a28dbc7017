"""Incidents: the activities the incident workflow calls, and the service functions
the command line, the web pages and the API share (open, show, list, report).

Activities (class ``IncidentActivities``, holding its dependencies):
  - ``incident_recipients``: the unit, its lead official and the supervisors from the
    directory, resolved once when the incident opens (the chain is copied into the
    incident, as Grafana OnCall copies it into an alert);
  - ``record_incident``: the store projection -- the ``incidents`` row and one
    timeline event, idempotent by the event's key so a retried activity logs once.

Service functions (no Temporal worker needed):
  - ``open_incident``: match the unit, read the detection time, give the incident its
    number (``incident/N``), write the row and start the workflow;
  - ``incident_view`` / ``list_incidents``: what ``incident show`` / ``list`` print,
    read from the store (works while Temporal is away);
  - ``report_incident``: the ``report`` update with a bounded RPC timeout.
"""
from __future__ import annotations

import asyncio
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from temporalio import activity

from activities.deliver import Recipient
from config.directory import Directory, Unit
from config.loader import Config
from domain.identity import incident_workflow_id
from domain.policy import IncidentPolicy
VIETNAM = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh has no DST

# -- data crossing the workflow boundary (one dataclass in and out of everything) ----

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


SUPERVISORS_KEY = "supervisors"
# A detection time a little ahead of our clock is the reporter's clock being fast.
FUTURE_SLACK = timedelta(minutes=5)
_ID_NUMBER = re.compile(r"^incident/(\d+)$")


def duration_words(seconds: int) -> str:
    """Time left or overdue in Vietnamese words, for the CLI and the pages alike."""
    hours, rest = divmod(int(seconds), 3600)
    minutes = rest // 60
    if hours >= 48:
        return f"{hours // 24} ngày {hours % 24} giờ"
    if hours:
        return f"{hours} giờ {minutes} phút"
    return f"{minutes} phút" if minutes else f"{int(seconds)} giây"


# -- recipients ---------------------------------------------------------------------

def resolve_recipients(directory: Directory, unit_key: str, levels: list[str]) -> RecipientsResult:
    """The unit, its lead official and the supervisors, as delivery recipients.

    A level with nobody (or nobody with a channel) configured is named in
    ``missing``; the delivery activity reports channel-less recipients to the
    standing office, so nothing is dropped silently.
    """
    unit = directory.unit(unit_key)
    out: list[Recipient] = []
    missing: list[str] = []
    if "unit" in levels:
        if unit is not None:
            out.append(Recipient(key=unit.key, name=unit.name, level="unit", targets=list(unit.targets)))
            if not unit.targets:
                missing.append("unit")
        else:
            missing.append("unit")
    if "lead" in levels:
        official = directory.official(unit.lead_official) if unit is not None and unit.lead_official else None
        if official is not None:
            name = f"{official.name} ({official.title})" if official.title else official.name
            out.append(Recipient(key=official.key, name=name, level="lead", targets=list(official.targets)))
            if not official.targets:
                missing.append("lead")
        else:
            missing.append("lead")
    if "supervisors" in levels:
        if directory.supervisors:
            out.append(Recipient(key=SUPERVISORS_KEY, name=directory.supervisors_name, level="supervisors",
                                 targets=list(directory.supervisors)))
        else:
            missing.append("supervisors")
    office = directory.standing_unit
    standing = (Recipient(key=office.key, name=office.name, level="standing_office", targets=list(office.targets))
                if office is not None else None)
    return RecipientsResult(recipients=out, missing=missing, standing_office=standing)


# -- the store projection --------------------------------------------------------------

def write_projection(database_url: str, p: IncidentProjection, now: datetime | None = None) -> bool:
    """Upsert the incident row and add the event; False when the event was there already."""
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Event, Incident

    now = now or datetime.now(timezone.utc)
    with session_scope(database_url) as session:
        row = session.get(Incident, p.incident_id)
        if row is None:
            row = Incident(id=p.incident_id)
            session.add(row)
        row.unit, row.title, row.severity = p.unit, p.title, p.severity
        row.detected_at, row.due_at = p.detected_at, p.due_at
        # Never reopen in the store what the workflow has closed (an older retried
        # write arriving late must not undo the report).
        if row.status != "reported" or p.status == "reported":
            row.status, row.result = p.status, p.result
            row.reported_at, row.report = p.reported_at, p.report
        if not p.event_key:
            return True
        exists = session.scalar(select(Event.id).where(Event.key == p.event_key))
        if exists is not None:
            return False
        session.add(Event(at=now, subject_id=p.incident_id, kind=p.event_kind, key=p.event_key,
                          data=p.event_data))
        return True


class IncidentActivities:
    """The incident workflow's activities, holding the store URL and the configuration."""

    def __init__(self, database_url: str, config: Config) -> None:
        self.database_url = database_url
        self.config = config

    @activity.defn(name="incident_recipients")
    async def recipients(self, request: RecipientsRequest) -> RecipientsResult:
        return resolve_recipients(self.config.directory, request.unit_key, list(request.levels))

    @activity.defn(name="record_incident")
    async def record(self, projection: IncidentProjection) -> bool:
        return await asyncio.to_thread(write_projection, self.database_url, projection)


# -- opening -----------------------------------------------------------------------------

class IncidentInputError(ValueError):
    """Something the person opening an incident must correct (message in Vietnamese)."""


def find_unit(directory: Directory, text: str) -> Unit:
    """A directory unit by key, name or alias (tolerant of tone marks and spacing)."""
    from domain.names import UnitMatcher

    text = (text or "").strip()
    if not text:
        raise IncidentInputError("Chưa nêu đơn vị (--unit).")
    unit = directory.unit(text) or UnitMatcher(directory).match(text)
    if unit is None:
        known = ", ".join(f"{u.key} ({u.name})" for u in directory.units)
        raise IncidentInputError(f"Không tìm thấy đơn vị '{text}' trong danh bạ. Các đơn vị: {known}")
    return unit


def parse_detected_at(text: str | None, now: datetime) -> datetime:
    """ISO-8601; without an offset it is Vietnam time. Never in the future."""
    if text is None or not str(text).strip():
        return now.astimezone(timezone.utc)
    raw = str(text).strip().replace(" ", "T", 1) if "T" not in str(text) else str(text).strip()
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise IncidentInputError(
            f"Thời điểm phát hiện '{text}' không hợp lệ; dùng ISO-8601, ví dụ 2026-06-01T08:30 "
            "(giờ Việt Nam) hoặc 2026-06-01T01:30:00+00:00.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM)
    moment = moment.astimezone(timezone.utc)
    if moment > now + FUTURE_SLACK:
        raise IncidentInputError("Thời điểm phát hiện sự cố không thể ở tương lai.")
    return moment


def _next_number(session) -> int:
    from sqlalchemy import select

    from store.models import Incident

    numbers = [int(m.group(1)) for m in (_ID_NUMBER.match(i) for i in
               session.scalars(select(Incident.id).where(Incident.id.like("incident/%")))) if m]
    return max(numbers, default=0) + 1


def reserve_incident(database_url: str, unit_key: str, title: str, severity: str, detected_at: datetime,
                     due_at: datetime) -> str:
    """Write the incident's row under the next free number; returns its id (= workflow id)."""
    from sqlalchemy.exc import IntegrityError

    from store.db import session_scope
    from store.models import Incident

    for _ in range(20):
        try:
            with session_scope(database_url) as session:
                incident_id = incident_workflow_id(_next_number(session))
                session.add(Incident(id=incident_id, unit=unit_key, title=title, severity=severity,
                                     detected_at=detected_at, due_at=due_at, status="open"))
            return incident_id
        except IntegrityError:
            continue  # another opener took this number: take the next
    raise RuntimeError("could not allocate an incident number")


def forget_incident(database_url: str, incident_id: str) -> None:
    from store.db import session_scope
    from store.models import Incident

    with session_scope(database_url) as session:
        row = session.get(Incident, incident_id)
        if row is not None:
            session.delete(row)


@dataclass
class OpenedIncident:
    id: str
    unit_key: str
    unit_name: str
    detected_at: datetime
    due_at: datetime


@dataclass
class IncidentDraft:
    """A validated request to open an incident (nothing written yet)."""
    unit: Unit
    title: str
    detected_at: datetime
    severity: str


def draft_incident(config: Config, *, unit: str, title: str, detected_at: str | datetime | None = None,
                   severity: str = "", now: datetime | None = None) -> IncidentDraft:
    """Check what the person entered; raises IncidentInputError (Vietnamese) otherwise."""
    now = now or datetime.now(timezone.utc)
    found = find_unit(config.directory, unit)
    title = " ".join((title or "").split())
    if not title:
        raise IncidentInputError("Chưa nêu tên/mô tả sự cố.")
    if len(title) > 2000:
        raise IncidentInputError("Tên sự cố quá dài (tối đa 2.000 ký tự).")
    if isinstance(detected_at, datetime):
        if detected_at.tzinfo is None:
            detected_at = detected_at.replace(tzinfo=VIETNAM)
        detected = detected_at.astimezone(timezone.utc)
        if detected > now + FUTURE_SLACK:
            raise IncidentInputError("Thời điểm phát hiện sự cố không thể ở tương lai.")
    else:
        detected = parse_detected_at(detected_at, now)
    return IncidentDraft(found, title, detected, " ".join((severity or "").split())[:30])


async def open_incident(client, settings, config: Config, *, unit: str, title: str,
                        detected_at: str | datetime | None = None, severity: str = "",
                        opened_by: str = "cli", now: datetime | None = None) -> OpenedIncident:
    """Open an incident: validate, number it, write its row, start its workflow.

    Raises IncidentInputError for what the person must correct; Temporal errors
    propagate (the row is removed again, so no phantom incident is left behind).
    ``client`` may be a Temporal client or an async callable returning one (called
    only once the input is valid, so a typo is reported even with Temporal away).
    """
    from workflows.incident import IncidentWorkflow, due_of

    draft = draft_incident(config, unit=unit, title=title, detected_at=detected_at, severity=severity, now=now)
    if callable(client) and not hasattr(client, "start_workflow"):
        client = await client()
    policy: IncidentPolicy = config.policies.incident
    due = due_of(draft.detected_at, policy)
    incident_id = await asyncio.to_thread(reserve_incident, settings.database_url, draft.unit.key, draft.title,
                                          draft.severity, draft.detected_at, due)
    inp = IncidentInput(incident_id=incident_id, unit_key=draft.unit.key, unit_name=draft.unit.name,
                        title=draft.title, detected_at=draft.detected_at, severity=draft.severity, policy=policy,
                        opened_by=opened_by)
    try:
        await client.start_workflow(IncidentWorkflow.run, inp, id=incident_id, task_queue=settings.task_queue)
    except BaseException:
        await asyncio.to_thread(forget_incident, settings.database_url, incident_id)
        raise
    return OpenedIncident(incident_id, draft.unit.key, draft.unit.name, draft.detected_at, due)


# -- reading -----------------------------------------------------------------------------

def normalise_id(text: str) -> str:
    text = (text or "").strip()
    return incident_workflow_id(text) if text.isdigit() else text


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat() if moment else None


def _unit_name(config: Config | None, key: str) -> str:
    unit = config.directory.unit(key) if config is not None else None
    return unit.name if unit else key


def _row_view(row, config: Config | None, now: datetime) -> dict[str, Any]:
    open_ = row.status != "reported"
    # "late" shows as soon as the window closes, before anyone reports.
    result = row.result if row.result else ("late" if open_ and now > row.due_at else None)
    left = (row.due_at - now).total_seconds() if open_ else None
    return {
        "id": row.id, "unit": _unit_name(config, row.unit), "unit_key": row.unit, "title": row.title,
        "severity": row.severity or None, "detected_at": _iso(row.detected_at), "due": _iso(row.due_at),
        "status": "reported" if not open_ else "open", "result": result,
        "reported_at": _iso(row.reported_at), "report": row.report,
        "seconds_left": int(left) if left is not None and left > 0 else (0 if left is not None else None),
        "seconds_overdue": int(-left) if left is not None and left < 0 else (0 if left is not None else None),
    }


def incident_view(database_url: str, config: Config | None, incident_id: str,
                  now: datetime | None = None) -> dict[str, Any] | None:
    """What ``incident show ID --json`` prints; None when there is no such incident."""
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Delivery, Event, Incident

    now = now or datetime.now(timezone.utc)
    incident_id = normalise_id(incident_id)
    with session_scope(database_url) as session:
        row = session.get(Incident, incident_id)
        if row is None:
            return None
        view = _row_view(row, config, now)
        deliveries = session.scalars(select(Delivery).where(Delivery.subject_id == incident_id)
                                     .order_by(Delivery.created_at, Delivery.id)).all()
        events = session.scalars(select(Event).where(Event.subject_id == incident_id)
                                 .order_by(Event.at, Event.id)).all()
        # One row per message (the delivery); its per-channel attempt rows carry a suffix.
        view["notifications"] = [{
            "step": d.step, "recipient": d.recipient, "channel": d.channel, "status": d.status,
            "attempts": d.attempts, "at": _iso(d.sent_at or d.created_at), "error": d.error or None,
        } for d in deliveries if d.key == f"{d.subject_id}|{d.cycle}|{d.step}|{d.recipient}"]
        view["events"] = [{"at": _iso(e.at), "kind": e.kind, "data": e.data} for e in events]
    return view


def list_incidents(database_url: str, config: Config | None, status: str | None = None,
                   now: datetime | None = None) -> list[dict[str, Any]]:
    """Every incident, open ones first (most overdue first), then the reported, newest first."""
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Incident

    now = now or datetime.now(timezone.utc)
    with session_scope(database_url) as session:
        query = select(Incident)
        if status:
            query = query.where(Incident.status == status)
        rows = session.scalars(query).all()
        views = [_row_view(r, config, now) for r in rows]
    open_ = sorted((v for v in views if v["status"] == "open"), key=lambda v: v["due"])
    done = sorted((v for v in views if v["status"] != "open"), key=lambda v: v["reported_at"] or "", reverse=True)
    return open_ + done


# -- reporting -----------------------------------------------------------------------------

class ReportRejected(Exception):
    """The workflow refused the report (its message says why, in Vietnamese)."""


class ReportUnavailable(Exception):
    """The workflow could not be reached in time: nothing was recorded (yet)."""


async def report_incident(client, incident_id: str, report: IncidentReport,
                          timeout_s: float = 10.0) -> ReportOutcome:
    """Send the ``report`` update, bounded in time. Raises ReportRejected,
    ReportUnavailable, or LookupError when the incident's workflow is gone."""
    from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
    from temporalio.service import RPCError, RPCStatusCode

    from workflows.incident import IncidentWorkflow

    incident_id = normalise_id(incident_id)
    handle = client.get_workflow_handle(incident_id)
    try:
        return await asyncio.wait_for(handle.execute_update(
            IncidentWorkflow.report, report, id=f"report:{incident_id}:{report.key}",
            rpc_timeout=timedelta(seconds=timeout_s)), timeout_s + 2)
    except WorkflowUpdateFailedError as err:
        cause = err.cause or err
        raise ReportRejected(str(getattr(cause, "message", "") or cause)) from None
    except (WorkflowUpdateRPCTimeoutOrCancelledError, asyncio.TimeoutError):
        raise ReportUnavailable("timeout") from None
    except RPCError as err:
        if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            raise LookupError(err.message) from None
        raise ReportUnavailable(f"{err.status.name}: {err.message}") from None


def outcome_dict(outcome: ReportOutcome) -> dict[str, Any]:
    data = asdict(outcome)
    data["reported_at"] = _iso(outcome.reported_at)
    data["due_at"] = _iso(outcome.due_at)
    return data


# -- the worker ------------------------------------------------------------------------------

def incident_worker_parts(settings, config: Config) -> tuple[list, list]:
    """What the worker registers for incidents: ([IncidentWorkflow], [its activities]).
    The workflow also calls ``deliver`` (activities/deliver.py), which the worker
    registers for the task workflows anyway."""
    from workflows.incident import IncidentWorkflow

    acts = IncidentActivities(settings.database_url, config)
    return [IncidentWorkflow], [acts.recipients, acts.record]
