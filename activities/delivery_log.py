"""The delivery log's rows (store.models.Delivery), written for activities/deliver.py.

Rows are keyed by business identity, never a run id:
  - the delivery:  ``subject_id|cycle|step|recipient``  (= DeliverResult.key) -- its
    status is the outcome: pending (retrying) | sent | failed (given up);
    ``channel``/``target`` name the channel that delivered;
  - each channel:  the same key + ``|zalo``, ``|email``, ``|outbox``... (a second
    target of one channel gets ``|email2``) -- every attempt on that channel,
    its count and last error.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, func, insert, or_, select, update

from contracts.delivery import DeliverRequest, DeliverResult
from store.db import dialect_insert, retry_write
from store.models import Delivery

STEP_COLUMN = 60                     # Delivery.step's width; the key keeps the whole step


def delivery_key(subject_id: str, cycle: str, step: str, recipient_key: str) -> str:
    return f"{subject_id}|{cycle}|{step}|{recipient_key}"


@dataclass(frozen=True)
class RowWrite:
    """One delivery-log row to upsert: its key, channel, target, status, error, and
    whether this write counts an attempt."""
    key: str
    channel: str
    target: str
    status: str
    error: str
    add_attempt: bool
    parent: str | None = None  # the message's key, for a channel's row


# Core statements on the table, not ORM objects: the delivery log is written two or
# three times per message, and the ORM's unit of work (identity map, flush, per-row
# loading) was most of a send's database CPU in a burst of reminders (`dondoc bench`).
_T = Delivery.__table__


@dataclass(frozen=True)
class RowState:
    """What a write left in a row: its attempts and last error."""
    attempts: int
    error: str


# The delivery's row and, in the same read, a channel row that was sent: one query
# where two were (the common case -- nothing sent yet -- reads nothing twice).
_SENT_Q = select(_T.c.key, _T.c.status, _T.c.channel, _T.c.attempts, _T.c.error, _T.c.subject_id, _T.c.cycle,
                 _T.c.step, _T.c.recipient, _T.c.target, _T.c.sent_at, _T.c.created_at).where(
    or_(_T.c.key == bindparam("k"), (_T.c.parent_key == bindparam("k")) & (_T.c.status == "sent")))


def sent_in(session, key: str) -> DeliverResult | None:
    """The delivery's result when it was already sent, else None."""
    rows = session.execute(_SENT_Q, {"k": key}).all()
    row = next((r for r in rows if r.key == key), None)
    if row is not None and row.status == "sent":
        return DeliverResult(key, "sent", row.channel, row.attempts, row.error)
    # A crash after a channel accepted the message but before the
    # delivery's row was updated: the channel row knows.
    sent = next((r for r in rows if r.key != key), None)
    if sent is None:
        return None
    done = dict(status="sent", channel=sent.channel, target=sent.target, sent_at=sent.sent_at)
    if row is None:
        session.execute(insert(_T).values(key=key, subject_id=sent.subject_id, cycle=sent.cycle, step=sent.step,
                                          recipient=sent.recipient, attempts=1, error="",
                                          created_at=sent.created_at, **done))
        return DeliverResult(key, "sent", sent.channel, 1, "")
    session.execute(update(_T).where(_T.c.key == key).values(**done))
    return DeliverResult(key, "sent", sent.channel, row.attempts, row.error)


def transaction(database_url: str, work):
    """``work(session)`` in one write transaction, run again if a concurrent insert won
    the key or the database stayed busy (several worker processes: store/db.py)."""
    return retry_write(database_url, work)


def write_row(session, req: DeliverRequest, w: RowWrite, now: datetime) -> RowState:
    """Insert the row, or add this write's attempt to it: one statement (an upsert, the
    store being SQLite or PostgreSQL), atomic, so a concurrent write of the same row
    adds its attempt to this one's instead of overwriting it."""
    dialect = session.get_bind().dialect.name
    params = dict(key=w.key, subject_id=req.subject_id, cycle=req.cycle, step=req.step[:STEP_COLUMN],
                  recipient=req.recipient.key, channel=w.channel, target=w.target, status=w.status,
                  error=w.error, add=1 if w.add_attempt else 0, now=now, parent=w.parent)
    attempts = session.execute(_upsert(dialect, w.status == "sent"), params).scalar_one()
    return RowState(attempts, w.error)


@lru_cache(maxsize=4)
def _upsert(dialect: str, sent: bool):
    """INSERT ... ON CONFLICT (key) DO UPDATE ... RETURNING attempts, built once."""
    ins = dialect_insert(dialect, _T).values(
        key=bindparam("key"), subject_id=bindparam("subject_id"), cycle=bindparam("cycle"), step=bindparam("step"),
        recipient=bindparam("recipient"), channel=bindparam("channel"), target=bindparam("target"),
        status=bindparam("status"), error=bindparam("error"), attempts=bindparam("add"),
        created_at=bindparam("now"), parent_key=bindparam("parent"),
        **({"sent_at": bindparam("now")} if sent else {}))
    changes = {c: ins.excluded[c] for c in ("channel", "target", "status", "error")}
    if sent:
        changes["sent_at"] = ins.excluded.sent_at
    changes["attempts"] = func.coalesce(_T.c.attempts, 0) + ins.excluded.attempts
    return ins.on_conflict_do_update(index_elements=[_T.c.key], set_=changes).returning(_T.c.attempts)
