"""The reports' rows, read from the store, and the reports computed from them.

The SQL side of the reports: a handful of Core selects turned into the plain rows of
domain/report_rows.py, handed to the builders of domain/report.py. Nothing is written
here (archiving a report is activities/reports.py's). `config` is the loaded
configuration, or None (then no unit or official names, the default calendar).

`daily_data`, `period_data` and `appendix_data` are what the CLI, the web page, the
benchmark and the report activity use.
"""
from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Text, cast, func, or_, select

from domain.calendar import VN_TZ, WorkingCalendar
from domain.gc_pause import collector_paused
from domain.periods import span_of
from domain.report import (
    Appendix, CycleRow, DeliveryRow, IncidentRow, TaskRow, build_appendix, build_daily,
    build_period, local_day, period_bounds,
)
from store.db import session_scope
from store.progress import latest_rows, rows_for_period
from store.reviews import mark_returned
from domain.report_progress import daily_progress, period_progress
from store.indicator_values import indicator_rows
from store.models import Cycle, Delivery, Event, Incident, Plan, Report, Task
from store.report_family import task_family


def unit_names(config) -> dict[str, str]:
    if config is None:
        return {}
    return {u.key: u.name for u in config.directory.units}


def _supervisors_name(config) -> dict[str, str]:
    return {"supervisors": config.directory.supervisors_name} if config is not None else {}


def official_names(config) -> dict[str, str]:
    if config is None:
        return {}
    return {o.key: o.name for o in config.directory.officials}


def calendar_of(config) -> WorkingCalendar:
    return WorkingCalendar(config.calendar) if config is not None else WorkingCalendar()


def _report_day(config) -> int:
    return config.policies.recurring.report_day if config is not None else 0


def _cycle_columns():
    return Cycle.task_id, Cycle.period, Cycle.due, Cycle.status, Cycle.result, Cycle.reported_on


def load_tasks(session, plan: str | None = None, full: bool = False) -> list[TaskRow]:
    """Task rows with their plan's name; Core select of columns (fast for 10,000)."""
    # lead_units as its stored JSON text, decoded once per distinct value (thousands of
    # tasks share a few unit lists; per-row JSON decoding was a third of the load time).
    # Cast in SQL, not only in SQLAlchemy: psycopg would otherwise decode each row's JSON
    # itself (half of PostgreSQL's load of 50,000 tasks).
    cols = [Task.stt, Task.section, cast(Task.lead_units, Text), Task.lead_official,
            Task.due, Task.deadline_kind, Task.deadline_raw, Task.every, Task.status, Task.result,
            Task.completed_on, Task.parent_id]
    if full:
        cols += [Task.evidence, Task.coordinating_units, Task.output, Task.notes]
    # Through the connection: plain Core rows, without the ORM's per-row result processing
    # (a third of the load over 50,000 tasks).
    conn, plans = session.connection(), None
    if plan:
        stmt = (select(Task.id, Task.title, Plan.name, *cols).outerjoin(Plan, Task.plan_id == Plan.id)
                .where(Plan.name == plan))
    else:  # every task (a scan of tasks, as the join was): the few plans' names looked up
        # here rather than joined to each of 50,000 rows, a tenth of the load
        plans = dict(conn.execute(select(Plan.id, Plan.name)).all())
        stmt = select(Task.id, Task.title, Task.plan_id, *cols)
    return _task_rows(conn.execute(stmt), _FULL_NAMES if full else _NAMES, plans)


# The selected columns' TaskRow fields, in load_tasks' order.
_NAMES = ("id", "title", "plan", "stt", "section", "lead_units", "lead_official", "due", "deadline_kind",
          "deadline_raw", "every", "status", "result", "completed_on", "parent_id")
_FULL_NAMES = (*_NAMES, "evidence", "coordinating_units", "output", "notes")
_TEXT_FIELDS = ("title", "plan", "stt", "section", "deadline_raw")
_DEFAULTS = {f.name: f.default for f in dataclasses.fields(TaskRow) if f.default is not dataclasses.MISSING}
_FACTORIES = {f.name: f.default_factory for f in dataclasses.fields(TaskRow)
              if f.default_factory is not dataclasses.MISSING}


def _task_rows(rows, names: tuple[str, ...], plans: dict[int, str] | None = None) -> list[TaskRow]:
    """TaskRow(**fields) for each row, without the frozen dataclass's __init__ (which
    sets each field through object.__setattr__): each row's fields set in one go
    (dict(zip)), the defaults of the fields not selected, and the few that need it
    mended in place -- the per-row dicts and calls were two thirds of loading 50,000
    tasks. `plans`: the plans' names by id when the rows carry the plan's id in place
    of its name."""
    units, full = _units_decoder(), "notes" in names
    rest = {name: value for name, value in _DEFAULTS.items() if name not in names}  # fields not selected
    factories = tuple((name, factory) for name, factory in _FACTORIES.items() if name not in names)
    new, out = object.__new__, []
    for row in rows:
        task = new(TaskRow)
        fields = task.__dict__
        fields.update(zip(names, row))
        fields.update(rest)
        for name, factory in factories:
            fields[name] = factory()
        if plans is not None:
            fields["plan"] = plans.get(fields["plan"])
        for name in _TEXT_FIELDS:  # NULL in the store, "" on the row
            if not fields[name]:
                fields[name] = ""
        fields["lead_units"] = units(fields["lead_units"])
        fields["deadline_kind"] = fields["deadline_kind"] or "unknown"
        fields["status"] = fields["status"] or "open"
        if full:
            _mend_full(fields)
        out.append(task)
    return out


def _mend_full(fields: dict[str, Any]) -> None:
    fields["coordinating_units"] = tuple(fields["coordinating_units"] or ())
    fields["output"], fields["notes"] = fields["output"] or "", fields["notes"] or ""


_CYCLE_FIELDS = tuple(f.name for f in dataclasses.fields(CycleRow))


def _cycle_rows(rows) -> list[CycleRow]:
    """CycleRow(*row) for rows of `_cycle_columns()` (one column per field, in order),
    without the frozen dataclass's __init__: 10,000 cycles of a large store."""
    new, out = object.__new__, []
    for row in rows:
        cycle = new(CycleRow)
        cycle.__dict__.update(zip(_CYCLE_FIELDS, row))
        out.append(cycle)
    return out


def _units_decoder():
    """A unit list's JSON text to a tuple, each distinct text decoded once."""
    units_cache: dict[Any, tuple[str, ...]] = {}

    def units(raw: Any) -> tuple[str, ...]:
        if not isinstance(raw, str):  # drivers that decode JSON themselves (psycopg)
            return tuple(raw or ())
        if raw not in units_cache:
            units_cache[raw] = tuple(json.loads(raw) or ())
        return units_cache[raw]

    return units


def load_daily(session, as_of: datetime, plan: str | None = None, kind: str = "daily") -> dict[str, Any]:
    """Everything build_daily needs, read with a handful of queries."""
    as_of = as_of.astimezone(timezone.utc)
    today = local_day(as_of)
    tasks = mark_returned(session, _with_acknowledgements(session, load_tasks(session, plan), as_of), as_of)
    ids = {t.id for t in tasks} if plan else None
    current = {f"{today.year}", f"{today.year}-{today.month:02d}"}
    cstmt = select(*_cycle_columns()).where(
        or_(Cycle.period.in_(current), Cycle.reported_on.is_(None), Cycle.reported_on > today))
    cycles = _cycle_rows(r for r in session.connection().execute(cstmt) if ids is None or r[0] in ids)
    istmt = select(Incident.id, Incident.unit, Incident.title, Incident.detected_at, Incident.due_at,
                   Incident.status, Incident.severity, Incident.result, Incident.reported_at).where(
        Incident.detected_at <= as_of, or_(Incident.reported_at.is_(None), Incident.reported_at > as_of))
    incidents = [IncidentRow(*r) for r in session.execute(istmt)]
    prev = session.execute(
        select(Report.as_of).where(Report.kind == kind, Report.as_of < as_of)
        .order_by(Report.as_of.desc()).limit(1)).scalar()
    since = prev or as_of - timedelta(hours=24)
    dstmt = select(Delivery.subject_id, Delivery.step, Delivery.recipient, Delivery.channel, Delivery.status,
                   Delivery.created_at, Delivery.cycle, Delivery.error, Delivery.key).where(
        Delivery.status == "failed", Delivery.created_at > since, Delivery.created_at <= as_of)
    deliveries = [DeliveryRow(*r) for r in session.execute(dstmt)]
    return {"tasks": tasks, "cycles": cycles, "incidents": incidents, "deliveries": deliveries,
            "previous_as_of": prev, "indicators": indicator_rows(session, plan, today)}


def _with_acknowledgements(session, tasks: list, as_of: datetime) -> list:
    """Each task with the moment someone last answered "đã nhận" to its reminder in Zalo."""
    rows = session.execute(select(Event.subject_id, func.max(Event.at)).where(
        Event.kind == "zalo_ack", Event.at <= as_of).group_by(Event.subject_id)).all()
    seen = dict(rows)
    return [dataclasses.replace(t, seen_at=seen[t.id]) if t.id in seen else t for t in tasks] if seen else tasks


@collector_paused()
def daily_data(database_url: str, config, as_of: datetime, plan: str | None = None,
               kind: str = "daily") -> dict[str, Any]:
    """The daily (or weekly) report as of `as_of`, computed from the store (nothing
    written); "since the last report" means the last archived report of that kind."""
    with session_scope(database_url) as s:
        rows = load_daily(s, as_of, plan, kind)
        progress = latest_rows(s, as_of)  # each task's latest progress report (store/progress.py)
        family = task_family(s, rows["tasks"], config)  # a group task once; its units' tasks by unit
    names = {**official_names(config), **unit_names(config), **family.names, **_supervisors_name(config)}

    def build(tasks, states=None):
        return build_daily(
            tasks, as_of, calendar_of(config), cycles=rows["cycles"], incidents=rows["incidents"],
            deliveries=rows["deliveries"], previous_as_of=rows["previous_as_of"], unit_names=names,
            report_day=_report_day(config),
            calendar_periods=config is None or config.policies.recurring.cycle_seconds <= 0,
            indicators=rows["indicators"], states=states)

    # Each task classified once, by the totals' tally; the units table and the progress
    # part read the classes by task id rather than classify the same 50,000 tasks twice more.
    states: dict[str, str] = {}
    data = build(family.top, states)
    data["units_four"] = family.daily_units(data, build, local_day(as_of), states)
    data["progress"] = daily_progress(rows["tasks"], progress, as_of, unit_names(config), states)
    return data


def period_data(database_url: str, config, *, quarter: str | None = None, month: str | None = None,
                as_of: datetime | None = None, plan: str | None = None, period: str | None = None) -> dict[str, Any]:
    """The period summary of a quarter or a month, or of `period` (any key of
    domain.periods: a quarter, a month, a range of days)."""
    start, end, key, label = span_of(period) if period else period_bounds(quarter, month)
    as_of = as_of or datetime.now(timezone.utc)
    with session_scope(database_url) as s:
        tasks = mark_returned(s, load_tasks(s, plan, full=True), as_of)  # returned, not confirmed again
        ids = {t.id for t in tasks}
        cycles = [CycleRow(*r) for r in s.execute(
            select(*_cycle_columns()).where(Cycle.due >= start, Cycle.due <= end)) if r[0] in ids]
        # Each indicator's latest value describing a day of the period or before (and not after as_of).
        indicators = indicator_rows(s, plan, min(end, local_day(as_of)))
        progress = rows_for_period(s, *_instants(start, end), as_of)  # the period's reports and each latest
        family = task_family(s, tasks, config)  # a group task once; its units' tasks by unit
    data = build_period(family.top, start, end, as_of, calendar_of(config), label=label, key=key, cycles=cycles,
                        indicators=indicators, unit_names={**unit_names(config), **family.names})
    family.period_units(data, start, end, local_day(as_of))
    data["plan"] = plan
    data["progress"] = period_progress(tasks, progress, start, end, as_of, label=label, unit_names=unit_names(config))
    return data


def _instants(start, end) -> tuple[datetime, datetime]:
    """The local days [start, end] as instants [from, to)."""
    first = datetime.combine(start, datetime.min.time(), VN_TZ)
    return first, datetime.combine(end + timedelta(days=1), datetime.min.time(), VN_TZ)


# The appendix's rows and totals are domain.report_appendix's; this reads what it needs.

def appendix_data(database_url: str, config, plan: str, as_of: datetime | None = None) -> Appendix:
    """The plan's table with results and evidence (rows: lists of cells, and section
    headings as plain strings, in appendix order) and its totals by class."""
    as_of = as_of or datetime.now(timezone.utc)
    with session_scope(database_url) as s:
        if s.execute(select(Plan.id).where(Plan.name == plan)).scalar() is None:
            raise LookupError(plan)
        tasks = load_tasks(s, plan, full=True)
        cycles: dict[str, list[Any]] = {}
        for r in s.execute(select(*_cycle_columns()).join(Task, Task.id == Cycle.task_id)
                           .join(Plan, Task.plan_id == Plan.id).where(Plan.name == plan)):
            cycles.setdefault(r[0], []).append(CycleRow(*r))
        indicators = indicator_rows(s, plan, local_day(as_of))
        family = task_family(s, tasks, config)  # the plan's rows: a group task once; its units by unit
    appendix = build_appendix(family.top, local_day(as_of), cycles_by_task=cycles,
                              unit_names={**unit_names(config), **family.names},
                              official_names=official_names(config), indicators=indicators)
    return family.appendix_units(appendix, local_day(as_of), cycles)


def appendix_rows(database_url: str, config, plan: str, as_of: datetime | None = None) -> list[list[str] | str]:
    """The rows of `appendix_data` (without the totals)."""
    return appendix_data(database_url, config, plan, as_of).rows
