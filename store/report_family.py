"""Parents and children in the reports (store/report_loading.py): a task led by a group
counts once in a report's totals and lists, as the plan lists it; the units' own tasks
are counted by unit in the four classes (domain/report_units.py): the daily report and
the period summary carry ``units_four``, the appendix a table "Theo đơn vị".

Names: the groups' (the configuration's with the dashboard's edits), beside the units'.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Callable

from sqlalchemy import select

from domain.report_appendix import Appendix, IndicatorTable
from domain.report_period import _scheduled_state
from domain.report_units import daily_class, family, period_class, units_table
from store.models import Task
from store.task_children import directory_with_edits

UNITS_HEADERS = ("Đơn vị", "Hoàn thành đúng hạn", "Hoàn thành quá hạn", "Chưa hoàn thành trong hạn",
                 "Chưa hoàn thành quá hạn", "Tổng số")


@dataclass
class TaskFamily:
    top: list[Any]                   # what the totals count (a group task once)
    leaves: list[Any]                # what the units carry (no parents)
    names: dict[str, str] = field(default_factory=dict)        # groups by name
    unit_names: dict[str, str] = field(default_factory=dict)   # units and groups by name
    related: bool = False            # some task here has children or a parent

    def daily_units(self, data: dict, build: Callable[[list], dict], today: date,
                    states: dict[str, str] | None = None) -> list[dict]:
        """The daily report's table by unit; the recurring reports owed come from the same
        builder, run again over the units' tasks when they differ from the totals' tasks.
        `states`: the classes the totals' build gave (build_daily's `states`)."""
        owed = (build(self.leaves) if self.related else data)["recurring_due"]
        overdue = {r["id"] for r in owed if r["overdue"]}
        return units_table(self.leaves, daily_class(today, overdue, states), self.unit_names)

    def period_units(self, data: dict, start: date, end: date, today: date) -> None:
        """The period summary's four classes (its scheduled tasks) and its table by unit."""
        sch = data["scheduled"]
        sch["open_in_time"], sch["open_overdue"] = sch["in_progress"], sch["overdue_open"]
        scheduled = [t for t in self.leaves if t.status != "cancelled" and t.deadline_kind == "once"
                     and t.due is not None and start <= t.due <= end]
        data["units_four"] = units_table(scheduled, lambda t: period_class(_scheduled_state(t, today)),
                                         self.unit_names)

    def appendix_units(self, appendix: Appendix, today: date, cycles: dict[str, list[Any]]) -> Appendix:
        """The appendix with its table by unit (a recurring task behind on a past report: overdue)."""
        behind = {tid for tid, cs in cycles.items()
                  if any(c.due is not None and c.due < today and c.reported_on is None and c.status != "reported"
                         for c in cs)}
        rows = units_table(self.leaves, daily_class(today, behind), self.unit_names)
        if not rows:
            return appendix
        table = [[r["name"], *(str(r[k]) for k in ("completed_on_time", "completed_late", "open_in_time",
                                                    "open_overdue", "total"))] for r in rows]
        return replace(appendix, units=IndicatorTable(UNITS_HEADERS, table))


def task_family(session, tasks: list[Any], config) -> TaskFamily:
    parents = set(session.scalars(select(Task.parent_id).where(Task.parent_id.is_not(None)).distinct()))
    top, leaves = family(tasks, parents)
    names: dict[str, str] = {}
    units: dict[str, str] = {}
    if config is not None:
        directory = directory_with_edits(session, config.directory)
        names = {g.key: g.name for g in directory.groups}
        units = {u.key: u.name for u in directory.units}
    related = bool(parents) and any(t.id in parents or getattr(t, "parent_id", None) for t in tasks)
    return TaskFamily(top, leaves, names, {**units, **names}, related)
