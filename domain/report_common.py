"""What every report shares: ordering, days, and the ONE classification of a task (and
of a recurring task's report cycle) as it stood on a day. The daily report, the period
summary and the appendix all count through `task_state` / `cycle_state`, so a task is
never counted one way in a total and another way in the list beside it."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any, Mapping

from domain.calendar import VN_TZ
from domain.results import VI_RESULT, classify

__all__ = [
    "COMPLETED_STATES", "COMPLETED_KEYS", "stt_key", "local_day", "aware", "units",
    "result_label", "completion", "completed_state", "task_state", "known_state", "cycle_state", "task_ref",
]

# A completed task is early, on time or late when its completion day (or the stored
# result) says so; a task imported as already done, with no day and no result, cannot
# be placed in any of the three, so it has its own class rather than vanishing from
# the breakdown (the parts must always make the whole); people read it as "hoàn
# thành, chưa rõ thời điểm".
COMPLETED_STATES = ("early", "on_time", "late", "unclassified")
COMPLETED_KEYS = {"early": "completed_early", "on_time": "completed_on_time", "late": "completed_late",
                  "unclassified": "completed_unclassified"}

_NUM_PART = re.compile(r"\d+|\D+")


def stt_key(stt: str | None) -> tuple:
    """Natural order of appendix numbers: 2 < 10, "1.2" < "1.10", text last."""
    text = str(stt or "").strip()
    if text.isdecimal():  # a plain number, most of them (the regex's one part, without it)
        return ((0, int(text), ""),)
    parts = _NUM_PART.findall(text)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts) or ((2, 0, ""),)


def local_day(instant: datetime) -> date:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("as_of must be an aware datetime")
    return instant.astimezone(VN_TZ).date()


def aware(instant: datetime | None) -> datetime | None:
    if instant is None:
        return None
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=timezone.utc)


def units(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(map(str, filter(None, value)))  # each unit named (str), empties left out


def result_label(result: str | None) -> str:
    return VI_RESULT.get(result or "", "")


def completion(task: Any, today: date) -> tuple[bool, str | None]:
    """(completed as of today, result class or None)."""
    if getattr(task, "status", "open") != "completed":
        return False, None
    done = getattr(task, "completed_on", None)
    if done is not None and done > today:
        return False, None
    due = getattr(task, "due", None)
    if done is not None and due is not None:
        return True, classify(due, done)
    return True, getattr(task, "result", None) or None


def completed_state(result: str | None) -> str:
    """The class of a completed task: its result, or "unclassified" when none is known."""
    return result if result in ("early", "on_time", "late") else "unclassified"


def task_state(task: Any, today: date) -> str:
    """Exactly one class per task as it stood on `today`:

    cancelled | early | on_time | late | unclassified (completed: the four classes
    above) | recurring (open recurring task) | unknown_deadline (open, no readable
    deadline, or a one-off without a due day) | overdue (open one-off whose due day is
    before today) | open (open one-off due today or later)."""
    try:  # the rows the reports load carry every field: read directly (50,000 tasks a report)
        status, kind, due = task.status, task.deadline_kind, task.due
    except AttributeError:
        status = getattr(task, "status", "open")
        kind, due = getattr(task, "deadline_kind", "unknown"), getattr(task, "due", None)
    if status == "cancelled":
        return "cancelled"
    if status == "completed":
        done, result = completion(task, today)
        if done:
            return completed_state(result)
    if kind == "recurring":
        return "recurring"
    if kind != "once" or due is None:
        return "unknown_deadline"
    return "overdue" if due < today else "open"


def known_state(task: Any, today: date, states: Mapping[str, str]) -> str:
    """task_state, read from ``states`` (by task id) when the report already classified
    the task, so one report classifies each of its 50,000 tasks once."""
    return states.get(task.id) or task_state(task, today)


def cycle_state(cycle: Any, today: date) -> str:
    """A recurring report cycle as of today: on_time | late (reported, by or after its
    due day) | undated (marked reported, day unknown: not owed, but neither on time nor
    late) | not_reported (including a report dated after today)."""
    reported_on = getattr(cycle, "reported_on", None)
    if reported_on is not None:
        if reported_on > today:
            return "not_reported"
        due = getattr(cycle, "due", None)
        return "late" if due is not None and reported_on > due else "on_time"
    return "undated" if getattr(cycle, "status", "open") == "reported" else "not_reported"


def task_ref(task: Any, unit_names: Mapping[str, str]) -> dict[str, Any]:
    """A task as the report lists it."""
    try:  # the rows the reports load carry every field: read directly (20,000 refs a report)
        tid, plan, stt, title = task.id, task.plan, task.stt, task.title
        lead, due, seen = task.lead_units, task.due, task.seen_at
    except AttributeError:
        tid, plan, stt, title = (getattr(task, name, "") for name in ("id", "plan", "stt", "title"))
        lead, due, seen = getattr(task, "lead_units", ()), getattr(task, "due", None), getattr(task, "seen_at", None)
    lead = units(lead)
    return {
        "id": tid or "",
        "plan": plan or "",
        "stt": stt or "",
        "title": title or "",
        "lead_units": list(lead),
        "lead_unit_names": [unit_names.get(u, u) for u in lead],
        "due": due.isoformat() if due else None,
        # Whether someone of the unit answered "đã nhận" to a reminder in Zalo.
        "seen": seen is not None,
    }
