"""The 24-hour incident-report rule as a durable workflow.

"Thực hiện báo cáo về sự cố trong vòng 24 giờ": from the moment an (information-
security) incident is detected, its unit has 24 real hours -- day and night,
weekends and Tết included, office hours do not apply -- to report it. The default
ladder (copied from the configuration into the input when the incident is opened,
so a later configuration change never alters a running incident):

    at once          the unit is alerted                       step "alert"
    +12 h, +20 h     the unit is reminded                      "remind-1", "remind-2"
    +24 h            unreported: the unit, the lead official    "escalate-1"
                     and the supervisors; the incident is late
    then every 4 h   the same, until reported                  "escalate-2", ...

A detection time already more than 24 h past escalates at once (and is late);
one already some hours past gets the alert and only the steps still ahead, never
a burst of past reminders.

The report arrives as the ``report`` update (signed link, CLI, API): validated,
idempotent by a key kept in workflow state (update ids do not survive
continue-as-new), classified on time / late against the window. Once reported,
everyone who was alerted gets one short ``incident_reported`` notice, and the
workflow ends. Step names are business identities: the delivery log keys every
send by (incident, step, recipient, channel), never by run id.

All time comes from ``workflow.now()``; every side effect is an activity.
"""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

# Workflow code, imported into the sandbox like this module: the pure part
# (planning, report checks) and the messages; their names stay importable from here.
from workflows.incident_plan import escalation_levels, plan_steps, validate_report
from workflows.incident_sending import CYCLE, LINK_LEVELS, IncidentSending  # noqa: F401

with workflow.unsafe.imports_passed_through():
    import domain.recipients  # noqa: F401 (Recipient's module, for the payload converter)
    import domain.policy  # noqa: F401 (IncidentPolicy's module: it crosses the boundary in IncidentInput)
    # The data classes live outside this module: the sandbox re-imports workflow
    # modules with a restricted ``datetime``, which the payload converter cannot use
    # as a field type.
    from contracts.delivery import Recipient
    from workflows.options import STORE
    from contracts.incidents import (
        IncidentCarry, IncidentInput, IncidentProjection, IncidentReport, IncidentStatus, IncidentStep,
        RecipientsRequest, RecipientsResult, ReportOutcome,
    )
    from domain.incidents import classify, due_of, utc

__all__ = [
    "IncidentInput", "IncidentCarry", "IncidentReport", "ReportOutcome", "IncidentStatus",
    "IncidentStep", "IncidentWorkflow", "plan_steps", "classify", "RecipientsRequest",
    "RecipientsResult", "IncidentProjection",
]

# Start a new run after this many escalations in one run (history stays small even
# for an incident nobody reports for months: every 4 h is 6 escalations a day).
ESCALATIONS_PER_RUN = 60


@workflow.defn
class IncidentWorkflow(IncidentSending):
    @workflow.init
    def __init__(self, inp: IncidentInput) -> None:
        # Set before any update is handled, so a report racing the start is judged
        # against the right window.
        self.inp = inp
        self.due_at = due_of(inp.detected_at, inp.policy)
        self.late = False
        self.report: IncidentReport | None = None
        self.reported_at: datetime | None = None
        self.result: str | None = None
        self.report_keys: list[str] = []
        self.recipients: list[Recipient] = []
        self.standing_office: Recipient | None = None
        self.alerted: list[str] = []
        self.steps_sent: list[str] = []
        self.next_step: IncidentStep | None = None
        if inp.carry is not None:
            self.recipients = list(inp.carry.recipients)
            self.standing_office = inp.carry.standing_office
            self.alerted = list(inp.carry.alerted)
            self.steps_sent = list(inp.carry.steps_sent)
            self.late = inp.carry.late
            self.report_keys = list(inp.carry.report_keys)

    # -- run --------------------------------------------------------------------
    @workflow.run
    async def run(self, inp: IncidentInput) -> IncidentStatus:
        carry = inp.carry
        if carry is None:
            opened_at = workflow.now()
            steps = await self._open_incident(inp, opened_at)
            next_number = 2
            for step in steps:
                if await self._wait_for_step(step):
                    break
                await self._send_step(step)
        else:
            opened_at, next_number = carry.opened_at, carry.next_escalation

        # Repeats: every repeat_seconds after the last escalation, until reported.
        if self.report is None and inp.policy.repeat_seconds > 0:
            if carry is None:
                last = self._last_escalation_at(steps)
                next_at = last + timedelta(seconds=inp.policy.repeat_seconds)
            else:
                next_at = carry.next_escalation_at
            await self._repeat_escalations(inp, opened_at, next_number, next_at)

        self.next_step = None
        await workflow.wait_condition(lambda: self.report is not None)
        await self._close()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    async def _open_incident(self, inp: IncidentInput, opened_at: datetime) -> list[IncidentStep]:
        """Resolve who is told and record the opening; the steps still ahead."""
        policy = inp.policy
        resolved = await workflow.execute_activity(
            "incident_recipients",
            RecipientsRequest(inp.unit_key, ["unit", *policy.escalate_to]),
            result_type=RecipientsResult, **STORE)
        self.recipients = resolved.recipients
        self.standing_office = resolved.standing_office
        await self._project("incident_opened", "opened", {
            "opened_at": opened_at.isoformat(), "opened_by": inp.opened_by,
            "missing_levels": resolved.missing, "policy": {
                "window_seconds": policy.window_seconds,
                "reminders_seconds": list(policy.reminders_seconds),
                "escalate_to": list(policy.escalate_to),
                "repeat_seconds": policy.repeat_seconds}})
        return plan_steps(inp.detected_at, opened_at, policy)

    async def _repeat_escalations(self, inp: IncidentInput, opened_at: datetime, next_number: int,
                                  next_at: datetime) -> None:
        """Escalate every repeat_seconds until reported; a new run now and then."""
        policy = inp.policy
        escalations_this_run = 0
        while self.report is None:
            if escalations_this_run >= ESCALATIONS_PER_RUN or workflow.info().is_continue_as_new_suggested():
                await self._continue_as_new(inp, opened_at, next_number, next_at)
                return
            step = IncidentStep(f"escalate-{next_number}", next_at, "escalation", escalation_levels(policy))
            if await self._wait_for_step(step):
                return
            await self._send_step(step)
            next_number += 1
            escalations_this_run += 1
            # A worker away for hours sends one catch-up, not a burst of missed repeats.
            next_at = max(next_at + timedelta(seconds=policy.repeat_seconds), workflow.now())

    async def _continue_as_new(self, inp: IncidentInput, opened_at: datetime, next_number: int,
                               next_at: datetime) -> None:
        """A new run carrying the state -- unless a report arrived while handlers finished."""
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self.report is None:
            workflow.continue_as_new(replace(inp, carry=IncidentCarry(
                opened_at=opened_at,
                recipients=self.recipients, standing_office=self.standing_office,
                alerted=self.alerted,
                steps_sent=self.steps_sent, late=self.late,
                next_escalation=next_number, next_escalation_at=next_at,
                report_keys=self.report_keys)))

    def _last_escalation_at(self, steps: list[IncidentStep]) -> datetime:
        # The first escalation is the last planned step; when a report cut the plan
        # short this value is never used.
        return steps[-1].at

    async def _wait_for_step(self, step: IncidentStep) -> bool:
        """Sleep until the step is due; True if the incident was reported meanwhile."""
        self.next_step = step
        delay = (step.at - workflow.now()).total_seconds()
        if self.report is None and delay > 0:
            try:
                await workflow.wait_condition(lambda: self.report is not None, timeout=timedelta(seconds=delay))
            except asyncio.TimeoutError:
                pass
        return self.report is not None

    # -- messages ---------------------------------------------------------------
    @workflow.update
    def report(self, report: IncidentReport) -> ReportOutcome:
        if self.report is None:
            self.report = report
            self.reported_at = workflow.now()
            self.result = classify(self.reported_at, self.due_at)
            self.report_keys.append(report.key)
            return self._outcome(first=True)
        if report.key not in self.report_keys:
            self.report_keys.append(report.key)
        # Same key: the retry of the report that counted. Another key: a second
        # submission, which changes nothing and is shown the first one.
        return self._outcome(first=report.key == self.report_keys[0])

    @report.validator
    def _validate_report(self, report: IncidentReport) -> None:
        if self.report is not None:
            return  # already reported: answered with the first report, never an error
        errors = validate_report(report, self.inp.detected_at, workflow.now())
        if errors:
            raise ApplicationError(" ".join(errors), type="InvalidReport")

    def _outcome(self, first: bool) -> ReportOutcome:
        return ReportOutcome(incident_id=self.inp.incident_id, status="reported", result=self.result,
                             reported_at=self.reported_at, due_at=self.due_at, report=self.report, first=first)

    @workflow.query
    def status(self) -> IncidentStatus:
        inp = self.inp
        nxt = self.next_step if self.report is None else None
        return IncidentStatus(
            incident_id=inp.incident_id, unit_key=inp.unit_key, unit_name=inp.unit_name, title=inp.title,
            severity=inp.severity, detected_at=utc(inp.detected_at), due_at=self.due_at,
            status="reported" if self.report else "open", result=self._result(), late=self.late,
            reported_at=self.reported_at, report=self.report, steps_sent=list(self.steps_sent),
            next_step=nxt.name if nxt else None, next_step_at=nxt.at if nxt else None,
            alerted=list(self.alerted))
