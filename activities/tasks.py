"""The task workflow's reach into the world, and the service functions around it.

Activities (class ``TaskActivities``, holding the store URL and the configuration):
  - ``task_plan``: the concrete ladder steps (domain/ladder.py) under the working
    calendar read from the configuration -- the answer is recorded in history, so a
    holiday table changed by a later release never alters a replay;
  - ``task_cycle``: a report period (recurring) or the one deadline (one-off) with
    its due day and instant;
  - ``task_recipients``: the lead unit(s), the lead official, the supervisors; a unit
    the directory does not know goes to the standing office;
  - ``task_record``: the store projection -- the task row, its cycle row and one
    timeline event, idempotent by the event's key.

Service functions (no worker needed): ``start_task`` (import and ``task add``),
``task_view`` / ``list_tasks`` (``task show`` / ``task list``, read from the store).
"""
from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

from temporalio import activity

from config.logging import get_logger

from domain.directory import Directory
from domain.calendar import VN_TZ, WorkingCalendar
from domain.recipients import resolve
from domain.ladder import (
    CyclePeriod, Due, PlannedStep, due_of, first_cycle, next_cycle, plan_after, plan_from,
    working_days_between,
)
from contracts.tasks import (
    AmendInput, CycleInfo, CycleRequest, PlanRequest, PlanResult, RecipientsRequest, StepPlan, TaskInput,
    TaskProjection, TaskRecipients, TaskSpec,
)

TASK_WORKFLOW = "TaskWorkflow"


# -- pure helpers (tested without Temporal) ----------------------------------------

def plan_steps(cal: WorkingCalendar, req: PlanRequest) -> PlanResult:
    policy = req.ladder or req.recurring
    if policy is None:
        raise ValueError("a plan needs a policy")
    due = Due(date.fromisoformat(req.due), req.due_at)
    if req.mode == "more":
        steps = plan_after(due, policy, cal, req.after or "", req.repeats)
    else:
        # Calm start only on a first assignment: a deadline moved into the past by an
        # amendment follows the ladder as it stands.
        calm = getattr(policy, "calm_start", 0) if req.mode == "start" else 0
        steps = plan_from(due, policy, cal, req.now, req.repeats, calm=calm)
        if req.mode == "replan":
            # A changed deadline is announced by the workflow's own "amended" notice.
            steps = [s for s in steps if s.name != "assigned"]
    notice_at = cal.next_office_instant(req.now) if policy.office_hours else req.now
    return PlanResult([_step_plan(s, due, cal) for s in steps], notice_at)


def _step_plan(step: PlannedStep, due: Due, cal: WorkingCalendar) -> StepPlan:
    day = step.at.astimezone(VN_TZ).date()
    return StepPlan(step.name, step.at, list(step.levels), step.kind, working_days_between(cal, day, due.day))


def cycle_info(cal: WorkingCalendar, req: CycleRequest) -> CycleInfo:
    if req.recurring is None:  # a one-off task: its one deadline
        due = due_of(cal, date.fromisoformat(req.due) if req.due else None, req.due_at)
        return CycleInfo("", 1, due.day.isoformat(), due.at)
    if req.previous is None:
        period = first_cycle(req.every, req.recurring, cal, req.now)
    else:
        prev = req.previous
        period = next_cycle(req.every, req.recurring, cal,
                            CyclePeriod(prev.period, prev.index, Due(date.fromisoformat(prev.due), prev.due_at)))
    return CycleInfo(period.period, period.index, period.due.day.isoformat(), period.due.at)


def resolve_recipients(directory: Directory, lead_units: list[str], lead_official: str | None,
                       levels: list[str]) -> TaskRecipients:
    """Recipients for the levels of one step. A unit the directory does not know
    (an unmatched name from a document) is held by the standing office."""
    found = resolve(directory, list(lead_units), list(levels), official=lead_official, unknown_unit="standing_office")
    return TaskRecipients(found.recipients, found.missing, found.standing_office)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def write_projection(database_url: str, p: TaskProjection) -> bool:
    """Upsert the task row (and cycle row) and add the event; False if the event was
    there already (a retried activity)."""
    from sqlalchemy import select

    from store.db import write_scope
    from store.models import Cycle, Event, Task

    now = datetime.now(timezone.utc)
    with write_scope(database_url) as session:
        row = session.get(Task, p.task.id)
        if row is None:
            row = Task(id=p.task.id, **_row_fields(p.task))
            session.add(row)
        # Never reopen what the workflow closed (an older retried write arriving late).
        if row.status == "open" or p.status != "open":
            row.status, row.result, row.level = p.status, p.result, p.level
            row.completed_on = _day(p.completed_on)
            row.evidence = p.evidence
        if p.cycle is not None and p.cycle.period == "":
            row.due = _day(p.cycle.due)
            if p.task.due_at is not None or p.cycle.due_at is not None:
                row.raw = {**(row.raw or {}), "due_at": p.cycle.due_at.isoformat()}
        if p.cycle is not None and p.cycle.period:
            _write_cycle(session, Cycle, p.task.id, p.cycle)
        if not p.event_key:
            return True
        if session.scalar(select(Event.id).where(Event.key == p.event_key)) is not None:
            return False
        session.add(Event(at=p.event_at or now, subject_id=p.task.id, kind=p.event_kind, key=p.event_key,
                          data=p.event_data))
        return True


def _write_cycle(session, Cycle, task_id: str, c: CycleInfo) -> None:
    from sqlalchemy import select

    row = session.scalar(select(Cycle).where(Cycle.task_id == task_id, Cycle.period == c.period))
    if row is None:
        row = Cycle(task_id=task_id, period=c.period)
        session.add(row)
    if row.status == "reported" and c.status != "reported":
        return  # a late retried write never undoes a report
    row.due, row.status, row.result = _day(c.due), c.status, c.result
    row.reported_on, row.evidence = _day(c.reported_on), c.evidence


def _row_fields(spec: TaskSpec) -> dict[str, Any]:
    raw = {"due_at": spec.due_at.isoformat()} if spec.due_at else {}
    return dict(stt=spec.stt, title=spec.title, lead_units=list(spec.lead_units),
                lead_official=spec.lead_official, output=spec.output, deadline_raw=spec.deadline_raw,
                deadline_kind=spec.deadline_kind, due=_day(spec.due), every=spec.every, raw=raw)


_log = get_logger()


# -- the activities ---------------------------------------------------------------

class TaskActivities:
    """Holds the store URL and the configuration (a Config, or a callable returning
    one so a long-running worker can pick up a new holiday table)."""

    def __init__(self, database_url: str, config: Any | Callable[[], Any]) -> None:
        self.database_url = database_url
        self._config = config

    def config(self):
        return self._config() if callable(self._config) else self._config

    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.config().calendar)

    @activity.defn(name="task_plan")
    async def plan(self, req: PlanRequest) -> PlanResult:
        return plan_steps(self.calendar(), req)

    @activity.defn(name="task_cycle")
    async def cycle(self, req: CycleRequest) -> CycleInfo:
        return cycle_info(self.calendar(), req)

    @activity.defn(name="task_recipients")
    async def recipients(self, req: RecipientsRequest) -> TaskRecipients:
        return resolve_recipients(self.config().directory, list(req.lead_units), req.lead_official, list(req.levels))

    @activity.defn(name="task_record")
    async def record(self, projection: TaskProjection) -> bool:
        written = await asyncio.to_thread(write_projection, self.database_url, projection)
        t = projection.task
        _log.info("task.event", task_id=t.id, workflow_id=t.id, plan=t.plan, stt=t.stt,
                  unit=",".join(t.lead_units), kind=projection.event_kind, status=projection.status,
                  level=projection.level, cycle=projection.cycle.period if projection.cycle else "",
                  new=written)
        return written

    def activities(self) -> list:
        return [self.plan, self.cycle, self.recipients, self.record]


# -- starting tasks (import, `task add`) --------------------------------------------

@dataclass
class StartOutcome:
    id: str
    started: bool = False         # a new workflow run began
    amended: bool = False         # a running workflow took the changes
    note: str = ""                # why nothing happened, in Vietnamese (for the import report)


def spec_of(source: Any, plan: str | None = None) -> TaskSpec:
    """A TaskSpec from a TaskSpec, an intake TaskRecord (with its plan name), a store
    Task row, or a dict of Task column values (store.catalogue.task_fields)."""
    if isinstance(source, TaskSpec):
        return source
    if hasattr(source, "deadline") and hasattr(source, "lead_units_raw"):  # intake TaskRecord
        from domain.identity import task_workflow_id

        d = source.deadline
        return TaskSpec(id=task_workflow_id(plan or "", source.stt), title=source.title,
                        lead_units=list(source.lead_units), lead_official=source.lead_official, plan=plan or "",
                        stt=source.stt, output=source.output, deadline_raw=d.raw, deadline_kind=d.kind,
                        due=d.due.isoformat() if d.due else None, every=d.every)
    get = source.get if isinstance(source, dict) else (lambda k, default=None: getattr(source, k, default))
    due = get("due")
    raw = get("raw") or {}
    due_at = raw.get("due_at") if isinstance(raw, dict) else None
    return TaskSpec(id=get("id"), title=get("title") or "", lead_units=list(get("lead_units") or []),
                    lead_official=get("lead_official"), plan=plan or "", stt=get("stt") or "",
                    output=get("output") or "", deadline_raw=get("deadline_raw") or "",
                    deadline_kind=get("deadline_kind") or "unknown",
                    due=due.isoformat() if isinstance(due, date) else due,
                    due_at=datetime.fromisoformat(due_at) if due_at else None, every=get("every"))


def task_input(spec: TaskSpec, policies) -> TaskInput:
    """The workflow's input: the task with its policy copied at assignment."""
    if spec.deadline_kind == "recurring":
        return TaskInput(spec, recurring=policies.recurring)
    return TaskInput(spec, ladder=policies.once)


_AMENDABLE = ("title", "lead_units", "lead_official", "output", "due", "due_at")


def _changes(old: TaskSpec, new: TaskSpec) -> dict[str, Any]:
    # A deadline the new row does not give (None) is not a change: the store row's
    # day may have been filled in from an exact instant by the workflow.
    return {f: getattr(new, f) for f in _AMENDABLE
            if getattr(old, f) != getattr(new, f) and not (f in ("due", "due_at") and getattr(new, f) is None)}


def _upsert_row(database_url: str, spec: TaskSpec) -> tuple[TaskSpec | None, str]:
    """Write the task row; return the row as it was (None if new) and its status."""
    from store.db import session_scope
    from store.models import Task

    with session_scope(database_url) as session:
        row = session.get(Task, spec.id)
        if row is None:
            session.add(Task(id=spec.id, **_row_fields(spec)))
            return None, "open"
        old = spec_of(row)
        for name, value in _row_fields(spec).items():
            if name == "due" and value is None:
                continue  # the workflow fills the day of an exact instant
            if name == "raw":
                value = {**(row.raw or {}), **value}
            setattr(row, name, value)
        return old, row.status


async def start_or_amend(client, settings, config, source: Any, *, plan: str | None = None,
                         write_row: bool = True, update_timeout_s: float = 10.0) -> StartOutcome:
    """Start the task's workflow once; a re-import starts nothing twice and amends a
    running workflow whose row changed (through the ``amend`` update)."""
    from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
    from temporalio.exceptions import WorkflowAlreadyStartedError

    spec = spec_of(source, plan)
    old, status = await asyncio.to_thread(_upsert_row, settings.database_url, spec) if write_row else (None, "open")
    if status != "open":
        return StartOutcome(spec.id, note="nhiệm vụ đã kết thúc; không khởi động lại")
    if spec.deadline_kind not in ("once", "recurring") or (spec.deadline_kind == "once" and not (spec.due or spec.due_at)):
        return StartOutcome(spec.id, note="chưa có thời hạn đọc được; chưa theo dõi")
    try:
        await client.start_workflow(
            TASK_WORKFLOW, task_input(spec, config.policies), id=spec.id, task_queue=settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        )
        return StartOutcome(spec.id, started=True)
    except WorkflowAlreadyStartedError:
        pass
    changes = _changes(old, spec) if old is not None else {}
    if not changes:
        return StartOutcome(spec.id, note="đã có; không thay đổi")
    return await _amend(client, spec.id, changes, update_timeout_s)


async def _amend(client, task_id: str, changes: dict[str, Any], timeout_s: float) -> StartOutcome:
    from temporalio.client import WorkflowUpdateFailedError
    from temporalio.service import RPCError

    digest = hashlib.sha256(json.dumps(changes, sort_keys=True, default=str).encode()).hexdigest()[:16]
    arg = AmendInput(key=f"amend:{task_id}:{digest}", reason="nhập lại kế hoạch", **changes)
    handle = client.get_workflow_handle(task_id)
    try:
        await asyncio.wait_for(handle.execute_update(
            "amend", arg, id=arg.key, rpc_timeout=timedelta(seconds=timeout_s)), timeout_s + 2)
    except WorkflowUpdateFailedError as err:
        return StartOutcome(task_id, note=f"không cập nhật được: {getattr(err.cause, 'message', err)}")
    except RPCError as err:
        return StartOutcome(task_id, note=f"quy trình đã kết thúc hoặc không phản hồi ({err.status.name})")
    except Exception as err:  # noqa: BLE001 - timeouts: the worker is away; say so, never hang
        return StartOutcome(task_id, note=f"worker không phản hồi; thay đổi chưa áp dụng ({type(err).__name__})")
    return StartOutcome(task_id, amended=True)


async def start_task(client, settings, config, record: Any, *, plan: str | None = None) -> str:
    """Upsert the store row and start (or amend) the task's workflow; its id."""
    return (await start_or_amend(client, settings, config, record, plan=plan)).id


# -- reading (task show / list) --------------------------------------------------------

def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def task_view(database_url: str, task_id: str) -> dict[str, Any] | None:
    """What ``task show --json`` prints, from the store (works while Temporal is away)."""
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Cycle, Delivery, Task

    with session_scope(database_url) as session:
        row = session.get(Task, task_id)
        if row is None:
            return None
        cycles = session.scalars(select(Cycle).where(Cycle.task_id == task_id).order_by(Cycle.due)).all()
        deliveries = session.scalars(
            select(Delivery).where(Delivery.subject_id == task_id).order_by(Delivery.created_at, Delivery.id)).all()
        deadline = {"raw": row.deadline_raw, "kind": row.deadline_kind, "due": _iso(row.due), "every": row.every}
        if (row.raw or {}).get("due_at"):
            deadline["due_at"] = row.raw["due_at"]
        return {
            "id": row.id, "title": row.title, "status": row.status, "result": row.result,
            "deadline": deadline, "level": row.level or 0,
            "lead_units": list(row.lead_units or []), "lead_official": row.lead_official,
            "completed_on": _iso(row.completed_on), "evidence": row.evidence,
            "cycles": [{"period": c.period, "due": _iso(c.due), "status": c.status, "result": c.result}
                       for c in cycles],
            "notifications": [
                {"step": d.step, "recipient": d.recipient, "channel": d.channel,
                 "status": d.status,
                 "at": _iso(d.sent_at or d.created_at), "cycle": d.cycle}
                for d in deliveries if d.key.count("|") == 3  # the delivery rows, not per-channel attempts
            ],
        }


def list_tasks(database_url: str, status: str | None = None) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Task

    with session_scope(database_url) as session:
        query = select(Task).order_by(Task.due.is_(None), Task.due, Task.id)
        if status:
            query = query.where(Task.status == status)
        return [{"id": t.id, "title": t.title, "status": t.status, "result": t.result, "due": _iso(t.due),
                 "kind": t.deadline_kind, "level": t.level or 0, "lead_units": list(t.lead_units or [])}
                for t in session.scalars(query)]
