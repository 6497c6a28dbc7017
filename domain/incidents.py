"""The 24-hour incident rule: when a report is due and how a report is judged."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from domain.policy import IncidentPolicy

__all__ = ["due_of", "classify", "utc"]


def utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime; incidents need aware instants")
    return moment.astimezone(timezone.utc)


def due_of(detected_at: datetime, policy: IncidentPolicy) -> datetime:
    return utc(detected_at) + timedelta(seconds=policy.window_seconds)


def classify(reported_at: datetime, due_at: datetime) -> str:
    """Within the window (the due instant included) is on time; after it, late."""
    return "on_time" if utc(reported_at) <= utc(due_at) else "late"
