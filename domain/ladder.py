"""The reminder ladder: which messages a task sends, when, and to whom.

Pure: given the deadline, the task's copied policy, the working calendar and the
moment of assignment, it returns concrete steps (`PlannedStep`) with aware UTC
instants. The workflow asks for them through an activity, so the calendar that
produced them (holidays change between versions) is recorded in history.

Rules, and why:
- Working-day offsets count working days from the deadline day; every step goes out
  at the next office-hours moment (08:00 Asia/Ho_Chi_Minh by default) so nobody is
  woken at night and nothing lands in Tết.
- The "on the day" step (offset 0) of a deadline that falls on a day off goes out on
  the last working day before it: a "due today" reminder sent after the deadline
  would be wrong, and one sent the working day before still helps.
- Two steps landing on the same instant become one (the later, more severe one keeps
  the union of recipients): one message, not two.
- A task assigned late gets one `assigned` notice and only the steps still ahead,
  never a burst of past reminders. If the deadline has already passed, that notice
  goes to the levels the lateness earns (the last step already passed).
- The open-ended repeat ("every 5 working days to all three levels until done") is
  generated lazily: a plan holds the next few repeats; `plan_after` gives more.
- Step names are stable business identities ("before-7", "due", "after-3",
  "repeat-4"): the delivery log keys sends by them, so a replanned ladder never
  sends the same step twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from itertools import islice
from typing import Iterator

from domain.calendar import VN_TZ, WorkingCalendar
from domain.policy import LadderPolicy, RecurringPolicy, Step

__all__ = [
    "PlannedStep", "Due", "LEVEL_ORDER",
    "due_of", "ladder", "plan_from", "plan_after", "level_rank", "working_days_between",
]

LEVEL_ORDER = ("unit", "lead", "supervisors")
# How many open-ended repeats a plan holds ahead; the workflow asks for more later.
DEFAULT_REPEATS = 3
# Guard against a pathological policy (e.g. repeat_every=0 with huge offsets).
_MAX_SCAN = 2000


@dataclass(frozen=True)
class PlannedStep:
    name: str                    # stable: before-7 | due | after-1 | repeat-4 | assigned
    at: datetime                 # aware UTC
    levels: tuple[str, ...]      # unit | lead | supervisors
    kind: str                    # assigned | reminder | escalation | cycle_reminder | cycle_escalation


@dataclass(frozen=True)
class Due:
    day: date                    # the deadline's Vietnamese calendar day
    at: datetime                 # the instant it falls due (aware UTC)


# -- deadlines -------------------------------------------------------------

def due_of(cal: WorkingCalendar, due: date | None = None, due_at: datetime | None = None) -> Due:
    """A deadline names a day (due at its end) or, in drills, an exact instant."""
    if due_at is not None:
        if due_at.tzinfo is None:
            raise ValueError("due_at must be aware")
        return Due(due_at.astimezone(VN_TZ).date(), due_at.astimezone(timezone.utc))
    if due is None:
        raise ValueError("a deadline needs a day or an instant")
    return Due(due, cal.end_of_day(due))


def level_rank(levels: tuple[str, ...] | list[str]) -> int:
    """0: only the unit was told; 1: the lead official; 2: the supervisors."""
    if "supervisors" in levels:
        return 2
    if "lead" in levels:
        return 1
    return 0


def _merge_levels(*groups: tuple[str, ...]) -> tuple[str, ...]:
    seen = {lvl for g in groups for lvl in g}
    known = tuple(lvl for lvl in LEVEL_ORDER if lvl in seen)
    return known + tuple(sorted(seen - set(LEVEL_ORDER)))


# -- the ladder ------------------------------------------------------------

def _step_name(offset: int) -> str:
    if offset < 0:
        return f"before-{-offset}"
    return "due" if offset == 0 else f"after-{offset}"


def _kinds(policy: LadderPolicy | RecurringPolicy) -> tuple[str, str]:
    if isinstance(policy, RecurringPolicy):
        return "cycle_reminder", "cycle_escalation"
    return "reminder", "escalation"


def _instant(offset: int, due: Due, policy: LadderPolicy | RecurringPolicy, cal: WorkingCalendar) -> datetime:
    if policy.unit == "seconds":
        return _office(due.at + timedelta(seconds=offset), policy, cal)
    if offset == 0:
        # On a day off, "due today" goes out the working day before (see module doc).
        day = due.day if cal.is_working_day(due.day) else cal.add_working_days(due.day, -1)
    else:
        day = cal.add_working_days(due.day, offset)
    return _at_opening(day, policy, cal)


def _at_opening(day: date, policy: LadderPolicy | RecurringPolicy, cal: WorkingCalendar) -> datetime:
    raw = datetime.combine(day, cal.config.office_start, VN_TZ).astimezone(timezone.utc)
    return _office(raw, policy, cal)


def _office(raw: datetime, policy: LadderPolicy | RecurringPolicy, cal: WorkingCalendar) -> datetime:
    return cal.next_office_instant(raw) if policy.office_hours else raw


def _raw_ladder(due: Due, policy: LadderPolicy | RecurringPolicy, cal: WorkingCalendar) -> Iterator[PlannedStep]:
    remind, escalate = _kinds(policy)
    steps: list[Step] = sorted(policy.steps, key=lambda s: s.offset)
    for step in steps:
        kind = remind if step.offset <= 0 else escalate
        yield PlannedStep(_step_name(step.offset), _instant(step.offset, due, policy, cal), tuple(step.to), kind)
    every = getattr(policy, "repeat_every", 0)
    if every <= 0:
        return
    last = steps[-1].offset if steps else 0
    to = tuple(getattr(policy, "repeat_to", ("unit",)))
    # Walk forward from the previous repeat: counting from the deadline each time
    # would make a long overdue task quadratic.
    day = cal.add_working_days(due.day, last) if last else due.day
    k = 1
    while True:
        if policy.unit == "seconds":
            at = _instant(last + k * every, due, policy, cal)
        else:
            day = cal.add_working_days(day, every)
            at = _at_opening(day, policy, cal)
        yield PlannedStep(f"repeat-{k}", at, to, escalate)
        k += 1


def ladder(due: Due, policy: LadderPolicy | RecurringPolicy, cal: WorkingCalendar) -> Iterator[PlannedStep]:
    """The whole ladder in time order (infinite when the policy repeats).

    Steps that land on the same instant merge into the later one: office hours can
    push a before-due step onto the same morning as the next one."""
    pending: PlannedStep | None = None
    for step in _raw_ladder(due, policy, cal):
        if pending is not None and step.at <= pending.at:
            step = PlannedStep(step.name, max(step.at, pending.at), _merge_levels(pending.levels, step.levels), step.kind)
        elif pending is not None:
            yield pending
        pending = step
    if pending is not None:
        yield pending


def plan_from(
    due: Due,
    policy: LadderPolicy | RecurringPolicy,
    cal: WorkingCalendar,
    now: datetime,
    repeats: int = DEFAULT_REPEATS,
    calm: int = 0,
) -> list[PlannedStep]:
    """The steps still ahead of a task assigned at `now`, led by an `assigned`
    notice when some steps have already passed.

    `calm` > 0 (a first assignment, not a replan): a task assigned already overdue
    gets an `assigned` notice to the unit and its lead official only, and the
    supervisors are left out of every step before `calm` units after `now`."""
    past, ahead = _split_at(ladder(due, policy, cal), now, repeats)
    if past is None:
        return ahead
    notice = _assigned_notice(past, policy, cal, now)
    if calm > 0 and notice.kind != "assigned":
        return _calm_start(notice, ahead, policy, cal, now, calm)
    if ahead and ahead[0].at <= notice.at:
        # The next step goes out at the same moment: one message carries both.
        first = ahead[0]
        ahead[0] = PlannedStep(first.name, first.at, _merge_levels(first.levels, notice.levels), first.kind)
        return ahead
    return [notice, *ahead]


def _split_at(steps: Iterator[PlannedStep], now: datetime, repeats: int) -> tuple[PlannedStep | None, list[PlannedStep]]:
    """The last step before `now` and the steps from `now` on (`repeats` repeats at most)."""
    past: PlannedStep | None = None
    ahead: list[PlannedStep] = []
    ahead_repeats = 0
    for step in islice(steps, _MAX_SCAN):
        if step.at < now:
            past = step
            continue
        ahead.append(step)
        if step.name.startswith("repeat-"):
            ahead_repeats += 1
            if ahead_repeats >= repeats:
                break
    return past, ahead


def _calm_start(notice: PlannedStep, ahead: list[PlannedStep], policy: LadderPolicy | RecurringPolicy,
                cal: WorkingCalendar, now: datetime, calm: int) -> list[PlannedStep]:
    """An overdue assignment: one `assigned` notice to the unit and the lead, then the
    ladder without the supervisors until the calm period ends. A step falling at the
    notice's own moment is the same news: the notice replaces it."""
    if policy.unit == "seconds":
        until = now + timedelta(seconds=calm)
    else:
        until = _at_opening(cal.add_working_days(notice.at.astimezone(VN_TZ).date(), calm), policy, cal)
    first = PlannedStep("assigned", notice.at, _merge_levels(("unit", "lead")), "assigned")
    rest = []
    for step in ahead:
        if step.at <= notice.at:
            continue
        if step.at < until:
            levels = tuple(lvl for lvl in step.levels if lvl != "supervisors")
            step = PlannedStep(step.name, step.at, levels, step.kind)
        rest.append(step)
    return [first, *rest]


def _assigned_notice(
    earned: PlannedStep, policy: LadderPolicy | RecurringPolicy, cal: WorkingCalendar, now: datetime
) -> PlannedStep:
    remind, _ = _kinds(policy)
    at = cal.next_office_instant(now) if policy.office_hours else now
    if earned.kind == remind:
        return PlannedStep("assigned", at, ("unit",), "assigned")
    # Already overdue: start at the level the lateness earns.
    return PlannedStep("assigned", at, _merge_levels(("unit",), earned.levels), earned.kind)


def plan_after(
    due: Due,
    policy: LadderPolicy | RecurringPolicy,
    cal: WorkingCalendar,
    after: str,
    count: int = DEFAULT_REPEATS,
) -> list[PlannedStep]:
    """The next `count` steps after the step named `after` (lazy repeats)."""
    steps = ladder(due, policy, cal)
    for step in islice(steps, _MAX_SCAN):
        if step.name == after:
            return list(islice(steps, count))
    return []


def working_days_between(cal: WorkingCalendar, start: date, end: date) -> int:
    """Working days in (start, end] when end ≥ start, negated for (end, start] when
    end < start: 3 on a before-3 step, 0 on the day, -1 on after-1."""
    if end == start:
        return 0
    sign, lo, hi = (1, start, end) if end > start else (-1, end, start)
    count, d = 0, lo
    while d < hi:
        d += timedelta(days=1)
        if cal.is_working_day(d):
            count += 1
    return sign * count
