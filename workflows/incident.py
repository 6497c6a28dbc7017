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
from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    import domain.recipients  # noqa: F401 (Recipient's module, for the payload converter)
    # The data classes live outside this module: the sandbox re-imports workflow
    # modules with a restricted ``datetime``, which the payload converter cannot use
    # as a field type.
    from contracts.delivery import DeliverRequest, DeliverResult, Recipient
    from workflows.options import SEND, STORE
    from contracts.incidents import (
        IncidentCarry, IncidentInput, IncidentProjection, IncidentReport, IncidentStatus, IncidentStep,
        RecipientsRequest, RecipientsResult, ReportOutcome,
    )
    from domain.calendar import VN_TZ
    from domain.evidence import document_errors, parse_day
    from domain.incidents import classify, due_of, utc
    from domain.policy import IncidentPolicy

__all__ = [
    "IncidentInput", "IncidentCarry", "IncidentReport", "ReportOutcome", "IncidentStatus",
    "IncidentStep", "IncidentWorkflow", "plan_steps", "classify", "RecipientsRequest",
    "RecipientsResult", "IncidentProjection",
]

CYCLE = ""                               # an incident has one "cycle": itself
LINK_VALID_AFTER_SEND = timedelta(days=7)
LINK_LEVELS = ("unit", "lead")            # who gets the report link in their messages
# Start a new run after this many escalations in one run (history stays small even
# for an incident nobody reports for months: every 4 h is 6 escalations a day).
ESCALATIONS_PER_RUN = 60


# -- pure planning ------------------------------------------------------------------

def escalation_levels(policy: IncidentPolicy) -> list[str]:
    """The unit keeps being told (it is the one who must report) plus the escalation levels."""
    return ["unit"] + [lvl for lvl in policy.escalate_to if lvl != "unit"]


def plan_steps(detected_at: datetime, opened_at: datetime, policy: IncidentPolicy) -> list[IncidentStep]:
    """The steps still ahead when an incident is opened, up to the first escalation.

    Repeats after the first escalation are generated one at a time by the workflow
    (``escalate-N`` every ``repeat_seconds``), so an unreported incident never
    needs an unbounded list.
    """
    detected, opened = utc(detected_at), utc(opened_at)
    due = due_of(detected, policy)
    if opened >= due:
        return [IncidentStep("escalate-1", opened, "escalation", escalation_levels(policy))]
    steps = [IncidentStep("alert", opened, "alert", ["unit"])]
    for i, offset in enumerate(policy.reminders_seconds, start=1):
        at = detected + timedelta(seconds=offset)
        if opened < at < due:
            steps.append(IncidentStep(f"remind-{i}", at, "reminder", ["unit"]))
    steps.append(IncidentStep("escalate-1", due, "escalation", escalation_levels(policy)))
    return steps


def validate_report(report: IncidentReport, detected_at: datetime, now: datetime) -> list[str]:
    """What is wrong with a report, in Vietnamese (empty: acceptable)."""
    errors = []
    if not (report.key or "").strip():
        errors.append("thiếu khóa chống gửi trùng (key)")
    errors += document_errors(report.number, report.issued_on, report.summary, today=_local_day(now),
                              note=report.note or "", not_before=_local_day(detected_at),
                              asked="văn bản báo cáo", summary_of="báo cáo").values()
    if not isinstance(report.followed_coordination, bool):
        errors.append("Chưa cho biết có thực hiện theo điều phối của lực lượng chuyên trách hay không.")
    return errors


def _local_day(moment: datetime) -> date:
    return utc(moment).astimezone(VN_TZ).date()


def _hours(delta: timedelta) -> float:
    return round(max(delta.total_seconds(), 0) / 3600, 4)  # shown to the minute


# -- the workflow -------------------------------------------------------------------

_STORE, _SEND = STORE, SEND


@workflow.defn
class IncidentWorkflow:
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
        policy = inp.policy
        carry = inp.carry
        if carry is None:
            opened_at = workflow.now()
            resolved = await workflow.execute_activity(
                "incident_recipients",
                RecipientsRequest(inp.unit_key, ["unit", *policy.escalate_to]),
                result_type=RecipientsResult, **_STORE)
            self.recipients = resolved.recipients
            self.standing_office = resolved.standing_office
            await self._project("incident_opened", "opened", {
                "opened_at": opened_at.isoformat(), "opened_by": inp.opened_by,
                "missing_levels": resolved.missing, "policy": {
                    "window_seconds": policy.window_seconds,
                    "reminders_seconds": list(policy.reminders_seconds),
                    "escalate_to": list(policy.escalate_to),
                    "repeat_seconds": policy.repeat_seconds}})
            steps = plan_steps(inp.detected_at, opened_at, policy)
            next_number = 2
            for step in steps:
                if await self._wait_for_step(step):
                    break
                await self._send_step(step)
        else:
            next_number = carry.next_escalation

        # Repeats: every repeat_seconds after the last escalation, until reported.
        escalations_this_run = 0
        if self.report is None and policy.repeat_seconds > 0:
            if carry is None:
                last = self._last_escalation_at(steps)
                next_at = last + timedelta(seconds=policy.repeat_seconds)
            else:
                next_at = carry.next_escalation_at
            while self.report is None:
                if escalations_this_run >= ESCALATIONS_PER_RUN or workflow.info().is_continue_as_new_suggested():
                    await workflow.wait_condition(workflow.all_handlers_finished)
                    if self.report is None:
                        workflow.continue_as_new(replace(inp, carry=IncidentCarry(
                            opened_at=carry.opened_at if carry else opened_at,
                            recipients=self.recipients, standing_office=self.standing_office,
                            alerted=self.alerted,
                            steps_sent=self.steps_sent, late=self.late,
                            next_escalation=next_number, next_escalation_at=next_at,
                            report_keys=self.report_keys)))
                    break
                step = IncidentStep(f"escalate-{next_number}", next_at, "escalation", escalation_levels(policy))
                if await self._wait_for_step(step):
                    break
                await self._send_step(step)
                next_number += 1
                escalations_this_run += 1
                # A worker away for hours sends one catch-up, not a burst of missed repeats.
                next_at = max(next_at + timedelta(seconds=policy.repeat_seconds), workflow.now())

        self.next_step = None
        await workflow.wait_condition(lambda: self.report is not None)
        await self._close()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

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

    async def _send_step(self, step: IncidentStep) -> None:
        inp = self.inp
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
            context["hours_late"] = _hours(now - self.due_at)
            context["notified"] = [r.name for r in self.recipients if r.key in self.alerted]
        else:
            context["hours_left"] = _hours(self.due_at - now)
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
        expires = (max(now, self.due_at) + LINK_VALID_AFTER_SEND).isoformat()
        # The link lets the unit (and its lead official) report; supervisors only read.
        requests = [DeliverRequest(
            subject_id=self.inp.incident_id, cycle=CYCLE, step=step, kind=kind, recipient=r,
            context=dict(context),
            link_purpose="incident" if with_link and r.level in LINK_LEVELS else None,
            link_expires_at=expires if with_link and r.level in LINK_LEVELS else None,
            standing_office=self.standing_office,
        ) for r in targets]
        outcomes = await asyncio.gather(*(self._deliver_one(req) for req in requests))
        return [o for o in outcomes if o is not None]

    async def _deliver_one(self, request: DeliverRequest) -> DeliverResult | None:
        try:
            return await workflow.execute_activity("deliver", request, result_type=DeliverResult, **_SEND)
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
            report=_report_dict(self.report) if self.report else None,
            event_kind=kind, event_key=f"{inp.incident_id}/{what}", event_data=data,
        ), **_STORE)

    def _result(self) -> str | None:
        if self.result:
            return self.result
        return "late" if self.late else None

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


def _report_dict(report: IncidentReport) -> dict:
    issued = parse_day(report.issued_on)  # validated: ISO from here on, however it was typed
    return {"number": report.number, "issued_on": issued.isoformat() if issued else report.issued_on,
            "summary": report.summary,
            "followed_coordination": report.followed_coordination, "reporter": report.reporter,
            "note": report.note, "key": report.key}
