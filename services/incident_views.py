"""Incidents in the store, for the command line and the pages: their numbers, their
rows while opening, and what ``incident show`` / ``list`` print (read from the store,
so they work while Temporal is away)."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from config.loader import Config
from domain.identity import incident_workflow_id

_ID_NUMBER = re.compile(r"^incident/(\d+)$")


def _next_number(session, above: int = 0) -> int:
    from sqlalchemy import select

    from store.models import Incident

    numbers = [int(m.group(1)) for m in (_ID_NUMBER.match(i) for i in
               session.scalars(select(Incident.id).where(Incident.id.like("incident/%")))) if m]
    return max(numbers + [above], default=0) + 1


def reserve_incident(database_url: str, unit_key: str, title: str, severity: str, detected_at: datetime,
                     due_at: datetime, above: int = 0) -> str:
    """Write the incident's row under the next free number (and above ``above``: a number
    Temporal already knows is skipped); returns its id (= workflow id)."""
    from sqlalchemy.exc import IntegrityError

    from store.db import session_scope
    from store.models import Incident

    for _ in range(20):
        try:
            with session_scope(database_url) as session:
                incident_id = incident_workflow_id(_next_number(session, above))
                session.add(Incident(id=incident_id, unit=unit_key, title=title, severity=severity,
                                     detected_at=detected_at, due_at=due_at, status="open"))
            return incident_id
        except IntegrityError:
            continue  # another opener took this number: take the next
    raise RuntimeError("could not allocate an incident number")


def forget_incident(database_url: str, incident_id: str) -> None:
    from store.db import session_scope
    from store.models import Incident

    with session_scope(database_url) as session:
        row = session.get(Incident, incident_id)
        if row is not None:
            session.delete(row)


# -- reading -----------------------------------------------------------------------------

def incident_number(incident_id: str) -> int:
    """The number in "incident/12" (0 for anything else)."""
    match = _ID_NUMBER.match(incident_id or "")
    return int(match.group(1)) if match else 0


def normalise_id(text: str) -> str:
    text = (text or "").strip()
    return incident_workflow_id(text) if text.isdigit() else text


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat() if moment else None


def _unit_name(config: Config | None, key: str) -> str:
    unit = config.directory.unit(key) if config is not None else None
    return unit.name if unit else key


def _row_view(row, config: Config | None, now: datetime) -> dict[str, Any]:
    open_ = row.status != "reported"
    # "late" shows as soon as the window closes, before anyone reports.
    result = row.result if row.result else ("late" if open_ and now > row.due_at else None)
    left = (row.due_at - now).total_seconds() if open_ else None
    return {
        "id": row.id, "unit": _unit_name(config, row.unit), "unit_key": row.unit, "title": row.title,
        "severity": row.severity or None, "detected_at": _iso(row.detected_at), "due": _iso(row.due_at),
        "status": "reported" if not open_ else "open", "result": result,
        "reported_at": _iso(row.reported_at), "report": row.report,
        "seconds_left": int(left) if left is not None and left > 0 else (0 if left is not None else None),
        "seconds_overdue": int(-left) if left is not None and left < 0 else (0 if left is not None else None),
    }


def incident_view(database_url: str, config: Config | None, incident_id: str,
                  now: datetime | None = None) -> dict[str, Any] | None:
    """What ``incident show ID --json`` prints; None when there is no such incident."""
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Delivery, Event, Incident

    now = now or datetime.now(timezone.utc)
    incident_id = normalise_id(incident_id)
    with session_scope(database_url) as session:
        row = session.get(Incident, incident_id)
        if row is None:
            return None
        view = _row_view(row, config, now)
        deliveries = session.scalars(select(Delivery).where(Delivery.subject_id == incident_id)
                                     .order_by(Delivery.created_at, Delivery.id)).all()
        events = session.scalars(select(Event).where(Event.subject_id == incident_id)
                                 .order_by(Event.at, Event.id)).all()
        # One row per message (the delivery); its per-channel attempt rows carry a suffix.
        view["notifications"] = [{
            "step": d.step, "recipient": d.recipient, "channel": d.channel, "status": d.status,
            "attempts": d.attempts, "at": _iso(d.sent_at or d.created_at), "error": d.error or None,
        } for d in deliveries if d.key == f"{d.subject_id}|{d.cycle}|{d.step}|{d.recipient}"]
        view["events"] = [{"at": _iso(e.at), "kind": e.kind, "data": e.data} for e in events]
    return view


def list_incidents(database_url: str, config: Config | None, status: str | None = None,
                   now: datetime | None = None) -> list[dict[str, Any]]:
    """Every incident, open ones first (most overdue first), then the reported, newest first."""
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Incident

    now = now or datetime.now(timezone.utc)
    with session_scope(database_url) as session:
        query = select(Incident)
        if status:
            query = query.where(Incident.status == status)
        rows = session.scalars(query).all()
        views = [_row_view(r, config, now) for r in rows]
    open_ = sorted((v for v in views if v["status"] == "open"), key=lambda v: v["due"])
    done = sorted((v for v in views if v["status"] != "open"), key=lambda v: v["reported_at"] or "", reverse=True)
    return open_ + done
