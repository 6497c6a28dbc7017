"""Engine and session factory. SQLite by default (WAL, so the web and the worker
can read while one writes), PostgreSQL through DONDOC_DATABASE_URL.

Several worker processes may write one SQLite file at once (`dondoc worker
--workers N`): `write_scope` queues the writers of every process on a lock file
beside the database and takes SQLite's write lock at BEGIN (IMMEDIATE), so what a
write reads is what it writes over; `retry_write` runs a unit of work again when a
concurrent insert won its key or the database stayed busy past its timeout (the
rows are keyed, so running the work again writes each row once).
"""
from __future__ import annotations

import fcntl
import os
import threading
import time
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from typing import Callable, Iterator, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")
BUSY_TIMEOUT_S = 30          # how long SQLite waits for another process's write lock
RETRY_ATTEMPTS = 5
# PostgreSQL's "try again" codes: serialization failure, deadlock detected.
_PG_RETRY_CODES = {"40001", "40P01"}


def normalise_url(url: str) -> str:
    # psycopg 3 is the driver we ship; accept the plain postgresql:// form operators write.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_size=PG_POOL_KEPT, max_overflow=PG_POOL_EXTRA)
    event.listen(engine.pool, "checkin", _idle_from)
    event.listen(engine.pool, "checkout", _ping_if_idle(engine.dialect))
    return engine


# PostgreSQL connections a process keeps open, and how many more it may open at a peak
# (closed again when let go). SQLAlchemy's 5 + 10: in a burst of reminders (32 sender
# threads a process) the 10 extra were opened and closed again and again, each a
# server process forked and ended -- about a millisecond of PostgreSQL's CPU per step.
# Kept 10 + 5: the same 15 at most a process, far fewer new connections.
PG_POOL_KEPT, PG_POOL_EXTRA = 10, 5

# A pooled PostgreSQL connection is pinged before use only when it has sat idle this
# long: a server restart or a dropped link shows on the first use after a quiet night,
# not in the middle of a burst of reminders. SQLAlchemy's pool_pre_ping pinged at every
# checkout -- a round trip before each of a reminder's transactions, a sixth of its
# database CPU then. A connection that dies while hot fails one statement; SQLAlchemy then
# drops the whole pool and retry_write runs the work again on a new connection.
IDLE_PING_S = 10.0


def _idle_from(_dbapi_conn, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dialect):
    def checkout(dbapi_conn, record, _proxy) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_S:
            return
        try:
            alive = dialect.do_ping(dbapi_conn)
        except Exception as exc:  # noqa: BLE001 - any failure means: not usable
            raise DisconnectionError(str(exc)) from exc
        if not alive:
            raise DisconnectionError("the connection did not answer")  # the pool connects anew

    return checkout


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
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


def is_sqlite(url: str) -> bool:
    return normalise_url(url).startswith("sqlite")


def dialect_insert(dialect_name: str, table):
    """The INSERT of the store's dialect, with ON CONFLICT (SQLite or PostgreSQL): for
    writes that must be one atomic statement whether the row is there or not."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (sqlite.insert if dialect_name == "sqlite" else postgresql.insert)(table)


@lru_cache(maxsize=8)
def _write_lock(url: str) -> threading.Lock:
    return threading.Lock()


class _FileLock:
    """An exclusive flock on a file beside the database, shared by every process that
    writes it. Writers wait in the kernel and are woken when the lock is let go,
    instead of polling SQLite's busy handler (sleeps of up to 100 ms). One per process
    and database; the thread lock in front of it lets one thread at a time reach it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd: int | None = None

    def __enter__(self) -> "_FileLock":
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)


@lru_cache(maxsize=8)
def _file_lock(url: str) -> _FileLock | None:
    """The lock file of an SQLite database on disk (None in memory, or when its folder
    cannot hold one)."""
    database = make_url(normalise_url(url)).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    folder = os.path.dirname(os.path.abspath(database))
    if not os.access(folder, os.W_OK):
        return None
    return _FileLock(os.path.abspath(database) + ".write-lock")


@contextmanager
def write_scope(url: str) -> Iterator[Session]:
    """A unit of work that writes. On SQLite, one writer at a time: per process on a
    thread lock, across processes on a lock file, both held until the commit. SQLite
    allows one writer anyway, and its own busy handler makes the others poll with
    sleeps of up to 100 ms -- under a burst of sends (hundreds of reminders due at once)
    that sleeping was most of the delay. The transaction takes the write lock at BEGIN
    (IMMEDIATE): a read then a write in it cannot be overtaken by another process's
    write in between (a counter read, then written back, loses nothing). Writers that
    do not come through here (the web, the CLI) meet SQLite's busy timeout."""
    if not is_sqlite(url):
        with session_scope(url) as session:
            yield session
        return
    with _write_lock(url), (_file_lock(url) or nullcontext()), session_scope(url) as session:
        session.execute(text("BEGIN IMMEDIATE"))
        yield session


def retryable(exc: BaseException) -> bool:
    """A write that may succeed when run again: a concurrent insert won the key, SQLite
    stayed locked past its busy timeout, PostgreSQL asked for a retry, the connection
    was lost."""
    if isinstance(exc, IntegrityError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    if exc.connection_invalidated:  # the connection was lost: the pool makes a new one
        return True
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    message = str(exc.orig).lower()
    return code in _PG_RETRY_CODES or "database is locked" in message or "database is busy" in message


def retry_write(url: str, work: Callable[[Session], T], attempts: int = RETRY_ATTEMPTS) -> T:
    """``work(session)`` in one write transaction, run again (a fresh transaction, so
    keyed rows are written once) while it fails in a way another try may cure."""
    for attempt in range(1, attempts + 1):
        try:
            with write_scope(url) as session:
                return work(session)
        except (IntegrityError, OperationalError) as exc:
            if attempt == attempts or not retryable(exc):
                raise
            time.sleep(min(0.05 * 2 ** (attempt - 1), 1.0))
    raise AssertionError("unreachable")
