"""The reports' numbers: the daily 16:00 report and the period (month/quarter) summary.

Pure: rows in (store models or the plain dataclasses below -- anything with the same
attributes), a dict out, shaped as `./dondoc report daily --json` prints it. No I/O,
no clock: the moment is always given.

Definitions (they are what the totals mean; the tests check them by hand):

* **as of** an instant `as_of` (aware); its Vietnamese calendar day is `today`. The
  report is computed "as it stood then" from deadlines and completion dates: a task
  completed after `today` counts as open then; a task marked completed without a date
  counts as completed at any moment (the document said it was done, not when).
* **tasks**: every task not cancelled (cancellation has no date in the store, so a
  cancelled task is left out of every report, past ones included).
* **completed** = completed_early + completed_on_time + completed_late +
  completed_unclassified; the class comes from the completion day against the due day
  (domain.results.classify), else the stored result, else "unclassified".
* **open** = tasks - completed.
* **overdue**: open one-off tasks whose due day is before `today` (a deadline names a
  day and the whole day counts, so at 16:00 on the due day a task is due, not late).
* **days_overdue**: CALENDAR days from the due day to `today` (1 on the day after the
  deadline), because a deadline is a calendar day and officials read "quá hạn 3 ngày"
  that way; `working_days_overdue` beside it counts the working days in (due, today]
  for those who escalate by working days.
* **due_soon**: open one-off tasks due from `today` to `today + horizon_days`
  (7 calendar days by default), today included.
* **recurring_due**: open recurring tasks ("Thường xuyên … hằng tháng báo cáo") with a
  cycle report not yet in as of `today` and due by `today + horizon_days`: the current
  period's report (month, or year for "Hằng năm"; due on the policy's report day, else
  the last working day of the period), or any earlier cycle recorded in the store
  whose due day has passed unreported.
* **unknown_deadline**: open tasks whose deadline could not be read (shown so someone
  sets one); one-off tasks without a due day count here too.
* **incidents_open**: incidents detected by `as_of` and not reported by `as_of`;
  `hours_left` is negative once the 24-hour window has passed.
* **failed_deliveries**: deliveries (to one recipient, every channel tried) logged as
  failed since the previous report (or in the 24 hours before `as_of` when there is
  none); a channel that failed before another channel delivered is not counted.
* **newly_overdue**: overdue tasks that became overdue after the previous report, i.e.
  whose due day ended after it (the last 24 hours when there is no previous report).
* **overdue_by_unit**: the overdue tasks under each lead unit (a task led by two
  units appears under both), the unit with most first.
"""
from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, Mapping

from domain.calendar import VN_TZ, WorkingCalendar
from domain.results import VI_RESULT, classify
from domain.text import ascii_fold

__all__ = [
    "TaskRow", "CycleRow", "IncidentRow", "DeliveryRow", "IndicatorRow",
    "build_daily", "build_period", "period_bounds", "indicator_met", "stt_key",
    "result_label", "completion", "TOTAL_KEYS", "DEFAULT_HORIZON_DAYS",
]

DEFAULT_HORIZON_DAYS = 7
TOTAL_KEYS = ("tasks", "completed", "completed_early", "completed_on_time", "completed_late",
              "open", "overdue", "due_soon", "recurring_due", "unknown_deadline", "incidents_open")
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


# -- rows ----------------------------------------------------------------------

@dataclass(frozen=True)
class TaskRow:
    id: str
    title: str
    plan: str = ""
    stt: str = ""
    section: str = ""
    lead_units: tuple[str, ...] = ()
    lead_official: str | None = None
    due: date | None = None
    deadline_kind: str = "unknown"          # once | recurring | unknown
    deadline_raw: str = ""
    every: str | None = None                # month | year (recurring)
    status: str = "open"                    # open | completed | cancelled
    result: str | None = None
    completed_on: date | None = None
    evidence: Mapping[str, Any] | None = None
    coordinating_units: tuple[str, ...] = ()
    output: str = ""
    notes: str = ""


@dataclass(frozen=True)
class CycleRow:
    task_id: str
    period: str
    due: date | None
    status: str = "open"                    # open | reported | missed
    result: str | None = None
    reported_on: date | None = None


@dataclass(frozen=True)
class IncidentRow:
    id: str
    unit: str
    title: str
    detected_at: datetime
    due_at: datetime
    status: str = "open"
    severity: str = ""
    result: str | None = None
    reported_at: datetime | None = None


@dataclass(frozen=True)
class DeliveryRow:
    subject_id: str
    step: str
    recipient: str
    channel: str
    status: str
    created_at: datetime
    cycle: str = ""
    error: str = ""
    key: str = ""


@dataclass(frozen=True)
class IndicatorRow:
    stt: str
    name: str
    target: Mapping[str, Any] = field(default_factory=dict)
    responsible: tuple[str, ...] = ()
    result: str = ""
    plan: str = ""


# -- helpers -------------------------------------------------------------------

_NUM_PART = re.compile(r"\d+|\D+")


def stt_key(stt: str | None) -> tuple:
    """Natural order of appendix numbers: 2 < 10, "1.2" < "1.10", text last."""
    parts = _NUM_PART.findall(str(stt or "").strip())
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts) or ((2, 0, ""),)


def local_day(instant: datetime) -> date:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("as_of must be an aware datetime")
    return instant.astimezone(VN_TZ).date()


def _aware(instant: datetime | None) -> datetime | None:
    if instant is None:
        return None
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=timezone.utc)


def _units(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value if v)


def result_label(result: str | None) -> str:
    return VI_RESULT.get(result or "", "")


def completion(task: Any, today: date) -> tuple[bool, str | None]:
    """(completed as of today, result class or None)."""
    if getattr(task, "status", "open") != "completed":
        return False, None
    done = getattr(task, "completed_on", None)
    if done is not None and done > today:
        return False, None
    due = getattr(task, "due", None)
    if done is not None and due is not None:
        return True, classify(due, done)
    return True, getattr(task, "result", None) or None


class _WorkingDays:
    """Working days in (start, end], cached per start day (many tasks share a due day)."""

    def __init__(self, cal: WorkingCalendar, end: date):
        self.cal, self.end, self.cache = cal, end, {}

    def after(self, start: date) -> int:
        if start not in self.cache:
            n, d = 0, start
            while d < self.end:
                d += timedelta(days=1)
                if self.cal.is_working_day(d):
                    n += 1
            self.cache[start] = n
        return self.cache[start]


def _period_due(every: str, year: int, month: int, cal: WorkingCalendar, report_day: int) -> date:
    """The report day of a recurring task's period (the task workflows' rule)."""
    if every == "year":
        return cal.last_working_day_of_month(year, 12)
    if report_day > 0:
        return date(year, month, min(report_day, _calendar.monthrange(year, month)[1]))
    return cal.last_working_day_of_month(year, month)


def _every(value: str | None) -> str:
    v = (value or "month").strip().lower()
    return "year" if v in {"year", "yearly", "annual", "annually", "y"} else "month"


def _task_ref(task: Any, unit_names: Mapping[str, str]) -> dict[str, Any]:
    units = _units(getattr(task, "lead_units", ()))
    return {
        "plan": getattr(task, "plan", "") or "",
        "stt": getattr(task, "stt", "") or "",
        "title": getattr(task, "title", "") or "",
        "lead_units": list(units),
        "lead_unit_names": [unit_names.get(u, u) for u in units],
        "due": getattr(task, "due", None).isoformat() if getattr(task, "due", None) else None,
    }


# -- the daily report -----------------------------------------------------------

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
) -> dict[str, Any]:
    """The daily report's data (see the module docstring for every definition).
    `calendar_periods=False` (drills, where a cycle lasts seconds): recurring reports
    owed come from the cycles recorded in the store only."""
    unit_names = unit_names or {}
    today = local_day(as_of)  # refuses a naive instant
    as_of = as_of.astimezone(timezone.utc)
    horizon = today + timedelta(days=horizon_days)
    since = previous_as_of.astimezone(timezone.utc) if previous_as_of else as_of - timedelta(hours=24)
    since_day = local_day(since)
    wd = _WorkingDays(cal, today)

    cycles_by_task: dict[str, list[Any]] = {}
    for c in cycles:
        cycles_by_task.setdefault(c.task_id, []).append(c)

    totals = dict.fromkeys(TOTAL_KEYS, 0)
    totals["completed_unclassified"] = 0
    overdue: list[dict[str, Any]] = []
    due_soon: list[dict[str, Any]] = []
    recurring: list[dict[str, Any]] = []
    unknown: list[dict[str, Any]] = []
    period_due_cache: dict[tuple[str, int, int], date] = {}

    for t in tasks:
        if t.status == "cancelled":
            continue
        totals["tasks"] += 1
        done, result = completion(t, today)
        if done:
            totals["completed"] += 1
            key = {"early": "completed_early", "on_time": "completed_on_time", "late": "completed_late"}
            totals[key.get(result or "", "completed_unclassified")] += 1
            continue
        totals["open"] += 1
        kind = t.deadline_kind
        if kind == "recurring":
            item = _recurring_due(t, today, horizon, cal, cycles_by_task.get(t.id, ()), report_day,
                                  period_due_cache, unit_names, calendar_periods)
            if item is not None:
                totals["recurring_due"] += 1
                recurring.append(item)
            continue
        if kind != "once" or t.due is None:
            totals["unknown_deadline"] += 1
            ref = _task_ref(t, unit_names)
            ref["deadline_raw"] = getattr(t, "deadline_raw", "") or ""
            unknown.append(ref)
            continue
        if t.due < today:
            totals["overdue"] += 1
            ref = _task_ref(t, unit_names)
            ref["days_overdue"] = (today - t.due).days
            ref["working_days_overdue"] = wd.after(t.due)
            ref["newly_overdue"] = t.due >= since_day
            ref["lead_official"] = getattr(t, "lead_official", None)
            overdue.append(ref)
        elif t.due <= horizon:
            totals["due_soon"] += 1
            ref = _task_ref(t, unit_names)
            ref["days_left"] = (t.due - today).days
            due_soon.append(ref)

    overdue.sort(key=lambda r: (-r["days_overdue"], r["plan"], stt_key(r["stt"])))
    due_soon.sort(key=lambda r: (r["days_left"], r["plan"], stt_key(r["stt"])))
    recurring.sort(key=lambda r: (r["due"] or "", r["plan"], stt_key(r["stt"])))
    unknown.sort(key=lambda r: (r["plan"], stt_key(r["stt"])))

    incident_items = _incidents(incidents, as_of, unit_names)
    totals["incidents_open"] = len(incident_items)
    failed = _failed(deliveries, since, as_of)

    return {
        "kind": "daily",
        "as_of": as_of.isoformat(),
        "as_of_local": as_of.astimezone(VN_TZ).isoformat(),
        "since": since.isoformat(),
        "horizon_days": horizon_days,
        "totals": totals,
        "overdue": overdue,
        "newly_overdue": [r for r in overdue if r["newly_overdue"]],
        "overdue_by_unit": _by_unit(overdue, unit_names),
        "due_soon": due_soon,
        "recurring_due": recurring,
        "unknown_deadline": unknown,
        "incidents": incident_items,
        "failed_deliveries": failed,
    }


def _recurring_due(t: Any, today: date, horizon: date, cal: WorkingCalendar, cycles: Iterable[Any],
                   report_day: int, cache: dict, unit_names: Mapping[str, str],
                   calendar_periods: bool = True) -> dict[str, Any] | None:
    """The most pressing report still owed by a recurring task as of today, or None."""
    every = _every(getattr(t, "every", None))
    current = f"{today.year}" if every == "year" else f"{today.year}-{today.month:02d}"
    owed: list[tuple[date, str]] = []
    seen_current = False
    for c in cycles:
        if c.period == current:
            seen_current = True
        reported = c.reported_on is not None and c.reported_on <= today
        if reported or c.due is None:
            continue
        if c.status == "reported" and c.reported_on is None:
            continue  # reported, day unknown: not owed
        if c.due <= horizon:
            owed.append((c.due, c.period))
    if not seen_current and calendar_periods:
        key = (every, today.year, today.month if every == "month" else 12)
        if key not in cache:
            cache[key] = _period_due(every, key[1], key[2], cal, report_day)
        if cache[key] <= horizon:
            owed.append((cache[key], current))
    if not owed:
        return None
    due, period = min(owed)
    ref = _task_ref(t, unit_names)
    ref.update(due=due.isoformat(), period=period, overdue=due < today,
               days_left=(due - today).days, every=every, periods_owed=len(owed))
    return ref


def _incidents(incidents: Iterable[Any], as_of: datetime, unit_names: Mapping[str, str]) -> list[dict[str, Any]]:
    out = []
    for i in incidents:
        detected = _aware(i.detected_at)
        reported = _aware(getattr(i, "reported_at", None))
        if detected > as_of or getattr(i, "status", "open") == "cancelled":
            continue
        if reported is not None and reported <= as_of:
            continue
        if reported is None and getattr(i, "status", "open") not in ("open", None):
            continue  # closed without a time: not open
        due_at = _aware(i.due_at)
        left = (due_at - as_of).total_seconds() / 3600
        out.append({
            "id": i.id, "unit": i.unit, "unit_name": unit_names.get(i.unit, i.unit), "title": i.title,
            "severity": getattr(i, "severity", "") or "", "detected_at": detected.isoformat(),
            "due_at": due_at.isoformat(), "hours_left": round(left, 1), "late": left < 0,
        })
    out.sort(key=lambda r: r["hours_left"])
    return out


# The delivery log keeps one row per delivery (subject|cycle|step|recipient) and one per
# channel tried (the same key + "|zalo", "|email2"...): a channel that failed before
# another worked is not a failed delivery, so only the delivery rows count.
_CHANNEL_ROW = re.compile(r"\|(?:zalo|email|outbox|other)\d*$")


def _failed(deliveries: Iterable[Any], since: datetime, as_of: datetime) -> list[dict[str, Any]]:
    out = []
    for d in deliveries:
        at = _aware(d.created_at)
        if d.status != "failed" or not (since < at <= as_of):
            continue
        if _CHANNEL_ROW.search(getattr(d, "key", "") or ""):
            continue
        out.append({"subject_id": d.subject_id, "cycle": getattr(d, "cycle", "") or "", "step": d.step,
                    "recipient": d.recipient, "channel": d.channel, "error": getattr(d, "error", "") or "",
                    "at": at.isoformat()})
    out.sort(key=lambda r: r["at"])
    return out


def _by_unit(overdue: list[dict[str, Any]], unit_names: Mapping[str, str]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in overdue:
        for u in r["lead_units"] or ["(chưa xác định đơn vị)"]:
            groups.setdefault(u, []).append(r)
    out = [{"unit": u, "name": unit_names.get(u, u), "count": len(rs),
            "tasks": [{k: r[k] for k in ("plan", "stt", "title", "due", "days_overdue")} for r in rs]}
           for u, rs in groups.items()]
    out.sort(key=lambda g: (-g["count"], ascii_fold(g["name"])))
    return out


# -- period summaries -----------------------------------------------------------

_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.I)
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def period_bounds(quarter: str | None = None, month: str | None = None) -> tuple[date, date, str, str]:
    """(first day, last day, key, Vietnamese label) of "2026Q1" or "2026-05"."""
    if quarter:
        m = _QUARTER.match(quarter)
        if not m:
            raise ValueError(f"quý không hợp lệ {quarter!r}: dùng dạng 2026Q1")
        year, q = int(m.group(1)), int(m.group(2))
        start = date(year, 3 * q - 2, 1)
        end = date(year, 3 * q, _calendar.monthrange(year, 3 * q)[1])
        return start, end, f"{year}Q{q}", f"Quý {ROMAN[q]}/{year}"
    if month:
        m = _MONTH.match(month)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError(f"tháng không hợp lệ {month!r}: dùng dạng 2026-05")
        year, mo = int(m.group(1)), int(m.group(2))
        return (date(year, mo, 1), date(year, mo, _calendar.monthrange(year, mo)[1]),
                f"{year}-{mo:02d}", f"Tháng {mo:02d}/{year}")
    raise ValueError("cần --quarter hoặc --month")


_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_NEGATIVE = ("khong dat", "chua dat", "chua hoan thanh", "khong hoan thanh", "dang thuc hien",
             "dang trien khai", "chua thuc hien")
_POSITIVE = ("hoan thanh", "dat", "vuot")


def _number(text: str) -> float | None:
    m = _NUMBER.search(text)
    if not m:
        return None
    raw = m.group(0)
    # Vietnamese: "," decimal; "1.000" thousands; "9.5" decimal when not 3 digits after.
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    elif "." in raw and len(raw.split(".")[1]) == 3:
        raw = raw.replace(".", "")
    try:
        return float(raw)
    except ValueError:
        return None


def indicator_met(target: Mapping[str, Any] | None, result: str | None) -> bool | None:
    """True when the reported result meets the target, False when it does not, None
    when there is no result yet or it cannot be compared. Words decide first
    ("Đạt", "Hoàn thành", "Không đạt"), then numbers against the parsed target."""
    text = ascii_fold(result or "").strip()
    if not text:
        return None
    if any(neg in text for neg in _NEGATIVE):
        return False
    value = _number(text)
    target = target or {}
    goal = target.get("value")
    comparator = target.get("comparator") or "≥"
    if value is not None and goal is not None:
        goal = float(goal)
        high = float(target["value_max"]) if target.get("value_max") is not None else None
        if comparator == "≤":
            return value <= goal
        if comparator == "<":
            return value < goal
        if comparator == ">":
            return value > goal
        if comparator == "=":
            return abs(value - goal) < 1e-9
        if comparator == "≈":
            return abs(value - goal) <= 0.1 * max(abs(goal), 1)
        if comparator == "between" and high is not None:
            return value >= goal
        return value >= goal
    if any(text.startswith(p) or f" {p}" in f" {text}" for p in _POSITIVE):
        return True
    return None


def _two(n: int) -> str:
    """Counts as the documents write them: 08, 17, 120 (and 0)."""
    return f"{n:02d}" if n else "0"


def build_period(
    tasks: Iterable[Any],
    start: date,
    end: date,
    as_of: datetime,
    cal: WorkingCalendar,
    *,
    label: str,
    key: str = "",
    cycles: Iterable[Any] = (),
    indicators: Iterable[Any] = (),
    unit_names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Counts for a month or quarter as the quarterly reports write them.

    * "nhiệm vụ theo tiến độ" (scheduled): one-off tasks due within the period;
      of these, *completed on time* = completed by the due day (early + on time),
      *behind schedule* (chậm tiến độ) = completed after the due day, or not completed
      and the due day passed by `as_of`; *in progress* = not completed, due day not yet
      passed at `as_of`.
    * "nhiệm vụ triển khai thường xuyên" (recurring): recurring tasks not cancelled;
      their cycles due in the period counted reported on time / late / not reported.
    * carried over: one-off tasks due before the period, still open at its start.
    * indicators: all indicators of the plan(s); met per `indicator_met`.
    Completion is read as of `as_of`, like the daily report.
    """
    unit_names = unit_names or {}
    today = local_day(as_of)
    scheduled, recurring, carried, unknown = [], [], [], []
    recurring_ids: set[str] = set()
    for t in tasks:
        if t.status == "cancelled":
            continue
        done, result = completion(t, today)
        kind = t.deadline_kind
        if kind == "recurring":
            recurring_ids.add(t.id)
            recurring.append(t)
        elif kind == "once" and t.due is not None:
            if start <= t.due <= end:
                scheduled.append((t, done, result))
            elif t.due < start:
                done_before = done and (t.completed_on is None or t.completed_on < start)
                if not done_before:
                    carried.append((t, done, result))
        else:
            unknown.append(t)

    rows = []
    counts = {"on_time": 0, "early": 0, "on_time_exact": 0, "behind": 0, "late_completed": 0,
              "overdue_open": 0, "in_progress": 0, "unclassified": 0}
    for t, done, result in sorted(scheduled, key=lambda x: (x[0].plan, stt_key(x[0].stt))):
        if done and result in ("early", "on_time"):
            counts["on_time"] += 1
            counts["early" if result == "early" else "on_time_exact"] += 1
            state = result
        elif done and result == "late":
            counts["behind"] += 1
            counts["late_completed"] += 1
            state = "late"
        elif done:
            counts["unclassified"] += 1
            state = "completed"
        elif t.due < today:
            counts["behind"] += 1
            counts["overdue_open"] += 1
            state = "overdue"
        else:
            counts["in_progress"] += 1
            state = "in_progress"
        rows.append(_period_row(t, state, unit_names))

    cyc = {"due": 0, "reported_on_time": 0, "reported_late": 0, "not_reported": 0}
    for c in cycles:
        if c.task_id not in recurring_ids or c.due is None or not start <= c.due <= end:
            continue
        cyc["due"] += 1
        if c.reported_on is not None and c.reported_on <= today:
            cyc["reported_late" if c.reported_on > c.due else "reported_on_time"] += 1
        else:
            cyc["not_reported"] += 1

    ind_rows, met, unmet, pending = [], 0, 0, 0
    for i in sorted(indicators, key=lambda i: (getattr(i, "plan", ""), stt_key(i.stt))):
        target = i.target or {}
        ok = indicator_met(target, i.result)
        met += ok is True
        unmet += ok is False
        pending += ok is None
        ind_rows.append({"stt": i.stt, "name": i.name, "target": target.get("raw", ""),
                         "result": i.result or "", "met": ok,
                         "responsible": [unit_names.get(u, u) for u in _units(i.responsible)]})

    carried_done = sum(1 for _, done, _ in carried if done)
    data = {
        "kind": "period",
        "period": key,
        "label": label,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "as_of": as_of.astimezone(timezone.utc).isoformat(),
        "indicators": {"total": len(ind_rows), "met": met, "not_met": unmet, "pending": pending,
                       "rows": ind_rows},
        "scheduled": {"total": len(scheduled), "completed_on_time": counts["on_time"],
                      "completed_early": counts["early"], "completed_on_due_day": counts["on_time_exact"],
                      "behind": counts["behind"], "completed_late": counts["late_completed"],
                      "overdue_open": counts["overdue_open"], "in_progress": counts["in_progress"],
                      "completed_unclassified": counts["unclassified"]},
        "recurring": {"total": len(recurring), "cycles": cyc},
        "carried_over": {"total": len(carried), "completed": carried_done},
        "unknown_deadline": len(unknown),
        "rows": rows,
        "recurring_rows": [_period_row(t, "recurring", unit_names)
                           for t in sorted(recurring, key=lambda t: (t.plan, stt_key(t.stt)))],
    }
    data["prose"] = period_prose(data)
    return data


_STATE_VI = {"early": "Hoàn thành trước hạn", "on_time": "Hoàn thành đúng hạn", "late": "Hoàn thành quá hạn",
             "completed": "Hoàn thành", "overdue": "Chưa hoàn thành (quá hạn)",
             "in_progress": "Đang thực hiện", "recurring": "Triển khai thường xuyên"}


def _period_row(t: Any, state: str, unit_names: Mapping[str, str]) -> dict[str, Any]:
    ev = dict(getattr(t, "evidence", None) or {})
    return {
        "plan": t.plan, "stt": t.stt, "title": t.title,
        "lead_units": [unit_names.get(u, u) for u in _units(t.lead_units)],
        "due": t.due.isoformat() if t.due else None, "deadline_raw": getattr(t, "deadline_raw", "") or "",
        "state": state, "state_vi": _STATE_VI[state],
        "completed_on": t.completed_on.isoformat() if getattr(t, "completed_on", None) else None,
        "document_number": ev.get("document_number", ""), "issued_on": ev.get("issued_on", ""),
        "summary": ev.get("summary", ""),
    }


def period_prose(data: Mapping[str, Any]) -> str:
    """The paragraph the quarterly report writes (seed 004, part II.1)."""
    label, ind, sch, rec = data["label"], data["indicators"], data["scheduled"], data["recurring"]
    lines = [
        f"{label} có {_two(ind['total'])} chỉ tiêu, {_two(sch['total'])} nhiệm vụ theo tiến độ và "
        f"{_two(rec['total'])} nhiệm vụ triển khai thường xuyên.",
        f"* Kết quả thực hiện trong {label} như sau:",
        f"- Tổng số chỉ tiêu được giao trong {label}: {_two(ind['total'])} chỉ tiêu;",
        f"+ Đã hoàn thành chỉ tiêu: {_two(ind['met'])}/{_two(ind['total'])} chỉ tiêu.",
        f"- Tổng số nhiệm vụ được giao trong {label}: {_two(sch['total'])} nhiệm vụ;",
        f"+ Đã hoàn thành đúng hạn: {_two(sch['completed_on_time'])} nhiệm vụ;",
    ]
    if sch["completed_early"]:
        lines.append(f"  (trong đó hoàn thành trước hạn: {_two(sch['completed_early'])} nhiệm vụ)")
    lines.append(f"+ Chậm tiến độ: {_two(sch['behind'])} nhiệm vụ.")
    if sch["completed_late"] and sch["overdue_open"]:
        lines.append(f"  (đã hoàn thành quá hạn: {_two(sch['completed_late'])}; "
                     f"chưa hoàn thành: {_two(sch['overdue_open'])})")
    if sch["in_progress"]:
        lines.append(f"+ Đang thực hiện, chưa đến hạn: {_two(sch['in_progress'])} nhiệm vụ.")
    cyc = rec["cycles"]
    if rec["total"]:
        lines.append(
            f"- Nhiệm vụ triển khai thường xuyên: {_two(rec['total'])} nhiệm vụ; kỳ báo cáo đến hạn trong "
            f"{label}: {_two(cyc['due'])}, đã báo cáo đúng hạn: {_two(cyc['reported_on_time'])}, "
            f"báo cáo muộn: {_two(cyc['reported_late'])}, chưa báo cáo: {_two(cyc['not_reported'])}.")
    if data["carried_over"]["total"]:
        co = data["carried_over"]
        lines.append(f"- Nhiệm vụ chuyển tiếp từ kỳ trước: {_two(co['total'])} nhiệm vụ, "
                     f"đã hoàn thành: {_two(co['completed'])}.")
    if data["unknown_deadline"]:
        lines.append(f"- Nhiệm vụ chưa xác định thời hạn: {_two(data['unknown_deadline'])} nhiệm vụ.")
    lines.append("(Theo chi tiết phụ lục gửi kèm)")
    return "\n".join(lines)
