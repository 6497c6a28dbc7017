import time as clock
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import VN_TZ, CalendarConfig, WorkingCalendar, holiday_table

CAL = WorkingCalendar()


def vn(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


def utc(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


# -- days ------------------------------------------------------------------------

# Tết Bính Ngọ 2026 per the holidays package: 29 tháng Chạp (Mon 16/2) to mùng 4 (Fri 20/2),
# framed by the weekends of 14–15/2 and 21–22/2: nine days away from the office.
TET_2026 = [date(2026, 2, d) for d in range(16, 21)]


def test_tet_2026():
    for d in TET_2026:
        assert not CAL.is_working_day(d)
        assert "Tết" in CAL.holiday_name(d)
    assert CAL.holiday_name(date(2026, 2, 17)) == "Tết Nguyên Đán"
    assert CAL.is_working_day(date(2026, 2, 13))  # Friday before
    assert CAL.is_working_day(date(2026, 2, 23))  # Monday after
    # a reminder falling inside Tết moves to the first working day after it
    assert CAL.next_working_day(date(2026, 2, 18), include_today=True) == date(2026, 2, 23)
    assert CAL.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert CAL.add_working_days(date(2026, 2, 23), -1) == date(2026, 2, 13)


def test_reunification_and_labour_day_2026():
    assert not CAL.is_working_day(date(2026, 4, 30))  # Thursday
    assert not CAL.is_working_day(date(2026, 5, 1))  # Friday
    assert CAL.holiday_name(date(2026, 5, 1)) == "Ngày Quốc tế Lao động"
    assert CAL.next_working_day(date(2026, 4, 29)) == date(2026, 5, 4)


def test_hung_kings_2026_observed_on_monday():
    assert not CAL.is_working_day(date(2026, 4, 27))  # 10/3 âm lịch falls on Sunday 26/4


def test_national_day_2026():
    for d in (date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)):
        assert not CAL.is_working_day(d)
    assert CAL.holiday_name(date(2026, 9, 2)) == "Quốc khánh"
    assert CAL.next_working_day(date(2026, 8, 28)) == date(2026, 9, 3)


def test_package_swapped_saturdays_are_working_days():
    # 31/8/2026 is off in exchange for working Saturday 22/8/2026; 2/5/2025 for 26/4/2025
    assert CAL.is_working_day(date(2026, 8, 22))
    assert CAL.is_working_day(date(2025, 4, 26))
    assert not CAL.is_working_day(date(2025, 5, 2))


def test_weekends():
    assert CAL.is_working_day(date(2026, 3, 13))  # Friday
    assert not CAL.is_working_day(date(2026, 3, 14))  # Saturday
    assert not CAL.is_working_day(date(2026, 3, 15))  # Sunday
    assert CAL.holiday_name(date(2026, 3, 14)) is None
    assert CAL.add_working_days(date(2026, 3, 13), 1) == date(2026, 3, 16)
    assert CAL.add_working_days(date(2026, 3, 16), -1) == date(2026, 3, 13)
    assert CAL.add_working_days(date(2026, 3, 9), 10) == date(2026, 3, 23)


def test_add_zero_is_the_day_itself():
    assert CAL.add_working_days(date(2026, 2, 17), 0) == date(2026, 2, 17)


def test_next_working_day():
    assert CAL.next_working_day(date(2026, 3, 10)) == date(2026, 3, 11)
    assert CAL.next_working_day(date(2026, 3, 10), include_today=True) == date(2026, 3, 10)
    assert CAL.next_working_day(date(2026, 3, 14), include_today=True) == date(2026, 3, 16)


def test_last_working_day_of_month():
    assert CAL.last_working_day_of_month(2026, 1) == date(2026, 1, 30)  # 31st is Saturday
    assert CAL.last_working_day_of_month(2026, 4) == date(2026, 4, 29)  # 30/4 holiday
    assert CAL.last_working_day_of_month(2026, 8) == date(2026, 8, 28)  # 31/8 swapped day off
    assert CAL.last_working_day_of_month(2026, 12) == date(2026, 12, 31)


def test_configured_makeup_and_days_off():
    cal = WorkingCalendar(CalendarConfig(
        days_off=(date(2026, 3, 10), date(2026, 3, 21)),
        makeup_days=(date(2026, 3, 7), date(2026, 3, 21)),
    ))
    assert cal.is_working_day(date(2026, 3, 7))  # làm bù Saturday
    assert not cal.is_working_day(date(2026, 3, 10))
    assert cal.holiday_name(date(2026, 3, 10)) == "Ngày nghỉ theo quyết định của cơ quan"
    assert not cal.is_working_day(date(2026, 3, 21))  # both: the day off wins
    assert cal.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 7)
    assert cal.add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 11)
    assert cal.is_working_day(date(2026, 2, 17)) is False  # public holidays still apply


def test_makeup_day_can_override_a_public_holiday():
    cal = WorkingCalendar(CalendarConfig(makeup_days=(date(2026, 11, 24),)))
    assert CAL.holiday_name(date(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"
    assert not CAL.is_working_day(date(2026, 11, 24))
    assert cal.is_working_day(date(2026, 11, 24))


def test_holiday_table_can_be_fixed_for_replay():
    names, makeups = holiday_table([2026])
    assert (date(2026, 2, 17), "Tết Nguyên Đán") in names and date(2026, 8, 22) in makeups
    fixed = WorkingCalendar(CalendarConfig(holidays=names, package_makeup_days=makeups))
    for d in (date(2026, 1, 1) + timedelta(days=i) for i in range(365)):
        assert fixed.is_working_day(d) == CAL.is_working_day(d), d
    no_holidays = WorkingCalendar(CalendarConfig(holidays=()))
    assert no_holidays.is_working_day(date(2026, 2, 17))
    assert not no_holidays.is_working_day(date(2026, 8, 22))


def test_disabled_calendar_drill_mode():
    cal = WorkingCalendar(CalendarConfig(enabled=False))
    for d in (date(2026, 2, 17), date(2026, 3, 14), date(2026, 9, 2)):
        assert cal.is_working_day(d)
        assert cal.holiday_name(d) is None
    assert cal.add_working_days(date(2026, 2, 13), 3) == date(2026, 2, 16)
    assert cal.last_working_day_of_month(2026, 1) == date(2026, 1, 31)
    night = vn(2026, 2, 17, 23, 30)
    assert cal.next_office_instant(night) == night
    assert cal.next_office_instant(night).tzinfo == UTC


# -- instants --------------------------------------------------------------------


@pytest.mark.parametrize(
    "at, expected",
    [
        (vn(2026, 3, 10, 9, 15), vn(2026, 3, 10, 9, 15)),  # in office hours: itself
        (vn(2026, 3, 10, 8, 0), vn(2026, 3, 10, 8, 0)),  # opening instant counts
        (vn(2026, 3, 10, 6, 0), vn(2026, 3, 10, 8, 0)),  # early morning: same day
        (vn(2026, 3, 10, 17, 0), vn(2026, 3, 11, 8, 0)),  # closing instant does not
        (vn(2026, 3, 10, 22, 0), vn(2026, 3, 11, 8, 0)),  # at night
        (vn(2026, 3, 13, 18, 0), vn(2026, 3, 16, 8, 0)),  # Friday evening → Monday
        (vn(2026, 3, 14, 10, 0), vn(2026, 3, 16, 8, 0)),  # Saturday
        (vn(2026, 2, 17, 10, 0), vn(2026, 2, 23, 8, 0)),  # inside Tết
        (vn(2026, 2, 13, 17, 30), vn(2026, 2, 23, 8, 0)),  # Friday before Tết
        (vn(2026, 8, 22, 10, 0), vn(2026, 8, 22, 10, 0)),  # swapped working Saturday
        (utc(2026, 3, 10, 1, 30), vn(2026, 3, 10, 8, 30)),  # UTC input, 08:30 in Vietnam
        (utc(2026, 3, 9, 23, 0), vn(2026, 3, 10, 8, 0)),  # 06:00 Tuesday in Vietnam
        (utc(2026, 3, 13, 10, 0), vn(2026, 3, 16, 8, 0)),  # 17:00 Friday in Vietnam
    ],
)
def test_next_office_instant(at, expected):
    got = CAL.next_office_instant(at)
    assert got == expected
    assert got.tzinfo == UTC


def test_next_office_instant_custom_hours():
    cal = WorkingCalendar(CalendarConfig(office_start=time(7, 30), office_end=time(16, 30)))
    assert cal.next_office_instant(vn(2026, 3, 10, 7, 0)) == vn(2026, 3, 10, 7, 30)
    assert cal.next_office_instant(vn(2026, 3, 10, 16, 45)) == vn(2026, 3, 11, 7, 30)


def test_next_office_instant_requires_aware():
    with pytest.raises(ValueError):
        CAL.next_office_instant(datetime(2026, 3, 10, 9, 0))


def test_end_of_day():
    end = CAL.end_of_day(date(2026, 3, 31))
    assert end == datetime(2026, 3, 31, 16, 59, 59, 999999, tzinfo=UTC)
    assert end.tzinfo == UTC
    assert end.astimezone(VN_TZ).date() == date(2026, 3, 31)
    assert (end + timedelta(microseconds=1)).astimezone(VN_TZ) == vn(2026, 4, 1)


def test_fast_enough_for_a_big_report():
    start = clock.perf_counter()
    d = date(2026, 1, 1)
    for i in range(10_000):
        CAL.add_working_days(d + timedelta(days=i % 365), 5)
        CAL.next_office_instant(vn(2026, 1, 1) + timedelta(hours=i))
    assert clock.perf_counter() - start < 2.0


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@settings(max_examples=100, deadline=None)
@given(st.dates(date(2024, 1, 1), date(2028, 12, 31)), st.integers(-40, 40))
def test_add_working_days_counts_working_days(d, n):
    got = CAL.add_working_days(d, n)
    if n == 0:
        assert got == d
        return
    assert CAL.is_working_day(got)
    # (d, got] for n > 0, [got, d) for n < 0 hold exactly |n| working days
    one = timedelta(days=1)
    span = days_between(d + one, got) if n > 0 else days_between(got, d - one)
    assert sum(CAL.is_working_day(x) for x in span) == abs(n)


@settings(max_examples=100, deadline=None)
@given(st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)))
def test_next_office_instant_is_the_first_office_instant(at):
    got = CAL.next_office_instant(at)
    local, start = got.astimezone(VN_TZ), at.astimezone(VN_TZ)
    assert got >= at
    assert CAL.is_working_day(local.date())
    assert time(8, 0) <= local.time() < time(17, 0)
    if got == at:
        return
    assert local.time() == time(8, 0)
    in_hours_today = CAL.is_working_day(start.date()) and start.time() < time(17, 0)
    if in_hours_today:  # early morning: opens the same day
        assert local.date() == start.date()
    else:  # no working day in between was skipped
        one = timedelta(days=1)
        assert not any(CAL.is_working_day(x) for x in days_between(start.date() + one, local.date() - one))
