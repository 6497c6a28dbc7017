"""The Vietnamese working calendar (Asia/Ho_Chi_Minh, Monday–Friday).

Public holidays come from the `holidays` package (Tết, Hùng Kings, 30/4–1/5, 2/9 and
the government's substituted days off, with the Saturdays worked in exchange), plus
the days off and make-up working days (làm bù) an office configures.

Pure: nothing is read at import time. `holidays` is imported lazily on first lookup;
workflow code that must stay deterministic across package upgrades can pass the table
read in an activity (`holiday_table(...)`) as `CalendarConfig.holidays`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = ["VN_TZ", "CalendarConfig", "WorkingCalendar", "holiday_table"]

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Shown for a configured day off that is not a public holiday.
_CONFIGURED_DAY_OFF = "Ngày nghỉ theo quyết định của cơ quan"
# Guards against an endless search when a configuration marks every day off.
_MAX_SEARCH_DAYS = 3660

HolidayTable = tuple[tuple[date, str], ...]


@dataclass(frozen=True)
class CalendarConfig:
    days_off: tuple[date, ...] = ()
    makeup_days: tuple[date, ...] = ()
    office_start: time = time(8, 0)
    office_end: time = time(17, 0)
    enabled: bool = True  # False (drill mode): every day works, every instant is office hours
    # Public holidays (date, Vietnamese name) and the package's make-up Saturdays;
    # None means "ask the holidays package".
    holidays: HolidayTable | None = None
    package_makeup_days: tuple[date, ...] | None = None


@lru_cache(maxsize=256)
def _package_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """Holidays (with Vietnamese names) and make-up Saturdays of one year.

    Cached per year because a report over thousands of tasks asks about the same
    few years over and over, and building the table costs milliseconds."""
    import holidays  # lazy: keeps import of this module free of third-party work

    table = holidays.country_holidays("VN", years=year, language="vi")
    names = dict(table.items())
    makeups = frozenset(d for d in getattr(table, "weekend_workdays", ()) if d.year == year)
    return names, makeups


def holiday_table(years: range | list[int] | tuple[int, ...]) -> tuple[HolidayTable, tuple[date, ...]]:
    """The package's holidays and make-up Saturdays for `years`, as plain data that
    an activity can return and a workflow can put into a CalendarConfig."""
    names: list[tuple[date, str]] = []
    makeups: list[date] = []
    for year in years:
        year_names, year_makeups = _package_year(year)
        names.extend(sorted(year_names.items()))
        makeups.extend(sorted(year_makeups))
    return tuple(names), tuple(makeups)


class WorkingCalendar:
    def __init__(self, config: CalendarConfig = CalendarConfig()):
        self.config = config
        self._days_off = frozenset(config.days_off)
        self._makeups = frozenset(config.makeup_days)
        self._table = dict(config.holidays) if config.holidays is not None else None
        self._table_makeups = (
            frozenset(config.package_makeup_days) if config.package_makeup_days is not None else None
        )

    # -- days ---------------------------------------------------------------

    def holiday_name(self, d: date) -> str | None:
        """Vietnamese name of the public holiday (or configured day off) on `d`."""
        if not self.config.enabled:
            return None
        name = self._public_holiday(d)
        if name is None and d in self._days_off:
            return _CONFIGURED_DAY_OFF
        return name

    def is_working_day(self, d: date) -> bool:
        if not self.config.enabled:
            return True
        # An explicit day off beats everything: sending a reminder on a day the
        # office is closed is worse than sending it one day later.
        if d in self._days_off:
            return False
        if d in self._makeups:
            return True
        if self._public_holiday(d) is not None:
            return False
        if d.weekday() >= 5:
            return d in self._package_makeups(d.year)
        return True

    def add_working_days(self, d: date, n: int) -> date:
        """n > 0: the n-th working day after d; n < 0: the n-th before; 0: d."""
        step = timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        for _ in range(remaining * 7 + _MAX_SEARCH_DAYS):
            if remaining == 0:
                return d
            d += step
            if self.is_working_day(d):
                remaining -= 1
        if remaining == 0:
            return d
        raise ValueError("no working day found: check the calendar configuration")

    def next_working_day(self, d: date, include_today: bool = False) -> date:
        if include_today and self.is_working_day(d):
            return d
        return self.add_working_days(d, 1)

    def last_working_day_of_month(self, year: int, month: int) -> date:
        first_of_next = date(year + month // 12, month % 12 + 1, 1)
        return self.add_working_days(first_of_next, -1)

    # -- instants -----------------------------------------------------------

    def next_office_instant(self, at: datetime) -> datetime:
        """`at` itself (in UTC) if it falls in office hours of a working day, else
        the opening of the next working day (today's, if before opening)."""
        local = _to_local(at)
        day, clock = local.date(), local.timetz().replace(tzinfo=None)
        if not self.config.enabled:
            return at.astimezone(UTC)
        if self.is_working_day(day):
            if self.config.office_start <= clock < self.config.office_end:
                return at.astimezone(UTC)
            if clock < self.config.office_start:
                return self._opening(day)
        return self._opening(self.next_working_day(day))

    def end_of_day(self, d: date) -> datetime:
        """The last instant of `d` in Vietnam, in UTC: a deadline day ends there."""
        return datetime.combine(d, time.max, VN_TZ).astimezone(UTC)

    # -- internals ----------------------------------------------------------

    def _opening(self, d: date) -> datetime:
        return datetime.combine(d, self.config.office_start, VN_TZ).astimezone(UTC)

    def _public_holiday(self, d: date) -> str | None:
        if self._table is not None:
            return self._table.get(d)
        return _package_year(d.year)[0].get(d)

    def _package_makeups(self, year: int) -> frozenset[date]:
        if self._table_makeups is not None:
            return self._table_makeups
        if self._table is not None:  # a given table without make-ups: none
            return frozenset()
        return _package_year(year)[1]


def _to_local(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("an aware datetime is required (store instants in UTC)")
    return at.astimezone(VN_TZ)
