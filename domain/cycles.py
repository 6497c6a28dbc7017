"""Report cycles of a recurring task ("Thường xuyên … hằng tháng báo cáo", "Hằng
năm", drills in seconds): which period comes first, which comes next, and the day each
period's report is due."""
from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.calendar import VN_TZ, WorkingCalendar
from domain.ladder import Due, due_of
from domain.policy import RecurringPolicy

__all__ = ["CyclePeriod", "first_cycle", "next_cycle", "normalise_every", "period_due_day"]


@dataclass(frozen=True)
class CyclePeriod:
    period: str                  # "2026-05" (month), "2026" (year), "c3" (drill)
    index: int                   # 1-based count of cycles since the task started
    due: Due


def normalise_every(every: str | None) -> str:
    """'month' or 'year' from the forms the deadline parser and configs use."""
    value = (every or "month").strip().lower()
    if value in {"year", "yearly", "annual", "annually", "y"}:
        return "year"
    if value in {"month", "monthly", "m"}:
        return "month"
    raise ValueError(f"unknown report cycle: {every!r}")


def period_due_day(every: str, year: int, month: int, report_day: int, cal: WorkingCalendar) -> date:
    """The day a period's report is due: the policy's day of the month, else the
    month's (the year's, for yearly reports) last working day. The task workflows and
    the daily report both ask this one function."""
    if every == "year":
        return cal.last_working_day_of_month(year, 12)
    if report_day > 0:
        return date(year, month, min(report_day, _cal.monthrange(year, month)[1]))
    return cal.last_working_day_of_month(year, month)


def _period_due(every: str, year: int, month: int, policy: RecurringPolicy, cal: WorkingCalendar) -> Due:
    return due_of(cal, period_due_day(every, year, month, policy.report_day, cal))


def _period_label(every: str, year: int, month: int) -> str:
    return f"{year}" if every == "year" else f"{year}-{month:02d}"


def first_cycle(every: str | None, policy: RecurringPolicy, cal: WorkingCalendar, now: datetime) -> CyclePeriod:
    """The first report cycle of a task starting at `now`: the current period if
    its due moment is still ahead, else the next one."""
    if policy.cycle_seconds > 0:
        return CyclePeriod("c1", 1, Due(now.astimezone(VN_TZ).date(), now + timedelta(seconds=policy.cycle_seconds)))
    every = normalise_every(every)
    local = now.astimezone(VN_TZ)
    year, month = local.year, (12 if every == "year" else local.month)
    due = _period_due(every, year, month, policy, cal)
    if due.at < now:
        year, month = _following(every, year, month)
        due = _period_due(every, year, month, policy, cal)
    return CyclePeriod(_period_label(every, year, month), 1, due)


def next_cycle(every: str | None, policy: RecurringPolicy, cal: WorkingCalendar, previous: CyclePeriod) -> CyclePeriod:
    if policy.cycle_seconds > 0:
        at = previous.due.at + timedelta(seconds=policy.cycle_seconds)
        return CyclePeriod(f"c{previous.index + 1}", previous.index + 1, Due(at.astimezone(VN_TZ).date(), at))
    every = normalise_every(every)
    if every == "year":
        year, month = int(previous.period) + 1, 12
    else:
        y, m = (int(p) for p in previous.period.split("-"))
        year, month = _following(every, y, m)
    return CyclePeriod(
        _period_label(every, year, month), previous.index + 1, _period_due(every, year, month, policy, cal)
    )


def _following(every: str, year: int, month: int) -> tuple[int, int]:
    if every == "year":
        return year + 1, 12
    return (year + 1, 1) if month == 12 else (year, month + 1)
