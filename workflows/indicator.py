"""One indicator (chỉ tiêu), one durable workflow: its unit is asked for a value every
cycle, reminded and escalated the way a recurring task is, and the target's year is
judged at its end.

A run is one reporting cycle (a month by default; a year, or seconds in drills),
continued-as-new into the next with its carry, so the history stays small for a year
of cycles. Per cycle: the indicator as the store holds it now (``indicator_spec``: a
re-import may have changed its name, target or units), the cycle (``task_cycle``, the
recurring tasks' rule, domain/cycles.py), the ladder of the recurring policy copied at
start (``task_plan``, domain/ladder.py, on the working calendar); then for each step:
sleep until it is due, resolve the recipients and deliver (indicator_sending.py). A
value reported (the ``report`` update, indicator_reports.py) that describes a day of the
cycle's period ends its reminders; a cycle whose ladder runs out unreported is missed.

When the next cycle would fall due after the target's year, the year is judged on the
latest value describing a day of it (``indicator_year``) and the workflow ends.

All time comes from workflow.now(); every side effect is a (local) activity, its
answer recorded in history; history holds keys and the indicator's own words only.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow

from workflows.indicator_common import covers, local, year_over
from workflows.indicator_reports import IndicatorReports
from workflows.indicator_sending import IndicatorSending
from workflows.task_common import local_day

with workflow.unsafe.imports_passed_through():
    import domain.recipients  # noqa: F401 (Recipient's module, for the payload converter)
    import domain.policy  # noqa: F401 (RecurringPolicy crosses the boundary in IndicatorInput)
    import contracts.tasks  # noqa: F401 (CycleInfo, StepPlan: their module, for the converter)
    from contracts.indicators import (
        IndicatorCarry, IndicatorInput, IndicatorSpec, IndicatorStatus, SpecRequest, YearRequest, YearResult,
    )
    from contracts.tasks import CycleInfo, CycleRequest, PlanRequest, PlanResult, StepPlan
    from domain.indicator_follow import year_end_instant


@workflow.defn(name="IndicatorWorkflow")
class IndicatorWorkflow(IndicatorReports, IndicatorSending):
    @workflow.init
    def __init__(self, inp: IndicatorInput) -> None:
        self.inp = inp
        self.spec: IndicatorSpec = inp.indicator
        self.c: IndicatorCarry = inp.carry or IndicatorCarry(unapplied=inp.indicator.reported_through)
        self.next_step: StepPlan | None = None
        self._closing = False

    @workflow.run
    async def run(self, inp: IndicatorInput) -> IndicatorStatus:
        if self.c.cycle is None:
            self.spec = await local("indicator_spec", SpecRequest(self.spec), IndicatorSpec)
            await self._open(await self._cycle(None), "indicator_followed")
        if year_over(self.c.cycle, self.spec.year):   # followed only after its year: judged at once
            return await self._judge_year()
        self._apply_kept()
        if not self.c.planned:
            await self._plan()
        while self.c.cycle.status == "open" and self.c.steps:
            step = self.c.steps[0]
            if await self._sleep_until(step.at):
                continue
            await self._send_step(step)
            self.c.steps = [s for s in self.c.steps if s is not step]
        self.next_step = None
        return await self._close()

    async def _open(self, cycle: CycleInfo, kind: str) -> None:
        """A cycle begins: already answered when a value kept for it describes its period."""
        self.c.cycle = cycle
        self._apply_kept()
        await self._record(kind, "opened", {"due": cycle.due, "every": self.spec.every, "year": self.spec.year,
                                            "status": cycle.status})

    def _apply_kept(self) -> None:
        """A value that closed no cycle answers the open one if it describes its period."""
        cycle, day = self.c.cycle, self.c.unapplied
        if day and cycle.status == "open" and covers(cycle, day):
            cycle.status, cycle.reported_on, cycle.evidence = "reported", local_day(workflow.now()).isoformat(), {
                "as_of": day}
        self.c.unapplied = ""

    async def _sleep_until(self, at: datetime) -> bool:
        """Sleep until `at`; True when a report ended the cycle meanwhile."""
        self.next_step = self.c.steps[0] if self.c.steps else None
        delay = (at - workflow.now()).total_seconds()
        if delay > 0:
            try:
                await workflow.wait_condition(self._answered, timeout=timedelta(seconds=delay))
            except asyncio.TimeoutError:
                pass
        return self._answered()

    def _answered(self) -> bool:
        return self.c.cycle.status != "open"

    async def _close(self) -> IndicatorStatus:
        self._closing = True
        cycle = self.c.cycle
        if cycle.status == "reported":
            self.c.cycles_reported += 1
            await self._record("indicator_cycle_reported", "closed", {"reported_on": cycle.reported_on,
                                                                      "result": cycle.result})
        else:
            cycle.status = "missed"
            self.c.cycles_missed += 1
            await self._record("indicator_cycle_missed", "closed", {"level": self.c.level})
        nxt = await self._cycle(cycle)
        await workflow.wait_condition(workflow.all_handlers_finished)
        if year_over(nxt, self.spec.year):
            return await self._judge_year()
        self.spec = await local("indicator_spec", SpecRequest(self.spec), IndicatorSpec)
        carry = IndicatorCarry(answers=self.c.answers, cycles_reported=self.c.cycles_reported,
                               cycles_missed=self.c.cycles_missed, unapplied=self.c.unapplied)
        self.c = carry
        await self._open(nxt, "indicator_cycle_opened")
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(IndicatorInput(self.spec, self.inp.policy, self.c))

    async def _judge_year(self) -> IndicatorStatus:
        """At the end of the target's year (a value may still come in until then), on the
        latest value describing a day of it."""
        wait = (year_end_instant(self.spec.year) - workflow.now()).total_seconds()
        if wait > 0:
            self.next_step = None
            await workflow.sleep(wait)
        result = await local("indicator_year", YearRequest(self.spec.id, self.spec.year, workflow.now()), YearResult)
        self.c.year_status = result.status
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    async def _cycle(self, previous: CycleInfo | None) -> CycleInfo:
        spec = self.spec
        req = CycleRequest(spec.id, spec.every, self.inp.policy, workflow.now(), previous)
        return await local("task_cycle", req, CycleInfo)

    async def _plan(self) -> None:
        cycle = self.c.cycle
        req = PlanRequest(self.spec.id, "start", cycle.due, cycle.due_at, workflow.now(), recurring=self.inp.policy)
        self.c.steps = list((await local("task_plan", req, PlanResult)).steps) if cycle.status == "open" else []
        self.c.planned = True

    @workflow.query
    def status(self) -> IndicatorStatus:
        cycle, nxt = self.c.cycle, self.next_step
        live = cycle is not None and cycle.status == "open" and nxt is not None
        return IndicatorStatus(
            id=self.spec.id, name=self.spec.name, period=cycle.period if cycle else "", due=cycle.due if cycle else "",
            cycle_status=cycle.status if cycle else "open", level=self.c.level, steps_sent=self.c.steps_sent,
            next_step=nxt.name if live else None, next_at=nxt.at if live else None,
            cycles_reported=self.c.cycles_reported, cycles_missed=self.c.cycles_missed, year=self.spec.year,
            year_status=self.c.year_status)
