"""Reads of the SQL store for the dashboard and the JSON API (the same rows for
both): tasks overdue first, a task with its cycles and timeline, incidents,
archived reports, the outbox, imported plans (the task list is web/task_list.py, the
message list web/outbox_list.py). Plain functions, blocking: call
them through ``asyncio.to_thread``."""
from __future__ import annotations

from datetime import date

from web.names import official_name, recipient_name, unit_name  # noqa: F401 (re-exported: pages, routes)
from web.task_list import extended_from, extensions, list_tasks, task_row  # noqa: F401 (list_tasks re-exported)

_PEOPLE = ("requested_by", "decided_by", "approved_by", "unit", "recipient")


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
        current = next((c for c in task.cycles if c.status == "open"), None)  # cycles ordered by due
        row = task_row(task, config, today, cycle_due=current.due if current else None,
                       cycle=current.period if current else None, extended=extensions(session, [task_id]).get(task_id))
        row.update(output=task.output, notes=task.notes, section=task.section, evidence=task.evidence,
                   coordinating_units=[unit_name(config, k) for k in task.coordinating_units or []])
        row["cycles"] = [{"period": c.period, "due": c.due.isoformat() if c.due else None, "status": c.status,
                          "result": c.result, "reported_on": c.reported_on.isoformat() if c.reported_on else None,
                          "evidence": c.evidence} for c in task.cycles]
        events = session.scalars(select(Event).where(Event.subject_id == task_id)).all()
        deliveries = session.scalars(select(Delivery).where(Delivery.subject_id == task_id)).all()
        row["timeline"] = timeline(events, deliveries)
        row["progress"] = latest_progress(session, task_id)
    people = _people(database_url, row["timeline"])
    named = lambda key: people.get(key) or recipient_name(config, key)  # noqa: E731
    for item in row["timeline"]:
        if item["type"] == "delivery":
            item["recipient_name"] = named(item["recipient"])
        else:  # who requested, decided, approved: by name
            item["data"] = {k: named(v) if k in _PEOPLE and isinstance(v, str) else v
                            for k, v in item["data"].items()}
    return row


def _people(database_url: str, timeline: list[dict]) -> dict[str, str]:
    """Registered people ("person:<id>", messages sent to them) of a timeline, by name."""
    from store.report_archive import person_names

    keys = {i["recipient"] for i in timeline if i["type"] == "delivery"}
    keys |= {v for i in timeline if i["type"] == "event" for k, v in i["data"].items()
             if k in _PEOPLE and isinstance(v, str)}
    return person_names(database_url, sorted(k for k in keys if k and k.startswith("person:")))


def latest_progress(session, task_id: str) -> dict | None:
    """The unit's latest progress report (store/progress.py), with who reported it."""
    from store.progress import as_dict, latest_rows

    row = latest_rows(session, task_ids=[task_id]).get(task_id)
    return dict(as_dict(row), by=row.by) if row is not None else None


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


def _recent(database_url: str, model, order, limit: int = 200, *where) -> list:
    from sqlalchemy import select

    from store.db import session_scope

    with session_scope(database_url) as session:
        return list(session.scalars(select(model).where(*where).order_by(order.desc()).limit(limit)))


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


OUTBOX_PAGE = 200  # the newest messages /api/outbox gives at once (and at most)


def outbox(database_url: str, before: int | None = None, limit: int = OUTBOX_PAGE) -> list:
    """The outbox's messages newest first; with ``before``, those older than that id
    (the API's cursor: ids only grow, so a page never repeats or skips a message)."""
    from store.models import OutboxMessage

    older = (OutboxMessage.id < before,) if before is not None else ()
    return _recent(database_url, OutboxMessage, OutboxMessage.id, limit, *older)
