"""The task workflow's reach into the world.

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

Starting a task and reading it back (import, ``task add``, ``task show``) live in
services/tasks.py and services/task_views.py.
"""
from __future__ import annotations

import asyncio
from datetime import date
from typing import Any, Callable

from temporalio import activity

from config.logging import get_logger

from domain.directory import Directory
from domain.calendar import VN_TZ, WorkingCalendar
from domain.recipients import keys_only, resolve
from store.people_channels import people_directory
from store.task_projection import write_projection
from domain.cycles import CyclePeriod, first_cycle, next_cycle
from domain.ladder import Due, PlannedStep, due_of, plan_after, plan_from, working_days_between
from domain.checkin import checkin_days, checkin_step, with_checkin
from activities.task_step import SENDERS, default_delivery, send_step
from activities.task_begin import begin as begin_task
from contracts.steps import StepSend, TaskBegin, TaskBegun
from contracts.tasks import (
    CycleInfo, CycleRequest, PlanRequest, PlanResult, RecipientsRequest, StepPlan, TaskProjection, TaskRecipients,
)



# -- pure helpers (tested without Temporal) ----------------------------------------

def plan_steps(cal: WorkingCalendar, req: PlanRequest, checkin_min_days: int = 0) -> PlanResult:
    """The plan's steps; a first plan of a long one-off task gains the mid-way check-in
    (domain/checkin.py; the workflow keeps it through a replan)."""
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
        else:
            steps = with_checkin(steps, checkin_step(due, policy, cal, req.now, checkin_min_days))
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
    # Keys only: this answer is recorded in the workflow's history; the delivery
    # activity looks the channels up when it sends.
    return TaskRecipients([keys_only(r) for r in found.recipients], found.missing, keys_only(found.standing_office))


_log = get_logger()


# -- the activities ---------------------------------------------------------------

class TaskActivities:
    """Holds the store URL and the configuration (a Config, or a callable returning
    one so a long-running worker can pick up a new holiday table)."""

    def __init__(self, database_url: str, config: Any | Callable[[], Any], delivery=None) -> None:
        self.database_url = database_url
        self._config = config
        # The delivery activities task_step sends through (worker.py shares the worker's;
        # made from the environment's settings on first use when none is given).
        self._delivery = delivery

    def config(self):
        return self._config() if callable(self._config) else self._config

    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.config().calendar)

    @activity.defn(name="task_plan")
    async def plan(self, req: PlanRequest) -> PlanResult:
        return plan_steps(self.calendar(), req, checkin_days(self.config()))

    @activity.defn(name="task_cycle")
    async def cycle(self, req: CycleRequest) -> CycleInfo:
        return cycle_info(self.calendar(), req)

    @activity.defn(name="task_recipients")
    async def recipients(self, req: RecipientsRequest) -> TaskRecipients:
        directory = await asyncio.to_thread(people_directory, self.database_url, self.config())
        return resolve_recipients(directory, list(req.lead_units), req.lead_official, list(req.levels))

    @activity.defn(name="task_record")
    async def record(self, projection: TaskProjection) -> bool:
        return await asyncio.to_thread(self._write, projection)

    @activity.defn(name="task_step")
    async def step(self, req: StepSend) -> dict:
        """A step's recipients, messages and record in one (activities/task_step.py)."""
        if self._delivery is None:
            self._delivery = default_delivery(self.database_url, self._config)
        return await asyncio.get_running_loop().run_in_executor(
            SENDERS, send_step, self._delivery, self.database_url, self.config(), req, activity.info().attempt,
            self._write)

    @activity.defn(name="task_begin")
    async def begin(self, req: TaskBegin) -> TaskBegun:
        """A new task's cycle, task_assigned record and first plan in one (activities/task_begin.py)."""
        return await begin_task(self, req)

    def _write(self, projection: TaskProjection) -> bool:
        written = write_projection(self.database_url, projection)
        t = projection.task
        _log.info("task.event", task_id=t.id, workflow_id=t.id, plan=t.plan, stt=t.stt,
                  unit=",".join(t.lead_units), kind=projection.event_kind, status=projection.status,
                  level=projection.level, cycle=projection.cycle.period if projection.cycle else "",
                  new=written)
        return written

    def activities(self) -> list:
        from activities.task_review import TaskReviewActivities

        return [self.plan, self.cycle, self.recipients, self.record, self.step, self.begin,
                *TaskReviewActivities(self).activities()]
