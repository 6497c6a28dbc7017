"""The report archive as the dashboard lists it: each archived report (newest first)
with what became of it -- sent (to how many recipients), sending failed, or only
archived -- read from the delivery log (the report workflow's deliveries carry the
subject "report/<id>"), and who asked for it from the dashboard (an event
"report_requested" on the same subject). Reading only, except `record_request`.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from store.db import session_scope
from store.models import Delivery, Event, Person, Report

REQUESTED = "report_requested"


def _subject(report_id: int) -> str:
    return f"report/{report_id}"


def archive_rows(database_url: str, limit: int = 200, report_id: int | None = None) -> list[dict[str, Any]]:
    """The newest `limit` reports (or the one `report_id`): id, kind, report_kind, label, as_of,
    created_at, short_text (the Zalo text), recipients (keys the report reached), failed (keys it did not), by (who asked)."""
    cols = (Report.id, Report.kind, Report.as_of, Report.created_at, Report.data["label"].as_string(),
            Report.data["report_kind"].as_string(), Report.short_text)
    stmt = select(*cols).order_by(Report.as_of.desc(), Report.id.desc()).limit(limit)
    if report_id is not None:
        stmt = stmt.where(Report.id == report_id)
    with session_scope(database_url) as s:
        rows = s.execute(stmt).all()
        subjects = [_subject(r[0]) for r in rows]
        outcomes = _outcomes(s, subjects)
        requested = _requesters(s, subjects)
    return [{"id": r[0], "kind": r[1], "as_of": r[2], "created_at": r[3], "label": r[4] or "",
             "report_kind": r[5] or r[1], "short_text": r[6] or "", **outcomes.get(_subject(r[0]), {"recipients": [], "failed": []}),
             "by": requested.get(_subject(r[0]), "")} for r in rows]


def _outcomes(session, subjects: list[str]) -> dict[str, dict[str, list[str]]]:
    """{subject: {"recipients": keys reached, "failed": keys not reached}}: a recipient is
    reached when one of its messages (chat or email) was sent."""
    out: dict[str, dict[str, set[str]]] = {}
    if not subjects:
        return {}
    stmt = select(Delivery.subject_id, Delivery.recipient, Delivery.status).where(
        Delivery.subject_id.in_(subjects), Delivery.parent_key.is_(None))
    for subject, recipient, status in session.execute(stmt):
        found = out.setdefault(subject, {"recipients": set(), "failed": set()})
        found["recipients" if status == "sent" else "failed"].add(recipient)
    return {k: {"recipients": sorted(v["recipients"]), "failed": sorted(v["failed"] - v["recipients"])}
            for k, v in out.items()}


def _requesters(session, subjects: list[str]) -> dict[str, str]:
    stmt = select(Event.subject_id, Event.data).where(Event.subject_id.in_(subjects), Event.kind == REQUESTED) \
        .order_by(Event.at)
    return {subject: str((data or {}).get("by", "")) for subject, data in session.execute(stmt)} if subjects else {}


def report_deliveries(database_url: str, report_id: int) -> list[dict[str, Any]]:
    """The report's messages, oldest first: recipient (key), step, channel, status, when, error."""
    stmt = select(Delivery.recipient, Delivery.step, Delivery.channel, Delivery.status, Delivery.created_at,
                  Delivery.sent_at, Delivery.error).where(
        Delivery.subject_id == _subject(report_id), Delivery.parent_key.is_(None)).order_by(Delivery.id)
    with session_scope(database_url) as s:
        return [{"recipient": r[0], "step": r[1], "channel": r[2], "status": r[3], "at": r[5] or r[4],
                 "error": r[6] or ""} for r in s.execute(stmt)]


def person_names(database_url: str, keys: list[str]) -> dict[str, str]:
    """{"person:<id>": name} for the registered people among `keys`."""
    ids = [int(k.split(":", 1)[1]) for k in keys if k.startswith("person:") and k.split(":", 1)[1].isdigit()]
    if not ids:
        return {}
    with session_scope(database_url) as s:
        return {f"person:{pid}": name for pid, name in s.execute(select(Person.id, Person.name)
                                                                  .where(Person.id.in_(ids)))}


def record_request(database_url: str, report_id: int, by: str, send: bool) -> None:
    """Who asked for the report from the dashboard, and whether to send it."""
    with session_scope(database_url) as s:
        s.add(Event(subject_id=_subject(report_id), kind=REQUESTED, at=datetime.now(timezone.utc),
                    data={"by": by, "send": send}))
