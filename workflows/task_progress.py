"""A unit's progress between assignment and deadline (a mixin of TaskWorkflow): the
``progress`` update and the steps it and the mid-way check-in put on the ladder.

``progress`` (an update added after the first histories, so none of them holds it and
it needs no patch) records what the unit reports -- percent done (0-100), what was
done, difficulties ("khó khăn, vướng mắc"), proposals ("đề xuất, kiến nghị") -- as a
``task_progress`` event on the timeline, idempotent by its key like every update (the
same report again answers as the first and records nothing). It changes nothing of
the ladder: reminders go on as before.

A difficulty is news for those who can remove it: a non-empty one, unless it is the
one the unit reported last (``TaskCarry.difficulty``), queues one ``difficulty`` step
for now to the lead official and the supervisors, sent by the run like any ladder
step (the same delivery path, keyed by task, cycle, step and recipient, so it goes
out once; the lead official's message carries the task's link).
It is no escalation: the level the task has reached does not move. An update with an
empty difficulty clears the earlier one (the reports read the latest update).

The mid-way check-in (domain/checkin.py, planned by the ``task_plan`` activity at the
first plan of a long one-off task) is a ``checkin`` step to the unit. A deadline change
keeps both kinds of step for the replan (TaskUpdates._deadline_changed), which keeps
a difficulty not yet told and a check-in still ahead of the (new) deadline.
No history recorded before it holds a check-in or a difficulty step, so keeping them
changes no command of a running workflow.

The methods use the state TaskWorkflow.__init__ sets, TaskUpdates' answers and
TaskSending's records; ``_wake`` is TaskActions'.
"""
from __future__ import annotations

import hashlib

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.progress import PROGRESS_TEXT_MAX, ProgressInput
    from contracts.tasks import StepPlan, UpdateAnswer

from workflows.task_common import key_errors, raise_if

DIFFICULTY_LEVELS = ["lead", "supervisors"]
PROGRESS_STEPS = ("difficulty", "checkin")   # kept through a deadline change until the replan decides
_TEXT_LABELS = {"note": "Kết quả đã thực hiện", "difficulty": "Khó khăn, vướng mắc",
                "proposal": "Đề xuất, kiến nghị", "reporter_name": "Người báo cáo"}


def progress_errors(inp: ProgressInput) -> list[str]:
    """What is wrong with a progress report, in Vietnamese (the update's validator)."""
    errors = key_errors(inp.key)
    percent = inp.percent
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        errors.append("Tiến độ phải là một số phần trăm từ 0 đến 100.")
    for name, label in _TEXT_LABELS.items():
        if len(getattr(inp, name) or "") > PROGRESS_TEXT_MAX:
            errors.append(f"{label} quá dài (tối đa {PROGRESS_TEXT_MAX:,} ký tự).".replace(",", "."))
    return errors


def _same_text(text: str) -> str:
    """A difficulty as compared with the last one told: spacing and case aside."""
    return " ".join((text or "").split()).casefold()


class TaskProgress:
    """The progress update of TaskWorkflow and the steps it keeps through a replan."""

    @workflow.update
    async def progress(self, inp: ProgressInput) -> UpdateAnswer:
        await workflow.wait_condition(lambda: self.c.cycle is not None)
        if inp.key in self.c.answers:
            return self.c.answers[inp.key]  # the same report again: recorded once, told once
        now = workflow.now()
        tag = hashlib.sha256(inp.key.encode()).hexdigest()[:12]
        difficulty = inp.difficulty.strip()
        data = {"percent": inp.percent, "done": inp.note.strip(), "difficulty": difficulty,
                "proposal": inp.proposal.strip(), "by": inp.reporter_name.strip(), "reporter": inp.reported_by}
        if self.c.cycle.period:
            data["cycle"] = self.c.cycle.period
        told = bool(difficulty) and _same_text(difficulty) != _same_text(self.c.difficulty)
        cleared = not difficulty and bool(self.c.difficulty)
        if told:
            context = {"percent": inp.percent, "difficulty": difficulty, "proposal": data["proposal"],
                       "note": data["done"], "reported_by": data["by"], "reported_at": now.isoformat()}
            if inp.unit_names:
                context["units"] = list(inp.unit_names)
            step = StepPlan(f"difficulty-{tag}", now, list(DIFFICULTY_LEVELS), "difficulty", 0, context)
            self.c.steps = sorted([step, *self.c.steps], key=lambda s: s.at)
            self._wake = True
        self.c.difficulty = difficulty
        # The answer says what became of the difficulty: told now, cleared, or neither.
        answer = self._remember(inp.key, self._answer(
            "progress", message="told" if told else "cleared" if cleared else ""))
        await self._project("task_progress", f"progress|{tag}", data)
        return answer

    @progress.validator
    def _validate_progress(self, inp: ProgressInput) -> None:
        if inp.key in self.c.answers:
            return
        errors = self._open_errors()
        if not errors and self.c.status != "open":
            errors.append("Nhiệm vụ đã báo hoàn thành; không nhận báo cáo tiến độ.")
        current = self.c.cycle.period if self.c.cycle is not None else ""
        if not errors and inp.cycle not in ("", "once", current):
            errors.append("Kỳ báo cáo này đã đóng; báo cáo tiến độ cho kỳ đang mở.")
        raise_if(progress_errors(inp) + errors, "InvalidProgress")

    def _kept_on_replan(self) -> list[StepPlan]:
        """The steps a replan keeps besides the notices: a difficulty not yet sent, and
        the check-in while it is still ahead of the deadline."""
        due_at = self.c.cycle.due_at
        return [s for s in self.c.steps
                if s.kind == "difficulty" or (s.kind == "checkin" and s.at < due_at)]
