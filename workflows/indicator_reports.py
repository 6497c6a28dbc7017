"""The indicator workflow's ``report`` update: a value reported by the unit (its
signed link's page, the command line, the JSON API), a mixin of IndicatorWorkflow.

Validated (domain/indicator_values.read_value: the value, an as-of day not after
today, lengths) before it reaches history; idempotent by its key, kept in workflow
state across runs (update ids do not survive continue-as-new) and in the store (the
``indicator_value`` activity writes a key once). The value is recorded and judged
whatever cycle it describes; it ends the open cycle's reminders when it describes a
day of that cycle's period or later. A value arriving while a cycle is being closed
is kept for the next cycle (``unapplied``).
"""
from __future__ import annotations

from datetime import date

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.indicators import RecordValueRequest, RecordValueResult, ReportValueInput, ValueAnswer
    from domain.indicator_values import read_value
    from domain.results import classify

from workflows.indicator_common import MAX_ANSWERS, covers, local
from workflows.task_common import key_errors, local_day


class IndicatorReports:
    """The update handler and validator, and the state they keep."""

    def _fields(self, inp: ReportValueInput) -> tuple[dict, dict]:
        return read_value({"value": inp.value, "as_of": inp.as_of or "-", "source": inp.source, "note": inp.note},
                          local_day(workflow.now()))

    @workflow.update
    async def report(self, inp: ReportValueInput) -> ValueAnswer:
        await workflow.wait_condition(lambda: self.c.cycle is not None)
        if inp.key in self.c.answers:
            return self.c.answers[inp.key]  # the same report again: the same answer
        values, _ = self._fields(inp)
        cycle = self.c.cycle
        closes = cycle.status == "open" and not self._closing and covers(cycle, values["as_of"])
        req = RecordValueRequest(self.spec.id, inp.key, values["value"], values["as_of"], workflow.now(),
                                 source=values["source"], note=values["note"], reported_by=inp.reported_by,
                                 cycle=cycle.period if closes else "")
        result = await local("indicator_value", req, RecordValueResult)
        closed = ""
        if result.first and closes and cycle is self.c.cycle and cycle.status == "open":
            day = local_day(workflow.now())
            cycle.status, cycle.reported_on = "reported", day.isoformat()
            cycle.result = classify(date.fromisoformat(cycle.due), day)
            cycle.evidence = {"value": values["value"], "as_of": values["as_of"], "status": result.status}
            closed = cycle.period
        elif result.first:  # the cycle is closing (or the value is older): kept for the next one
            self.c.unapplied = max(self.c.unapplied, values["as_of"])
        answer = ValueAnswer(self.spec.id, first=result.first, status=result.status, reason=result.reason,
                             value=values["value"], as_of=values["as_of"], cycle=closed)
        return self._remember(inp.key, answer)

    @report.validator
    def _check_report(self, inp: ReportValueInput) -> None:
        if inp.key in self.c.answers:
            return
        _, errors = self._fields(inp)
        problems = key_errors(inp.key) + list(errors.values())
        if len(inp.reported_by or "") > 200:
            problems.append("Người báo cáo quá dài.")
        if problems:
            raise ApplicationError(" ".join(problems), type="InvalidReport")

    def _remember(self, key: str, answer: ValueAnswer) -> ValueAnswer:
        self.c.answers[key] = answer
        while len(self.c.answers) > MAX_ANSWERS:
            self.c.answers.pop(next(iter(self.c.answers)))
        return answer
