"""Delegation one level down: ``./dondoc import FILE --under TASK_ID`` (and the dashboard's
"thuộc nhiệm vụ" field) imports a lower level's plan -- the special zone's plan for the
city's task -- whose tasks become children of that task.

The task becomes a parent (workflows/task_group.py) if it is not one already: nobody
confirms it any more; it completes when every task of the plan under it has, its
result the worst of theirs, and its lead official and the supervisors get one
escalation per step naming the overdue units. Its own TaskWorkflow is ended
(terminated: it sends nothing more, its live links are revoked, the timeline says
why) and a parent workflow starts under the same id. The plan's tasks keep their own
full ladders: they are another body's plan, with its own lead officials.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from services.task_groups import GroupOutcome, start_parent
from services.tasks import spec_of
from store.db import session_scope, write_scope
from store import task_children as children_store

REASON = "Chuyển thành nhiệm vụ tổng hợp: đơn vị giao tiếp cho kế hoạch cấp dưới"


class DelegationError(Exception):
    """Why a plan cannot go under this task, in Vietnamese."""


def _parent_row(database_url: str, task_id: str):
    from store.models import Task

    with session_scope(database_url) as session:
        row = session.get(Task, task_id)
        if row is None:
            raise DelegationError(f"Không có nhiệm vụ «{task_id}» để nhận kế hoạch cấp dưới.")
        if row.status != "open":
            raise DelegationError(f"Nhiệm vụ «{row.title}» đã kết thúc (hoàn thành, chờ duyệt hoặc đã hủy); "
                                  "không nhận kế hoạch cấp dưới.")
        return spec_of(row, row.plan.name if row.plan else ""), children_store.is_parent(session, task_id)


def check_parent(database_url: str, task_id: str) -> str:
    """The task's title when a plan may go under it; DelegationError otherwise."""
    spec, _ = _parent_row(database_url, task_id)
    return spec.title


async def make_parent(client, settings, config, task_id: str) -> GroupOutcome:
    """The task as a parent of the plan imported under it (see the module's doc)."""
    spec, already = await asyncio.to_thread(_parent_row, settings.database_url, task_id)
    if already:
        return GroupOutcome(task_id, parent=True, note="đã là nhiệm vụ tổng hợp")
    await _end_task_workflow(client, task_id)
    await asyncio.to_thread(_note_delegated, settings.database_url, task_id)
    return await start_parent(client, settings, config, spec, 10.0, kind="delegated")


async def _end_task_workflow(client, task_id: str) -> None:
    from temporalio.client import WorkflowExecutionStatus
    from temporalio.service import RPCError, RPCStatusCode

    handle = client.get_workflow_handle(task_id)
    try:
        info = await handle.describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return  # never started (no deadline yet)
        raise
    if info.status == WorkflowExecutionStatus.RUNNING and info.workflow_type == "TaskWorkflow":
        await handle.terminate(reason=REASON)


def _note_delegated(database_url: str, task_id: str) -> None:
    """Its live links revoked (nothing confirms a parent) and the change on its timeline."""
    from sqlalchemy import select

    from store.links import live_links, revoke
    from store.models import Event

    now = datetime.now(timezone.utc)
    for link in live_links(database_url, task_id, now):
        revoke(database_url, link["id"], "import", now, task_id)
    key = f"{task_id}|delegated"
    with write_scope(database_url) as session:
        if session.scalar(select(Event.id).where(Event.key == key)) is None:
            session.add(Event(at=now, subject_id=task_id, kind="task_delegated", key=key, data={"reason": REASON}))
