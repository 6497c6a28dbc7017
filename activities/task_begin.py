"""A new task's first steps in one local activity (``task_begin``, contracts/steps.py):
the cycle (or the one deadline), the ``task_assigned`` record, the ladder's first plan.

The same three answers ``task_cycle``, ``task_record`` and ``task_plan`` give, in the
order the workflow asked them before (patch ``begin-in-one``). Idempotent as they are:
the record is keyed by its event, and the cycle and plan are computed, not stored.
"""
from __future__ import annotations

import asyncio
from dataclasses import replace

from contracts.steps import TaskBegin, TaskBegun
from contracts.tasks import TaskProjection


async def begin(acts, req: TaskBegin) -> TaskBegun:
    """``acts``: the TaskActivities whose cycle, plan and store write this combines."""
    cycle = await acts.cycle(req.cycle)
    r = req.record
    projection = TaskProjection(
        task=req.task, status=r.status, result=r.result, completed_on=r.completed_on, evidence=r.evidence,
        level=r.level, cycle=cycle, event_kind=r.event_kind, event_key=f"{req.task.id}|{cycle.period}|{r.event_key}",
        event_at=r.event_at, event_data={**r.event_data, "due": cycle.due})
    await asyncio.to_thread(acts._write, projection)
    plan = await acts.plan(replace(req.plan, due=cycle.due, due_at=cycle.due_at))
    return TaskBegun(cycle=cycle, plan=plan)
