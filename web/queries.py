"""Reads of the SQL store for the dashboard and the JSON API (the same rows for
both): tasks overdue first, a task with its cycles and timeline, incidents,
archived reports, the outbox, imported plans. Plain functions, blocking: call
them through ``asyncio.to_thread``."""
from __future__ import annotations

from datetime import date
from typing import Any

from domain.recipients import SUPERVISORS_KEY

PAGE_SIZE = 500
_PEOPLE = ("requested_by", "decided_by", "approved_by", "unit", "recipient")


def unit_name(config, key: str) -> str:
    unit = config.directory.unit(key)
    return unit.name if unit else key


def official_name(config, key: str | None) -> str:
    official = config.directory.official(key) if key else None
    return official.name if official else (key or "")


def recipient_name(config, key: str) -> str:
    directory = config.directory
    if directory.unit(key):
        return directory.unit(key).name
    if directory.official(key):
        return directory.official(key).name
    return directory.supervisors_name if key == SUPERVISORS_KEY else key


def task_row(task, config, today: date) -> dict[str, Any]:
    overdue = task.status == "open" and task.due is not None and task.due < today
    return {
        "id": task.id, "stt": task.stt, "title": task.title, "plan": task.plan.name if task.plan else None,
        "plan_id": task.plan_id, "lead_units": list(task.lead_units or []),
        "lead_unit_names": [unit_name(config, k) for k in task.lead_units or []],
        "lead_official": task.lead_official, "lead_official_name": official_name(config, task.lead_official),
        "deadline_raw": task.deadline_raw, "deadline_kind": task.deadline_kind,
        "due": task.due.isoformat() if task.due else None, "every": task.every, "status": task.status,
        "result": task.result, "completed_on": task.completed_on.isoformat() if task.completed_on else None,
        "level": task.level, "overdue": overdue, "days_late": (today - task.due).days if overdue else 0,
        "unassigned": task.unassigned,
    }


def _sort_key(row: dict) -> tuple:
    # Overdue first (most late first), then by deadline; tasks without one last.
    return (not row["overdue"], -row["days_late"], row["due"] is None, row["due"] or "", row["stt"] or "")


def list_tasks(database_url: str, config, filters: dict[str, str], today: date) -> list[dict]:
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from store.db import session_scope
    from store.models import Task

    query = select(Task).options(selectinload(Task.plan))
    if filters.get("plan"):
        query = query.where(Task.plan_id == _int(filters["plan"]))
    if filters.get("status") in ("open", "completed", "cancelled"):
        query = query.where(Task.status == filters["status"])
    if filters.get("status") == "overdue":
        query = query.where(Task.status == "open", Task.due < today)
    if filters.get("due_before"):
        day = _day(filters["due_before"])
        if day:
            query = query.where(Task.due <= day)
    if filters.get("q"):
        query = query.where(Task.title.ilike(f"%{filters['q']}%"))
    with session_scope(database_url) as session:
        tasks = session.scalars(query).all()
        rows = [task_row(t, config, today) for t in tasks]
    if filters.get("unit"):
        rows = [r for r in rows if filters["unit"] in r["lead_units"]]  # JSON column: filter here, portably
    return sorted(rows, key=_sort_key)[:PAGE_SIZE]


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def plans(database_url: str) -> list[dict]:
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Plan

    with session_scope(database_url) as session:
        return [{"id": p.id, "name": p.name, "source": p.source, "imported_at": p.imported_at}
                for p in session.scalars(select(Plan).order_by(Plan.imported_at.desc()))]


def task_detail(database_url: str, config, task_id: str, today: date) -> dict | None:
    """The task, its cycles and its timeline: events and deliveries, oldest first."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from store.db import session_scope
    from store.models import Delivery, Event, Task

    with session_scope(database_url) as session:
        task = session.scalar(select(Task).where(Task.id == task_id)
                              .options(selectinload(Task.plan), selectinload(Task.cycles)))
        if task is None:
            return None
        row = task_row(task, config, today)
        row.update(output=task.output, notes=task.notes, section=task.section, evidence=task.evidence,
                   coordinating_units=[unit_name(config, k) for k in task.coordinating_units or []])
        row["cycles"] = [{"period": c.period, "due": c.due.isoformat() if c.due else None, "status": c.status,
                          "result": c.result, "reported_on": c.reported_on.isoformat() if c.reported_on else None,
                          "evidence": c.evidence} for c in task.cycles]
        events = session.scalars(select(Event).where(Event.subject_id == task_id)).all()
        deliveries = session.scalars(select(Delivery).where(Delivery.subject_id == task_id)).all()
        row["timeline"] = timeline(events, deliveries)
    for item in row["timeline"]:
        if item["type"] == "delivery":
            item["recipient_name"] = recipient_name(config, item["recipient"])
        else:  # who requested, decided, approved: by name
            item["data"] = {k: recipient_name(config, v) if k in _PEOPLE and isinstance(v, str) else v
                            for k, v in item["data"].items()}
    return row


def timeline(events, deliveries) -> list[dict]:
    """Events and deliveries, oldest first. A delivery's log row (key subject|cycle|
    step|recipient) carries its outcome; the rows under it (key + |channel) are the
    attempts on each channel, shown with it (Zalo failed, then email worked).
    The task workflow's ``task_step`` event repeats what its deliveries say; it is
    shown only for a step that had nobody to deliver to."""
    items = [{"type": "event", "at": e.at, "kind": e.kind, "data": e.data or {}} for e in events
             if not (e.kind == "task_step" and (e.data or {}).get("deliveries"))]
    parents = {d.key: _delivery_item(d) for d in deliveries if d.is_message}
    for d in deliveries:
        parent = parents.get(d.parent_key) if d.parent_key else None
        if parent is not None:
            parent["channels"].append({"channel": d.channel, "status": d.status, "attempts": d.attempts,
                                       "error": d.error})
        elif d.key not in parents:
            items.append(_delivery_item(d))
    items += parents.values()
    return sorted(items, key=lambda i: i["at"])


def _delivery_item(d) -> dict:
    return {"type": "delivery", "at": d.sent_at or d.created_at, "kind": d.step, "cycle": d.cycle,
            "recipient": d.recipient, "channel": d.channel, "status": d.status, "attempts": d.attempts,
            "error": d.error, "channels": []}


def _recent(database_url: str, model, order, limit: int = 200) -> list:
    from sqlalchemy import select

    from store.db import session_scope

    with session_scope(database_url) as session:
        return list(session.scalars(select(model).order_by(order.desc()).limit(limit)))


def incidents(database_url: str) -> list:
    from store.models import Incident

    return _recent(database_url, Incident, Incident.detected_at)


def reports(database_url: str) -> list:
    from store.models import Report

    return _recent(database_url, Report, Report.as_of)


def report(database_url: str, report_id: int):
    from store.db import session_scope
    from store.models import Report

    with session_scope(database_url) as session:
        return session.get(Report, report_id)


def outbox(database_url: str) -> list:
    from store.models import OutboxMessage

    return _recent(database_url, OutboxMessage, OutboxMessage.id)
