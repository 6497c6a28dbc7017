"""A refused bot token (Zalo 401) is one outage, not one problem per message: the
standing office (and, through its email, the admins who read it) is told once when
the outage starts, and the outage ends at the next message Zalo accepts. The open
outage is a row in the event log keyed by the bot's id (never its secret), so every
worker process agrees on it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from store.db import write_scope
from store.models import Event

SUBJECT = "zalo-bot"


def _key(bot: str) -> str:
    return f"zalo-outage:{bot or 'bot'}"


def open_outage(database_url: str, bot: str, error: str, now: datetime) -> bool:
    """Record the outage; True only for the call that started it."""
    try:
        with write_scope(database_url) as session:
            if session.scalar(select(Event.id).where(Event.key == _key(bot))) is not None:
                return False
            session.add(Event(at=now, subject_id=SUBJECT, kind="zalo_outage", key=_key(bot),
                              data={"bot": bot, "error": error[:300]}))
        return True
    except IntegrityError:  # another process started it a moment ago
        return False


def close_outage(database_url: str, bot: str, now: datetime) -> bool:
    """Zalo accepted a message again: the outage (if any) is over."""
    with write_scope(database_url) as session:
        gone = session.execute(delete(Event).where(Event.key == _key(bot))).rowcount
        if gone:
            session.add(Event(at=now, subject_id=SUBJECT, kind="zalo_restored", data={"bot": bot}))
    return bool(gone)
