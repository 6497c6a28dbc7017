"""Starting a task's workflow once, and amending it when its row changes: shared by
the import, ``task add`` and the dashboard."""
from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from store.task_projection import row_fields
from contracts.tasks import AmendInput, TaskInput, TaskSpec
from services.write_batcher import WriteBatcher

TASK_WORKFLOW = "TaskWorkflow"


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
    return _upsert_rows(database_url, [spec])[0]


def _upsert_rows(database_url: str, specs: list[TaskSpec]) -> list[tuple[TaskSpec | None, str]]:
    """`_upsert_row` for several tasks, in one transaction."""
    from store.db import session_scope
    from store.models import Task

    with session_scope(database_url) as session:
        return [_upsert_in(session, Task, spec) for spec in specs]


def _upsert_in(session, Task, spec: TaskSpec) -> tuple[TaskSpec | None, str]:
    row = session.get(Task, spec.id)
    if row is None:
        session.add(Task(id=spec.id, **row_fields(spec)))
        return None, "open"
    old = spec_of(row)
    for name, value in row_fields(spec).items():
        if name == "due" and value is None:
            continue  # the workflow fills the day of an exact instant
        if name == "raw":
            value = {**(row.raw or {}), **value}
        setattr(row, name, value)
    return old, row.status


# Starts made at once (an import) write their rows together: services/write_batcher.py.
_ROWS = WriteBatcher(_upsert_rows, _upsert_row)


async def start_or_amend(client, settings, config, source: Any, *, plan: str | None = None,
                         write_row: bool = True, update_timeout_s: float = 10.0) -> StartOutcome:
    """Start the task's workflow once; a re-import starts nothing twice and amends a
    running workflow whose row changed (through the ``amend`` update)."""
    from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
    from temporalio.exceptions import WorkflowAlreadyStartedError

    spec = spec_of(source, plan)
    old, status = await _ROWS.write(settings.database_url, spec) if write_row else (None, "open")
    if status not in ("open", "awaiting_review"):  # awaiting the office's review: still running, amended
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
