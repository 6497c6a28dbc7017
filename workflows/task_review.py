"""The standing office's review of a result, and the moment a result is judged by (a
mixin of TaskWorkflow; the rules are domain/review.py's).

A confirmation (``confirm``, behind workflow.patched(JUDGED_MOMENT)) asks the
``task_judge`` lookup for the moment it is judged by -- the cited document's date of
issue when it arrived within the grace window after it, else its arrival -- and
whether this deployment reviews results. Histories recorded before the patch classify
by the arrival, as they did.

With review on, a one-off task's confirmation does not close it: the task waits
("awaiting_review"), the ladder stops, and the ``review`` update (an update added after
the first histories: no patch) accepts it -- the task closes with the classification
of the confirmation's moment -- or returns it with a reason: the task reopens, the
unit is told why (on chat and by email, each with its link), the ladder is planned
again from now (an overdue task goes on escalating) and the next confirmation is
judged by its own moment. A review waiting longer than the configured wait reminds
the standing office, and again after each such wait. Recurring tasks are not
reviewed: a report period closes as its report arrives, judged by the same moment.
A completion recorded on paper by the office itself is not reviewed either.

Handlers only change state; the run writes every step on the timeline and sends the
notices (``_review_returned``, called by the run's loop when the task stops being
open), so their commands come in one order. The review state (contracts/reviews.py)
travels in TaskCarry through continue-as-new; keys are kept in ``c.answers`` as the
other updates' are.
"""
from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    import contracts.reviews  # noqa: F401 (the converter resolves the carried review's annotations)
    from contracts.delivery import DeliverRequest, DeliverResult
    from contracts.reviews import (
        JudgeRequest, Judgement, PendingReview, ReviewCarry, ReviewInput, ReviewRecipients, ReviewRecipientsRequest,
        ReviewWait, ReviewWaitRequest,
    )
    from contracts.tasks import ConfirmInput, CycleInfo, UpdateAnswer
    from domain.review import judged_result
    from workflows.options import SEND

from workflows.task_common import (
    LINK_LEVELS, LOCAL_SENDS, iso_day, key_errors, length_errors, local_day, lookup, raise_if, run_activity,
)

DECISIONS = {"accept": "accepted", "return": "returned"}


class TaskReview:
    """The judged confirmation, the review update and the run's part of a review."""

    _judging = False                   # a confirmation is being judged (an activity): others wait

    # -- the confirmation (TaskUpdates.confirm, behind JUDGED_MOMENT) --------------------
    async def _confirm_judged(self, inp: ConfirmInput, target: CycleInfo, now: datetime) -> UpdateAnswer:
        self._judging = True
        try:
            judged = await lookup("task_judge", JudgeRequest(self.spec.id, iso_day(inp.issued_on), now), Judgement)
        finally:
            self._judging = False
        if self.c.status == "cancelled":
            raise ApplicationError("Nhiệm vụ đã bị hủy; không nhận xác nhận.", type="InvalidConfirmation")
        evidence = {**self._confirmed_evidence(inp, now), "judged_by": judged.judged_by,
                    "judged_on": judged.judged_on}
        if judged.review and not self.recurring and not inp.recorded_by:
            return self._await_office(inp, evidence, judged, now)
        result = judged_result(date.fromisoformat(target.due), target.due_at, judged.judged_by,
                               date.fromisoformat(judged.judged_on), now)
        return self._close_cycle(inp, target, result, judged.judged_on, evidence)

    def _await_office(self, inp: ConfirmInput, evidence: dict, judged: Judgement, now: datetime) -> UpdateAnswer:
        carry = self.c.review = self.c.review or ReviewCarry()
        carry.round += 1
        carry.pending = PendingReview(carry.round, inp.key, evidence, judged.judged_by, judged.judged_on, now,
                                      judged.remind_at)
        self.c.status, self.c.evidence = "awaiting_review", evidence
        return self._remember(inp.key, self._pending_answer(carry.pending, first=True))

    def _waiting(self) -> PendingReview | None:
        review = self.c.review
        return review.pending if review is not None and self.c.status == "awaiting_review" else None

    def _pending_answer(self, pending: PendingReview, first: bool) -> UpdateAnswer:
        cycle = self.c.cycle
        return UpdateAnswer(task_id=self.spec.id, action="confirm", first=first, status="awaiting_review",
                            result=self._proposed(pending), completed_on=pending.judged_on, cycle=cycle.period,
                            due=cycle.due, due_at=cycle.due_at, evidence=pending.evidence, message="awaiting_review")

    def _proposed(self, pending: PendingReview) -> str:
        """The result if accepted: the confirmation's moment against the deadline as it is now."""
        cycle = self.c.cycle
        return judged_result(date.fromisoformat(cycle.due), cycle.due_at, pending.judged_by,
                             date.fromisoformat(pending.judged_on), pending.arrived_at)

    # -- the review update ------------------------------------------------------------------
    @workflow.update
    async def review(self, inp: ReviewInput) -> UpdateAnswer:
        if inp.key in self.c.answers:
            return self.c.answers[inp.key]  # the same decision again: the same answer
        pending, now = self._waiting(), workflow.now()
        if pending is None:  # decided (or cancelled) since this one was validated
            raise ApplicationError(self._not_waiting(), type="InvalidReview")
        carry = self.c.review
        pending.decision, pending.by, pending.reason, pending.decided_at = (
            DECISIONS[inp.decision], (inp.reviewer or "").strip(), (inp.reason or "").strip(), now)
        carry.pending = None
        carry.decided.append(pending)
        if pending.decision == "accepted":
            self._accept(pending, now)
        else:
            self.c.status, self.c.evidence = "open", None
            # The unit may send the same document again: its confirmation is a new one.
            for key in [k for k, a in self.c.answers.items() if a.action == "confirm"]:
                del self.c.answers[key]
        return self._remember(inp.key, self._answer("review", message=pending.decision))

    def _accept(self, pending: PendingReview, now: datetime) -> None:
        cycle = self.c.cycle
        evidence = {**pending.evidence, "accepted_by": pending.by, "accepted_at": now.isoformat()}
        cycle.status, cycle.result, cycle.reported_on = "reported", self._proposed(pending), pending.judged_on
        cycle.evidence, cycle.first_key = evidence, pending.key
        self.c.status, self.c.result = "completed", cycle.result
        self.c.completed_on, self.c.evidence = cycle.reported_on, evidence

    @review.validator
    def _validate_review(self, inp: ReviewInput) -> None:
        if inp.key in self.c.answers:
            return
        errors = key_errors(inp.key)
        if self._waiting() is None:
            errors.append(self._not_waiting())
        if inp.decision not in DECISIONS:
            errors.append("Chọn chấp nhận hoặc trả lại kết quả.")
        elif inp.decision == "return" and not (inp.reason or "").strip():
            errors.append("Nêu lý do trả lại kết quả để đơn vị hoàn thiện.")
        errors += length_errors(reason=inp.reason)
        raise_if(errors, "InvalidReview")

    def _not_waiting(self) -> str:
        if self.c.status == "completed":
            return "Nhiệm vụ đã hoàn thành; không còn kết quả chờ duyệt."
        if self.c.status == "cancelled":
            return "Nhiệm vụ đã bị hủy."
        return "Nhiệm vụ không có kết quả nào đang chờ duyệt."

    # -- the run's part -----------------------------------------------------------------------
    async def _review_returned(self) -> bool:
        """While the task is not open: put each decision on the timeline (a returned result
        is told to the unit) and wait for the office while a result awaits its review.
        True when the task is open again: the run's ladder resumes."""
        while True:
            carry = self.c.review
            if carry is not None and carry.decided:
                await self._after_review(carry.decided[0])
                carry.decided.pop(0)
            elif self._waiting() is not None:
                await self._await_review(self._waiting())
            else:
                return self._open()

    async def _await_review(self, pending: PendingReview) -> None:
        """Until the office decides (or the task is cancelled); a reminder after each wait."""
        if not pending.announced:
            pending.announced = True
            await self._project("task_review_waiting", f"review-{pending.round}|waiting", {
                "evidence": pending.evidence, "result": self._proposed(pending), "judged_by": pending.judged_by})
        decided = lambda: self._waiting() is not pending  # noqa: E731
        if pending.remind_at is None:
            await workflow.wait_condition(decided)
            return
        delay = (pending.remind_at - workflow.now()).total_seconds()
        if delay > 0:
            try:
                await workflow.wait_condition(decided, timeout=timedelta(seconds=delay))
                return
            except asyncio.TimeoutError:
                pass
        if not decided():
            await self._remind_office(pending)

    async def _remind_office(self, pending: PendingReview) -> None:
        pending.reminders += 1
        now, step = workflow.now(), f"review-{pending.round}-remind-{pending.reminders}"
        resolved = await self._review_recipients(["standing_office"])
        evidence = pending.evidence
        context = self._review_context(resolved, result=self._proposed(pending), judged_by=pending.judged_by,
                                       document_number=evidence.get("document_number", ""),
                                       issued_on=evidence.get("issued_on", ""), confirmed_at=pending.arrived_at,
                                       reminders=pending.reminders)
        results = await self._send_review(step, "review_reminder", resolved, context, now, both=False)
        pending.remind_at = (await lookup("task_review_wait", ReviewWaitRequest(self.spec.id, now), ReviewWait)).at
        await self._project("task_review_reminded", f"review-{pending.round}|remind-{pending.reminders}", {
            "step": step, "deliveries": results, "waiting_since": pending.arrived_at.isoformat()})

    async def _after_review(self, pending: PendingReview) -> None:
        data = {"by": pending.by, "judged_by": pending.judged_by,
                "document_number": pending.evidence.get("document_number", "")}
        if pending.decision == "accepted":
            await self._project("task_review_accepted", f"review-{pending.round}|accepted",
                                {**data, "result": self.c.cycle.result})
            return
        await self._project("task_returned", f"review-{pending.round}|returned", {**data, "reason": pending.reason})
        now = workflow.now()
        resolved = await self._review_recipients(["unit"])
        context = self._review_context(resolved, reason=pending.reason, returned_on=local_day(now).isoformat(),
                                       document_number=data["document_number"],
                                       issued_on=pending.evidence.get("issued_on", ""),
                                       overdue=now > self.c.cycle.due_at)
        await self._send_review(f"returned-{pending.round}", "review_returned", resolved, context, now, both=True)
        self._changed = True  # the ladder from now, where the deadline puts it

    # -- the notices ---------------------------------------------------------------------------
    async def _review_recipients(self, levels: list[str]) -> ReviewRecipients:
        spec = self.spec
        return await lookup("task_review_recipients",
                            ReviewRecipientsRequest(spec.id, list(spec.lead_units), spec.lead_official, levels),
                            ReviewRecipients)

    def _review_context(self, resolved: ReviewRecipients, **extra) -> dict:
        spec, cycle = self.spec, self.c.cycle
        context = {"title": spec.title, "plan": spec.plan, "stt": spec.stt, "output": spec.output, "due": cycle.due,
                   "task_id": spec.id, **extra}
        if resolved.unit_names:
            context["units"] = list(resolved.unit_names)
        if isinstance(context.get("confirmed_at"), datetime):
            context["confirmed_at"] = context["confirmed_at"].isoformat()
        return context

    async def _send_review(self, step: str, kind: str, resolved: ReviewRecipients, context: dict, now: datetime,
                           both: bool) -> list[dict]:
        """Each recipient once (``both``: once per channel group it has, chat and email),
        the unit's messages with its confirmation link; keyed like every step."""
        valid_from = max(now, self.c.cycle.due_at).isoformat()
        requests = []
        for r in resolved.recipients:
            linked = kind == "review_returned" and r.level in LINK_LEVELS
            groups = (resolved.groups.get(r.key) or [None]) if both else [None]
            for group in groups:
                requests.append(DeliverRequest(
                    subject_id=self.spec.id, cycle=self.c.cycle.period, kind=kind, recipient=r,
                    step=f"{step}-email" if group == "email" else step, context=dict(context),
                    link_purpose="confirm" if linked else None, link_valid_from=valid_from if linked else None,
                    channel_group=group))
        results = await asyncio.gather(*(self._deliver_review(req) for req in requests))
        return [{"recipient": r.key, "status": r.status, "channel": r.channel} for r in results]

    async def _deliver_review(self, request: DeliverRequest) -> DeliverResult:
        try:
            return await run_activity(LOCAL_SENDS, "deliver", request, DeliverResult, SEND)
        except ActivityError as err:  # the delivery log holds every attempt; the review goes on
            workflow.logger.warning("delivery failed: %s %s: %s", request.step, request.recipient.key,
                                    err.cause or err)
            return DeliverResult(key=request.recipient.key, status="failed", channel="", attempts=0,
                                 error=str(err.cause or err))
