"""Login back-off, per account and per client address.

After FREE_FAILURES failed logins in a row for an account (ADDRESS_FREE_FAILURES from
one client address: an office's machines often share one), each further attempt must
wait 2^(n - free) seconds, at most MAX_WAIT_S. During the wait no password is checked
at all: the right one is refused too, so guessing gains nothing.

Every attempt is counted *before* its password is checked, so parallel guesses cannot
slip through while the first ones are still being hashed; a success takes its count
back (and clears the account's). Counts are forgotten FORGET_AFTER the last wait ends.

Accounts in the ``users`` table keep their count in the row (every web instance
sees it); configured users, unknown names and client addresses are counted in this
process's memory. An unknown name is counted exactly like a known one, so the
back-off never tells which names exist.
"""
from __future__ import annotations

import math
import threading
from datetime import datetime, timedelta, timezone

FREE_FAILURES = 5
ADDRESS_FREE_FAILURES = 10
MAX_WAIT_S = 15 * 60
FORGET_AFTER = timedelta(hours=1)
MAX_KEYS = 10_000           # memory bound: the oldest entries go first


def clock() -> datetime:
    """Now, in UTC (tests replace it)."""
    return datetime.now(timezone.utc)


def delay_s(failures: int, free: int = FREE_FAILURES) -> int:
    """How long to wait after ``failures`` failures in a row: 0, then 1, 2, 4 ... 900 s."""
    if failures < free:
        return 0
    return min(2 ** min(failures - free, 20), MAX_WAIT_S)


def _current(count: int, last: datetime | None, now: datetime, free: int) -> int:
    """The count still remembered at ``now``."""
    if not count or last is None:
        return 0
    return 0 if now >= last + timedelta(seconds=delay_s(count, free)) + FORGET_AFTER else count


def _remaining(count: int, last: datetime | None, now: datetime, free: int) -> float:
    if not count or last is None:
        return 0.0
    return max(0.0, (last + timedelta(seconds=delay_s(count, free)) - now).total_seconds())


def wait_words(seconds: float) -> str:
    """A wait in Vietnamese words: "1 giây", "2 phút 8 giây", "15 phút"."""
    whole = max(1, math.ceil(seconds))
    minutes, rest = divmod(whole, 60)
    return " ".join(([f"{minutes} phút"] if minutes else []) + ([f"{rest} giây"] if rest else []))


class Book:
    """Counts in memory, keyed by a name or an address."""

    def __init__(self, free: int):
        self.free = free
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[int, datetime]] = {}

    def begin(self, key: str, now: datetime) -> float:
        """Seconds still to wait (nothing counted), or 0 with this attempt counted."""
        with self._lock:
            count, last = self._seen.get(key, (0, None))
            count = _current(count, last, now, self.free)
            wait = _remaining(count, last, now, self.free)
            if wait:
                return wait
            self._seen.pop(key, None)
            self._seen[key] = (count + 1, now)
            if len(self._seen) > MAX_KEYS:
                self._seen.pop(next(iter(self._seen)))
            return 0.0

    def take_back(self, key: str) -> None:
        """An attempt counted by begin() that did not fail after all."""
        with self._lock:
            count, last = self._seen.get(key, (0, None))
            if count > 1:
                self._seen[key] = (count - 1, last)
            else:
                self._seen.pop(key, None)

    def clear(self, key: str) -> None:
        with self._lock:
            self._seen.pop(key, None)


class Throttle:
    """The back-off of one web application (kept in ``app.state.throttle``)."""

    def __init__(self):
        self.accounts = Book(FREE_FAILURES)
        self.addresses = Book(ADDRESS_FREE_FAILURES)

    def begin(self, database_url: str, address: str, username: str, now: datetime) -> float:
        """Before checking a password: seconds to wait, or 0 (the attempt is counted)."""
        wait = self.addresses.begin(address, now)
        if wait:
            return wait
        wait = _row_begin(database_url, username, now)
        if wait is None:
            wait = self.accounts.begin(username, now)
        if wait:
            self.addresses.take_back(address)
        return wait

    def succeeded(self, database_url: str, address: str, username: str) -> None:
        self.addresses.take_back(address)
        self.accounts.clear(username)
        _row_clear(database_url, username)


def _row_begin(database_url: str, username: str, now: datetime) -> float | None:
    """begin() for an account in the users table; None when there is no such row.
    A compare-and-set on the count, so two instances never both take the last free try."""
    from sqlalchemy import select, update

    from store.db import session_scope
    from store.models import User

    for _ in range(5):
        with session_scope(database_url) as session:
            row = session.execute(select(User.id, User.failed_logins, User.last_failed_login_at)
                                  .where(User.username == username)).first()
            if row is None:
                return None
            count = _current(row.failed_logins, row.last_failed_login_at, now, FREE_FAILURES)
            wait = _remaining(count, row.last_failed_login_at, now, FREE_FAILURES)
            if wait:
                return wait
            done = session.execute(
                update(User).where(User.id == row.id, User.failed_logins == row.failed_logins)
                .values(failed_logins=count + 1, last_failed_login_at=now)
                .execution_options(synchronize_session=False))
            if done.rowcount:
                return 0.0
    return 1.0  # many attempts at this very moment: ask for a second's patience


def _row_clear(database_url: str, username: str) -> None:
    from sqlalchemy import update

    from store.db import session_scope
    from store.models import User

    with session_scope(database_url) as session:
        session.execute(update(User).where(User.username == username, User.failed_logins != 0)
                        .values(failed_logins=0, last_failed_login_at=None)
                        .execution_options(synchronize_session=False))
