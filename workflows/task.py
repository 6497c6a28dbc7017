"""One task, one durable workflow: it knows its deadline and keeps after the
responsible people until the task is done.

A one-off task has one "cycle" (period "") whose due is the task's deadline; a
recurring task ("Thường xuyên … hằng tháng báo cáo", "Hằng năm", drills in seconds)
runs one report cycle per run and continues-as-new into the next, carrying its
state, so its history stays small for years.

Per cycle: plan the ladder (activity: the calendar is read there and recorded in
history), then for each step sleep until it is due, resolve recipients (activity:
the directory may change), deliver (the `deliver` activity, keyed by business
identity: task, cycle, step, recipient, channel) and record the step in the store.
A step the worker slept through (an outage) is still sent when the worker returns:
nothing is lost, and the delivery log stops a step from going out twice.

Updates (validated; idempotent by a key kept in workflow state, because update ids
do not survive continue-as-new): confirm, extend, amend, cancel, resend_link, review (the
standing office's decision on a result awaiting review: workflows/task_review.py). A
confirmation is classified against the deadline day by the moment it is judged by:
the cited document's date of issue when it arrived within the grace window after it,
else its arrival (patch JUDGED_MOMENT; before it, always the arrival's Vietnamese
day). When a task or cycle is done, everyone who was reminded or escalated gets one
short `completed` notice.

All time comes from workflow.now(); every side effect is an activity. Behaviour
changes to this workflow -- this file, task_sending.py (steps, notices, store
records) and task_updates.py (the updates) -- must be gated with
workflow.patched(...) and the replay fixtures in tests/histories must keep passing.
task_common.py holds the patch names, limits and pure helpers they share.
"""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

from temporalio import workflow

# Workflow code, imported into the sandbox like this module; the limits and patch
# names stay importable from here.
from workflows.task_common import (  # noqa: F401
    CANCEL_NOTICE, ESCALATION_KINDS, LINK_LEVELS, LOCAL_LOOKUPS, LOCAL_SENDS, MAX_ANSWERS, RECENT_CYCLES,
    BEGIN_IN_ONE, STEP_IN_ONE, STEPS_PER_RUN, lookup,
)
from workflows.task_actions import TaskActions
from workflows.task_progress import TaskProgress
from workflows.task_review import TaskReview
from workflows.task_sending import TaskSending
from workflows.task_updates import TaskUpdates

with workflow.unsafe.imports_passed_through():
    import domain.recipients  # noqa: F401 (Recipient's module, for the payload converter)
    # Every module whose dataclasses cross the boundary is imported here by name:
    # the converter resolves their (string) annotations through sys.modules, and
    # inside the sandbox only modules passed through by name resolve.
    import domain.policy  # noqa: F401
    from contracts.tasks import (
        CycleInfo, CycleRequest, PlanRequest, PlanResult, StepPlan, TaskCarry, TaskInput, TaskStatus,
    )


@workflow.defn(name="TaskWorkflow")
class TaskWorkflow(TaskUpdates, TaskActions, TaskProgress, TaskReview, TaskSending):
    @workflow.init
    def __init__(self, inp: TaskInput) -> None:
        # Set before any update is handled, so an early update sees the carried state.
        self.inp = inp
        self.spec = inp.task
        self.c: TaskCarry = inp.carry or TaskCarry()
        self.recurring = inp.recurring is not None
        self._changed = False           # deadline or recipients changed: replan
        self._sent_this_run = 0
        self.next_step: StepPlan | None = None

    # -- the run ------------------------------------------------------------------
    @workflow.run
    async def run(self, inp: TaskInput) -> TaskStatus:
        if self.c.cycle is None:
            assigned = {"assigned_at": (inp.assigned_at or workflow.now()).isoformat(),
                        "policy": (inp.recurring or inp.ladder).name}
            if workflow.patched(BEGIN_IN_ONE):
                await self._begin(assigned)     # the cycle, the record, the first plan (kept for _plan)
            else:
                self.c.cycle = await self._cycle(previous=None)
                await self._project("task_assigned", "started", {**assigned, "due": self.c.cycle.due})
        if not self.c.planned:
            await self._plan("start")
        while self._open() or await self._review_returned():  # a result the office returned: resume
            if self.c.unwritten:
                await self._write_late_reports(self.c)
            elif self._changed:
                await self._plan("replan")
            elif not self.c.steps and not await self._plan_more():
                if self.recurring:
                    break                       # the cycle's ladder is over: it is missed
                await workflow.wait_condition(self._interrupted)  # wait for a confirmation
            elif not await self._sleep_until(self.c.steps[0].at):
                step = self.c.steps[0]
                await self._send_step(step)
                # By identity: an update may have replanned while the step was sent.
                self.c.steps = [s for s in self.c.steps if s is not step]
                if self._should_continue_as_new():
                    await self._continue_as_new(self.c)
        self.next_step = None
        return await self._finish()

    def _open(self) -> bool:
        if self.c.status != "open":
            return False
        return not self.recurring or self.c.cycle.status == "open"

    def _interrupted(self) -> bool:
        return self._changed or not self._open() or bool(self.c.unwritten) or self._wake

    async def _sleep_until(self, at: datetime) -> bool:
        """Sleep until `at`; True when an update interrupted the sleep."""
        self._wake = False  # a step queued for now (resend_link) is first in line: this sleep sends it
        self.next_step = self.c.steps[0] if self.c.steps else None
        delay = (at - workflow.now()).total_seconds()
        if delay <= 0:
            return self._interrupted()
        try:
            await workflow.wait_condition(self._interrupted, timeout=timedelta(seconds=delay))
            return True
        except asyncio.TimeoutError:
            return self._interrupted()

    def _should_continue_as_new(self) -> bool:
        return self._sent_this_run >= STEPS_PER_RUN or workflow.info().is_continue_as_new_suggested()

    async def _continue_as_new(self, carry: TaskCarry) -> None:
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._write_late_reports(carry)
        workflow.continue_as_new(replace(self.inp, carry=carry))

    async def _finish(self) -> TaskStatus:
        cycle = self.c.cycle
        if self.c.status == "cancelled":
            by = {"by": self._cancelled_by} if self._cancelled_by else {}
            await self._project("task_cancelled", "cancelled", {"reason": self._cancel_reason, **by})
            if workflow.patched(CANCEL_NOTICE):
                await self._cancel_notice()
        elif cycle.status == "reported":
            await self._project("cycle_reported" if self.recurring else "task_completed", "closed", {
                "result": cycle.result, "reported_on": cycle.reported_on, "evidence": cycle.evidence})
            await self._completion_notice()
        else:  # a recurring cycle whose ladder ran out unreported
            cycle.status, cycle.result = "missed", "late"
            await self._project("cycle_missed", "closed", {"result": "late"})
        if self.recurring and self.c.status == "open":
            await self._next_cycle()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    async def _next_cycle(self) -> None:
        closed = self.c.cycle
        recent = (self.c.recent_cycles + [closed])[-RECENT_CYCLES:]
        nxt = await self._cycle(previous=closed)
        carry = TaskCarry(cycle=nxt, recent_cycles=recent, answers=self.c.answers, unwritten=self.c.unwritten)
        await self._project_with(carry, "cycle_opened", f"{nxt.period}|opened", {"due": nxt.due})
        await self._continue_as_new(carry)

    # -- planning -------------------------------------------------------------------
    async def _cycle(self, previous: CycleInfo | None) -> CycleInfo:
        spec = self.spec
        return await lookup("task_cycle", CycleRequest(spec.id, spec.every, self.inp.recurring, workflow.now(),
                                                       previous, spec.due, spec.due_at), CycleInfo)

    async def _plan(self, mode: str) -> None:
        self._changed = False
        result = await self._plan_request(mode)
        # A change notice not yet sent stays, held to the next office-hours moment; a
        # link the office asked to resend stays as it was asked (now).
        notices = [replace(s, at=max(s.at, result.notice_at)) for s in self.c.steps if s.kind == "amended"]
        notices += [s for s in self.c.steps if s.kind == "link_resent"] + self._kept_on_replan()
        self.c.steps = sorted(notices + result.steps, key=lambda s: s.at)
        self._note_last_planned(result.steps)
        self.c.planned = True

    async def _plan_more(self) -> bool:
        """Lazily plan the open-ended repeats; False when the ladder has no more."""
        if self.recurring or self.c.last_planned is None:
            return False
        result = await self._plan_request("more")
        self.c.steps = list(result.steps)
        self._note_last_planned(result.steps)
        return bool(result.steps)

    def _note_last_planned(self, steps: list[StepPlan]) -> None:
        ladder = [s.name for s in steps if s.kind not in ("assigned", "amended")]
        if ladder:
            self.c.last_planned = ladder[-1]

    async def _plan_request(self, mode: str) -> PlanResult:
        if self._begun_plan is not None:  # the first plan came with the cycle (patch begin-in-one)
            result, self._begun_plan = self._begun_plan, None
            return result
        cycle = self.c.cycle
        return await lookup("task_plan", PlanRequest(self.spec.id, mode, cycle.due, cycle.due_at, workflow.now(),
                                                     self.inp.ladder, self.inp.recurring, self.c.last_planned),
                            PlanResult)

    # -- the query --------------------------------------------------------------------
    @workflow.query
    def status(self) -> TaskStatus:
        cycle, nxt = self.c.cycle, self.next_step
        return TaskStatus(
            id=self.spec.id, title=self.spec.title, kind="recurring" if self.recurring else "once",
            status=self.c.status, result=self.c.result if not self.recurring else (cycle.result if cycle else None),
            level=self.c.level, due=cycle.due if cycle else self.spec.due, due_at=cycle.due_at if cycle else None,
            cycle=cycle, recent_cycles=list(self.c.recent_cycles), revision=self.c.revision,
            steps_sent=self.c.steps_sent, next_step=nxt.name if nxt and self._open() else None,
            next_at=nxt.at if nxt and self._open() else None, reached=list(self.c.reached))

