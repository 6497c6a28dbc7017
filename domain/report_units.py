"""The four classes by unit, as government trackers tabulate them:
"đơn vị: đúng hạn / quá hạn / chưa hoàn thành trong hạn / quá hạn".

Which tasks: a task led by a group counts once in a report's totals (as the plan
lists it), while this table counts what each unit itself carries -- the units' tasks
of a group task under their units, and every other task under its first lead unit; a
parent (a group's task, or a task whose lower level's plan carries it) is left out
here, its children stand for it (``family``). Each task in exactly one row and one
class, so the rows add up to the tasks counted. Pure, no I/O.
"""
from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any, Callable, Iterable, Mapping

from domain.report_common import known_state, units
from domain.rollup import FOUR_CLASSES
from domain.text import ascii_fold

__all__ = ["family", "daily_class", "period_class", "units_table", "UNIT_KEYS", "NO_UNIT"]

UNIT_KEYS = (*FOUR_CLASSES, "completed_unclassified")
NO_UNIT = "(chưa xác định đơn vị)"


def family(tasks: Iterable[Any], parent_ids: set[str]) -> tuple[list[Any], list[Any]]:
    """(tasks a report totals: a group's units' tasks left out -- the parent counts once;
    tasks the units carry: the parents left out)."""
    tasks = list(tasks)
    # Most tasks have no parent: told apart without a call each (50,000 tasks a report).
    top = [t for t in tasks if not getattr(t, "parent_id", None) or not _fan_out_child(t)]
    leaves = [t for t in tasks if t.id not in parent_ids] if parent_ids else list(tasks)
    return top, leaves


def _fan_out_child(task: Any) -> bool:
    parent = getattr(task, "parent_id", None)
    return bool(parent) and str(task.id).startswith(parent + "/")


def daily_class(today: date, recurring_overdue: set[str],
                states: Mapping[str, str] | None = None) -> Callable[[Any], str | None]:
    """A task's class as it stood on ``today`` (the daily report's task_state); ``states``:
    the classes the report's tally already gave by task id (build_daily's `states`),
    task_state for the tasks it did not count (a group's units' tasks)."""
    states = states or {}

    def cls(task: Any) -> str | None:
        state = known_state(task, today, states)
        if state == "recurring":
            return "open_overdue" if task.id in recurring_overdue else "open_in_time"
        return _FROM_STATE.get(state, "open_in_time")
    return cls


def period_class(state: str) -> str | None:
    """A scheduled task's class from the period summary's state."""
    return _FROM_STATE.get(state, "open_in_time")


_FROM_STATE = {"cancelled": None, "early": "completed_on_time", "on_time": "completed_on_time",
               "late": "completed_late", "unclassified": "completed_unclassified", "overdue": "open_overdue",
               "in_progress": "open_in_time", "open": "open_in_time", "unknown_deadline": "open_in_time"}


def units_table(tasks: Iterable[Any], cls: Callable[[Any], str | None],
                unit_names: Mapping[str, str]) -> list[dict[str, Any]]:
    """One row per unit: its tasks in the four classes (and the completed ones of unknown
    moment), the unit with most overdue first."""
    # Counted by the tasks' lead unit lists first (thousands of tasks share one tuple),
    # each list's first unit found once; a unit's row still comes where its first task does.
    by_lead: Counter = Counter()
    for t in tasks:
        found = cls(t)
        if found is not None:
            lead = getattr(t, "lead_units", ())
            by_lead[lead if type(lead) is tuple else units(lead), found] += 1
    counts: dict[str, Counter] = {}
    for (lead, found), n in by_lead.items():
        unit = (units(lead) or (NO_UNIT,))[0]
        counts.setdefault(unit, Counter())[found] += n
    rows = [{"unit": u, "name": unit_names.get(u, u), **{k: c[k] for k in UNIT_KEYS}, "total": sum(c.values())}
            for u, c in counts.items()]
    rows.sort(key=lambda r: (-r["open_overdue"], -r["completed_late"], ascii_fold(r["name"])))
    return rows
