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

from sqlalchemy import select

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


def sent_in(session, key: str) -> DeliverResult | None:
    """The delivery's result when it was already sent, else None."""
    row = session.scalar(select(Delivery).where(Delivery.key == key))
    if row is not None and row.status == "sent":
        return DeliverResult(key, "sent", row.channel, row.attempts, row.error)
    # A crash after a channel accepted the message but before the
    # delivery's row was updated: the channel row knows.
    sent = session.scalar(select(Delivery).where(Delivery.parent_key == key, Delivery.status == "sent"))
    if sent is not None:
        if row is None:
            row = Delivery(key=key, subject_id=sent.subject_id, cycle=sent.cycle, step=sent.step,
                           recipient=sent.recipient, attempts=1, created_at=sent.created_at)
            session.add(row)
        row.status, row.channel, row.target, row.sent_at = "sent", sent.channel, sent.target, sent.sent_at
        return DeliverResult(key, "sent", sent.channel, row.attempts, row.error)
    return None


def transaction(database_url: str, work):
    """``work(session)`` in one write transaction, run again if a concurrent insert won
    the key or the database stayed busy (several worker processes: store/db.py)."""
    return retry_write(database_url, work)


def write_row(session, req: DeliverRequest, w: RowWrite, now: datetime) -> Delivery:
    # Locked for update (PostgreSQL): a concurrent write of the same row waits, and its
    # attempt count adds to this one's instead of overwriting it.
    row = session.scalar(select(Delivery).where(Delivery.key == w.key).with_for_update())
    if row is None:
        row = Delivery(key=w.key, subject_id=req.subject_id, cycle=req.cycle,
                       step=req.step[:STEP_COLUMN], recipient=req.recipient.key,
                       attempts=0, created_at=now, parent_key=w.parent)
        session.add(row)
    row.channel, row.target, row.status, row.error = w.channel, w.target, w.status, w.error
    row.attempts = (row.attempts or 0) + (1 if w.add_attempt else 0)
    if w.status == "sent":
        row.sent_at = now
    return row
