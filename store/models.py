"""The SQL store: directory snapshot, task catalogue, event log and projections.

Temporal owns each task's life; this store holds what people read (dashboard,
reports) and the delivery log that makes every send idempotent. All instants are
timezone-aware UTC (see UtcDateTime).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, TypeDecorator, UniqueConstraint,
                        event, true)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from domain.text import ascii_fold


class UtcDateTime(TypeDecorator):
    """Stores aware datetimes as UTC; SQLite drops the zone, so put it back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use aware UTC")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Plan(Base):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(500), unique=True)
    source: Mapped[str] = mapped_column(String(500), default="")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    tasks: Mapped[list[Task]] = relationship(back_populates="plan")


class Task(Base):
    __tablename__ = "tasks"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # = workflow id
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), index=True)
    stt: Mapped[str] = mapped_column(String(50), default="")
    section: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text)
    lead_units: Mapped[list[Any]] = mapped_column(default=list)          # unit keys
    coordinating_units: Mapped[list[Any]] = mapped_column(default=list)
    lead_official: Mapped[str | None] = mapped_column(String(200))
    advisers: Mapped[list[Any]] = mapped_column(default=list)
    output: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    deadline_raw: Mapped[str] = mapped_column(Text, default="")
    deadline_kind: Mapped[str] = mapped_column(String(20), default="unknown")  # once | recurring | unknown
    due: Mapped[date | None] = mapped_column(Date, index=True)
    every: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open | completed | cancelled
    result: Mapped[str | None] = mapped_column(String(20))                        # early | on_time | late
    completed_on: Mapped[date | None] = mapped_column(Date)
    evidence: Mapped[dict[str, Any] | None] = mapped_column()
    level: Mapped[int] = mapped_column(Integer, default=0)                          # escalation level reached
    unassigned: Mapped[bool] = mapped_column(default=False)                        # went to the standing office
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # ascii_fold(title): what the dashboard's search matches ("du lieu" finds "dữ liệu") with a LIKE
    # (kept by the ORM events below; NULL for rows written behind the ORM: the title is matched).
    title_fold: Mapped[str | None] = mapped_column(Text, default=None)
    # The parent of a group task's child ("<parent id>/<unit>") or of a plan imported under a task.
    parent_id: Mapped[str | None] = mapped_column(String(200), index=True, default=None)
    plan: Mapped[Plan | None] = relationship(back_populates="tasks")
    cycles: Mapped[list[Cycle]] = relationship(back_populates="task", order_by="Cycle.due")


@event.listens_for(Task, "before_insert")
@event.listens_for(Task, "before_update")
def _fold_title(mapper, connection, task: Task) -> None:
    task.title_fold = fold_title(task.title)


def fold_title(title: str | None) -> str:
    """What tasks.title_fold holds for a title (the search compares folded words); Core
    writes of the tasks table set it themselves, the ORM through _fold_title."""
    return ascii_fold(title or "")


class Cycle(Base):
    """One report period of a recurring task (a month or a year)."""

    __tablename__ = "cycles"
    __table_args__ = (UniqueConstraint("task_id", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"), index=True)
    period: Mapped[str] = mapped_column(String(30))        # "2026-05", "2026", or a drill counter
    due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | reported | missed
    result: Mapped[str | None] = mapped_column(String(20))
    reported_on: Mapped[date | None] = mapped_column(Date)
    evidence: Mapped[dict[str, Any] | None] = mapped_column()
    task: Mapped[Task] = relationship(back_populates="cycles")


class Indicator(Base):
    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("plan_id", "stt"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    stt: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(Text)
    target: Mapped[dict[str, Any]] = mapped_column(default=dict)
    responsible: Mapped[list[Any]] = mapped_column(default=list)
    result: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    workflow_id: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)  # what its links name


class Event(Base):
    """The timeline: every reminder, escalation, confirmation, extension, amendment."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_subject", "subject_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    subject_id: Mapped[str] = mapped_column(String(200))   # task or incident workflow id
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str | None] = mapped_column(String(300), unique=True)  # idempotency: a retried activity logs once
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Delivery(Base):
    """One message to one recipient on one channel. The idempotency key is the
    business identity (subject, cycle, step, recipient, channel), never a run id."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    subject_id: Mapped[str] = mapped_column(String(200), index=True)
    cycle: Mapped[str] = mapped_column(String(30), default="")
    step: Mapped[str] = mapped_column(String(60))
    recipient: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))       # zalo | email | outbox | ...
    target: Mapped[str] = mapped_column(Text, default="")  # the Apprise URL with secrets masked
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | sent | failed | skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    # NULL: this row is a message (its status is the outcome); else the key of the
    # message whose attempts on one channel this row counts.
    parent_key: Mapped[str | None] = mapped_column(String(400), index=True, default=None)

    @property
    def is_message(self) -> bool:
        return self.parent_key is None


class OutboxMessage(Base):
    """What the outbox:// channel 'sends': stored for people to read instead of delivered."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipient: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # The delivery (store.models.Delivery.key) this text was stored for: the message list
    # shows it under that delivery. NULL for texts stored before it was recorded.
    delivery_key: Mapped[str | None] = mapped_column(String(400), index=True, default=None)


class Incident(Base):
    __tablename__ = "incidents"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # = workflow id
    unit: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(30), default="")
    detected_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | reported
    result: Mapped[str | None] = mapped_column(String(20))          # on_time | late
    reported_at: Mapped[datetime | None] = mapped_column()
    report: Mapped[dict[str, Any] | None] = mapped_column()


class Report(Base):
    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # daily | weekly | period
    as_of: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    short_text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = mapped_column(Text, default="")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(30), default="admin")
    must_change_password: Mapped[bool] = mapped_column(default=False)  # the printed one-time password
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Sessions carry this number: raising it (logout, new password, new role, deactivation)
    # ends every session of the user at once (web/users.py).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Failed logins in a row, for the back-off (web/throttle.py); reset by a good login.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    last_failed_login_at: Mapped[datetime | None] = mapped_column()


# -- people and their channels ---------------------------------------------------------
# The directory's units come from the TOML file; people are kept here because they
# change every week (someone joins, a phone is replaced) and sign up themselves.

class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="officer")  # officer | lead | supervisor | office
    email: Mapped[str | None] = mapped_column(String(320))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    units: Mapped[list[PersonUnit]] = relationship(cascade="all, delete-orphan", order_by="PersonUnit.position")
    zalo: Mapped[ZaloLink | None] = relationship(cascade="all, delete-orphan")


class PersonUnit(Base):
    """A person's membership of one directory unit (a unit key of the TOML file)."""

    __tablename__ = "person_units"
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    unit_key: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # the order the office gave them


class ZaloLink(Base):
    """The one Zalo chat a person receives messages in, learnt from their sign-up message."""

    __tablename__ = "zalo_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    chat_id: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    broken: Mapped[bool] = mapped_column(default=False)       # sends to it are refused
    broken_reason: Mapped[str] = mapped_column(Text, default="")


class SignupCode(Base):
    """A one-time sign-up code. Only its hash is kept: a database reader cannot link a chat."""

    __tablename__ = "signup_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    used_by_chat: Mapped[str | None] = mapped_column(String(100))


class ZaloAttempt(Base):
    """Wrong codes one chat sent in the current window: guessing is slowed down per chat."""

    __tablename__ = "zalo_attempts"
    chat_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_start: Mapped[datetime] = mapped_column()
    count: Mapped[int] = mapped_column(Integer, default=0)


class LinkRecord(Base):
    """A link sent in a message: the URL carries only this row's opaque id (signed), so
    a forwarded message reveals nothing of the task or the recipient, and the standing
    office can revoke one link without touching the others (store/links.py)."""

    __tablename__ = "links"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(200), index=True)
    cycle: Mapped[str] = mapped_column(String(30), default="")
    recipient: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by: Mapped[str] = mapped_column(String(100), default="")

import store.indicator_models, store.group_models  # noqa: E401,E402,F401 (indicator_values, unit_groups: on Base's metadata)
