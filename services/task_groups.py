"""Tasks for many units at once: a task led by a group fans out into one child task per
member unit, under a parent that rolls them up (workflows/task_group.py).

Shared by the import, ``task add`` and the dashboard. ``start_record`` routes a row:
a task naming a group (or already a parent) starts or amends its parent workflow and
brings its children in line with the group as it is now --

  - each member unit (nested groups expanded, each unit once) has a child task, a full
    TaskWorkflow with the unit level of the ladder (domain/fan_out.py), its id derived
    from the parent's and the unit's (``<parent id>/<unit key>``): importing the same
    plan twice starts nothing twice, and a member added to the group since gets its
    child now;
  - a changed row amends the parent and each child (the children's deadline is the
    parent's, or ``child_lead_days`` working days earlier);
  - a member removed from the group has its open child cancelled, with the notice the
    cancel update sends (the unit and everyone reminded).

Other rows start or amend their own TaskWorkflow (services/tasks.py), and with
``under`` (``import --under``) become children of that task (services/delegation.py).
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from store.task_projection import row_fields
from contracts.groups import ParentInput
from contracts.tasks import CancelInput, TaskSpec
from domain.calendar import WorkingCalendar
from domain.fan_out import child_due, lead_days_of, poll_seconds, unit_only, without_unit
from domain.groups import child_id, fan_out_units, label, leads_a_group
from services.tasks import _amend, _changes, _upsert_row, spec_of, start_or_amend
from store.db import session_scope, write_scope
from store import task_children as children_store

PARENT_WORKFLOW = "ParentTaskWorkflow"
CLOSED_NOTE = "nhiệm vụ đã kết thúc; không khởi động lại"


@dataclass
class GroupOutcome:
    id: str
    started: bool = False
    amended: bool = False
    note: str = ""
    parent: bool = False             # a parent task (its children below)
    children: int = 0                # member units now
    children_started: int = 0
    children_amended: int = 0
    children_cancelled: int = 0      # members removed from the group
    failed: dict[str, str] = field(default_factory=dict)   # unit name -> why its task did not start


def parent_input(spec: TaskSpec, policies) -> ParentInput:
    """The parent's workflow input: the ladder without the unit level, copied now."""
    if spec.deadline_kind == "recurring":
        policy = without_unit(policies.recurring)
        return ParentInput(spec, recurring=policy, poll_seconds=poll_seconds(policy))
    policy = without_unit(policies.once)
    return ParentInput(spec, ladder=policy, poll_seconds=poll_seconds(policy))


def child_config(config):
    """The configuration a child starts with: the ladder at the unit level only."""
    p = config.policies
    return replace(config, policies=replace(p, once=unit_only(p.once), recurring=unit_only(p.recurring)))


def child_specs(config, parent: TaskSpec) -> list[TaskSpec]:
    directory = config.directory
    groups = [g for g in (directory.group(k) for k in parent.lead_units) if g is not None]
    due, due_at = parent.due, parent.due_at
    if parent.deadline_kind == "once":
        days = lead_days_of(groups, config.child_lead_days)
        due, due_at = child_due(WorkingCalendar(config.calendar), due, due_at, days)
    return [replace(parent, id=child_id(parent.id, unit), lead_units=[unit], due=due, due_at=due_at)
            for unit in fan_out_units(directory, parent.lead_units)]


async def start_record(client, settings, config, source: Any, *, plan: str | None = None, under: str | None = None,
                       update_timeout_s: float = 10.0, prior=None) -> GroupOutcome:
    """Start or amend one task row: a parent with its children when it names a group.
    ``prior``: the row as it was and its status, when the caller wrote it already."""
    spec = spec_of(source, plan)
    db = settings.database_url
    kind = await asyncio.to_thread(_parent_kind, db, spec.id)
    if kind == "group" or (not kind and leads_a_group(config.directory, spec.lead_units)):
        out = await start_group_task(client, settings, config, spec, update_timeout_s=update_timeout_s, prior=prior)
    elif kind == "delegated":  # its children are a lower level's plan: only the parent itself is amended
        out = await start_parent(client, settings, config, spec, update_timeout_s, kind=kind, prior=prior)
    else:
        o = await start_or_amend(client, settings, config, spec, update_timeout_s=update_timeout_s,
                                 **({"prior": prior} if prior is not None else {}))
        out = GroupOutcome(o.id, o.started, o.amended, o.note)
    if under:
        await asyncio.to_thread(_write, db, children_store.set_parent, spec.id, under)
    return out


async def start_group_task(client, settings, config, spec: TaskSpec, *,
                           update_timeout_s: float = 10.0, prior=None) -> GroupOutcome:
    out = await start_parent(client, settings, config, spec, update_timeout_s, prior=prior)
    if out.note != CLOSED_NOTE:
        await sync_children(client, settings, config, spec, out, update_timeout_s)
    return out


async def start_parent(client, settings, config, spec: TaskSpec, update_timeout_s: float,
                       kind: str = "group", prior=None) -> GroupOutcome:
    from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
    from temporalio.exceptions import WorkflowAlreadyStartedError

    db = settings.database_url
    old, status = prior if prior is not None else await asyncio.to_thread(_upsert_row, db, spec)
    await asyncio.to_thread(_write, db, children_store.mark_parent, spec.id, kind)
    if status != "open":
        return GroupOutcome(spec.id, note=CLOSED_NOTE, parent=True)
    if spec.deadline_kind not in ("once", "recurring") or (spec.deadline_kind == "once" and not (spec.due or spec.due_at)):
        return GroupOutcome(spec.id, note="chưa có thời hạn đọc được; chưa theo dõi", parent=True)
    try:
        await client.start_workflow(PARENT_WORKFLOW, parent_input(spec, config.policies), id=spec.id,
                                    task_queue=settings.task_queue,
                                    id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
                                    id_conflict_policy=WorkflowIDConflictPolicy.FAIL)
        return GroupOutcome(spec.id, started=True, parent=True)
    except WorkflowAlreadyStartedError:
        pass
    changes = _changes(old, spec) if old is not None else {}
    if not changes:
        return GroupOutcome(spec.id, note="đã có; không thay đổi", parent=True)
    amended = await _amend(client, spec.id, changes, update_timeout_s)
    return GroupOutcome(spec.id, amended=amended.amended, note=amended.note, parent=True)


async def sync_children(client, settings, config, parent: TaskSpec, out: GroupOutcome,
                        update_timeout_s: float = 10.0) -> GroupOutcome:
    """Bring the children in line with the group as it is now (see the module's doc)."""
    db = settings.database_url
    specs = child_specs(config, parent)
    rows = [{"id": s.id, **row_fields(s)} for s in specs]
    removed = await asyncio.to_thread(_write, db, children_store.link_children, parent.id, rows, parent.plan)
    if not specs:  # the row names no group (or unit) the directory knows now: nothing is cancelled on that
        out.note = "không còn đơn vị nào của nhóm trong danh bạ; giữ nguyên nhiệm vụ của các đơn vị"
        removed = []
    out.children = len(specs)
    own = child_config(config)
    for spec in specs:
        try:
            o = await start_or_amend(client, settings, own, spec, update_timeout_s=update_timeout_s)
        except Exception as exc:  # noqa: BLE001 - one child never stops the others
            out.failed[label(config.directory, spec.lead_units[0])] = f"{type(exc).__name__}: {exc}"
            continue
        out.children_started += o.started
        out.children_amended += o.amended
    names = "; ".join(label(config.directory, k) for k in parent.lead_units if config.directory.group(k))
    reason = f"Đơn vị không còn trong nhóm «{names}» được giao nhiệm vụ này." if names else \
        "Đơn vị không còn được giao nhiệm vụ này."
    for task_id in removed:
        out.children_cancelled += await cancel_task(client, db, task_id, f"member-removed:{task_id}", reason)
    await refresh(client, parent.id)
    return out


async def cancel_task(client, database_url: str, task_id: str, key: str, reason: str, by: str = "") -> int:
    """Cancel one task through its workflow (its notice goes out); 1 when cancelled now."""
    from temporalio.client import WorkflowUpdateFailedError
    from temporalio.service import RPCError, RPCStatusCode

    arg = CancelInput(key=key[:300], reason=reason, cancelled_by=by)
    try:
        await client.get_workflow_handle(task_id).execute_update("cancel", arg, id=arg.key,
                                                                 rpc_timeout=timedelta(seconds=20))
        return 1
    except WorkflowUpdateFailedError:
        return 0  # closed meanwhile
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
    await asyncio.to_thread(_write, database_url, children_store.cancel_row, task_id)  # never started
    return 1


async def refresh(client, parent_id: str) -> None:
    """Ask the parent to read its children now (it would at its next poll anyway)."""
    try:
        await client.get_workflow_handle(parent_id).signal("refresh", rpc_timeout=timedelta(seconds=5))
    except Exception:  # noqa: BLE001 - not running (closed, or no deadline yet): nothing to wake
        pass


def _parent_kind(database_url: str, task_id: str) -> str:
    with session_scope(database_url) as session:
        return children_store.parent_kind(session, task_id)


def _write(database_url: str, work, *args):
    with write_scope(database_url) as session:
        return work(session, *args)
