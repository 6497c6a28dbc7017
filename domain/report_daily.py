"""The daily (16:00) report's data; the definitions are in domain/report.py's docstring.

Every total is the sum of its parts by construction: each task gets exactly one class
(domain.report_common.task_state), the totals are counted from those classes, and the
lists beside them (overdue, per unit, due soon...) are the very lists the totals count.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, Mapping

from domain.calendar import VN_TZ, WorkingCalendar
from domain.cycles import normalise_every, period_due_day
from domain.indicator_values import report_counts
from domain.report_alerts import failed_deliveries, open_incidents
from domain.report_common import (
    COMPLETED_KEYS,
    local_day,
    stt_key,
    task_ref,
    task_state,
)
from domain.text import ascii_fold

__all__ = ["build_daily", "overdue_by_unit", "TOTAL_KEYS", "DEFAULT_HORIZON_DAYS", "NO_UNIT"]

DEFAULT_HORIZON_DAYS = 7
TOTAL_KEYS = ("tasks", "completed", "completed_early", "completed_on_due_day", "completed_on_time", "completed_in_time",
              "completed_late",
              "completed_unclassified", "open", "open_in_time", "open_overdue", "overdue", "due_soon", "not_yet_due",
              "recurring_open", "recurring_due", "unknown_deadline", "incidents_open")
NO_UNIT = "(chưa xác định đơn vị)"


class WorkingDays:
    """Working days in (start, end] (0 from end on), as ladder.working_days_between counts
    them, counted back from end once: the days after one due day are those after a later
    one and a few more (each due day counted on its own walked the same days again)."""

    def __init__(self, cal: WorkingCalendar, end: date):
        self.cal, self.end = cal, end
        self.counts = [0]  # counts[k]: working days in (end - k days, end]

    def after(self, start: date) -> int:
        k = (self.end - start).days
        if k <= 0:
            return 0
        counts = self.counts
        while len(counts) <= k:
            day = self.end - timedelta(days=len(counts) - 1)
            counts.append(counts[-1] + (1 if self.cal.is_working_day(day) else 0))
        return counts[k]


@dataclass
class _Context:
    today: date
    horizon: date
    since_day: date
    cal: WorkingCalendar
    cycles_by_task: dict[str, list[Any]]
    unit_names: Mapping[str, str]
    report_day: int = 0
    calendar_periods: bool = True
    period_due: dict[tuple[str, int, int], date] = field(default_factory=dict)
    periods: dict[Any, tuple[str, str]] = field(default_factory=dict)  # a task's `every`: (every, current period)


class _Tally:
    """One pass over the tasks: each task's class counted, the listed ones listed."""

    def __init__(self, ctx: _Context):
        self.ctx = ctx
        self.states: Counter[str] = Counter()
        self.wd = WorkingDays(ctx.cal, ctx.today)
        self.overdue: list[dict[str, Any]] = []
        self.due_soon: list[dict[str, Any]] = []
        self.recurring: list[dict[str, Any]] = []
        self.unknown: list[dict[str, Any]] = []
        self.not_yet_due = 0

    def add(self, t: Any, state: str) -> None:
        """A task of class `state` (counted by _tally) listed where it belongs."""
        ctx = self.ctx
        if state == "overdue":
            ref = task_ref(t, ctx.unit_names)
            ref.update(days_overdue=(ctx.today - t.due).days, working_days_overdue=self.wd.after(t.due),
                       newly_overdue=t.due >= ctx.since_day, lead_official=getattr(t, "lead_official", None))
            self.overdue.append(ref)
        elif state == "open":
            if t.due > ctx.horizon:
                self.not_yet_due += 1
                return
            ref = task_ref(t, ctx.unit_names)
            ref["days_left"] = (t.due - ctx.today).days
            self.due_soon.append(ref)
        elif state == "recurring":
            item = _recurring_due(t, ctx)
            if item is not None:
                self.recurring.append(item)
        elif state == "unknown_deadline":
            ref = task_ref(t, ctx.unit_names)
            ref["deadline_raw"] = getattr(t, "deadline_raw", "") or ""
            self.unknown.append(ref)

    def totals(self) -> dict[str, int]:
        """Counted from the classes and the lists, so each figure is its parts' sum."""
        s = self.states
        completed = {key: s[state] for state, key in COMPLETED_KEYS.items()}
        # completed_on_time keeps the meaning `report daily --json` has always given it (on the due
        # day; early, on time and late add up to completed); completed_on_due_day says the same.
        completed["completed_on_due_day"] = completed.pop("completed_on_time")
        open_parts = {"overdue": len(self.overdue), "due_soon": len(self.due_soon), "not_yet_due": self.not_yet_due,
                      "recurring_open": s["recurring"], "unknown_deadline": len(self.unknown)}
        totals = {"completed": sum(completed.values()), **completed, "open": sum(open_parts.values()),
                  **open_parts, "recurring_due": len(self.recurring), "incidents_open": 0}
        totals["tasks"] = totals["completed"] + totals["open"]
        totals["completed_on_time"] = totals["completed_on_due_day"]
        # The Government Office's four classes (domain/rollup.py): "hoàn thành đúng hạn" counts early ones too.
        totals["completed_in_time"] = totals["completed_early"] + totals["completed_on_due_day"]
        totals["open_overdue"] = len(self.overdue) + sum(1 for r in self.recurring if r["overdue"])
        totals["open_in_time"] = totals["open"] - totals["open_overdue"]
        return {k: totals[k] for k in TOTAL_KEYS}


def build_daily(
    tasks: Iterable[Any],
    as_of: datetime,
    cal: WorkingCalendar,
    *,
    cycles: Iterable[Any] = (),
    incidents: Iterable[Any] = (),
    deliveries: Iterable[Any] = (),
    previous_as_of: datetime | None = None,
    unit_names: Mapping[str, str] | None = None,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    report_day: int = 0,
    calendar_periods: bool = True,
    indicators: Iterable[Any] = (),
    states: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The daily report's data (definitions: domain/report.py; `indicators`: rows with the
    latest result). `calendar_periods=False` (drills): reports owed from the store's cycles only.
    `states`, when given, is filled with each task's task_state by id, so the units table
    and the progress part need not classify the same 50,000 tasks again."""
    today = local_day(as_of)  # refuses a naive instant
    as_of = as_of.astimezone(timezone.utc)
    since = previous_as_of.astimezone(timezone.utc) if previous_as_of else as_of - timedelta(hours=24)
    ctx = _Context(today=today, horizon=today + timedelta(days=horizon_days), since_day=local_day(since), cal=cal,
                   cycles_by_task=_cycles_by_task(cycles), unit_names=unit_names or {}, report_day=report_day,
                   calendar_periods=calendar_periods)
    tasks = list(tasks)  # walked twice: the tally, then the titles of failed messages
    tally = _tally(tasks, ctx, states)
    lists = _sorted_lists(tally, ctx.unit_names)
    incident_items = open_incidents(incidents, as_of, ctx.unit_names)
    totals = tally.totals()
    totals["incidents_open"] = len(incident_items)
    return {
        "kind": "daily", "as_of": as_of.isoformat(), "as_of_local": as_of.astimezone(VN_TZ).isoformat(),
        "since": since.isoformat(), "horizon_days": horizon_days, "totals": totals,
        **lists,
        "incidents": incident_items,
        "failed_deliveries": _failed(deliveries, since, as_of, ctx.unit_names, tasks),
        "indicators": report_counts(indicators),
    }


def _failed(deliveries: Iterable[Any], since: datetime, as_of: datetime, unit_names: Mapping[str, str],
            tasks: list[Any]) -> list[dict[str, Any]]:
    """The failed messages, named by their tasks' titles: only the few tasks they are
    about (a title map of every task cost more than the messages it named)."""
    deliveries = list(deliveries)
    about = {d.subject_id for d in deliveries}
    titles = {t.id: t.title for t in tasks if t.id in about} if about else {}
    return failed_deliveries(deliveries, since, as_of, unit_names, titles)


# The classes a task is listed (or counted apart) under; the completed and the cancelled are only counted.
_LISTED = frozenset({"overdue", "open", "recurring", "unknown_deadline"})


def _tally(tasks: list[Any], ctx: _Context, states: dict[str, str] | None = None) -> _Tally:
    """Each task classified once and counted (in one go: a third of 50,000 tasks are only
    counted), then the listed ones listed; `states` filled with the classes by task id."""
    tally = _Tally(ctx)
    classes = [task_state(t, ctx.today) for t in tasks]
    tally.states.update(classes)
    if states is not None:
        states.update(zip([t.id for t in tasks], classes))
    add = tally.add
    for t, state in zip(tasks, classes):
        if state in _LISTED:
            add(t, state)
    return tally


def _cycles_by_task(cycles: Iterable[Any]) -> dict[str, list[Any]]:
    by_task: dict[str, list[Any]] = {}
    for c in cycles:
        by_task.setdefault(c.task_id, []).append(c)
    return by_task


def _sorted_lists(tally: _Tally, unit_names: Mapping[str, str]) -> dict[str, Any]:
    """The report's task lists, from "overdue" to "unknown_deadline", each sorted."""
    overdue = sorted(tally.overdue, key=lambda r: (-r["days_overdue"], r["plan"], stt_key(r["stt"])))
    return {
        "overdue": overdue,
        "newly_overdue": [r for r in overdue if r["newly_overdue"]],
        "overdue_by_unit": overdue_by_unit(overdue, unit_names),
        "due_soon": sorted(tally.due_soon, key=lambda r: (r["days_left"], r["plan"], stt_key(r["stt"]))),
        "recurring_due": sorted(tally.recurring, key=lambda r: (r["due"] or "", r["plan"], stt_key(r["stt"]))),
        "unknown_deadline": sorted(tally.unknown, key=lambda r: (r["plan"], stt_key(r["stt"]))),
    }


def overdue_by_unit(overdue: list[dict[str, Any]], unit_names: Mapping[str, str]) -> list[dict[str, Any]]:
    """The overdue tasks grouped by lead unit, the unit with most first.

    Each task is counted ONCE, under its FIRST lead unit (the unit the document names
    first leads; a task without one goes under "(chưa xác định đơn vị)"), so the
    groups' counts add up to the overdue total. The task's other lead units are named
    on it (`co_lead_unit_names`) so they still see it in the list."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in overdue:
        first = r["lead_units"][0] if r["lead_units"] else NO_UNIT
        groups.setdefault(first, []).append(r)
    # Each row's keys written out: a comprehension merged into a second dict cost twice as
    # much over 11,000 overdue tasks.
    out = [{"unit": u, "name": unit_names.get(u, u), "count": len(rs),
            "tasks": [{"id": r["id"], "plan": r["plan"], "stt": r["stt"], "title": r["title"], "due": r["due"],
                       "days_overdue": r["days_overdue"], "working_days_overdue": r["working_days_overdue"],
                       "co_lead_unit_names": r["lead_unit_names"][1:]} for r in rs]}
           for u, rs in groups.items()]
    out.sort(key=lambda g: (-g["count"], ascii_fold(g["name"])))
    return out


def _recurring_due(t: Any, ctx: _Context) -> dict[str, Any] | None:
    """The most pressing report still owed by a recurring task as of today, or None."""
    today, raw = ctx.today, getattr(t, "every", None)
    if raw not in ctx.periods:  # 10,000 recurring tasks share two or three spellings
        every = normalise_every(raw)
        ctx.periods[raw] = every, f"{today.year}" if every == "year" else f"{today.year}-{today.month:02d}"
    every, current = ctx.periods[raw]
    owed: list[tuple[date, str]] = []
    seen_current = False
    for c in ctx.cycles_by_task.get(t.id, ()):
        seen_current = seen_current or c.period == current
        reported = c.reported_on is not None and c.reported_on <= today
        if reported or c.due is None:
            continue
        if c.status == "reported" and c.reported_on is None:
            continue  # reported, day unknown: not owed
        if c.due <= ctx.horizon:
            owed.append((c.due, c.period))
    if not seen_current and ctx.calendar_periods:
        key = (every, today.year, today.month if every == "month" else 12)
        if key not in ctx.period_due:
            ctx.period_due[key] = period_due_day(every, key[1], key[2], ctx.report_day, ctx.cal)
        if ctx.period_due[key] <= ctx.horizon:
            owed.append((ctx.period_due[key], current))
    if not owed:
        return None
    due, period = min(owed)
    ref = task_ref(t, ctx.unit_names)
    ref.update(due=due.isoformat(), period=period, overdue=due < today,
               days_left=(due - today).days, every=every, periods_owed=len(owed))
    return ref
