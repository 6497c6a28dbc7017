"""A parent task's roll-up from its children, and the Government Office's four classes.

A parent (a task led by a group, or a task a lower level turned into its own plan) is
a task nobody confirms: it completes when every child has completed, and its result is
the worst of theirs (late before on time before early). A cancelled child (a member
removed from the group) no longer counts.

The four classes government trackers count results in:
  hoàn thành đúng hạn       completed_on_time  (early or on time)
  hoàn thành quá hạn        completed_late
  chưa hoàn thành trong hạn open_in_time
  chưa hoàn thành quá hạn   open_overdue
A result waiting for the standing office's review is still open, but never overdue:
the unit has done its part. Pure, no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from domain.calendar import VN_TZ

__all__ = ["ChildState", "RollupCounts", "rollup", "worst", "four_class", "FOUR_CLASSES", "FOUR_WORDS"]

_RANK = {"early": 0, "on_time": 1, "late": 2}
FOUR_CLASSES = ("completed_on_time", "completed_late", "open_in_time", "open_overdue")
FOUR_WORDS = {"completed_on_time": "hoàn thành đúng hạn", "completed_late": "hoàn thành quá hạn",
              "open_in_time": "chưa hoàn thành trong hạn", "open_overdue": "chưa hoàn thành quá hạn"}


@dataclass(frozen=True)
class ChildState:
    id: str
    unit: str                          # the child's unit key (its first lead unit)
    status: str                        # open | completed | cancelled | awaiting_review
    result: str | None = None          # early | on_time | late
    due: date | None = None            # the day it is due …
    due_at: datetime | None = None     # … or the exact instant (drills)
    completed_on: date | None = None


@dataclass
class RollupCounts:
    total: int = 0
    completed: int = 0
    on_time: int = 0                   # completed early or on time
    late: int = 0                      # completed late
    open: int = 0
    overdue: int = 0
    overdue_units: list[str] = field(default_factory=list)
    result: str | None = None          # the worst result, once every child has completed
    completed_on: date | None = None   # the last child's completion day, then

    def to_dict(self) -> dict:
        return {"total": self.total, "completed": self.completed, "on_time": self.on_time, "late": self.late,
                "open": self.open, "overdue": self.overdue}

    @property
    def done(self) -> bool:
        return self.total > 0 and self.open == 0


def worst(results) -> str | None:
    known = [r for r in results if r in _RANK]
    return max(known, key=_RANK.__getitem__) if known else None


def due_instant(due: date | None, due_at: datetime | None) -> datetime | None:
    if due_at is not None:
        return due_at
    if due is None:
        return None
    return datetime.combine(due, time.max, VN_TZ).astimezone(timezone.utc)


def is_overdue(status: str, due: date | None, due_at: datetime | None, now: datetime) -> bool:
    moment = due_instant(due, due_at)
    return status == "open" and moment is not None and now > moment


def rollup(children: list[ChildState], now: datetime) -> RollupCounts:
    out = RollupCounts()
    for c in children:
        if c.status == "cancelled":
            continue
        out.total += 1
        if c.status == "completed":
            out.completed += 1
            if c.result == "late":
                out.late += 1
            else:
                out.on_time += 1
            continue
        out.open += 1
        if is_overdue(c.status, c.due, c.due_at, now):
            out.overdue += 1
            if c.unit not in out.overdue_units:
                out.overdue_units.append(c.unit)
    if out.done:
        done = [c for c in children if c.status == "completed"]
        out.result = worst(c.result for c in done) or "on_time"
        days = [c.completed_on for c in done if c.completed_on]
        out.completed_on = max(days) if days else None
    return out


def four_class(status: str, result: str | None, due: date | None, due_at: datetime | None,
               now: datetime) -> str | None:
    """One of FOUR_CLASSES, or None for a cancelled task."""
    if status == "cancelled":
        return None
    if status == "completed":
        return "completed_late" if result == "late" else "completed_on_time"
    return "open_overdue" if is_overdue(status, due, due_at, now) else "open_in_time"
