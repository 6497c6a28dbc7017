"""A parent task: one durable workflow over the tasks its units carry out.

A task led by a group ("Các xã, phường, đặc khu") becomes a parent with one child task
per member unit, each a full TaskWorkflow of its own (ladder at the unit level, links,
confirmation, evidence, review); a task a lower level turned into its own plan
(``import --under``) becomes the parent of that plan's tasks. Nobody confirms a parent.

It learns its children's state from the store (the ``group_rollup`` lookup), at each
of its own ladder steps and every ``poll_seconds`` between them: children signal
nothing, so a child added or removed later, a child started by another import, or a
child confirmed while this worker was away is seen at the next read, and what was
read is recorded in history (replay never reads the store again). It completes when
every child has completed (a cancelled child no longer counts), its result the worst
of theirs; a recurring parent closes each report period that way (or as missed when
its ladder runs out) and continues-as-new into the next.

Its ladder is the task ladder without the unit level (services/task_groups.py copies
the policy so at assignment): at each step, if some children are overdue, the lead
official and the supervisors get ONE message naming the overdue units -- not one per
child. A cancelled parent cancels its open children, each with its own notice.

Deterministic: workflow.now(), every read and send an activity (local, recorded);
the run continues-as-new after POLLS_PER_RUN reads so history stays small.
"""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

from workflows.task_common import RECENT_CYCLES, lookup, period_label
from workflows.task_group_updates import ParentUpdates

with workflow.unsafe.imports_passed_through():
    import domain.policy  # noqa: F401 (the converter resolves the input's annotations by module)
    import domain.recipients  # noqa: F401
    from contracts.groups import ChildrenCancel, GroupStepSend, ParentCarry, ParentInput, RollupRequest, RollupResult
    from contracts.tasks import CycleInfo, CycleRequest, PlanRequest, PlanResult, StepPlan, TaskProjection
    from domain.ladder import LEVEL_ORDER, level_rank
    from workflows.options import SEND, STORE

POLLS_PER_RUN = 300         # store reads per run before continue-as-new (~2,000 events)


@workflow.defn(name="ParentTaskWorkflow")
class ParentTaskWorkflow(ParentUpdates):
    @workflow.init
    def __init__(self, inp: ParentInput) -> None:
        self.inp = inp
        self.spec = inp.task
        self.c: ParentCarry = inp.carry or ParentCarry()
        self.recurring = inp.recurring is not None
        self._changed = False          # the deadline changed: replan
        self._nudged = False           # read the children now (the refresh signal)

    @workflow.run
    async def run(self, inp: ParentInput) -> dict:
        if self.c.cycle is None:
            self.c.cycle = await self._cycle(None)
            await self._record("task_assigned", "started", {"due": self.c.cycle.due, "parent": True,
                                                            "policy": (inp.recurring or inp.ladder).name})
        if not self.c.planned:
            await self._plan("start")
        while self._open():
            if self._changed:
                await self._plan("replan")
            if not self.c.steps and self.c.last_planned and not self.recurring:
                await self._plan_more()
            await self._wait()
            if not self._open():
                break
            roll = await self._read()
            if roll.done:
                self._complete(roll)
                break
            await self._send_due(roll)
            if self.recurring and not self.c.steps and workflow.now() >= self.c.cycle.due_at:
                self.c.cycle.status, self.c.cycle.result = "missed", "late"  # its ladder is over
                break
            if self.c.polls >= POLLS_PER_RUN or workflow.info().is_continue_as_new_suggested():
                await self._continue_as_new(replace(self.c, polls=0))
        return await self._finish()

    def _open(self) -> bool:
        return self.c.status == "open" and (not self.recurring or self.c.cycle.status == "open")

    async def _wait(self) -> None:
        """Until the next step, the next poll, or an update or signal, whichever comes first."""
        self._nudged = False
        now = workflow.now()
        wake = now + timedelta(seconds=max(self.inp.poll_seconds, 1))
        if self.c.steps:
            wake = min(wake, self.c.steps[0].at)
        delay = (wake - now).total_seconds()
        if delay <= 0:
            return
        try:
            await workflow.wait_condition(lambda: self._changed or self._nudged or not self._open(),
                                          timeout=timedelta(seconds=delay))
        except asyncio.TimeoutError:
            pass

    async def _read(self) -> RollupResult:
        cycle = self.c.cycle
        roll = await lookup("group_rollup", RollupRequest(self.spec.id, workflow.now(),
                                                          cycle.period if self.recurring else ""), RollupResult)
        self.c.polls += 1
        self.c.rollup = roll.counts()
        return roll

    def _complete(self, roll: RollupResult) -> None:
        if self.recurring:
            cycle = self.c.cycle
            cycle.status, cycle.result, cycle.reported_on = "reported", roll.result, roll.completed_on
        else:
            self.c.status, self.c.result, self.c.completed_on = "completed", roll.result, roll.completed_on

    # -- the ladder ------------------------------------------------------------------
    async def _cycle(self, previous: CycleInfo | None) -> CycleInfo:
        spec = self.spec
        return await lookup("task_cycle", CycleRequest(spec.id, spec.every, self.inp.recurring, workflow.now(),
                                                       previous, spec.due, spec.due_at), CycleInfo)

    async def _plan(self, mode: str) -> None:
        self._changed = False
        cycle = self.c.cycle
        result = await lookup("group_plan", PlanRequest(self.spec.id, mode, cycle.due, cycle.due_at, workflow.now(),
                                                        self.inp.ladder, self.inp.recurring), PlanResult)
        self.c.steps = list(result.steps)
        self.c.last_planned = result.steps[-1].name if result.steps else None
        self.c.planned = True

    async def _plan_more(self) -> None:
        cycle = self.c.cycle
        result = await lookup("group_plan", PlanRequest(self.spec.id, "more", cycle.due, cycle.due_at, workflow.now(),
                                                        self.inp.ladder, None, self.c.last_planned), PlanResult)
        self.c.steps = list(result.steps)
        self.c.last_planned = result.steps[-1].name if result.steps else None

    async def _send_due(self, roll: RollupResult) -> None:
        """The steps due by now as one message (a worker away for a while sends the latest),
        and only when some children are overdue."""
        now = workflow.now()
        due = [s for s in self.c.steps if s.at <= now]
        if not due:
            return
        self.c.steps = [s for s in self.c.steps if s.at > now]
        if roll.overdue_units:
            levels = [lvl for lvl in LEVEL_ORDER if any(lvl in s.levels for s in due)]
            await self._escalate(due[-1], levels, roll)

    def _step_id(self, name: str) -> str:
        return name if self.c.revision == 0 else f"r{self.c.revision}/{name}"

    async def _escalate(self, step: StepPlan, levels: list[str], roll: RollupResult) -> None:
        now, c = workflow.now(), self.c
        for lvl in levels:
            if lvl not in c.reached:
                c.reached.append(lvl)
        c.level = max(c.level, level_rank(levels))
        step_id = self._step_id(step.name)
        context = {**self._context(), "days_late": max(-step.days, 0), "total": roll.total,
                   "completed": roll.completed}
        data = {"step": step_id, "kind": "group_escalation", "levels": levels, "overdue_units": roll.overdue_units,
                "rollup": roll.counts(), "planned_at": step.at.isoformat(), "at": now.isoformat(), "level": c.level}
        await self._group_step(GroupStepSend(
            task=self.spec, cycle=c.cycle.period, step=step_id, kind="group_escalation", levels=levels,
            units=list(roll.overdue_units), context=context, event_kind="task_step",
            event_key=f"{self.spec.id}|{c.cycle.period}|{step_id}", event_at=now, event_data=data,
            status=c.status, level=c.level, record_cycle=c.cycle))

    async def _group_step(self, req: GroupStepSend) -> None:
        try:
            await workflow.execute_local_activity("group_step", req, result_type=dict, **SEND)
        except ActivityError as err:  # retries used up (the store, a bug): the ladder goes on
            workflow.logger.warning("group step failed: %s: %s", req.step, err.cause or err)

    def _context(self) -> dict:
        spec, cycle = self.spec, self.c.cycle
        context = {"title": spec.title, "plan": spec.plan, "stt": spec.stt, "output": spec.output,
                   "due": cycle.due, "task_id": spec.id}
        if self.recurring:
            context["period"] = period_label(cycle.period)
        return context

    # -- closing -------------------------------------------------------------------------
    async def _finish(self) -> dict:
        c = self.c
        if c.status == "cancelled":
            await self._record("task_cancelled", "cancelled", {"reason": self._cancel_reason,
                                                                **({"by": self._cancelled_by} if self._cancelled_by else {})})
            await self._cancel_children()
        elif self.recurring and c.status == "open":
            cycle = c.cycle
            kind = "cycle_reported" if cycle.status == "reported" else "cycle_missed"
            await self._record(kind, "closed", {"result": cycle.result, "reported_on": cycle.reported_on,
                                                "rollup": dict(c.rollup)})
            if cycle.status == "reported":
                await self._completion_notice()
            await self._next_cycle()
        else:
            await self._record("task_completed", "closed", {"result": c.result, "reported_on": c.completed_on,
                                                            "rollup": dict(c.rollup)})
            await self._completion_notice()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return {"status": c.status, "result": c.result, "rollup": dict(c.rollup)}

    async def _completion_notice(self) -> None:
        c = self.c
        if not c.reached:
            return  # done before any escalation: nobody upstairs to tell
        cycle = c.cycle
        result = cycle.result if self.recurring else c.result
        done_on = cycle.reported_on if self.recurring else c.completed_on
        context = {**self._context(), "result": result, "completed_on": done_on, "total": c.rollup.get("total", 0),
                   "on_time": c.rollup.get("on_time", 0), "late": c.rollup.get("late", 0)}
        await self._group_step(GroupStepSend(task=self.spec, cycle=cycle.period, step="completed",
                                             kind="group_completed", levels=list(c.reached), context=context))

    async def _cancel_children(self) -> None:
        req = ChildrenCancel(self.spec.id, self._cancel_key or "cancel", self._cancel_reason, self._cancelled_by)
        try:
            await workflow.execute_local_activity("group_cancel_children", req, result_type=int, **SEND)
        except ActivityError as err:
            workflow.logger.warning("children not cancelled: %s", err.cause or err)

    async def _next_cycle(self) -> None:
        closed = self.c.cycle
        nxt = await self._cycle(closed)
        carry = ParentCarry(cycle=nxt, recent_cycles=(self.c.recent_cycles + [closed])[-RECENT_CYCLES:],
                            answers=self.c.answers)
        await self._record_with(carry, "cycle_opened", f"{nxt.period}|opened", {"due": nxt.due})
        await self._continue_as_new(carry)

    async def _continue_as_new(self, carry: ParentCarry) -> None:
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(replace(self.inp, task=self.spec, carry=carry))

    # -- the store -----------------------------------------------------------------------
    async def _record(self, kind: str, what: str, data: dict) -> None:
        period = self.c.cycle.period if self.c.cycle else ""
        await self._record_with(self.c, kind, f"{period}|{what}", data)

    async def _record_with(self, carry: ParentCarry, kind: str, what: str, data: dict) -> None:
        projection = TaskProjection(
            task=self.spec, status=carry.status, result=carry.result, completed_on=carry.completed_on,
            level=carry.level, cycle=carry.cycle, event_kind=kind, event_key=f"{self.spec.id}|{what}",
            event_at=workflow.now(), event_data=data)
        await workflow.execute_local_activity("task_record", projection, result_type=bool, **STORE)
