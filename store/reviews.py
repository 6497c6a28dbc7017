"""The standing office's review as the reports read it: a task whose result was returned
(a ``task_returned`` event) and not confirmed again since (no later
``task_review_waiting``) is "returned" -- open again, not done. The workflow keeps
such a task open (its reminders resume); the reports' rows carry the status
``returned`` so domain/report_progress.py counts it beside the tasks awaiting review
(domain.report_common.task_state still counts it as open or overdue)."""
from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy import func, select

from store.models import Event

RETURNED, WAITING = "task_returned", "task_review_waiting"


def returned_ids(session, as_of: datetime) -> set[str]:
    """The tasks whose latest review step as of ``as_of`` is a return."""
    rows = session.execute(select(Event.subject_id, Event.kind, func.max(Event.at)).where(
        Event.kind.in_((RETURNED, WAITING)), Event.at <= as_of).group_by(Event.subject_id, Event.kind)).all()
    latest: dict[str, tuple] = {}
    for subject, kind, at in rows:
        if subject not in latest or at > latest[subject][1]:
            latest[subject] = (kind, at)
    return {subject for subject, (kind, _) in latest.items() if kind == RETURNED}


def mark_returned(session, tasks: list, as_of: datetime) -> list:
    """The report rows, an open task whose result was returned (and not confirmed again) as ``returned``."""
    ids = returned_ids(session, as_of)
    if not ids:
        return tasks
    return [dataclasses.replace(t, status="returned") if t.id in ids and t.status == "open" else t for t in tasks]
