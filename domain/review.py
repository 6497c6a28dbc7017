"""The standing office's review of a result, and the moment a result is judged by.

Review (``[review]`` in the configuration, off by default): a unit's confirmation is a
claim; with review on it waits ("chờ duyệt") until the standing office accepts it
(the task closes) or returns it with a reason (the task reopens). A review waiting
longer than ``remind_after_days`` working days (``remind_after_seconds`` in drills)
reminds the standing office, and again after each such wait.

The moment (``[results] grace_days``, default 10 working days): offices judge a result
by the day its output document was issued ("ngày hoàn thành thực tế"), not by the day
someone clicked a link. A confirmation arriving within ``grace_days`` working days
after the cited document's date of issue is judged by that date; otherwise (a
document older than the window, or issued the same day as the confirmation) by the
arrival, as before. With review on, the judgement is made at the confirmation and
applied when the reviewer accepts it: the office's own delay never makes a result late.

Pure: the calendar comes in as an argument (the task workflow asks an activity, so
the answer is recorded in history).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from domain.calendar import VN_TZ, WorkingCalendar
from domain.results import classify

__all__ = ["ReviewPolicy", "JudgedBy", "judge", "judged_result", "remind_at", "JUDGED_WORDS"]

JudgedBy = Literal["issued_on", "arrival"]
JUDGED_WORDS = {"issued_on": "theo ngày ban hành văn bản", "arrival": "theo ngày xác nhận"}


@dataclass(frozen=True)
class ReviewPolicy:
    enabled: bool = False            # a confirmation waits for the standing office's review
    remind_after_days: int = 2       # working days a review may wait before the office is reminded
    remind_after_seconds: int = 0    # > 0 (drills): seconds instead of working days
    grace_days: int = 10             # working days after the date of issue a confirmation may arrive


def _local_day(moment: datetime) -> date:
    return moment.astimezone(VN_TZ).date()


def judge(cal: WorkingCalendar, policy: ReviewPolicy, issued_on: date, arrived_at: datetime) -> tuple[str, date]:
    """("issued_on", the date of issue) when the confirmation arrived within the grace
    window after it (a later day, at most ``grace_days`` working days on); else
    ("arrival", the Vietnamese day it arrived)."""
    arrival = _local_day(arrived_at)
    if policy.grace_days > 0 and issued_on < arrival <= cal.add_working_days(issued_on, policy.grace_days):
        return "issued_on", issued_on
    return "arrival", arrival


def judged_result(due: date, due_at: datetime | None, judged_by: str, judged_on: date,
                  arrived_at: datetime | None) -> str:
    """early | on_time | late against the deadline day; an exact due instant (drills)
    passed earlier the same day makes an arrival late, as before."""
    if judged_by == "arrival" and due_at is not None and arrived_at is not None \
            and arrived_at > due_at and _local_day(arrived_at) == _local_day(due_at):
        return "late"
    return classify(due, judged_on)


def remind_at(cal: WorkingCalendar, policy: ReviewPolicy, since: datetime) -> datetime:
    """When a review waiting since ``since`` reminds the standing office: the same
    clock time ``remind_after_days`` working days later, held to office hours."""
    if policy.remind_after_seconds > 0:
        return since + timedelta(seconds=policy.remind_after_seconds)
    local = since.astimezone(VN_TZ)
    day = cal.add_working_days(local.date(), max(policy.remind_after_days, 1))
    return cal.next_office_instant(datetime.combine(day, local.timetz()))
