"""The store on SQLite and PostgreSQL: migrations, aware UTC instants, JSON, uniqueness."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from store.db import make_engine, session_scope
from store.migrate import current_is_head, upgrade
from store.models import Base, Delivery, Event, Plan, Task

VN = timezone(timedelta(hours=7))


def test_migrations_build_every_table(db_url):
    # db_url has tables from create_all; the migration must produce the same set on a fresh db.
    engine = make_engine(db_url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
    upgrade(db_url)
    assert current_is_head(db_url)
    tables = set(inspect(make_engine(db_url)).get_table_names())
    assert set(Base.metadata.tables) <= tables
    upgrade(db_url)  # idempotent: a restart applies nothing twice
    assert current_is_head(db_url)


def test_instants_come_back_aware_utc(db_url):
    local = datetime(2026, 3, 31, 16, 0, tzinfo=VN)
    with session_scope(db_url) as s:
        plan = Plan(name="Thông báo số 01-TB/BCĐ", source="seed")
        s.add(plan)
        s.flush()
        s.add(Task(id="task/x/1", plan_id=plan.id, stt="1", title="Nhiệm vụ thử", due=date(2026, 3, 31),
                   lead_units=["vhxh"], evidence={"document_number": "12/KH-UBND"}, created_at=local))
    with session_scope(db_url) as s:
        task = s.get(Task, "task/x/1")
        assert task.created_at == local
        assert task.created_at.utcoffset() == timedelta(0)
        assert task.created_at.hour == 9
        assert task.lead_units == ["vhxh"]
        assert task.evidence["document_number"] == "12/KH-UBND"
        assert task.plan.name == "Thông báo số 01-TB/BCĐ"


def test_naive_datetimes_are_refused(db_url):
    with pytest.raises(Exception, match="naive datetime"):
        with session_scope(db_url) as s:
            s.add(Event(subject_id="task/x/1", kind="reminder", at=datetime(2026, 1, 1, 8, 0)))


def test_delivery_key_is_unique(db_url):
    row = dict(subject_id="task/x/1", cycle="", step="before-7", recipient="vhxh", channel="zalo")
    with session_scope(db_url) as s:
        s.add(Delivery(key="task/x/1||before-7|vhxh|zalo", **row))
    with pytest.raises(IntegrityError):
        with session_scope(db_url) as s:
            s.add(Delivery(key="task/x/1||before-7|vhxh|zalo", **row))
    with session_scope(db_url) as s:
        assert len(s.scalars(select(Delivery)).all()) == 1


def test_migration_0002_names_each_attempt_row_s_message(db_url):
    """Rows written before the parent_key column: the migration fills it from the keys
    (a message has none; a channel's row points at its message)."""
    from alembic import command
    from sqlalchemy import text

    from store.migrate import alembic_config

    engine = make_engine(db_url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
    command.upgrade(alembic_config(db_url), "0001")
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    rows = [("task/1||due|vhxh", None), ("task/1||due|vhxh|zalo", "task/1||due|vhxh"),
            ("task/1||due|vhxh|email2", "task/1||due|vhxh"), ("incident/3||alert|ca", None)]
    with make_engine(db_url).begin() as conn:
        for key, _ in rows:
            conn.execute(text("INSERT INTO deliveries (key, subject_id, cycle, step, recipient, channel, target, "
                              "status, attempts, error, created_at) VALUES (:k, 's', '', 'due', 'r', 'zalo', '', "
                              "'sent', 1, '', :t)"), {"k": key, "t": now})
    upgrade(db_url)
    with session_scope(db_url) as s:
        found = {d.key: (d.parent_key, d.is_message) for d in s.scalars(select(Delivery))}
    assert found == {key: (parent, parent is None) for key, parent in rows}
