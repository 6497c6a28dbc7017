"""The indicator workflow's messages and store records (a mixin of IndicatorWorkflow).

A step: its recipients from the one resolver (``task_recipients``: the responsible
units, their lead officials, the supervisors; a unit the directory does not know goes
to the standing office), one ``deliver`` per recipient -- keyed by business identity
(indicator, cycle, step, recipient), the link for reporting the value to the unit and
its lead official -- and the step recorded on the indicator's timeline.

The methods use the state IndicatorWorkflow.__init__ sets (inp, spec, c).
"""
from __future__ import annotations

import asyncio
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts.delivery import DeliverRequest, DeliverResult
    from contracts.indicators import IndicatorRecord
    from contracts.tasks import RecipientsRequest, StepPlan, TaskRecipients
    from domain.ladder import level_rank
    from workflows.options import SEND

from workflows.indicator_common import ESCALATION_KINDS, LINK_LEVELS, local
from workflows.task_common import period_label


class IndicatorSending:
    """Sending a step and recording the indicator's timeline."""

    async def _send_step(self, step: StepPlan) -> None:
        now = workflow.now()
        req = RecipientsRequest(self.spec.id, list(self.spec.units), None, list(step.levels))
        resolved = await local("task_recipients", req, TaskRecipients)
        escalation = step.kind in ESCALATION_KINDS
        if escalation:
            self.c.level = max(self.c.level, level_rank(step.levels))
        kind = "indicator_escalation" if escalation else "indicator_reminder"
        context = self._context(resolved)
        context.update(days_left=max(step.days, 0), days_late=max(-step.days, 0),
                       notified=[r.name for r in resolved.recipients])
        results = await self._deliver(step.name, kind, resolved, context, now)
        self.c.steps_sent += 1
        await self._record("indicator_step", step.name, {
            "step": step.name, "kind": kind, "levels": list(step.levels), "planned_at": step.at.isoformat(),
            "at": now.isoformat(), "level": self.c.level,
            "deliveries": [{"recipient": r.key, "status": r.status, "channel": r.channel} for r in results]})

    def _context(self, resolved: TaskRecipients) -> dict:
        spec, cycle = self.spec, self.c.cycle
        context = {"title": spec.name, "plan": spec.plan, "stt": spec.stt, "target": spec.target,
                   "period": period_label(cycle.period), "due": cycle.due, "year": spec.year}
        units = [r.name for r in resolved.recipients if r.level == "unit"]
        leads = [r.name for r in resolved.recipients if r.level == "lead"]
        if units:
            context["units"] = units
        if leads:
            context["lead_official"] = leads[0]
        return context

    async def _deliver(self, step_id: str, kind: str, resolved: TaskRecipients, context: dict,
                       now: datetime) -> list[DeliverResult]:
        cycle = self.c.cycle
        valid_from = max(now, cycle.due_at).isoformat()
        requests = [DeliverRequest(
            subject_id=self.spec.id, cycle=cycle.period, step=step_id, kind=kind, recipient=r, context=dict(context),
            link_purpose="indicator" if r.level in LINK_LEVELS else None,
            link_valid_from=valid_from if r.level in LINK_LEVELS else None,
            standing_office=resolved.standing_office,
        ) for r in resolved.recipients]
        return list(await asyncio.gather(*(self._deliver_one(r) for r in requests)))

    async def _deliver_one(self, request: DeliverRequest) -> DeliverResult:
        try:
            return await local("deliver", request, DeliverResult, SEND)
        except ActivityError as err:
            # The delivery log holds every attempt; the ladder goes on regardless.
            workflow.logger.warning("delivery failed: %s %s: %s", request.step, request.recipient.key, err.cause or err)
            return DeliverResult(key=request.recipient.key, status="failed", channel="", attempts=0,
                                 error=str(err.cause or err))

    async def _record(self, kind: str, what: str, data: dict) -> None:
        period = self.c.cycle.period if self.c.cycle else ""
        rec = IndicatorRecord(self.spec.id, kind, f"{self.spec.id}|{period}|{what}", workflow.now(),
                              {"cycle": period, **data})
        await local("indicator_record", rec, bool)
