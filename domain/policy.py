"""Escalation policies: the reminder ladder a task copies at assignment.

A policy is plain data so it can travel inside a workflow's input (it is copied
when the task starts, so a later configuration change never silently alters a
running task: Grafana OnCall's lesson).
"""

from dataclasses import dataclass, field
from typing import Literal

Level = Literal["unit", "lead", "supervisors"]
OffsetUnit = Literal["working_days", "seconds"]


@dataclass(frozen=True)
class Step:
    offset: int                  # relative to the due moment: <0 before, 0 on the day, >0 after
    to: tuple[str, ...] = ("unit",)


@dataclass(frozen=True)
class LadderPolicy:
    name: str = "once"
    unit: str = "working_days"   # how offsets count: working days (real use) or seconds (drills)
    steps: tuple[Step, ...] = (
        Step(-7, ("unit",)),
        Step(-3, ("unit",)),
        Step(-1, ("unit",)),
        Step(0, ("unit",)),
        Step(1, ("unit", "lead")),
        Step(3, ("unit", "lead", "supervisors")),
    )
    repeat_every: int = 5        # after the last step, repeat every N units until done (0 = never)
    repeat_to: tuple[str, ...] = ("unit", "lead", "supervisors")
    office_hours: bool = True    # hold messages to the next office-hours moment on a working day
    # A task assigned already overdue (a plan imported mid-year) tells the unit and its
    # lead official first; the supervisors hear of it only after this many units (working
    # days, or seconds in drills), so nobody's first news of a task is a complaint upstairs.
    calm_start: int = 3


@dataclass(frozen=True)
class RecurringPolicy:
    name: str = "recurring"
    unit: str = "working_days"
    cycle_seconds: int = 0       # >0 (drills): a cycle lasts this many seconds instead of a month/year
    report_day: int = 0          # day of month a monthly report is due; 0 = last working day
    steps: tuple[Step, ...] = (
        Step(-3, ("unit",)),
        Step(0, ("unit",)),
        Step(1, ("unit", "lead")),
        Step(3, ("unit", "lead", "supervisors")),
    )
    office_hours: bool = True


@dataclass(frozen=True)
class IncidentPolicy:
    window_seconds: int = 24 * 3600
    reminders_seconds: tuple[int, ...] = (12 * 3600, 20 * 3600)
    escalate_to: tuple[str, ...] = ("lead", "supervisors")
    repeat_seconds: int = 4 * 3600


@dataclass(frozen=True)
class Policies:
    once: LadderPolicy = field(default_factory=LadderPolicy)
    recurring: RecurringPolicy = field(default_factory=RecurringPolicy)
    incident: IncidentPolicy = field(default_factory=IncidentPolicy)
