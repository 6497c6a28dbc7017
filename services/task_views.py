"""What ``task show`` and ``task list`` print, read from the store (works while
Temporal is away)."""
from __future__ import annotations

from typing import Any


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def task_view(database_url: str, task_id: str) -> dict[str, Any] | None:
    """What ``task show --json`` prints, from the store (works while Temporal is away)."""
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Cycle, Delivery, Task
    from services.task_review import judged_view
    from services.task_group_views import group_view

    with session_scope(database_url) as session:
        row = session.get(Task, task_id)
        if row is None:
            return None
        cycles = session.scalars(select(Cycle).where(Cycle.task_id == task_id).order_by(Cycle.due)).all()
        deliveries = session.scalars(
            select(Delivery).where(Delivery.subject_id == task_id).order_by(Delivery.created_at, Delivery.id)).all()
        deadline = {"raw": row.deadline_raw, "kind": row.deadline_kind, "due": _iso(row.due), "every": row.every}
        if (row.raw or {}).get("due_at"):
            deadline["due_at"] = row.raw["due_at"]
        return {
            "id": row.id, "title": row.title, "status": row.status, "result": row.result,
            "deadline": deadline, "level": row.level or 0,
            "lead_units": list(row.lead_units or []), "lead_official": row.lead_official,
            "completed_on": _iso(row.completed_on), "evidence": row.evidence,
            # The result's moments: judged_by (issued_on | arrival), the date of issue, the confirmation's day.
            **judged_view(row.evidence),
            "cycles": [{"period": c.period, "due": _iso(c.due), "status": c.status, "result": c.result,
                        "reported_on": _iso(c.reported_on), **judged_view(c.evidence)} for c in cycles],
            "notifications": _notifications(deliveries),
            "progress": _progress(session, task_id),
            **group_view(session, row),  # a parent's children and roll-up, a child's parent
        }


def _progress(session, task_id: str) -> dict[str, Any] | None:
    """The unit's latest progress report: percent, at, note, difficulty, proposal (or None)."""
    from store.progress import as_dict, latest_rows

    return as_dict(latest_rows(session, task_ids=[task_id]).get(task_id))


def _notifications(deliveries) -> list[dict[str, Any]]:
    """One entry per message (its outcome), with every channel's attempts under it:
    the channel, how many tries, the last error as the service gave it (Zalo's code
    and description)."""
    attempts: dict[str, list[dict[str, Any]]] = {}
    for d in deliveries:
        if not d.is_message:
            attempts.setdefault(d.parent_key, []).append(
                {"channel": d.channel, "status": d.status, "attempts": d.attempts, "error": d.error or None})
    return [{"step": d.step, "recipient": d.recipient, "channel": d.channel, "status": d.status,
             "at": _iso(d.sent_at or d.created_at), "cycle": d.cycle, "error": d.error or None,
             "attempts": attempts.get(d.key, [])}
            for d in deliveries if d.is_message]


def list_tasks(database_url: str, status: str | None = None) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Task

    with session_scope(database_url) as session:
        query = select(Task).order_by(Task.due.is_(None), Task.due, Task.id)
        if status:
            query = query.where(Task.status == status)
        return [{"id": t.id, "title": t.title, "status": t.status, "result": t.result, "due": _iso(t.due),
                 "kind": t.deadline_kind, "level": t.level or 0, "lead_units": list(t.lead_units or [])}
                for t in session.scalars(query)]


def current_cycles(database_url: str, task_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each recurring task's current report period (its earliest open cycle): due, period."""
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Cycle

    out: dict[str, dict[str, Any]] = {}
    with session_scope(database_url) as session:
        for c in session.scalars(select(Cycle).where(Cycle.task_id.in_(task_ids), Cycle.status == "open")
                                 .order_by(Cycle.due.desc())):
            out[c.task_id] = {"due": _iso(c.due), "period": c.period}  # the earliest is written last
    return out
