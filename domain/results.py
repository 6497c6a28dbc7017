"""Classifying a task's result against its deadline, as the reports do:
trước hạn (early), đúng hạn (on time), quá hạn (late)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from domain.calendar import VN_TZ

__all__ = ["Result", "VI_RESULT", "classify", "local_date"]

Result = Literal["early", "on_time", "late"]

VI_RESULT: dict[str, str] = {"early": "trước hạn", "on_time": "đúng hạn", "late": "quá hạn"}


def classify(due: date, done_on: date) -> Result:
    """Compare calendar days: a deadline names a day, and the whole day counts."""
    due, done_on = _as_date(due), _as_date(done_on)
    if done_on < due:
        return "early"
    if done_on == due:
        return "on_time"
    return "late"


def local_date(instant: datetime) -> date:
    """The Vietnamese calendar day of an aware instant."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("an aware datetime is required (store instants in UTC)")
    return instant.astimezone(VN_TZ).date()


def _as_date(d: date) -> date:
    # datetime is a subclass of date and compares oddly with it; a datetime here
    # is a caller's mistake we can absorb, taking its Vietnamese day if aware.
    if isinstance(d, datetime):
        return local_date(d) if d.tzinfo is not None else d.date()
    return d
