"""The units' progress reports as the store keeps them: the ``task_progress`` events the
task workflow writes (workflows/task_progress.py), read for the link page, ``task show``
and the reports (domain/report_progress.py). Nothing is written here."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable

from sqlalchemy import and_, func, or_, select

from domain.report_progress import ProgressRow
from store.db import session_scope
from store.models import Event

KIND = "task_progress"


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)


def _percent(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def row_of(subject_id: str, at: datetime, data: dict | None) -> ProgressRow:
    data = data or {}
    return ProgressRow(task_id=subject_id, at=_aware(at), percent=_percent(data.get("percent")),
                       note=str(data.get("done") or ""), difficulty=str(data.get("difficulty") or ""),
                       proposal=str(data.get("proposal") or ""), by=str(data.get("by") or ""),
                       cycle=str(data.get("cycle") or ""))


# Columns, not ORM objects: a report reads tens of thousands of these.
_COLUMNS = (Event.subject_id, Event.at, Event.data)


def latest_rows(session, as_of: datetime | None = None, task_ids: Iterable[str] | None = None) -> dict[str, ProgressRow]:
    """Each task's latest progress report (as of ``as_of``), by task id."""
    newest = select(func.max(Event.id)).where(Event.kind == KIND)
    if as_of is not None:
        newest = newest.where(Event.at <= as_of)
    if task_ids is not None:
        newest = newest.where(Event.subject_id.in_(list(task_ids)))
    rows = session.execute(select(*_COLUMNS).where(Event.id.in_(newest.group_by(Event.subject_id))))
    return {r[0]: row_of(*r) for r in rows}


def rows_for_period(session, start: datetime, end: datetime, as_of: datetime) -> list[ProgressRow]:
    """What a period summary reads (domain.report_progress.period_progress), oldest first:
    the reports recorded in [start, end) and each task's latest by ``as_of`` (its counts)
    -- not every report ever made, which is what the summary of one month of a plan
    running for years read before. The latest is the last in (at, id) order, as the
    summary orders all of them."""
    ranked = (select(Event.id, func.row_number().over(partition_by=Event.subject_id,
                                                      order_by=(Event.at.desc(), Event.id.desc())).label("n"))
              .where(Event.kind == KIND, Event.at <= as_of).subquery())
    latest = select(ranked.c.id).where(ranked.c.n == 1)
    rows = session.execute(select(*_COLUMNS).where(
        Event.kind == KIND, Event.at <= as_of, or_(Event.id.in_(latest), and_(Event.at >= start, Event.at < end)))
        .order_by(Event.at, Event.id))
    return [row_of(*r) for r in rows]


def as_dict(row: ProgressRow | None) -> dict[str, Any] | None:
    """What ``task show --json`` prints as ``progress``."""
    if row is None:
        return None
    return {"percent": row.percent, "at": row.at.isoformat(), "note": row.note, "difficulty": row.difficulty,
            "proposal": row.proposal}


def task_progress(database_url: str, task_id: str) -> tuple[dict[str, Any] | None, int]:
    """The task's latest progress report (``as_dict``) and how many it has had."""
    with session_scope(database_url) as session:
        count = session.scalar(select(func.count(Event.id)).where(Event.kind == KIND, Event.subject_id == task_id))
        latest = latest_rows(session, task_ids=[task_id]).get(task_id)
        return (dict(as_dict(latest), by=latest.by) if latest else None), int(count or 0)
