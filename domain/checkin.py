"""The mid-way check-in: a long one-off task asks its unit, halfway to the deadline,
how the work stands (progress, difficulties, proposals) -- so a difficulty is heard
while there is still time to remove it, not after the deadline has passed.

Pure, like domain/ladder.py: given the moment of assignment, the deadline, the ladder
policy and the working calendar, it gives one ``checkin`` step or none.

Rules, and why:
- Only one-off tasks counted in working days whose span (assignment day to deadline
  day, calendar days) is longer than ``min_days`` (``[progress] checkin_min_days``,
  default 30): a short task has its reminders close enough already; a recurring
  task reports every cycle anyway; a drill counts seconds.
- Halfway on the working calendar: the middle working day between the assignment
  day and the deadline day, at the office's opening (never at night, never in Tết).
- Only the unit is asked, with its link (the page's progress form); the step is no
  escalation, so the level the task has reached never moves because of it.
- A reminder of the ladder falling on the same day already carries the link: then
  no check-in (one message a day, not two).
"""
from __future__ import annotations

from datetime import datetime, timezone

from domain.calendar import VN_TZ, WorkingCalendar
from domain.ladder import Due, PlannedStep, working_days_between
from domain.policy import LadderPolicy, RecurringPolicy

__all__ = ["CHECKIN", "CHECKIN_MIN_DAYS", "checkin_days", "checkin_step", "with_checkin"]

CHECKIN = "checkin"               # the step's name and kind (a stable business identity)
CHECKIN_MIN_DAYS = 30             # [progress] checkin_min_days: 0 turns check-ins off


def checkin_step(due: Due, policy: LadderPolicy | RecurringPolicy | None, cal: WorkingCalendar,
                 assigned: datetime, min_days: int = CHECKIN_MIN_DAYS) -> PlannedStep | None:
    """The check-in halfway from ``assigned`` to ``due``, or None when the task gets none."""
    if min_days <= 0 or not isinstance(policy, LadderPolicy) or policy.unit != "working_days":
        return None
    start = assigned.astimezone(VN_TZ).date()
    if (due.day - start).days <= min_days:
        return None
    working = working_days_between(cal, start, due.day)
    if working < 2:
        return None
    middle = cal.add_working_days(start, working // 2)
    at = cal.next_office_instant(datetime.combine(middle, cal.config.office_start, VN_TZ).astimezone(timezone.utc))
    if at <= assigned or at >= due.at:
        return None
    return PlannedStep(CHECKIN, at, ("unit",), CHECKIN)


def with_checkin(steps: list[PlannedStep], step: PlannedStep | None) -> list[PlannedStep]:
    """The plan with the check-in in its place, unless a step to the unit goes out that
    day already."""
    if step is None:
        return steps
    day = step.at.astimezone(VN_TZ).date()
    if any("unit" in s.levels and s.at.astimezone(VN_TZ).date() == day for s in steps):
        return steps
    return sorted([*steps, step], key=lambda s: s.at)


def checkin_days(config) -> int:
    """``[progress] checkin_min_days`` of a loaded configuration (the default without one)."""
    return getattr(config, "checkin_min_days", CHECKIN_MIN_DAYS) if config is not None else CHECKIN_MIN_DAYS
