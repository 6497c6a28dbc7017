"""Point 5: after repeated failed logins, per account and per client address, each
attempt must wait 2^(n-5) seconds (at most 15 minutes), said in Vietnamese words;
the right password during the wait is refused too. An unknown name costs the same
hash work as a known one and is throttled the same way (nothing tells them apart)."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

import web.passwords as passwords
import web.throttle as throttle
from security.helpers import ADMIN_PW, add_user, login
from store.db import session_scope
from store.models import User


pytestmark = pytest.mark.real_password_cost  # these check the product's own cost


class Clock:
    def __init__(self):
        self.now = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now

    def advance(self, seconds: float):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    found = Clock()
    monkeypatch.setattr(throttle, "clock", found)
    return found


def test_the_policy_in_numbers_and_words():
    assert [throttle.delay_s(n) for n in (0, 4, 5, 6, 7, 12, 15, 40)] == [0, 0, 1, 2, 4, 128, 900, 900]
    assert throttle.wait_words(1) == "1 giây" and throttle.wait_words(0.2) == "1 giây"
    assert throttle.wait_words(128) == "2 phút 8 giây" and throttle.wait_words(900) == "15 phút"


def fail(client, username, times):
    for _ in range(times):
        page = login(client, username, "sai-mat-khau")
        assert page.status_code == 401 and "không đúng" in page.text


def test_account_back_off_refuses_even_the_right_password(site, clock):
    client = site.client()
    fail(client, "quantri", 5)
    page = login(client, "quantri", ADMIN_PW)
    assert page.status_code == 429 and page.headers["retry-after"] == "1"
    assert "Đăng nhập sai quá nhiều lần. Vui lòng đợi 1 giây" in page.text
    assert "dondoc_session" not in page.headers.get("set-cookie", "")
    with session_scope(site.url) as s:  # kept in the row: every web instance sees it
        assert s.query(User).filter_by(username="quantri").one().failed_logins == 5
    clock.advance(1)
    fail(client, "quantri", 1)                        # the 6th failure: now 2 s
    page = login(client, "quantri", ADMIN_PW)
    assert page.status_code == 429 and "Vui lòng đợi 2 giây" in page.text
    clock.advance(2)
    assert login(client, "quantri", ADMIN_PW).status_code == 303
    with session_scope(site.url) as s:
        assert s.query(User).filter_by(username="quantri").one().failed_logins == 0


def test_long_waits_are_said_in_minutes_and_capped(site, clock):
    with session_scope(site.url) as s:
        user = s.query(User).filter_by(username="quantri").one()
        user.failed_logins, user.last_failed_login_at = 12, clock.now
    page = login(site.client(), "quantri", ADMIN_PW)
    assert page.status_code == 429 and "Vui lòng đợi 2 phút 8 giây" in page.text
    with session_scope(site.url) as s:
        s.query(User).filter_by(username="quantri").one().failed_logins = 30
    page = login(site.client(), "quantri", ADMIN_PW)
    assert page.status_code == 429 and "Vui lòng đợi 15 phút" in page.text
    assert page.headers["retry-after"] == "900"


def test_client_address_back_off_across_names(site, clock):
    """Ten failures from one address, each on another name: the address waits, for every name."""
    guesser = site.client("203.0.113.7")
    for n in range(throttle.ADDRESS_FREE_FAILURES):
        assert login(guesser, f"ten-{n}", "sai").status_code == 401
    page = login(guesser, "quantri", ADMIN_PW)
    assert page.status_code == 429 and "Vui lòng đợi 1 giây" in page.text
    assert login(site.client("198.51.100.2"), "quantri", ADMIN_PW).status_code == 303  # another address


def test_unknown_names_are_throttled_like_known_ones(site, clock):
    client = site.client()
    fail(client, "khong-co-ai", 5)
    page = login(client, "khong-co-ai", "bat-ky")
    assert page.status_code == 429 and "Vui lòng đợi 1 giây" in page.text


def test_unknown_user_costs_the_same_hash_work(site, clock, monkeypatch):
    calls = []
    real = passwords._scrypt

    def counting(password, salt, n, r, p, dklen):
        calls.append(n)
        return real(password, salt, n, r, p, dklen)

    monkeypatch.setattr(passwords, "_scrypt", counting)
    client = site.client()
    assert login(client, "khong-co-ai", "sai-mat-khau").status_code == 401
    assert calls == [passwords.SCRYPT_N]            # one full-cost check against the dummy hash
    calls.clear()
    assert login(client, "quantri", "sai-mat-khau").status_code == 401
    assert calls == [passwords.SCRYPT_N]
    calls.clear()
    assert login(client, "reader", "sai-mat-khau").status_code == 401   # configured, no password: same work
    assert calls == [passwords.SCRYPT_N]


def test_unknown_user_takes_as_long_as_a_known_one(site, clock):
    def timed(name):
        start = time.perf_counter()
        assert login(site.client(f"192.0.2.{len(name)}"), name, "sai-mat-khau").status_code == 401
        return time.perf_counter() - start

    known = min(timed("quantri") for _ in range(3))
    unknown = min(timed("khong-co-ai") for _ in range(3))
    assert unknown >= 0.5 * known, (unknown, known)


def test_parallel_guesses_cannot_outrun_the_count(site, clock):
    """Every attempt is counted before its password is checked."""
    guard = site.app.state.throttle
    waits = [guard.begin(site.url, "198.51.100.9", "quantri", clock.now) for _ in range(8)]
    assert waits[:5] == [0.0] * 5 and all(w > 0 for w in waits[5:])


def test_a_deactivated_or_old_user_row_counts_in_the_row(site, clock):
    add_user(site.url, "nghi", "mat-khau-cu-2026", "viewer", active=False)
    client = site.client()
    assert login(client, "nghi", "mat-khau-cu-2026").status_code == 401   # inactive: refused
    with session_scope(site.url) as s:
        assert s.query(User).filter_by(username="nghi").one().failed_logins == 1
