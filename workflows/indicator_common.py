"""What the indicator workflow's parts share (workflows/indicator.py,
indicator_sending.py, indicator_reports.py): its limits, how it calls an activity
(always local: lookups, sends and records run in the worker's own workflow task, their
answers recorded in history), and whether a value covers a cycle. No workflow state."""
from __future__ import annotations

from datetime import date

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.tasks import CycleInfo
    from domain.indicator_follow import period_span
    from workflows.options import STORE

MAX_ANSWERS = 50            # report keys remembered across runs
LINK_LEVELS = ("unit", "lead")  # who may report from a message; the supervisors only read
ESCALATION_KINDS = ("escalation", "cycle_escalation")


async def local(name: str, arg, result_type, options: dict | None = None):
    return await workflow.execute_local_activity(name, arg, result_type=result_type, **(options or STORE))


def covers(cycle: CycleInfo, as_of: str) -> bool:
    """Whether a value describing day ``as_of`` answers ``cycle``: it describes a day of
    the cycle's period or later (a drill's counted cycle takes any value)."""
    span = period_span(cycle.period)
    return bool(as_of) and (span is None or date.fromisoformat(as_of) >= span[0])


def year_over(cycle: CycleInfo, year: int) -> bool:
    """The cycle falls due after the target's year: nothing is left to follow."""
    return bool(year) and int(cycle.due[:4]) > year
