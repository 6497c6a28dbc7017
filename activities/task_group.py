"""The parent task workflow's reach into the world (workflows/task_group.py).

  - ``group_plan``: the parent's ladder -- the task ladder's steps (activities/tasks.py
    plan_steps, the calendar read here and recorded in history) without the unit level,
    without the assignment notice and the check-in: the children carry those;
  - ``group_rollup``: the children's state from the store, counted (domain/rollup.py);
  - ``group_step``: one escalation naming the overdue units (or the completion notice)
    to the step's levels, and its store record -- the task step's own path
    (activities/task_step.py send_step: recipients, delivery log, retries), with the
    units' names looked up here so history holds keys only;
  - ``group_cancel_children``: a cancelled parent cancels each open child through the
    child's own ``cancel`` update (so the unit and everyone reminded get its notice),
    idempotent by a key per child.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any, Callable

from temporalio import activity
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from activities.task_step import SENDERS, default_delivery, send_step
from activities.tasks import plan_steps
from store.task_projection import write_projection
from contracts.groups import ChildrenCancel, GroupStepSend, RollupRequest, RollupResult
from contracts.steps import StepRecord, StepSend
from contracts.tasks import CancelInput, PlanRequest, PlanResult
from domain.calendar import WorkingCalendar
from domain.groups import expand, label
from domain.rollup import rollup
from store.db import session_scope, write_scope
from store.people_channels import people_directory
from store.task_children import child_rows, child_states, directory_with_edits

log = logging.getLogger("dondoc.task_group")
_SKIPPED_KINDS = ("assigned", "checkin")
_OPEN = ("open", "awaiting_review")


def group_plan_steps(cal: WorkingCalendar, req: PlanRequest) -> PlanResult:
    plan = plan_steps(cal, req)
    steps = []
    for s in plan.steps:
        levels = [lvl for lvl in s.levels if lvl != "unit"]
        if levels and s.kind not in _SKIPPED_KINDS:
            steps.append(replace(s, levels=levels))
    return PlanResult(steps, plan.notice_at)


def read_rollup(database_url: str, req: RollupRequest) -> RollupResult:
    with session_scope(database_url) as session:
        states = child_states(session, req.task_id, req.period)
    counts = rollup(states, req.now)
    return RollupResult(total=counts.total, completed=counts.completed, on_time=counts.on_time, late=counts.late,
                        open=counts.open, overdue=counts.overdue, overdue_units=counts.overdue_units,
                        result=counts.result,
                        completed_on=counts.completed_on.isoformat() if counts.completed_on else None)


def step_send(directory, req: GroupStepSend) -> StepSend:
    """The task step's request for this escalation: the units named in words, the lead
    official found from the overdue units when the task names none."""
    task = req.task
    units = list(req.units) or expand(directory, task.lead_units)
    context = {**req.context, "group": "; ".join(label(directory, k) for k in task.lead_units)}
    if req.kind == "group_escalation":
        context["overdue_units"] = [label(directory, k) for k in req.units]
    record = None
    if req.event_kind:  # the timeline names the overdue units (history holds their keys)
        data = {**req.event_data, "overdue_units": [label(directory, k) for k in req.units]}
        record = StepRecord(status=req.status, event_kind=req.event_kind, event_key=req.event_key,
                            event_at=req.event_at, event_data=data, level=req.level,
                            result=req.result, completed_on=req.completed_on, cycle=req.record_cycle)
    return StepSend(task=replace(task, lead_units=units), cycle=req.cycle, step=req.step, kind=req.kind,
                    levels=list(req.levels), context=context, link_levels=[], link_valid_from=None,
                    list_notified=record is not None, record=record)


def cancel_key(key: str, child_id: str) -> str:
    return f"{key}|{child_id}"[:300]


class GroupActivities:
    """Holds the store URL, the configuration and the delivery (shared with TaskActivities)."""

    def __init__(self, database_url: str, config: Any | Callable[[], Any], delivery=None) -> None:
        self.database_url = database_url
        self._config = config
        self._delivery = delivery

    def config(self):
        return self._config() if callable(self._config) else self._config

    @activity.defn(name="group_plan")
    async def plan(self, req: PlanRequest) -> PlanResult:
        return group_plan_steps(WorkingCalendar(self.config().calendar), req)

    @activity.defn(name="group_rollup")
    async def rollup(self, req: RollupRequest) -> RollupResult:
        return await asyncio.to_thread(read_rollup, self.database_url, req)

    @activity.defn(name="group_step")
    async def step(self, req: GroupStepSend) -> dict:
        if self._delivery is None:
            self._delivery = default_delivery(self.database_url, self._config)
        return await asyncio.get_running_loop().run_in_executor(SENDERS, self._send, req, activity.info().attempt)

    def _send(self, req: GroupStepSend, attempt: int) -> dict:
        with session_scope(self.database_url) as session:
            directory = directory_with_edits(session, people_directory(self.database_url, self.config()))
        return send_step(self._delivery, self.database_url, self.config(), step_send(directory, req), attempt,
                         lambda projection: write_projection(self.database_url, projection))

    @activity.defn(name="group_cancel_children")
    async def cancel_children(self, req: ChildrenCancel) -> int:
        with session_scope(self.database_url) as session:
            open_ids = [r.id for r in child_rows(session, req.task_id) if r.status in _OPEN]
        client, done = activity.client(), 0
        for child_id in open_ids:
            arg = CancelInput(key=cancel_key(req.key, child_id), reason=req.reason, cancelled_by=req.cancelled_by)
            try:
                await client.get_workflow_handle(child_id).execute_update(
                    "cancel", arg, id=arg.key, rpc_timeout=timedelta(seconds=20))
                done += 1
            except WorkflowUpdateFailedError as err:  # refused: it closed meanwhile
                log.info("child %s not cancelled: %s", child_id, err.cause or err)
            except RPCError as err:
                if err.status != RPCStatusCode.NOT_FOUND:
                    raise  # the server or the worker is away: this activity is retried
                await asyncio.to_thread(self._cancel_row, child_id)  # no workflow (no deadline yet)
        return done

    def _cancel_row(self, task_id: str) -> None:
        from store.models import Task

        with write_scope(self.database_url) as session:
            row = session.get(Task, task_id)
            if row is not None and row.status == "open":
                row.status = "cancelled"

    def activities(self) -> list:
        return [self.plan, self.rollup, self.step, self.cancel_children]
