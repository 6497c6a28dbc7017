"""The task workflow's side of the messages and the store (a mixin of TaskWorkflow).

A step: resolve its recipients (a lookup: the directory may change), deliver to
each (the `deliver` activity, keyed by business identity: task, cycle, step,
recipient, channel; a failed send is logged and the ladder goes on) and record the
step in the store. When a task or cycle is done, everyone who was reminded or
escalated gets one short `completed` notice. Late reports of closed cycles are
written by the run that holds them.

The methods use the state TaskWorkflow.__init__ sets (inp, spec, c, recurring,
_sent_this_run). Moving code here changed no command: the sends and records, their
order and their workflow.patched(...) calls are those the replay fixtures hold.
"""
from __future__ import annotations

import asyncio
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts.delivery import DeliverRequest, DeliverResult
    from contracts.steps import StepRecord, StepSend, TaskBegin, TaskBegun
    from contracts.tasks import (
        CycleInfo, CycleRequest, PlanRequest, PlanResult, RecipientsRequest, StepPlan, TaskCarry, TaskProjection,
        TaskRecipients,
    )
    from domain.ladder import level_rank
    from workflows.options import SEND, STORE

from workflows.task_common import (
    ESCALATION_KINDS, LINK_LEVELS, LOCAL_SENDS, STEP_IN_ONE, lookup, period_label, run_activity,
)


class TaskSending:
    """Sending a step, the completion notice, and the store records of a task."""

    def _step_id(self, name: str) -> str:
        # A changed deadline renames its steps: "before-3" of the new deadline is not
        # the one already sent for the old.
        return name if self.c.revision == 0 or name.startswith("amended") else f"r{self.c.revision}/{name}"

    async def _send_step(self, step: StepPlan) -> None:
        now = workflow.now()
        step_id = self._step_id(step.name)
        if workflow.patched(STEP_IN_ONE):
            await self._send_step_in_one(step, step_id, now)
            return
        resolved = await self._recipients(step.levels)
        self._note_reached(step)
        kind = self._template_kind(step)
        context = self._context(resolved, now)
        context.update(days_left=max(step.days, 0), days_late=max(-step.days, 0),
                       assigned_late=step.name == "assigned", notified=[r.name for r in resolved.recipients])
        context.update(step.context)
        results = await self._deliver(step_id, kind, resolved, context, now)
        self.c.steps_sent += 1
        self._sent_this_run += 1
        await self._project("task_step", step_id, {
            "step": step_id, "kind": kind, "levels": step.levels, "planned_at": step.at.isoformat(),
            "at": now.isoformat(), "level": self.c.level,
            "deliveries": [{"recipient": r.key, "status": r.status, "channel": r.channel} for r in results]})

    def _note_reached(self, step: StepPlan) -> None:
        for level in step.levels:
            if level not in self.c.reached:
                self.c.reached.append(level)
        if step.kind in ESCALATION_KINDS or (step.kind == "assigned" and level_rank(step.levels) > 0):
            self.c.level = max(self.c.level, level_rank(step.levels))

    async def _send_step_in_one(self, step: StepPlan, step_id: str, now: datetime) -> None:
        """The step as one local activity (patch step-in-one): recipients, messages, record."""
        self._note_reached(step)
        kind = self._template_kind(step)
        context = self._base_context()
        context.update(days_left=max(step.days, 0), days_late=max(-step.days, 0),
                       assigned_late=step.name == "assigned")
        context.update(step.context)
        c = self.c
        record = StepRecord(
            status=c.status, result=c.result, completed_on=c.completed_on, evidence=c.evidence, level=c.level,
            cycle=c.cycle, event_kind="task_step", event_key=f"{self.spec.id}|{c.cycle.period}|{step_id}",
            event_at=now, event_data={"step": step_id, "kind": kind, "levels": step.levels,
                                      "planned_at": step.at.isoformat(), "at": now.isoformat(), "level": c.level})
        await self._step_activity(step_id, kind, step.levels, context, now, record=record)
        self.c.steps_sent += 1
        self._sent_this_run += 1

    async def _step_activity(self, step_id: str, kind: str, levels: list[str], context: dict, now: datetime,
                             record: StepRecord | None = None) -> None:
        cycle = self.c.cycle
        linked = kind not in ("completed", "cancelled")
        req = StepSend(task=self.spec, cycle=cycle.period, step=step_id, kind=kind, levels=list(levels),
                       context=context, link_levels=list(LINK_LEVELS) if linked else [],
                       link_valid_from=max(now, cycle.due_at).isoformat() if linked else None,
                       list_notified=record is not None, record=record)
        try:
            await workflow.execute_local_activity("task_step", req, result_type=dict, **SEND)
        except ActivityError as err:
            # Retries used up (the store or a bug, not a channel: a channel's failure is a
            # recorded "failed"): the ladder goes on, the step recorded without its messages.
            workflow.logger.warning("step failed: %s: %s", step_id, err.cause or err)
            if record is not None:
                await self._project("task_step", step_id, {**record.event_data, "deliveries": [],
                                                            "error": str(err.cause or err)})

    def _template_kind(self, step: StepPlan) -> str:
        if step.kind in ("assigned", "amended", "link_resent", "difficulty") or not self.recurring:
            return step.kind
        return step.kind if step.kind.startswith("cycle_") else f"cycle_{step.kind}"

    async def _recipients(self, levels: list[str]) -> TaskRecipients:
        spec = self.spec
        req = RecipientsRequest(spec.id, list(spec.lead_units), spec.lead_official, list(levels))
        return await lookup("task_recipients", req, TaskRecipients)

    async def _deliver(self, step_id: str, kind: str, resolved: TaskRecipients, context: dict,
                       now: datetime) -> list[DeliverResult]:
        cycle = self.c.cycle
        # The link works for [links] confirm_days from the later of now and the deadline;
        # the delivery activity reads the configuration, so history holds no lifetime.
        valid_from = max(now, cycle.due_at).isoformat()
        linked = kind not in ("completed", "cancelled")
        requests = [DeliverRequest(
            subject_id=self.spec.id, cycle=cycle.period, step=step_id, kind=kind, recipient=r,
            context=dict(context),
            link_purpose="confirm" if linked and r.level in LINK_LEVELS else None,
            link_valid_from=valid_from if linked and r.level in LINK_LEVELS else None,
            standing_office=resolved.standing_office,
        ) for r in resolved.recipients]
        return list(await asyncio.gather(*(self._deliver_one(req) for req in requests)))

    async def _deliver_one(self, request: DeliverRequest) -> DeliverResult:
        try:
            return await run_activity(LOCAL_SENDS, "deliver", request, DeliverResult, SEND)
        except ActivityError as err:
            # The delivery log holds every attempt; the ladder goes on regardless.
            workflow.logger.warning("delivery failed: %s %s: %s", request.step, request.recipient.key, err.cause or err)
            return DeliverResult(key=request.recipient.key, status="failed", channel="", attempts=0,
                                 error=str(err.cause or err))

    def _context(self, resolved: TaskRecipients, now: datetime) -> dict:
        units = [r.name for r in resolved.recipients if r.level == "unit"]
        leads = [r.name for r in resolved.recipients if r.level == "lead"]
        context = self._base_context()
        if units:
            context["units"] = units
        if leads:
            context["lead_official"] = leads[0]
        return context

    def _base_context(self) -> dict:
        """The message's context but the recipients' names (task_step adds those)."""
        spec, cycle = self.spec, self.c.cycle
        context = {"title": spec.title, "plan": spec.plan, "stt": spec.stt, "output": spec.output,
                   "due": cycle.due, "task_id": spec.id}
        if self.recurring:
            context["period"] = period_label(cycle.period)
        return context

    async def _completion_notice(self) -> None:
        if not self.c.reached:
            return  # confirmed before anyone was reminded: nobody to tell
        cycle = self.c.cycle
        evidence = cycle.evidence or {}
        done = dict(result=cycle.result, completed_on=cycle.reported_on,
                    evidence_number=evidence.get("document_number", ""))
        if evidence.get("judged_by") == "issued_on":  # judged by the document's date: the confirmation's too
            done.update(judged_by="issued_on", confirmed_at=evidence.get("confirmed_at", ""))
        if workflow.patched(STEP_IN_ONE):
            await self._step_activity("completed", "completed", self.c.reached, {**self._base_context(), **done},
                                      workflow.now())
            return
        resolved = await self._recipients(self.c.reached)
        context = self._context(resolved, workflow.now())
        context.update(done)
        await self._deliver("completed", "completed", resolved, context, workflow.now())

    # -- the start ------------------------------------------------------------------
    _begun_plan: PlanResult | None = None   # task_begin's plan, until _plan takes it

    async def _begin(self, assigned: dict) -> None:
        """A new task's cycle, its task_assigned record and its first plan, in one local
        activity (patch begin-in-one); the plan waits in _begun_plan for _plan("start")."""
        spec, inp, c, now = self.spec, self.inp, self.c, workflow.now()
        req = TaskBegin(
            task=spec, cycle=CycleRequest(spec.id, spec.every, inp.recurring, now, None, spec.due, spec.due_at),
            plan=PlanRequest(spec.id, "start", "", now, now, inp.ladder, inp.recurring, c.last_planned),
            record=StepRecord(status=c.status, result=c.result, completed_on=c.completed_on, evidence=c.evidence,
                              level=c.level, event_kind="task_assigned", event_key="started", event_at=now,
                              event_data=assigned))
        begun = await workflow.execute_local_activity("task_begin", req, result_type=TaskBegun, **STORE)
        self.c.cycle, self._begun_plan = begun.cycle, begun.plan

    # -- the store ------------------------------------------------------------------
    async def _project(self, kind: str, what: str, data: dict) -> None:
        period = self.c.cycle.period if self.c.cycle else ""
        await self._project_with(self.c, kind, f"{period}|{what}", data)

    async def _project_with(self, carry: TaskCarry, kind: str, what: str, data: dict,
                            cycle: CycleInfo | None = None) -> None:
        projection = TaskProjection(
            task=self.spec, status=carry.status, result=carry.result, completed_on=carry.completed_on,
            evidence=carry.evidence, level=carry.level, cycle=cycle or carry.cycle, event_kind=kind,
            event_key=f"{self.spec.id}|{what}", event_at=workflow.now(), event_data=data)
        await run_activity(LOCAL_SENDS, "task_record", projection, bool, STORE)

    async def _write_late_reports(self, carry: TaskCarry) -> None:
        while carry.unwritten:
            period = carry.unwritten[0]
            cycles = [c for c in [*carry.recent_cycles, self.c.cycle] if c is not None and c.period == period]
            if cycles:
                await self._project_with(carry, "cycle_reported", f"{period}|late-report",
                                         {"result": cycles[-1].result, "reported_on": cycles[-1].reported_on},
                                         cycle=cycles[-1])
            carry.unwritten.pop(0)

