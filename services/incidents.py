"""Opening and reporting an incident, shared by the command line, the web pages and
the API: check what the person entered, number the incident, write its row, start
its workflow; send the ``report`` update with a bounded wait.
"""
from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from contracts.incidents import IncidentInput, IncidentReport, ReportOutcome
from config.loader import Config
from domain.calendar import VN_TZ
from domain.directory import Directory, Unit
from domain.incidents import due_of
from domain.policy import IncidentPolicy
from services.incident_views import forget_incident, incident_number, normalise_id, reserve_incident

# A detection time a little ahead of our clock is the reporter's clock being fast.
FUTURE_SLACK = timedelta(minutes=5)


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
        moment = moment.replace(tzinfo=VN_TZ)
    moment = moment.astimezone(timezone.utc)
    if moment > now + FUTURE_SLACK:
        raise IncidentInputError("Thời điểm phát hiện sự cố không thể ở tương lai.")
    return moment


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
            detected_at = detected_at.replace(tzinfo=VN_TZ)
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
    draft = draft_incident(config, unit=unit, title=title, detected_at=detected_at, severity=severity, now=now)
    if callable(client) and not hasattr(client, "start_workflow"):
        client = await client()
    policy: IncidentPolicy = config.policies.incident
    due = due_of(draft.detected_at, policy)
    incident_id = await _start_numbered(client, settings, draft, due, policy, opened_by)
    return OpenedIncident(incident_id, draft.unit.key, draft.unit.name, draft.detected_at, due)


# An incident's number is never given twice, even when the database was restored from a
# backup older than Temporal's history (or several databases share one server): a number
# Temporal already holds a workflow for is skipped.
MAX_TAKEN_NUMBERS = 200


async def _start_numbered(client, settings, draft: IncidentDraft, due: datetime, policy: IncidentPolicy,
                          opened_by: str) -> str:
    """Reserve the next number, start its workflow; skip numbers Temporal already knows."""
    from temporalio.common import WorkflowIDReusePolicy
    from temporalio.exceptions import WorkflowAlreadyStartedError

    from workflows.incident import IncidentWorkflow

    db = settings.database_url
    inp = IncidentInput(incident_id="", unit_key=draft.unit.key, unit_name=draft.unit.name, title=draft.title,
                        detected_at=draft.detected_at, severity=draft.severity, policy=policy, opened_by=opened_by)
    above = 0
    for _ in range(MAX_TAKEN_NUMBERS):
        incident_id = await asyncio.to_thread(reserve_incident, db, draft.unit.key, draft.title, draft.severity,
                                              draft.detected_at, due, above)
        try:
            await client.start_workflow(IncidentWorkflow.run, replace(inp, incident_id=incident_id), id=incident_id,
                                        task_queue=settings.task_queue,
                                        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE)
            return incident_id
        except WorkflowAlreadyStartedError:
            await asyncio.to_thread(forget_incident, db, incident_id)
            above = incident_number(incident_id)
        except BaseException:
            await asyncio.to_thread(forget_incident, db, incident_id)
            raise
    raise RuntimeError("no free incident number")


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


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat() if moment else None
