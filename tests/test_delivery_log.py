"""activities/delivery_log.py on both databases: each write adds its attempt to the
row, the last status wins, and "already sent?" is answered by the delivery's row or,
after a crash between the channel's answer and that row, by the channel's row."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from activities.delivery_log import RowWrite, sent_in, transaction, write_row
from contracts.delivery import DeliverRequest, Recipient
from store.models import Delivery
from store.db import session_scope

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)
KEY = "task/log/1||due|so-khcn"
REQ = DeliverRequest(subject_id="task/log/1", cycle="", step="due", kind="reminder",
                     recipient=Recipient(key="so-khcn", name="Sở KH&CN", level="unit"))

# (writes: (suffix, status, error, counts an attempt)), then the rows expected: {suffix: (status, attempts, error, sent)}
CASES = [
    ("sent at the first try",
     [("|zalo", "pending", "", True), ("|zalo", "sent", "", False), ("", "sent", "", True)],
     {"|zalo": ("sent", 1, "", True), "": ("sent", 1, "", True)}),
    ("zalo fails, email takes it",
     [("|zalo", "pending", "", True), ("|zalo", "failed", "HTTP 500", False), ("|email", "pending", "", True),
      ("|email", "sent", "", False), ("", "sent", "zalo: HTTP 500", True)],
     {"|zalo": ("failed", 1, "HTTP 500", False), "|email": ("sent", 1, "", True),
      "": ("sent", 1, "zalo: HTTP 500", True)}),
    ("three attempts, then given up",
     [("|zalo", "pending", "", True), ("", "pending", "a", True)] * 3 + [("", "failed", "a", False)],
     {"|zalo": ("pending", 3, "", False), "": ("failed", 3, "a", False)}),
]


@pytest.mark.parametrize("name,writes,expected", CASES, ids=[c[0] for c in CASES])
def test_rows_count_attempts_and_keep_the_last_status(db_url, name, writes, expected):
    returned = []
    for i, (suffix, status, error, attempt) in enumerate(writes):
        w = RowWrite(KEY + suffix, suffix.strip("|") or "zalo", "zalo://***", status, error, attempt,
                     parent=KEY if suffix else None)
        returned.append(transaction(db_url, lambda s, w=w, i=i: write_row(s, REQ, w, NOW + timedelta(seconds=i))))
    with session_scope(db_url) as s:
        rows = {r.key[len(KEY):]: r for r in s.scalars(select(Delivery))}
    got = {k: (r.status, r.attempts, r.error, r.sent_at is not None) for k, r in rows.items()}
    assert got == expected
    assert all(r.parent_key == (KEY if k else None) for k, r in rows.items())
    assert returned[-1].attempts == expected[writes[-1][0]][1]


def test_already_sent_is_found_by_the_delivery_or_by_its_channel(db_url):
    assert transaction(db_url, lambda s: sent_in(s, KEY)) is None
    for w in (RowWrite(KEY + "|zalo", "zalo", "zalo://***", "pending", "", True, parent=KEY),
              RowWrite(KEY, "", "", "pending", "", True),
              RowWrite(KEY + "|zalo", "zalo", "zalo://***", "sent", "", False, parent=KEY)):
        transaction(db_url, lambda s, w=w: write_row(s, REQ, w, NOW))
    # The crash: the channel took it, the delivery's row still says pending.
    found = transaction(db_url, lambda s: sent_in(s, KEY))
    assert (found.key, found.status, found.channel) == (KEY, "sent", "zalo")
    with session_scope(db_url) as s:
        row = s.scalar(select(Delivery).where(Delivery.key == KEY))
    assert (row.status, row.channel, row.attempts) == ("sent", "zalo", 1)
    assert transaction(db_url, lambda s: sent_in(s, KEY)).status == "sent"


def test_a_sent_channel_row_without_the_delivery_row_makes_it(db_url):
    transaction(db_url, lambda s: write_row(s, REQ, RowWrite(KEY + "|email", "email", "mailto://***", "sent", "",
                                                             True, parent=KEY), NOW))
    found = transaction(db_url, lambda s: sent_in(s, KEY))
    assert (found.status, found.channel, found.attempts) == ("sent", "email", 1)
    with session_scope(db_url) as s:
        assert s.scalar(select(Delivery.status).where(Delivery.key == KEY)) == "sent"
