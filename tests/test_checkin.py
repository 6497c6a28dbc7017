"""The mid-way check-in (domain/checkin.py), pure: exact instants in Vietnamese local
time on the real holiday table (2030: Giỗ Tổ 12/04, 30/04 and 01/05 off), and the
``[progress]`` section of the configuration."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from activities.tasks import plan_steps
from config.loader import ConfigError, load_config
from contracts.tasks import PlanRequest
from domain.calendar import VN_TZ, WorkingCalendar
from domain.checkin import checkin_step, with_checkin
from domain.ladder import due_of, plan_from
from domain.policy import LadderPolicy, RecurringPolicy, Step

CAL = WorkingCalendar()


def vn(y, m, d, hh=8, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ).astimezone(timezone.utc)


def local(at: datetime) -> str:
    return at.astimezone(VN_TZ).strftime("%Y-%m-%d %H:%M")


def test_halfway_on_the_working_calendar_at_the_office_opening():
    # 01/03 (Fri) -> 30/04 (a holiday): 40 working days; the 20th after 01/03 is Friday 29/03.
    step = checkin_step(due_of(CAL, date(2030, 4, 30)), LadderPolicy(), CAL, vn(2030, 3, 1, 10))
    assert (step.name, local(step.at), step.levels, step.kind) == ("checkin", "2030-03-29 08:00", ("unit",), "checkin")
    # Assigned on a Saturday evening, due Tuesday 16/04: 31 working days (Giỗ Tổ off), the 15th is 22/03.
    step = checkin_step(due_of(CAL, date(2030, 4, 16)), LadderPolicy(), CAL, vn(2030, 3, 2, 21))
    assert local(step.at) == "2030-03-22 08:00"


def test_only_long_one_off_tasks_in_working_days():
    due = due_of(CAL, date(2030, 3, 31))
    assert checkin_step(due, LadderPolicy(), CAL, vn(2030, 3, 1, 10)) is None            # 30 days: not longer
    assert checkin_step(due, LadderPolicy(), CAL, vn(2030, 3, 1, 10), min_days=30) is None
    assert checkin_step(due, LadderPolicy(), CAL, vn(2030, 3, 1, 10), min_days=29) is not None
    assert checkin_step(due, LadderPolicy(), CAL, vn(2030, 2, 28, 10)) is not None     # 31 days
    assert checkin_step(due, LadderPolicy(), CAL, vn(2030, 2, 28, 10), min_days=0) is None   # turned off
    assert checkin_step(due, RecurringPolicy(), CAL, vn(2030, 1, 2, 10)) is None        # a report every cycle
    drill = LadderPolicy(name="drill", unit="seconds", steps=(Step(-40),), office_hours=False)
    assert checkin_step(due, drill, CAL, vn(2030, 1, 2, 10)) is None


def test_no_second_message_the_day_a_reminder_goes_out():
    policy = LadderPolicy(steps=(Step(-21, ("unit",)), Step(0, ("unit",))))
    due = due_of(CAL, date(2030, 4, 30))
    assigned = vn(2030, 3, 1, 10)
    step = checkin_step(due, policy, CAL, assigned)
    ladder = plan_from(due, policy, CAL, assigned)
    assert local(ladder[0].at) == local(step.at) == "2030-03-29 08:00"  # before-21 lands on the same morning
    assert with_checkin(ladder, step) == ladder
    assert [s.name for s in with_checkin(plan_from(due, LadderPolicy(), CAL, assigned), step)][:2] == [
        "checkin", "before-7"]


def test_the_planner_adds_it_to_a_first_plan_only():
    due = due_of(CAL, date(2030, 4, 30))
    req = PlanRequest("t", "start", "2030-04-30", due.at, vn(2030, 3, 1, 10), ladder=LadderPolicy())
    first = plan_steps(CAL, req, checkin_min_days=30)
    assert (first.steps[0].name, first.steps[0].days) == ("checkin", 20)   # 20 working days left then
    assert plan_steps(CAL, req).steps[0].name == "before-7"                # no check-in asked for
    replan = plan_steps(CAL, PlanRequest("t", "replan", "2030-04-30", due.at, vn(2030, 3, 1, 10),
                                         ladder=LadderPolicy()), checkin_min_days=30)
    assert "checkin" not in [s.name for s in replan.steps]                 # the workflow keeps its own


def test_the_progress_section(tmp_path):
    base = (load_config.__globals__["DEFAULT_CONFIG"]).read_text(encoding="utf-8")
    assert load_config().checkin_min_days == 30
    good = tmp_path / "good.toml"
    assert base.count("checkin_min_days = 30") == 1
    good.write_text(base.replace("checkin_min_days = 30", "checkin_min_days = 45"), encoding="utf-8")
    assert load_config(good).checkin_min_days == 45
    bad = tmp_path / "bad.toml"
    bad.write_text(base.replace("checkin_min_days = 30", "checkin_min_days = 1"), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(bad)
    assert any(e.startswith("progress.checkin_min_days:") and "từ 2 đến 3650" in e for e in err.value.errors)
