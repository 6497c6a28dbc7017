"""Engine and session factory. SQLite by default (WAL, so the web and the worker
can read while one writes), PostgreSQL through DONDOC_DATABASE_URL."""
from __future__ import annotations

import threading
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def normalise_url(url: str) -> str:
    # psycopg 3 is the driver we ship; accept the plain postgresql:// form operators write.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


@lru_cache(maxsize=8)
def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(make_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@lru_cache(maxsize=8)
def _write_lock(url: str) -> threading.Lock:
    return threading.Lock()


@contextmanager
def write_scope(url: str) -> Iterator[Session]:
    """A unit of work that writes. On SQLite, one writer at a time per process,
    queued on a lock held until the commit: SQLite allows one writer anyway, and its
    own busy handler makes the others poll with sleeps of up to 100 ms -- under a burst
    of sends (hundreds of reminders due at once) that sleeping was most of the delay.
    Other processes (web, CLI) still meet the busy handler, rarely."""
    lock = _write_lock(url) if normalise_url(url).startswith("sqlite") else nullcontext()
    with lock, session_scope(url) as session:
        yield session
