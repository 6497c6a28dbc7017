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

from sqlalchemy import insert, select, update

from contracts.delivery import DeliverRequest, DeliverResult
from store.db import retry_write
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


def sent_in(session, key: str) -> DeliverResult | None:
    """The delivery's result when it was already sent, else None."""
    row = session.execute(select(_T.c.status, _T.c.channel, _T.c.attempts, _T.c.error)
                          .where(_T.c.key == key)).first()
    if row is not None and row.status == "sent":
        return DeliverResult(key, "sent", row.channel, row.attempts, row.error)
    # A crash after a channel accepted the message but before the
    # delivery's row was updated: the channel row knows.
    sent = session.execute(select(_T.c.subject_id, _T.c.cycle, _T.c.step, _T.c.recipient, _T.c.channel,
                                  _T.c.target, _T.c.sent_at, _T.c.created_at)
                           .where(_T.c.parent_key == key, _T.c.status == "sent").limit(1)).first()
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
    # Locked for update (PostgreSQL): a concurrent write of the same row waits, and its
    # attempt count adds to this one's instead of overwriting it.
    row = session.execute(select(_T.c.attempts).where(_T.c.key == w.key).with_for_update()).first()
    values = dict(channel=w.channel, target=w.target, status=w.status, error=w.error)
    if w.status == "sent":
        values["sent_at"] = now
    attempts = (row.attempts or 0 if row is not None else 0) + (1 if w.add_attempt else 0)
    if row is None:
        session.execute(insert(_T).values(key=w.key, subject_id=req.subject_id, cycle=req.cycle,
                                          step=req.step[:STEP_COLUMN], recipient=req.recipient.key,
                                          attempts=attempts, created_at=now, parent_key=w.parent, **values))
    else:
        session.execute(update(_T).where(_T.c.key == w.key).values(attempts=attempts, **values))
    return RowState(attempts, w.error)
