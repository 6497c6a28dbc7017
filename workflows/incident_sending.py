"""The incident workflow's messages and store records (a mixin of IncidentWorkflow).

A step: mark the incident late at its first escalation, send to the levels the
step names (the unit and its lead official get the report link; supervisors only
read), and record the step. Once reported, everyone alerted gets one short
``incident_reported`` notice. A failed send is logged by the delivery activity and
the ladder goes on.

The methods use the state IncidentWorkflow.__init__ sets (inp, due_at, late,
report, reported_at, result, recipients, standing_office, alerted, steps_sent).
Moving code here changed no command: the sends and records and their order are
those the replay fixtures hold.
"""
from __future__ import annotations

import asyncio
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ActivityError

from workflows.incident_plan import hours, report_dict

with workflow.unsafe.imports_passed_through():
    from contracts.delivery import DeliverRequest, DeliverResult, Recipient
    from contracts.incidents import IncidentProjection, IncidentStep
    from domain.incidents import utc
    from workflows.options import SEND, STORE

CYCLE = ""                               # an incident has one "cycle": itself
LINK_LEVELS = ("unit", "lead")            # who gets the report link in their messages


class IncidentSending:
    """Sending an incident's steps and its closing notice; its store records."""

    async def _send_step(self, step: IncidentStep) -> None:
        now = workflow.now()
        if step.kind == "escalation" and not self.late:
            self.late = True
            await self._project("incident_late", "late", {"at": now.isoformat()})
        targets = [r for r in self.recipients if r.level in step.levels]
        # Counted as alerted before the sends go out: a report that lands while they
        # are in flight still reaches everyone this step reached.
        for r in targets:
            if r.key not in self.alerted:
                self.alerted.append(r.key)
        kind = "incident_escalation" if step.kind == "escalation" else "incident_alert"
        context = self._context(now)
        if step.kind == "escalation":
            context["hours_late"] = hours(now - self.due_at)
            context["notified"] = [r.name for r in self.recipients if r.key in self.alerted]
        else:
            context["hours_left"] = hours(self.due_at - now)
            context["reminder"] = step.kind == "reminder"
        results = await self._deliver(step.name, kind, targets, context, with_link=True, now=now)
        self.steps_sent.append(step.name)
        await self._project("incident_step", step.name, {
            "step": step.name, "kind": step.kind, "levels": step.levels, "at": now.isoformat(),
            "deliveries": [{"recipient": r.key, "status": r.status, "channel": r.channel} for r in results]})

    async def _close(self) -> None:
        now = workflow.now()
        report = self.report
        await self._project("incident_reported", "reported", {
            "reported_at": self.reported_at.isoformat(), "result": self.result,
            "reporter": report.reporter, "number": report.number})
        targets = [r for r in self.recipients if r.key in self.alerted]
        context = self._context(now)
        context.update(reported_at=self.reported_at, result=self.result, report_number=report.number,
                       report_summary=report.summary, followed_coordination=report.followed_coordination)
        await self._deliver("reported", "incident_reported", targets, context, with_link=False, now=now)

    async def _deliver(self, step: str, kind: str, targets: list[Recipient], context: dict,
                       *, with_link: bool, now: datetime) -> list[DeliverResult]:
        valid_from = max(now, self.due_at).isoformat()  # + [links] incident_days, at send time
        # The link lets the unit (and its lead official) report; supervisors only read.
        requests = [DeliverRequest(
            subject_id=self.inp.incident_id, cycle=CYCLE, step=step, kind=kind, recipient=r,
            context=dict(context),
            link_purpose="incident" if with_link and r.level in LINK_LEVELS else None,
            link_valid_from=valid_from if with_link and r.level in LINK_LEVELS else None,
            standing_office=self.standing_office,
        ) for r in targets]
        outcomes = await asyncio.gather(*(self._deliver_one(req) for req in requests))
        return [o for o in outcomes if o is not None]

    async def _deliver_one(self, request: DeliverRequest) -> DeliverResult | None:
        try:
            return await workflow.execute_activity("deliver", request, result_type=DeliverResult, **SEND)
        except ActivityError as err:
            # The delivery log holds every attempt; the ladder goes on regardless.
            workflow.logger.warning("incident delivery failed: %s %s: %s",
                                    request.step, request.recipient.key, err.cause or err)
            return DeliverResult(key=request.recipient.key, status="failed", channel="",
                                 attempts=0, error=str(err.cause or err))

    def _context(self, now: datetime) -> dict:
        inp = self.inp
        return {"title": inp.title, "units": inp.unit_name, "severity": inp.severity,
                "detected_at": utc(inp.detected_at).isoformat(), "due_at": self.due_at.isoformat(),
                "incident_id": inp.incident_id}

    async def _project(self, kind: str, what: str, data: dict) -> None:
        inp = self.inp
        await workflow.execute_activity("record_incident", IncidentProjection(
            incident_id=inp.incident_id, unit=inp.unit_key, title=inp.title, severity=inp.severity,
            detected_at=utc(inp.detected_at), due_at=self.due_at,
            status="reported" if self.report else "open", result=self._result(),
            reported_at=self.reported_at,
            report=report_dict(self.report) if self.report else None,
            event_kind=kind, event_key=f"{inp.incident_id}/{what}", event_data=data,
        ), **STORE)

    def _result(self) -> str | None:
        if self.result:
            return self.result
        return "late" if self.late else None
