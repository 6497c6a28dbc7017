"""The parent task workflow's updates, signal and query (a mixin of ParentTaskWorkflow).

``cancel`` (the dashboard, the API, a pruning re-import): the parent closes and its open
children are cancelled, each with its own notice (their own ``cancel`` update).
``amend`` (a re-import whose row changed; the standing office): title, output, lead
units or official, and a one-off parent's deadline (replanned from now). There is no
``confirm``: nobody confirms a parent; it completes when every child has.
``refresh`` (signal): read the children now instead of at the next poll (the dashboard
after it created a new member's task). ``status`` (query): what the parent knows.

Idempotent by key, the answers kept in the carried state (update ids do not survive
continue-as-new), as in the task workflow.
"""
from __future__ import annotations

from datetime import date

from temporalio import workflow

from workflows.task_common import (
    MAX_ANSWERS, date_errors, end_of_day, key_errors, length_errors, local_day, raise_if,
)

with workflow.unsafe.imports_passed_through():
    from contracts.tasks import AmendInput, CancelInput, UpdateAnswer


class ParentUpdates:
    _cancel_reason = ""
    _cancelled_by = ""
    _cancel_key = ""

    def _remember(self, key: str, answer: UpdateAnswer) -> UpdateAnswer:
        self.c.answers[key] = answer
        while len(self.c.answers) > MAX_ANSWERS:
            self.c.answers.pop(next(iter(self.c.answers)))
        return answer

    def _answer(self, action: str, message: str = "") -> UpdateAnswer:
        cycle = self.c.cycle
        return UpdateAnswer(task_id=self.spec.id, action=action, status=self.c.status, result=self.c.result,
                            completed_on=self.c.completed_on, cycle=cycle.period if cycle else "",
                            due=cycle.due if cycle else self.spec.due, due_at=cycle.due_at if cycle else None,
                            message=message)

    def _open_errors(self) -> list[str]:
        if self.c.status == "completed":
            return ["Nhiệm vụ đã hoàn thành."]
        if self.c.status == "cancelled":
            return ["Nhiệm vụ đã bị hủy."]
        return []

    @workflow.update
    async def cancel(self, inp: CancelInput) -> UpdateAnswer:
        if inp.key in self.c.answers:
            return self.c.answers[inp.key]
        self.c.status = "cancelled"
        self._cancel_reason, self._cancelled_by, self._cancel_key = inp.reason, inp.cancelled_by, inp.key
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

    @workflow.update
    async def amend(self, inp: AmendInput) -> UpdateAnswer:
        await workflow.wait_condition(lambda: self.c.cycle is not None)
        if inp.key in self.c.answers:
            return self.c.answers[inp.key]
        spec, changes = self.spec, []
        for name in ("title", "output", "lead_official"):
            if getattr(inp, name) is not None and getattr(inp, name) != getattr(spec, name):
                setattr(spec, name, getattr(inp, name))
                changes.append(name)
        if inp.lead_units is not None and list(inp.lead_units) != list(spec.lead_units):
            spec.lead_units = list(inp.lead_units)
            changes.append("lead_units")
        cycle, old_due = self.c.cycle, self.c.cycle.due
        if not self.recurring and (inp.due is not None or inp.due_at is not None):
            due_at = inp.due_at or end_of_day(date.fromisoformat(inp.due))
            if due_at != cycle.due_at:
                spec.due, spec.due_at = inp.due or local_day(due_at).isoformat(), inp.due_at
                cycle.due, cycle.due_at = spec.due, due_at
                self.c.revision += 1
                self._changed = True
                changes.append("due")
        if changes:
            data = {"changes": changes, "reason": inp.reason, **({"by": inp.actor} if inp.actor else {})}
            if "due" in changes:
                data.update(old_due=old_due, new_due=cycle.due)
            await self._record("task_amended", f"amend|{inp.key}", data)
        return self._remember(inp.key, self._answer("amend", message=",".join(changes)))

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
        raise_if(errors, "InvalidAmendment")

    @workflow.signal
    def refresh(self) -> None:
        self._nudged = True

    @workflow.query
    def status(self) -> dict:
        cycle, nxt = self.c.cycle, (self.c.steps[0] if self.c.steps else None)
        return {"id": self.spec.id, "status": self.c.status, "result": self.c.result, "level": self.c.level,
                "period": cycle.period if cycle else "", "due": cycle.due if cycle else self.spec.due,
                "rollup": dict(self.c.rollup), "next_step": nxt.name if nxt else None,
                "next_at": nxt.at.isoformat() if nxt else None}
