"""PostgreSQL connections lost while pooled (store/db.py): a connection idle past
IDLE_PING_S is pinged before use and replaced when dead; a hot one is used without a
ping; a write that meets a dead connection runs again on a new one (retry_write).
Against the real test PostgreSQL, its backends ended with pg_terminate_backend."""
from __future__ import annotations

from sqlalchemy import text

import store.db as db
from store.db import make_engine, retry_write, session_scope

PID = text("SELECT pg_backend_pid()")


def _terminate(url: str, pid: int) -> None:
    admin = make_engine(url)
    with admin.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar() is True
    admin.dispose()


def _counting_pings(engine) -> list[int]:
    calls: list[int] = []
    real = engine.dialect.do_ping

    def ping(dbapi_conn):
        calls.append(1)
        return real(dbapi_conn)

    engine.dialect.do_ping = ping  # the checkout listener calls the dialect's do_ping
    return calls


def test_a_hot_connection_is_used_without_a_ping(postgres_url, monkeypatch):
    monkeypatch.setattr(db, "IDLE_PING_S", 3600.0)
    engine = make_engine(postgres_url)
    pings = _counting_pings(engine)
    pids = set()
    for _ in range(5):
        with engine.connect() as conn:
            pids.add(conn.execute(PID).scalar())
    assert len(pids) == 1 and pings == []
    engine.dispose()


def test_an_idle_connection_found_dead_is_replaced_before_use(postgres_url, monkeypatch):
    engine = make_engine(postgres_url)
    pings = _counting_pings(engine)
    with engine.connect() as conn:
        first = conn.execute(PID).scalar()
    _terminate(postgres_url, first)
    monkeypatch.setattr(db, "IDLE_PING_S", 0.0)  # every pooled connection counts as idle
    with engine.connect() as conn:
        second = conn.execute(PID).scalar()
    assert second != first and pings  # pinged, found dead, a new connection used
    engine.dispose()


def test_a_write_that_meets_a_dead_connection_runs_again(postgres_url, monkeypatch):
    monkeypatch.setattr(db, "IDLE_PING_S", 3600.0)  # no ping: the statement itself finds it dead
    with session_scope(postgres_url) as s:
        first = s.execute(PID).scalar()
    _terminate(postgres_url, first)
    runs: list[int] = []

    def work(session):
        runs.append(1)
        return session.execute(PID).scalar()

    second = retry_write(postgres_url, work)
    assert second != first and len(runs) == 2


def test_a_burst_keeps_its_connections_open(postgres_url):
    """Ten connections used at once are all kept for the next burst (not closed but five),
    and no more than fifteen are ever open."""
    engine = make_engine(postgres_url)
    held = [engine.connect() for _ in range(db.PG_POOL_KEPT + db.PG_POOL_EXTRA)]
    assert engine.pool.overflow() == db.PG_POOL_EXTRA
    for conn in held:
        conn.close()
    assert engine.pool.checkedin() == db.PG_POOL_KEPT == 10
    assert db.PG_POOL_KEPT + db.PG_POOL_EXTRA == 15  # a process's most, as before (5 + 10)
    engine.dispose()
