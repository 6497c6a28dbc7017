"""The task workflow's updates: confirm, extend, amend, cancel (a mixin of TaskWorkflow;
resend_link is in task_actions.py).

Each is validated (its validator rejects a bad request before it reaches history)
and idempotent by a key kept in workflow state, because update ids do not survive
continue-as-new: the same key again gets the same answer. A confirmation is
classified against the deadline day by the moment it is judged by: behind
workflow.patched(JUDGED_MOMENT), the cited document's date of issue when it arrived
within the grace window after it, else its arrival (workflows/task_review.py, which
also holds it for the standing office's review when the deployment reviews results);
histories recorded before the patch classify by the arrival (its Vietnamese day).

The methods use the state TaskWorkflow.__init__ sets (inp, spec, c, recurring,
_changed) and TaskSending._project. Update names, inputs and answers are the
workflow's interface: unchanged by moving them here.
"""
from __future__ import annotations

from datetime import date, datetime

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.tasks import (
        AmendInput, CancelInput, ConfirmInput, CycleInfo, ExtendInput, StepPlan, UpdateAnswer,
    )
    from domain.evidence import document_errors
    from domain.results import classify

from workflows.task_progress import PROGRESS_STEPS  # the replan decides on these (TaskProgress._kept_on_replan)
from workflows.task_common import (
    CHANGE_TEXT, JUDGED_MOMENT, MAX_ANSWERS, date_errors, end_of_day, iso_day, key_errors, length_errors, local_day, raise_if,
    vn_day,
)


class TaskUpdates:
    """The update handlers and validators of TaskWorkflow, and the state they keep."""

    def _remember(self, key: str, answer: UpdateAnswer) -> UpdateAnswer:
        self.c.answers[key] = answer
        while len(self.c.answers) > MAX_ANSWERS:
            self.c.answers.pop(next(iter(self.c.answers)))
        return answer

    def _answer(self, action: str, first: bool = True, cycle: CycleInfo | None = None,
                message: str = "") -> UpdateAnswer:
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
        while self._judging:  # another confirmation is being judged (an activity): its outcome first
            await workflow.wait_condition(lambda: not self._judging)
        if inp.key in self.c.answers:
            return self.c.answers[inp.key]  # the same confirmation again: the same answer
        target = self._cycle_named(inp.cycle)
        if target is None:
            raise ApplicationError(f"Kỳ báo cáo '{inp.cycle}' không còn nhận báo cáo.", type="InvalidConfirmation")
        if target.status == "reported":
            # Another submission after the first counted: shown the first, nothing changes.
            return self._answer("confirm", first=False, cycle=target)
        if self._waiting() is not None:  # one awaits the office's review: shown it, nothing changes
            return self._pending_answer(self._waiting(), first=False)
        now = workflow.now()
        if workflow.patched(JUDGED_MOMENT):  # judged by the document's date within the grace window
            return await self._confirm_judged(inp, target, now)
        return self._close_cycle(inp, target, self._classify(target, now), local_day(now).isoformat(),
                                 self._confirmed_evidence(inp, now))

    @staticmethod
    def _confirmed_evidence(inp: ConfirmInput, now: datetime) -> dict:
        evidence = {"document_number": inp.document_number.strip(), "issued_on": iso_day(inp.issued_on),
                    "summary": inp.summary.strip(), "link": inp.link, "note": inp.note,
                    "confirmed_by": inp.confirmed_by, "confirmed_at": now.isoformat()}
        if inp.recorded_by:  # received on paper, recorded on the dashboard by this account
            evidence["recorded_by"] = inp.recorded_by
        return evidence

    def _close_cycle(self, inp: ConfirmInput, target: CycleInfo, result: str, reported_on: str,
                     evidence: dict) -> UpdateAnswer:
        """The confirmation counts: the cycle (and a one-off task) is reported."""
        was_closed = target.status != "open"
        target.status, target.result, target.reported_on = "reported", result, reported_on
        target.evidence, target.first_key = evidence, inp.key
        if not self.recurring:
            self.c.status, self.c.result = "completed", target.result
            self.c.completed_on, self.c.evidence = target.reported_on, target.evidence
        elif was_closed:
            self.c.unwritten.append(target.period)  # a missed cycle reported late: the run records it
        return self._remember(inp.key, self._answer("confirm", cycle=target))

    @staticmethod
    def _classify(cycle: CycleInfo, now: datetime) -> str:
        if now > cycle.due_at and local_day(now) == local_day(cycle.due_at):
            return "late"  # an exact due instant (drills) passed earlier the same day
        return classify(date.fromisoformat(cycle.due), local_day(now))

    @confirm.validator
    def _validate_confirm(self, inp: ConfirmInput) -> None:
        if inp.key in self.c.answers:
            return
        errors = key_errors(inp.key)
        if self.c.status == "cancelled":
            errors.append("Nhiệm vụ đã bị hủy; không nhận xác nhận.")
        errors += document_errors(inp.document_number, inp.issued_on, inp.summary, today=local_day(workflow.now()),
                                  link=inp.link or "", note=inp.note or "").values()
        if inp.cycle and self.c.cycle is not None and self._cycle_named(inp.cycle) is None:
            errors.append(f"Kỳ báo cáo '{inp.cycle}' không còn nhận báo cáo.")
        raise_if(errors, "InvalidConfirmation")

    @workflow.update
    async def extend(self, inp: ExtendInput) -> UpdateAnswer:
        await workflow.wait_condition(lambda: self.c.cycle is not None)
        if inp.key in self.c.answers:
            return self.c.answers[inp.key]
        cycle = self.c.cycle
        old_due = cycle.due
        cycle.due = inp.new_due
        cycle.due_at = inp.new_due_at or end_of_day(date.fromisoformat(inp.new_due))
        self._deadline_changed({"old_due": old_due, "new_due": cycle.due, "reason": inp.reason,
                                "approved_by": inp.approved_by,
                                "changes": [f"Gia hạn đến ngày {vn_day(cycle.due)}"]})
        await self._project("task_extended", f"extend|{inp.key}", {
            "old_due": old_due, "new_due": cycle.due, "reason": inp.reason, "approved_by": inp.approved_by})
        return self._remember(inp.key, self._answer("extend"))

    @extend.validator
    def _validate_extend(self, inp: ExtendInput) -> None:
        if inp.key in self.c.answers:
            return
        errors = key_errors(inp.key) + self._open_errors()
        if not (inp.reason or "").strip():
            errors.append("Thiếu lý do gia hạn.")
        if not (inp.approved_by or "").strip():
            errors.append("Thiếu người đồng ý gia hạn.")
        errors += date_errors(inp.new_due, "Thời hạn mới")
        if not errors and self.c.cycle is not None:
            if inp.new_due_at is not None and inp.new_due_at <= self.c.cycle.due_at:
                errors.append("Thời hạn mới phải sau thời hạn hiện tại.")
            elif inp.new_due_at is None and inp.new_due <= self.c.cycle.due:
                errors.append("Thời hạn mới phải sau thời hạn hiện tại.")
        if inp.cycle and self.c.cycle is not None and inp.cycle not in ("once", self.c.cycle.period):
            errors.append(f"Kỳ báo cáo '{inp.cycle}' không phải kỳ đang mở.")
        errors += length_errors(reason=inp.reason, approved_by=inp.approved_by)
        raise_if(errors, "InvalidExtension")

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
            due_at = inp.due_at or end_of_day(date.fromisoformat(inp.due))
            if due_at != cycle.due_at:
                spec.due, spec.due_at = inp.due or local_day(due_at).isoformat(), inp.due_at
                cycle.due, cycle.due_at = spec.due, due_at
                changes.append("due")
        decision = self._decision(inp)
        if "due" in changes or routed:
            self._deadline_changed({"old_due": old_due, "new_due": cycle.due, "reason": inp.reason,
                                    "changes": [CHANGE_TEXT[c] for c in changes], **decision})
        if changes:
            data = {"changes": changes, "reason": inp.reason}
            if inp.actor:  # from the dashboard: who did it, and what it is now
                data.update(self._amended_facts(changes, old_due), by=inp.actor, **decision)
            await self._project("task_amended", f"amend|{inp.key}", data)
        return self._remember(inp.key, self._answer("amend", message=",".join(changes)))

    @staticmethod
    def _decision(inp: AmendInput) -> dict:
        """The document that decided a new deadline (empty for a re-import)."""
        fields = {"decision_number": inp.decision_number.strip(), "decision_date": inp.decision_date,
                  "decided_by": inp.decided_by.strip()}
        return {k: v for k, v in fields.items() if v}

    def _amended_facts(self, changes: list[str], old_due: str) -> dict:
        spec, facts = self.spec, {}
        if "lead_units" in changes:
            facts["lead_units"] = list(spec.lead_units)
        if "lead_official" in changes:
            facts["lead_official"] = spec.lead_official or ""
        if "due" in changes:
            facts.update(old_due=old_due, new_due=self.c.cycle.due)
        return facts

    @amend.validator
    def _validate_amend(self, inp: AmendInput) -> None:
        if inp.key in self.c.answers:
            return
        errors = key_errors(inp.key) + self._open_errors()
        if inp.due is not None:
            errors += date_errors(inp.due, "Thời hạn")
        if (inp.due is not None or inp.due_at is not None) and self.recurring:
            errors.append("Nhiệm vụ định kỳ không đổi thời hạn bằng cách này; kỳ mới theo cấu hình.")
        if inp.title is not None and not inp.title.strip():
            errors.append("Tên nhiệm vụ không được để trống.")
        if inp.actor and not errors:
            errors += self._office_amend_errors(inp)
        raise_if(errors, "InvalidAmendment")

    def _office_amend_errors(self, inp: AmendInput) -> list[str]:
        """A change from the dashboard: it must change something; a new deadline needs
        the decision (number, date of issue, summary, who decided)."""
        errors = []
        if inp.lead_units is not None and not [u for u in inp.lead_units if u.strip()]:
            errors.append("Chọn ít nhất một đơn vị chủ trì.")
        if inp.due is not None:
            errors += document_errors(inp.decision_number, inp.decision_date, inp.reason,
                                      today=local_day(workflow.now()), asked="văn bản quyết định",
                                      summary_of="quyết định").values()
            if not inp.decided_by.strip():
                errors.append("Nhập người (cơ quan) quyết định thời hạn mới.")
            errors += length_errors(decided_by=inp.decided_by)
            if self.c.cycle is not None and inp.due == self.c.cycle.due:
                errors.append("Thời hạn mới trùng với thời hạn hiện tại.")
        units_same = inp.lead_units is None or list(inp.lead_units) == list(self.spec.lead_units)
        official_same = inp.lead_official is None or (inp.lead_official or "") == (self.spec.lead_official or "")
        if not errors and inp.due is None and units_same and official_same:
            errors.append("Không có gì thay đổi: đơn vị chủ trì và lãnh đạo phụ trách vẫn như hiện tại.")
        return errors

    @workflow.update
    async def cancel(self, inp: CancelInput) -> UpdateAnswer:
        if inp.key in self.c.answers:
            return self.c.answers[inp.key]
        self.c.status = "cancelled"
        self._cancel_reason, self._cancelled_by = inp.reason, inp.cancelled_by
        return self._remember(inp.key, self._answer("cancel", message=inp.reason))

    @cancel.validator
    def _validate_cancel(self, inp: CancelInput) -> None:
        if inp.key in self.c.answers:
            return
        errors = key_errors(inp.key) + self._open_errors()
        if not (inp.reason or "").strip():
            errors.append("Thiếu lý do hủy nhiệm vụ.")
        errors += length_errors(reason=inp.reason)
        raise_if(errors, "InvalidCancellation")

    _cancel_reason = ""
    _cancelled_by = ""

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
        self.c.steps = [s for s in self.c.steps if s.kind in ("amended", *PROGRESS_STEPS)] + [StepPlan(
            f"amended-{self.c.revision}", workflow.now(), levels, "amended", 0, notice)]
        self._changed = True

