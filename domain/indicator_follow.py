"""How an indicator is followed: its reporting cycle (monthly unless the
configuration says otherwise, for a whole plan or for one indicator), the year its
target is for, and which days a cycle covers. Pure, no I/O.

An indicator's target is a year's ("Chỉ tiêu năm 2026"): it is tracked cycle by cycle
through that year (the unit reports a value each cycle, reminded and escalated like a
recurring task) and judged once at the year's end on the latest value describing a day
of that year. The year is the one the target column's header names, else the year of
the imported result's date, else the year the plan was imported.

Configuration (``[indicators]``)::

    every = "month"                         # month | year: every indicator
    [indicators.plans."TB 01-2026"]
    every = "year"                          # this plan's indicators
    stt = { "3" = "month" }                 # and one of them on its own
"""
from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from domain.calendar import VN_TZ
from domain.cycles import normalise_every

__all__ = ["IndicatorFollowUp", "period_span", "target_year", "year_end", "year_end_instant"]


@dataclass(frozen=True)
class IndicatorFollowUp:
    every: str = "month"
    plans: tuple[tuple[str, str], ...] = ()               # (plan name, every)
    indicators: tuple[tuple[str, str, str], ...] = ()     # (plan name, stt, every)

    def every_for(self, plan: str, stt: str) -> str:
        """The cycle of one indicator: its own, else its plan's, else the default."""
        for p, s, every in self.indicators:
            if p == plan and s == stt.strip():
                return normalise_every(every)
        for p, every in self.plans:
            if p == plan:
                return normalise_every(every)
        return normalise_every(self.every)


def period_span(period: str) -> tuple[date, date] | None:
    """The days a cycle covers: "2026-05" the month, "2026" the year; None for a drill's
    counted cycle ("c3"), which covers whatever is reported while it is open."""
    try:
        if len(period) == 7 and period[4] == "-":
            year, month = int(period[:4]), int(period[5:])
            return date(year, month, 1), date(year, month, _calendar.monthrange(year, month)[1])
        if len(period) == 4 and period.isdigit():
            return date(int(period), 1, 1), date(int(period), 12, 31)
    except ValueError:
        return None
    return None


def target_year(header_year: int, result_as_of: str, imported_on: date) -> int:
    """The year an indicator's target is for (see the module's docstring)."""
    if header_year:
        return header_year
    if result_as_of[:4].isdigit():
        return int(result_as_of[:4])
    return imported_on.year


def year_end(year: int) -> date:
    return date(year, 12, 31)


def year_end_instant(year: int) -> datetime:
    """The last moment of the target's year in Vietnam (aware UTC): when it is judged."""
    return datetime.combine(year_end(year), time.max, VN_TZ).astimezone(timezone.utc)
