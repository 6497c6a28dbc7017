"""How a parent task and its children divide the ladder, and a child's deadline.

A group task's children each follow the unit level of the ladder only (reminders,
the due-day notice, the unit's own overdue notices; no assignment notice to the lead
official either): the lead official and the supervisors hear from the parent, once
per step, with the overdue units named (workflows/task_group.py). The parent follows
the same ladder without the unit level. Both are copies of the policy made at
assignment, like every task's, so a running workflow keeps what it was given.

A child falls due on the parent's day, or ``lead_days`` working days earlier when
the configuration says so (``[groups] child_lead_days``), so the group's answer can be
put together before the group's own deadline. Pure, no I/O.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from domain.calendar import VN_TZ, WorkingCalendar
from domain.policy import LadderPolicy, RecurringPolicy, Step

__all__ = ["unit_only", "without_unit", "child_due", "poll_seconds", "lead_days_of"]

Policy = LadderPolicy | RecurringPolicy


def unit_only(policy: Policy) -> Policy:
    """The child's ladder: every step to the unit alone; an overdue assignment is told
    to the unit only (no calm start: the supervisors are never on a child's ladder)."""
    steps = tuple(Step(s.offset, ("unit",)) for s in policy.steps if "unit" in s.to)
    if isinstance(policy, LadderPolicy):
        repeat_to = ("unit",) if "unit" in policy.repeat_to else ()
        return replace(policy, steps=steps, repeat_to=repeat_to or ("unit",),
                       repeat_every=policy.repeat_every if repeat_to else 0, calm_start=0)
    return replace(policy, steps=steps)


def without_unit(policy: Policy) -> Policy:
    """The parent's ladder: the lead official and supervisors' steps, without the unit."""
    steps = tuple(Step(s.offset, tuple(lvl for lvl in s.to if lvl != "unit"))
                  for s in policy.steps if any(lvl != "unit" for lvl in s.to))
    if isinstance(policy, LadderPolicy):
        repeat_to = tuple(lvl for lvl in policy.repeat_to if lvl != "unit")
        return replace(policy, steps=steps, repeat_to=repeat_to or ("lead",),
                       repeat_every=policy.repeat_every if repeat_to else 0)
    return replace(policy, steps=steps)


def child_due(cal: WorkingCalendar, due: str | None, due_at: datetime | None, lead_days: int
              ) -> tuple[str | None, datetime | None]:
    """(due, due_at) of a child: the parent's, ``lead_days`` working days earlier."""
    if lead_days <= 0 or (due is None and due_at is None):
        return due, due_at
    if due_at is not None:
        local = due_at.astimezone(VN_TZ)
        day = cal.add_working_days(local.date(), -lead_days)
        moved = datetime.combine(day, local.timetz()).astimezone(due_at.tzinfo)
        return day.isoformat(), moved
    return cal.add_working_days(date.fromisoformat(due), -lead_days).isoformat(), None


def poll_seconds(policy: Policy) -> int:
    """How often a parent reads its children between steps: seconds in drills, an hour in real use."""
    return 5 if policy.unit == "seconds" else 3600


def lead_days_of(groups, default: int) -> int:
    """The earliest lead of the groups a task names (each group's own, else the default)."""
    days = [g.child_lead_days if g.child_lead_days is not None else default for g in groups]
    return max(days, default=default)
