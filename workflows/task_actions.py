"""The standing office's own actions on a running task (a mixin of TaskWorkflow):
resending the unit its confirmation link, and telling everyone of a cancellation.

``resend_link`` (an update added after the first histories; none of them holds it,
so it needs no patch) queues one ``link_resent`` step at now for the unit and wakes
the run, which sends it like any ladder step: the same delivery activity, keyed by
task, cycle, step ("resend-N") and recipient, so it goes out once; the link in it
follows the ladder's rule (valid from the later of now and the deadline), which
gives the unit's current link again, or a new one if the office revoked it. The
update answers as soon as the step is queued and on the timeline (with who asked).

The cancellation notice (``cancelled``, no link) goes to the unit and every level
reminded in the cycle, once, behind workflow.patched(CANCEL_NOTICE): histories
recorded before it (tests/histories/task_cancelled.json) told nobody.

The methods use the state TaskWorkflow.__init__ sets and TaskSending's sends.
"""
from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.tasks import ResendInput, StepPlan, UpdateAnswer

from workflows.task_common import key_errors, local_day, raise_if


class TaskActions:
    """The resend update and the cancellation notice of TaskWorkflow."""

    _wake = False                      # a step was queued for now: the run's sleep ends

    @workflow.update
    async def resend_link(self, inp: ResendInput) -> UpdateAnswer:
        await workflow.wait_condition(lambda: self.c.cycle is not None)
        if inp.key in self.c.answers:
            return self.c.answers[inp.key]  # the same request again: one message
        self.c.resends += 1
        now = workflow.now()
        step = StepPlan(f"resend-{self.c.resends}", now, ["unit"], "link_resent", 0,
                        {"overdue": now > self.c.cycle.due_at})
        self.c.steps = sorted([step, *self.c.steps], key=lambda s: s.at)
        self._wake = True
        answer = self._remember(inp.key, self._answer("resend_link", message=step.name))
        await self._project("link_resent", f"resend|{step.name}", {"by": inp.actor} if inp.actor else {})
        return answer

    @resend_link.validator
    def _validate_resend(self, inp: ResendInput) -> None:
        if inp.key in self.c.answers:
            return
        errors = key_errors(inp.key) + self._open_errors()
        if not errors and self.c.status == "awaiting_review":
            errors.append("Kết quả của đơn vị đang chờ Văn phòng duyệt; chưa cần gửi lại đường dẫn.")
        if not errors and any(s.kind == "link_resent" for s in self.c.steps):
            errors.append("Đường dẫn đang được gửi lại cho đơn vị; chờ một lát rồi xem diễn biến.")
        raise_if(errors, "InvalidResend")

    async def _cancel_notice(self) -> None:
        """Tell the unit and everyone reminded in this cycle that the task was cancelled."""
        now = workflow.now()
        levels = ["unit"] + [lvl for lvl in self.c.reached if lvl != "unit"]
        resolved = await self._recipients(levels)
        context = self._context(resolved, now)
        context.update(reason=self._cancel_reason, cancelled_on=local_day(now).isoformat())
        await self._deliver("cancelled", "cancelled", resolved, context, now)
