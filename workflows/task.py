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
do not survive continue-as-new): confirm, extend, amend, cancel. A confirmation is
classified against the deadline day using the moment it reaches the workflow (its
Vietnamese calendar day) -- not the document's date of issue, which is evidence
a unit writes itself and may predate or backdate the work. When a task or cycle is
done, everyone who was reminded or escalated gets one short `completed` notice.

All time comes from workflow.now(); every side effect is an activity. Behaviour
changes to this file must be gated with workflow.patched(...) and the replay
fixtures in tests/histories must keep passing.
"""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    import domain.recipients  # noqa: F401 (Recipient's module, for the payload converter)
    # Every module whose dataclasses cross the boundary is imported here by name:
    # the converter resolves their (string) annotations through sys.modules, and
    # inside the sandbox only modules passed through by name resolve.
    import domain.policy  # noqa: F401
    from contracts.delivery import DeliverRequest, DeliverResult, Recipient
    from workflows.options import SEND, STORE
    from domain.calendar import VN_TZ
    from domain.evidence import document_errors, parse_day, text_errors
    from domain.ladder import level_rank
    from domain.results import classify
    from contracts.tasks import (
        AmendInput, CancelInput, ConfirmInput, CycleInfo, CycleRequest, ExtendInput, PlanRequest, PlanResult,
        RecipientsRequest, StepPlan, TaskCarry, TaskInput, TaskProjection, TaskRecipients, TaskStatus,
        UpdateAnswer,
    )

_STORE, _SEND = STORE, SEND
LINK_DAYS = 30              # a link stays valid this long after its message or the deadline
LINK_LEVELS = ("unit", "lead")  # who may confirm from a message; supervisors only read
MAX_ANSWERS = 50            # update keys remembered across runs
RECENT_CYCLES = 3           # closed cycles that still accept a (late) report
STEPS_PER_RUN = 100         # a one-off overdue for years continues-as-new now and then
ESCALATION_KINDS = ("escalation", "cycle_escalation")
# Patch: the lookups (task_cycle, task_plan, task_recipients: pure, in memory) run as
# local activities -- in the worker's own workflow task, their answers still recorded
# in history -- instead of scheduled activities, each of which cost a server round
# trip and one more workflow task (`dondoc bench`: start throughput, reminder lag).
LOCAL_LOOKUPS = "local-lookups"
# Patch: a step's sends and its store record run as local activities too, so a
# reminder is one workflow task (timer fired -> recipients, deliver, record -> next
# timer) instead of three workflow tasks and two activity-task round trips. Both stay
# idempotent: the delivery log's business key and the event key make a re-run after a
# lost workflow task a no-op. `dondoc bench`, reminder lag N=500 on 2 cores:
# see the README's Hiệu năng section.
LOCAL_SENDS = "local-sends"


async def _run(patch: str, name: str, arg, result_type, options: dict):
    """An activity, local once the workflow has taken `patch`, scheduled before it."""
    if workflow.patched(patch):
        return await workflow.execute_local_activity(name, arg, result_type=result_type, **options)
    return await workflow.execute_activity(name, arg, result_type=result_type, **options)


async def _lookup(name: str, arg, result_type):
    return await _run(LOCAL_LOOKUPS, name, arg, result_type, _STORE)


def _iso_day(text: str) -> str:
    """The date of issue as ISO text, however the caller wrote it (validated before)."""
    day = parse_day(text)
    return day.isoformat() if day else text


def _local_day(moment: datetime) -> date:
    return moment.astimezone(VN_TZ).date()


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day, time.max, VN_TZ).astimezone(timezone.utc)


def _period_label(period: str) -> str:
    if len(period) == 7 and period[4] == "-":
        return f"tháng {period[5:]}/{period[:4]}"
    if period.isdigit():
        return f"năm {period}"
    return f"kỳ {period}"


@workflow.defn(name="TaskWorkflow")
class TaskWorkflow:
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
            self.c.cycle = await self._cycle(previous=None)
            await self._project("task_assigned", "started", {
                "assigned_at": (inp.assigned_at or workflow.now()).isoformat(),
                "policy": (inp.recurring or inp.ladder).name, "due": self.c.cycle.due})
        if not self.c.planned:
            await self._plan("start")
        while self._open():
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
        return self._changed or not self._open() or bool(self.c.unwritten)

    async def _sleep_until(self, at: datetime) -> bool:
        """Sleep until `at`; True when an update interrupted the sleep."""
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
            await self._project("task_cancelled", "cancelled", {"reason": self._cancel_reason})
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
        return await _lookup("task_cycle", CycleRequest(spec.id, spec.every, self.inp.recurring, workflow.now(),
                                                        previous, spec.due, spec.due_at), CycleInfo)

    async def _plan(self, mode: str) -> None:
        self._changed = False
        result = await self._plan_request(mode)
        # A change notice not yet sent stays, held to the next office-hours moment.
        notices = [replace(s, at=max(s.at, result.notice_at)) for s in self.c.steps if s.kind == "amended"]
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
        cycle = self.c.cycle
        return await _lookup("task_plan", PlanRequest(self.spec.id, mode, cycle.due, cycle.due_at, workflow.now(),
                                                      self.inp.ladder, self.inp.recurring, self.c.last_planned),
                             PlanResult)

    # -- sending --------------------------------------------------------------------
    def _step_id(self, name: str) -> str:
        # A changed deadline renames its steps: "before-3" of the new deadline is not
        # the one already sent for the old.
        return name if self.c.revision == 0 or name.startswith("amended") else f"r{self.c.revision}/{name}"

    async def _send_step(self, step: StepPlan) -> None:
        now = workflow.now()
        step_id = self._step_id(step.name)
        resolved = await self._recipients(step.levels)
        for level in step.levels:
            if level not in self.c.reached:
                self.c.reached.append(level)
        if step.kind in ESCALATION_KINDS or (step.kind == "assigned" and level_rank(step.levels) > 0):
            self.c.level = max(self.c.level, level_rank(step.levels))
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

    def _template_kind(self, step: StepPlan) -> str:
        if step.kind == "assigned" or step.kind == "amended" or not self.recurring:
            return step.kind
        return step.kind if step.kind.startswith("cycle_") else f"cycle_{step.kind}"

    async def _recipients(self, levels: list[str]) -> TaskRecipients:
        spec = self.spec
        req = RecipientsRequest(spec.id, list(spec.lead_units), spec.lead_official, list(levels))
        return await _lookup("task_recipients", req, TaskRecipients)

    async def _deliver(self, step_id: str, kind: str, resolved: TaskRecipients, context: dict,
                       now: datetime) -> list[DeliverResult]:
        cycle = self.c.cycle
        expires = (max(now, cycle.due_at) + timedelta(days=LINK_DAYS)).isoformat()
        linked = kind not in ("completed",)
        requests = [DeliverRequest(
            subject_id=self.spec.id, cycle=cycle.period, step=step_id, kind=kind, recipient=r,
            context=dict(context),
            link_purpose="confirm" if linked and r.level in LINK_LEVELS else None,
            link_expires_at=expires if linked and r.level in LINK_LEVELS else None,
            standing_office=resolved.standing_office,
        ) for r in resolved.recipients]
        return list(await asyncio.gather(*(self._deliver_one(req) for req in requests)))

    async def _deliver_one(self, request: DeliverRequest) -> DeliverResult:
        try:
            return await _run(LOCAL_SENDS, "deliver", request, DeliverResult, _SEND)
        except ActivityError as err:
            # The delivery log holds every attempt; the ladder goes on regardless.
            workflow.logger.warning("delivery failed: %s %s: %s", request.step, request.recipient.key, err.cause or err)
            return DeliverResult(key=request.recipient.key, status="failed", channel="", attempts=0,
                                 error=str(err.cause or err))

    def _context(self, resolved: TaskRecipients, now: datetime) -> dict:
        spec, cycle = self.spec, self.c.cycle
        units = [r.name for r in resolved.recipients if r.level == "unit"]
        leads = [r.name for r in resolved.recipients if r.level == "lead"]
        context = {"title": spec.title, "plan": spec.plan, "stt": spec.stt, "output": spec.output,
                   "due": cycle.due, "task_id": spec.id}
        if units:
            context["units"] = units
        if leads:
            context["lead_official"] = leads[0]
        if self.recurring:
            context["period"] = _period_label(cycle.period)
        return context

    async def _completion_notice(self) -> None:
        if not self.c.reached:
            return  # confirmed before anyone was reminded: nobody to tell
        cycle = self.c.cycle
        resolved = await self._recipients(self.c.reached)
        context = self._context(resolved, workflow.now())
        evidence = cycle.evidence or {}
        context.update(result=cycle.result, completed_on=cycle.reported_on,
                       evidence_number=evidence.get("document_number", ""))
        await self._deliver("completed", "completed", resolved, context, workflow.now())

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
        await _run(LOCAL_SENDS, "task_record", projection, bool, _STORE)

    async def _write_late_reports(self, carry: TaskCarry) -> None:
        while carry.unwritten:
            period = carry.unwritten[0]
            cycles = [c for c in [*carry.recent_cycles, self.c.cycle] if c is not None and c.period == period]
            if cycles:
                await self._project_with(carry, "cycle_reported", f"{period}|late-report",
                                         {"result": cycles[-1].result, "reported_on": cycles[-1].reported_on},
                                         cycle=cycles[-1])
            carry.unwritten.pop(0)

    # -- updates --------------------------------------------------------------------
    def _remember(self, key: str, answer: UpdateAnswer) -> UpdateAnswer:
        self.c.answers[key] = answer
        while len(self.c.answers) > MAX_ANSWERS:
            self.c.answers.pop(next(iter(self.c.answers)))
        return answer

    def _answer(self, action: str, first: bool = True, cycle: CycleInfo | None = None, message: str = "") -> UpdateAnswer:
        cycle = cycle or self.c.cycle
        return UpdateAnswer(
            task_id=self.spec.id, action=action, first=first, status=self.c.status,
            result=cycle.result if cycle else self.c.result,
            completed_on=cycle.reported_on if cycle else self.c.completed_on,
            cycle=cycle.period if cycle else "", due=cycle.due if cycle else self.spec.due,
            due_at=cycle.due_at if cycle else None, evidence=cycle.evidence if cycle else None, message=message)

    def _cycle_named(self, period: str) -> CycleInfo | None:
        current = self.c.cycle
        if current is None:
            return None
        if not period or period in ("once", current.period):
            return current
        return next((c for c in self.c.recent_cycles if c.period == period), None)

    @workflow.update
    async def confirm(self, inp: ConfirmInput) -> UpdateAnswer:
        await workflow.wait_condition(lambda: self.c.cycle is not None)
        if inp.key in self.c.answers:
            return self.c.answers[inp.key]  # the same confirmation again: the same answer
        target = self._cycle_named(inp.cycle)
        if target is None:
            raise ApplicationError(f"Kỳ báo cáo '{inp.cycle}' không còn nhận báo cáo.", type="InvalidConfirmation")
        if target.status == "reported":
            # Another submission after the first counted: shown the first, nothing changes.
            return self._answer("confirm", first=False, cycle=target)
        now = workflow.now()
        was_closed = target.status != "open"
        target.status = "reported"
        target.result = self._classify(target, now)
        target.reported_on = _local_day(now).isoformat()
        target.evidence = {"document_number": inp.document_number.strip(), "issued_on": _iso_day(inp.issued_on),
                           "summary": inp.summary.strip(), "link": inp.link, "note": inp.note,
                           "confirmed_by": inp.confirmed_by, "confirmed_at": now.isoformat()}
        target.first_key = inp.key
        if not self.recurring:
            self.c.status, self.c.result = "completed", target.result
            self.c.completed_on, self.c.evidence = target.reported_on, target.evidence
        elif was_closed:
            self.c.unwritten.append(target.period)  # a missed cycle reported late: the run records it
        return self._remember(inp.key, self._answer("confirm", cycle=target))

    @staticmethod
    def _classify(cycle: CycleInfo, now: datetime) -> str:
        if now > cycle.due_at and _local_day(now) == _local_day(cycle.due_at):
            return "late"  # an exact due instant (drills) passed earlier the same day
        return classify(date.fromisoformat(cycle.due), _local_day(now))

    @confirm.validator
    def _validate_confirm(self, inp: ConfirmInput) -> None:
        if inp.key in self.c.answers:
            return
        errors = _key_errors(inp.key)
        if self.c.status == "cancelled":
            errors.append("Nhiệm vụ đã bị hủy; không nhận xác nhận.")
        errors += document_errors(inp.document_number, inp.issued_on, inp.summary, today=_local_day(workflow.now()),
                                  link=inp.link or "", note=inp.note or "").values()
        if inp.cycle and self.c.cycle is not None and self._cycle_named(inp.cycle) is None:
            errors.append(f"Kỳ báo cáo '{inp.cycle}' không còn nhận báo cáo.")
        _raise_if(errors, "InvalidConfirmation")

    @workflow.update
    async def extend(self, inp: ExtendInput) -> UpdateAnswer:
        await workflow.wait_condition(lambda: self.c.cycle is not None)
        if inp.key in self.c.answers:
            return self.c.answers[inp.key]
        cycle = self.c.cycle
        old_due = cycle.due
        cycle.due = inp.new_due
        cycle.due_at = inp.new_due_at or _end_of_day(date.fromisoformat(inp.new_due))
        self._deadline_changed({"old_due": old_due, "new_due": cycle.due, "reason": inp.reason,
                                "approved_by": inp.approved_by,
                                "changes": [f"Gia hạn đến ngày {_vn(cycle.due)}"]})
        await self._project("task_extended", f"extend|{inp.key}", {
            "old_due": old_due, "new_due": cycle.due, "reason": inp.reason, "approved_by": inp.approved_by})
        return self._remember(inp.key, self._answer("extend"))

    @extend.validator
    def _validate_extend(self, inp: ExtendInput) -> None:
        if inp.key in self.c.answers:
            return
        errors = _key_errors(inp.key) + self._open_errors()
        if not (inp.reason or "").strip():
            errors.append("Thiếu lý do gia hạn.")
        if not (inp.approved_by or "").strip():
            errors.append("Thiếu người đồng ý gia hạn.")
        errors += _date_errors(inp.new_due, "Thời hạn mới")
        if not errors and self.c.cycle is not None:
            if inp.new_due_at is not None and inp.new_due_at <= self.c.cycle.due_at:
                errors.append("Thời hạn mới phải sau thời hạn hiện tại.")
            elif inp.new_due_at is None and inp.new_due <= self.c.cycle.due:
                errors.append("Thời hạn mới phải sau thời hạn hiện tại.")
        if inp.cycle and self.c.cycle is not None and inp.cycle not in ("once", self.c.cycle.period):
            errors.append(f"Kỳ báo cáo '{inp.cycle}' không phải kỳ đang mở.")
        errors += _length_errors(reason=inp.reason, approved_by=inp.approved_by)
        _raise_if(errors, "InvalidExtension")

    @workflow.update
    async def amend(self, inp: AmendInput) -> UpdateAnswer:
        await workflow.wait_condition(lambda: self.c.cycle is not None)
        if inp.key in self.c.answers:
            return self.c.answers[inp.key]
        changes, spec = [], self.spec
        for name in ("title", "output"):
            if getattr(inp, name) is not None and getattr(inp, name) != getattr(spec, name):
                setattr(spec, name, getattr(inp, name))
                changes.append(name)
        routed = False
        if inp.lead_units is not None and list(inp.lead_units) != list(spec.lead_units):
            spec.lead_units, routed = list(inp.lead_units), True
            changes.append("lead_units")
        if inp.lead_official is not None and inp.lead_official != spec.lead_official:
            spec.lead_official, routed = inp.lead_official, True
            changes.append("lead_official")
        cycle, old_due = self.c.cycle, self.c.cycle.due
        if not self.recurring and (inp.due is not None or inp.due_at is not None):
            due_at = inp.due_at or _end_of_day(date.fromisoformat(inp.due))
            if due_at != cycle.due_at:
                spec.due, spec.due_at = inp.due or _local_day(due_at).isoformat(), inp.due_at
                cycle.due, cycle.due_at = spec.due, due_at
                changes.append("due")
        if "due" in changes or routed:
            self._deadline_changed({"old_due": old_due, "new_due": cycle.due, "reason": inp.reason,
                                    "changes": [_CHANGE_TEXT[c] for c in changes]})
        if changes:
            await self._project("task_amended", f"amend|{inp.key}", {"changes": changes, "reason": inp.reason})
        return self._remember(inp.key, self._answer("amend", message=",".join(changes)))

    @amend.validator
    def _validate_amend(self, inp: AmendInput) -> None:
        if inp.key in self.c.answers:
            return
        errors = _key_errors(inp.key) + self._open_errors()
        if inp.due is not None:
            errors += _date_errors(inp.due, "Thời hạn")
        if (inp.due is not None or inp.due_at is not None) and self.recurring:
            errors.append("Nhiệm vụ định kỳ không đổi thời hạn bằng cách này; kỳ mới theo cấu hình.")
        if inp.title is not None and not inp.title.strip():
            errors.append("Tên nhiệm vụ không được để trống.")
        _raise_if(errors, "InvalidAmendment")

    @workflow.update
    async def cancel(self, inp: CancelInput) -> UpdateAnswer:
        if inp.key in self.c.answers:
            return self.c.answers[inp.key]
        self.c.status = "cancelled"
        self._cancel_reason = inp.reason
        return self._remember(inp.key, self._answer("cancel", message=inp.reason))

    @cancel.validator
    def _validate_cancel(self, inp: CancelInput) -> None:
        if inp.key in self.c.answers:
            return
        errors = _key_errors(inp.key) + self._open_errors()
        if not (inp.reason or "").strip():
            errors.append("Thiếu lý do hủy nhiệm vụ.")
        errors += _length_errors(reason=inp.reason)
        _raise_if(errors, "InvalidCancellation")

    _cancel_reason = ""

    def _open_errors(self) -> list[str]:
        if self.c.status == "completed":
            return ["Nhiệm vụ đã hoàn thành."]
        if self.c.status == "cancelled":
            return ["Nhiệm vụ đã bị hủy."]
        if self.recurring and self.c.cycle is not None and self.c.cycle.status != "open":
            return ["Kỳ báo cáo đã đóng."]
        return []

    def _deadline_changed(self, notice: dict) -> None:
        """Replan from now; tell everyone told so far (and the unit) once, in office hours."""
        self.c.revision += 1
        self.c.level = 0 if self.c.cycle.due_at > workflow.now() else self.c.level
        levels = ["unit"] + [lvl for lvl in self.c.reached if lvl != "unit"]
        # Sent at the plan's next office moment: the replan gives that instant; until
        # then the notice waits at "now" and the planner's order places it.
        self.c.steps = [s for s in self.c.steps if s.kind == "amended"] + [StepPlan(
            f"amended-{self.c.revision}", workflow.now(), levels, "amended", 0, notice)]
        self._changed = True

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


_CHANGE_TEXT = {"title": "Tên nhiệm vụ", "output": "Sản phẩm đầu ra", "lead_units": "Đơn vị chủ trì",
                "lead_official": "Lãnh đạo phụ trách", "due": "Thời hạn"}


def _vn(iso_day: str) -> str:
    d = date.fromisoformat(iso_day)
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def _key_errors(key: str) -> list[str]:
    if not (key or "").strip():
        return ["Thiếu khóa chống gửi trùng (key)."]
    if len(key) > 300:
        return ["Khóa chống gửi trùng quá dài."]
    return []


def _date_errors(text: str, label: str, not_after: date | None = None) -> list[str]:
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        return [f"{label} không hợp lệ (dùng dạng YYYY-MM-DD)."]
    if not_after is not None and day > not_after:
        return [f"{label} không thể ở tương lai."]
    return []


def _length_errors(**fields: str) -> list[str]:
    return list(text_errors(**fields).values())


def _raise_if(errors: list[str], kind: str) -> None:
    if errors:
        raise ApplicationError(" ".join(errors), type=kind)
