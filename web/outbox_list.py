"""The message list (dashboard: Hộp thư đi): every message the engine sent or tried to
send, newest first, on every channel (Zalo, email, the outbox), filtered by recipient,
task and channel and cut into pages by the database (LIMIT/OFFSET, COUNT).

A message is a row of the delivery log (store.models.Delivery with no parent); the
rows under it are its tries on each channel; its text is kept only when it went to
the outbox (outbox.delivery_key names the delivery). Texts stored before that key was
recorded (no delivery to show them under) come after the delivery log's messages,
newest first, so every stored text is still listed once. Plain functions, blocking:
call them through ``asyncio.to_thread``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.display import step_label, subject_label
from domain.text import ascii_fold
from web.names import recipient_name

PAGE_SIZE = 50
CHANNELS = {"zalo": "Zalo", "email": "Email", "outbox": "Hộp thư đi (lưu, không gửi)", "other": "Kênh khác",
            "none": "Không gửi được"}
FILTERS = ("recipient", "task", "channel")


@dataclass
class MessagePage:
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    page: int = 1
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)


def _task_ids(words: str):
    """The tasks a "task" filter names: its id, or titles holding the folded words."""
    from sqlalchemy import or_, select

    from store.models import Task

    folded = ascii_fold(words)
    return select(Task.id).where(or_(Task.id == words.strip(), Task.title_fold.contains(folded, autoescape=True)))


def _deliveries(filters: dict[str, str]):
    from sqlalchemy import or_, select

    from store.models import Delivery

    query = select(Delivery).where(Delivery.parent_key.is_(None))
    if filters.get("recipient"):
        query = query.where(Delivery.recipient == filters["recipient"])
    if filters.get("channel") in CHANNELS:
        query = query.where(Delivery.channel == filters["channel"])
    if filters.get("task"):
        query = query.where(or_(Delivery.subject_id == filters["task"].strip(),
                                Delivery.subject_id.in_(_task_ids(filters["task"]))))
    return query


def _texts_alone(filters: dict[str, str]):
    """Outbox texts stored without their delivery's key (before it was recorded)."""
    from sqlalchemy import select

    from store.models import OutboxMessage

    query = select(OutboxMessage).where(OutboxMessage.delivery_key.is_(None))
    if filters.get("channel") and filters["channel"] != "outbox":
        return None
    if filters.get("recipient"):
        query = query.where(OutboxMessage.recipient == filters["recipient"])
    if filters.get("task"):
        query = query.where(OutboxMessage.title.ilike(f"%{filters['task'].strip()}%"))
    return query


def message_page(database_url: str, config, filters: dict[str, str], page: int = 1,
                 size: int = PAGE_SIZE) -> MessagePage:
    from sqlalchemy import func, select

    from store.db import session_scope
    from store.models import Delivery, OutboxMessage

    out = MessagePage(page=max(page, 1), size=size)
    start = (out.page - 1) * size
    logged, alone = _deliveries(filters), _texts_alone(filters)
    with session_scope(database_url) as session:
        count = lambda q: session.scalar(select(func.count()).select_from(q.subquery())) or 0  # noqa: E731
        in_log = count(logged)
        out.total = in_log + (count(alone) if alone is not None else 0)
        found = list(session.scalars(logged.order_by(Delivery.id.desc()).limit(size).offset(start)))
        rows = _with_texts(session, found)
        if alone is not None and len(rows) < size:
            skip = max(start - in_log, 0)
            rows += [_text_row(m) for m in session.scalars(alone.order_by(OutboxMessage.id.desc())
                                                           .limit(size - len(rows)).offset(skip))]
        out.rows = _named(session, config, rows)
    return out


def _with_texts(session, found) -> list[dict[str, Any]]:
    """Each message with its text (when stored) and its tries channel by channel."""
    from sqlalchemy import select

    from store.models import Delivery, OutboxMessage

    keys = [d.key for d in found]
    texts = {m.delivery_key: m for m in session.scalars(
        select(OutboxMessage).where(OutboxMessage.delivery_key.in_(keys)).order_by(OutboxMessage.id))} if keys else {}
    tries: dict[str, list[dict]] = {}
    for t in (session.scalars(select(Delivery).where(Delivery.parent_key.in_(keys)).order_by(Delivery.id))
              if keys else []):
        tries.setdefault(t.parent_key, []).append({"channel": t.channel, "status": t.status, "error": t.error})
    rows = []
    for d in found:
        text = texts.get(d.key)
        rows.append({"at": d.sent_at or d.created_at, "subject_id": d.subject_id, "recipient": d.recipient,
                     "channel": d.channel or "", "status": d.status, "step": step_label(d.step), "error": d.error,
                     "title": text.title if text else "", "body": text.body if text else None,
                     "tries": tries.get(d.key, [])})
    return rows


def _text_row(m) -> dict[str, Any]:
    return {"at": m.created_at, "subject_id": "", "recipient": m.recipient, "channel": "outbox", "status": "sent",
            "step": "", "error": "", "title": m.title, "body": m.body, "tries": []}


def _named(session, config, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Recipients and subjects in words: a unit's, an official's or a person's name,
    the task's title, "Sự cố số N"."""
    from sqlalchemy import select

    from store.models import Person, Task

    people = {f"person:{p.id}": p.name for p in session.scalars(select(Person).where(Person.id.in_(
        [_person_id(r["recipient"]) for r in rows if _person_id(r["recipient"]) is not None])))}
    titles = dict(session.execute(select(Task.id, Task.title).where(
        Task.id.in_({r["subject_id"] for r in rows if r["subject_id"]}))).all())
    boxes = _outbox_names(config)
    for r in rows:
        r["recipient_name"] = (people.get(r["recipient"]) or boxes.get(r["recipient"])
                               or recipient_name(config, r["recipient"]))
        r["subject"] = subject_label(r["subject_id"], titles) if r["subject_id"] else ""
        r["is_task"] = r["subject_id"] in titles
        r["channel_name"] = CHANNELS.get(r["channel"], "Đang chờ gửi" if not r["channel"] else r["channel"])
    return rows


def _outbox_names(config) -> dict[str, str]:
    """A text stored before its delivery's key was: named by the outbox:// address the
    directory gives a unit or an official ("outbox://phong-vhxh" -> its unit's name)."""
    d = config.directory
    return {t.split("://", 1)[1].split("?")[0]: who.name for who in (*d.units, *d.officials)
            for t in who.targets if t.startswith("outbox://")}


def _person_id(key: str) -> int | None:
    head, _, number = (key or "").partition(":")
    return int(number) if head == "person" and number.isdigit() else None


def recipients(database_url: str, config) -> list[tuple[str, list[tuple[str, str]]]]:
    """The recipient filter's choices, grouped: units, officials, the supervisors, people."""
    from sqlalchemy import select

    from domain.recipients import SUPERVISORS_KEY
    from store.db import session_scope
    from store.models import Person

    d = config.directory
    with session_scope(database_url) as session:
        people = [(f"person:{p.id}", p.name) for p in session.scalars(select(Person).order_by(Person.name))]
    return [("Đơn vị", [(u.key, u.name) for u in d.units]), ("Lãnh đạo", [(o.key, o.name) for o in d.officials]),
            ("Ban Chỉ đạo", [(SUPERVISORS_KEY, d.supervisors_name)]), ("Người nhận tin", people)]
