"""The reminder ladder, pure: exact instants in Vietnamese local time.

Dates are in 2030 so they stay in the future of the time-skipping tests that reuse
them (the real holiday table of the `holidays` package is used: Tết 2030 runs from
31/01 to 06/02, Quốc khánh 02–03/09)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from domain.calendar import VN_TZ, CalendarConfig, WorkingCalendar
from domain.cycles import first_cycle, next_cycle
from domain.ladder import due_of, ladder, level_rank, plan_after, plan_from
from domain.policy import LadderPolicy, RecurringPolicy, Step

CAL = WorkingCalendar()
DRILL_CAL = WorkingCalendar(CalendarConfig(enabled=False))
DRILL_ONCE = LadderPolicy(
    name="drill", unit="seconds",
    steps=(Step(-40), Step(-20), Step(0), Step(10, ("unit", "lead")), Step(20, ("unit", "lead", "supervisors"))),
    repeat_every=30, office_hours=False,
)
DRILL_CYCLE = RecurringPolicy(
    name="drill", unit="seconds", cycle_seconds=60, steps=(Step(-20), Step(10, ("unit", "lead"))), office_hours=False,
)


def vn(y, m, d, hh=8, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ).astimezone(timezone.utc)


def local(steps):
    return [(s.name, s.at.astimezone(VN_TZ).strftime("%Y-%m-%d %H:%M"), s.levels, s.kind) for s in steps]


FIXED = LadderPolicy(repeat_every=0)  # the default ladder without its endless repeat
U, UL, ULS = ("unit",), ("unit", "lead"), ("unit", "lead", "supervisors")


def test_quarter_deadline_full_ladder_at_eight_on_working_days():
    due = due_of(CAL, date(2030, 9, 30))  # Quý III/2030, a Monday
    steps = plan_from(due, LadderPolicy(), CAL, vn(2030, 9, 10, 10))
    assert local(steps) == [
        ("before-7", "2030-09-19 08:00", U, "reminder"),
        ("before-3", "2030-09-25 08:00", U, "reminder"),
        ("before-1", "2030-09-27 08:00", U, "reminder"),
        ("due", "2030-09-30 08:00", U, "reminder"),
        ("after-1", "2030-10-01 08:00", UL, "escalation"),
        ("after-3", "2030-10-03 08:00", ULS, "escalation"),
        ("repeat-1", "2030-10-10 08:00", ULS, "escalation"),
        ("repeat-2", "2030-10-17 08:00", ULS, "escalation"),
        ("repeat-3", "2030-10-24 08:00", ULS, "escalation"),
    ]


def test_repeats_are_generated_lazily_after_a_named_step():
    due = due_of(CAL, date(2030, 9, 30))
    more = plan_after(due, LadderPolicy(), CAL, "repeat-3", count=2)
    assert local(more) == [
        ("repeat-4", "2030-10-31 08:00", ULS, "escalation"),
        ("repeat-5", "2030-11-07 08:00", ULS, "escalation"),
    ]
    assert plan_after(due, LadderPolicy(), CAL, "no-such-step") == []


def test_working_days_skip_tet():
    # Due Friday 08/02/2030, right after Tết (31/01–06/02): working days are
    # counted over Tết, never inside it.
    due = due_of(CAL, date(2030, 2, 8))
    names = {s.name: s for s in ladder(due, FIXED, CAL)}
    assert names["before-1"].at == vn(2030, 2, 7)
    assert names["before-3"].at == vn(2030, 1, 29)
    for step in names.values():
        assert CAL.is_working_day(step.at.astimezone(VN_TZ).date())


def test_assigned_in_tet_is_told_on_the_first_working_day_after():
    due = due_of(CAL, date(2030, 2, 14))  # before-7 is 29/01, before-3 is 11/02
    steps = plan_from(due, LadderPolicy(), CAL, vn(2030, 2, 3, 15))  # mùng hai Tết
    assert local(steps)[:2] == [
        ("assigned", "2030-02-07 08:00", U, "assigned"),
        ("before-3", "2030-02-11 08:00", U, "reminder"),
    ]


def test_assigned_at_night_waits_for_the_morning():
    due = due_of(CAL, date(2030, 9, 30))
    steps = plan_from(due, LadderPolicy(), CAL, vn(2030, 9, 26, 21, 30))
    # before-7 and before-3 passed: one assigned notice at 08:00 merges with before-1.
    assert local(steps)[0] == ("before-1", "2030-09-27 08:00", U, "reminder")
    steps = plan_from(due, LadderPolicy(), CAL, vn(2030, 9, 25, 21, 30))
    assert local(steps)[:2] == [
        ("assigned", "2030-09-26 08:00", U, "assigned"),
        ("before-1", "2030-09-27 08:00", U, "reminder"),
    ]


def test_assigned_late_gets_notice_and_only_steps_ahead():
    due = due_of(CAL, date(2030, 9, 30))
    steps = plan_from(due, LadderPolicy(), CAL, vn(2030, 9, 24, 10))
    assert [s.name for s in steps][:4] == ["assigned", "before-3", "before-1", "due"]
    assert steps[0].at == vn(2030, 9, 24, 10)  # in office hours: now


def test_already_overdue_starts_at_the_level_its_lateness_earns():
    due = due_of(CAL, date(2030, 9, 30))
    steps = plan_from(due, LadderPolicy(), CAL, vn(2030, 10, 2, 10))
    assert local(steps)[:2] == [
        ("assigned", "2030-10-02 10:00", UL, "escalation"),
        ("after-3", "2030-10-03 08:00", ULS, "escalation"),
    ]
    months_late = plan_from(due, LadderPolicy(), CAL, vn(2030, 12, 2, 10))
    assert months_late[0].levels == ULS and months_late[0].name == "assigned"
    assert all(s.at >= vn(2030, 12, 2, 10) for s in months_late)
    assert level_rank(months_late[0].levels) == 2


def test_due_on_a_day_off_is_reminded_the_working_day_before():
    due = due_of(CAL, date(2030, 6, 30))  # a Sunday
    names = {s.name: s.at for s in ladder(due, FIXED, CAL)}
    # before-1 and due both fall on Friday 28/06: merged into one "due" message.
    assert names["due"] == vn(2030, 6, 28)
    assert "before-1" not in names
    assert names["after-1"] == vn(2030, 7, 1)


def test_seconds_policy_deferred_out_of_the_night_when_office_hours_apply():
    policy = LadderPolicy(unit="seconds", steps=(Step(-3600 * 5), Step(0)), repeat_every=0, office_hours=True)
    due = due_of(CAL, due_at=vn(2030, 9, 26, 12))
    assert local(ladder(due, policy, CAL)) == [
        ("before-18000", "2030-09-26 08:00", U, "reminder"),  # 07:00 → 08:00
        ("due", "2030-09-26 12:00", U, "reminder"),
    ]


def test_drill_ladder_in_seconds():
    now = datetime(2030, 1, 1, tzinfo=timezone.utc)
    steps = plan_from(due_of(DRILL_CAL, due_at=now + timedelta(seconds=60)), DRILL_ONCE, DRILL_CAL, now, repeats=2)
    assert [(s.name, int((s.at - now).total_seconds()), s.levels) for s in steps] == [
        ("before-40", 20, U), ("before-20", 40, U), ("due", 60, U),
        ("after-10", 70, UL), ("after-20", 80, ULS), ("repeat-1", 110, ULS), ("repeat-2", 140, ULS),
    ]


def test_monthly_cycles_due_on_last_working_day():
    pol = RecurringPolicy()
    c1 = first_cycle("month", pol, CAL, vn(2030, 5, 20, 9))
    assert (c1.period, c1.due.day) == ("2030-05", date(2030, 5, 31))
    c2 = next_cycle("month", pol, CAL, c1)
    assert (c2.period, c2.index, c2.due.day) == ("2030-06", 2, date(2030, 6, 28))  # 30/06 is a Sunday
    dec = first_cycle("month", pol, CAL, vn(2030, 12, 5))
    assert next_cycle("month", pol, CAL, dec).period == "2031-01"
    # Started after this month's due: the first cycle is next month's.
    late = first_cycle("month", pol, CAL, vn(2030, 5, 31, 23, 59) + timedelta(minutes=2))
    assert late.period == "2030-06"
    steps = local(ladder(c2.due, pol, CAL))
    assert steps == [
        ("before-3", "2030-06-25 08:00", U, "cycle_reminder"),
        ("due", "2030-06-28 08:00", U, "cycle_reminder"),
        ("after-1", "2030-07-01 08:00", UL, "cycle_escalation"),
        ("after-3", "2030-07-03 08:00", ULS, "cycle_escalation"),
    ]


def test_report_day_and_yearly_cycles():
    c = first_cycle("month", RecurringPolicy(report_day=25), CAL, vn(2030, 2, 3))
    assert c.due.day == date(2030, 2, 25)
    y = first_cycle("Hằng năm".lower() and "year", RecurringPolicy(), CAL, vn(2030, 3, 1))
    assert (y.period, y.due.day) == ("2030", date(2030, 12, 31))
    assert next_cycle("yearly", RecurringPolicy(), CAL, y).period == "2031"


def test_drill_cycles_in_seconds():
    now = datetime(2030, 1, 1, tzinfo=timezone.utc)
    c1 = first_cycle("month", DRILL_CYCLE, DRILL_CAL, now)
    c2 = next_cycle("month", DRILL_CYCLE, DRILL_CAL, c1)
    assert (c1.period, c2.period) == ("c1", "c2")
    assert c2.due.at - now == timedelta(seconds=120)
    steps = list(ladder(c2.due, DRILL_CYCLE, DRILL_CAL))
    assert [(s.name, int((s.at - now).total_seconds())) for s in steps] == [("before-20", 100), ("after-10", 130)]
