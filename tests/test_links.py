"""Signed links: round trip, tampering, wrong key, expiry, binding to task and cycle."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from domain.links import LinkError, make_link, make_token, token_from_url, verify

SECRET = "test-secret-key-0123456789"
NOW = datetime(2026, 6, 1, 1, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(days=30)


def link(**kw) -> str:
    args = dict(subject_id="ke-hoach-57/12", cycle="2026-06", recipient="phong-vhxh",
                purpose="confirm", expires_at=LATER)
    args.update(kw)
    return make_link(SECRET, "http://127.0.0.1:8000/", **args)


def test_round_trip():
    url = link()
    assert url.startswith("http://127.0.0.1:8000/c/")
    claims = verify(SECRET, token_from_url(url), NOW)
    assert (claims.subject_id, claims.cycle, claims.recipient, claims.purpose) == (
        "ke-hoach-57/12", "2026-06", "phong-vhxh", "confirm")
    assert claims.expires_at == LATER


@pytest.mark.parametrize("purpose,path", [("confirm", "/c/"), ("incident", "/i/"), ("report", "/r/"), ("extend", "/g/")])
def test_paths_by_purpose(purpose, path):
    url = link(purpose=purpose)
    assert path in url and verify(SECRET, token_from_url(url), NOW).purpose == purpose


def test_vietnamese_ids_survive():
    claims = verify(SECRET, token_from_url(link(recipient="Phòng Văn hóa - Xã hội")), NOW)
    assert claims.recipient == "Phòng Văn hóa - Xã hội"


def test_expiry_accepts_iso_text():
    token = make_token(SECRET, "t1", "", "u", "confirm", LATER.isoformat())
    assert verify(SECRET, token, NOW).expires_at == LATER


def test_naive_expiry_is_refused():
    with pytest.raises(ValueError):
        link(expires_at=datetime(2026, 7, 1))


def test_unknown_purpose_is_refused():
    with pytest.raises(ValueError):
        link(purpose="delete")


def reason(token: str, secret: str = SECRET, now: datetime = NOW) -> str:
    with pytest.raises(LinkError) as err:
        verify(secret, token, now)
    assert err.value.message and "Vui lòng" in err.value.message
    return err.value.reason


def altered(text: str, at: int) -> str:
    """One base64url character changed. Not the last one: its low bits may be padding,
    so some changes there decode to the same bytes (a test that passed by luck)."""
    return text[:at] + ("A" if text[at] != "A" else "Q") + text[at + 1:]


def test_altered_token_is_forged():
    token = token_from_url(link())
    payload, sig = token.rsplit(".", 1)
    assert reason(f"{altered(payload, len(payload) // 2)}.{sig}") == "forged"
    assert reason(f"{payload}.{altered(sig, len(sig) // 2)}") == "forged"
    assert reason(f"{payload}.{altered(sig, 0)}") == "forged"


def test_wrong_key_is_forged():
    assert reason(token_from_url(link()), secret="another-key") == "forged"


def test_expired():
    token = token_from_url(link())
    assert reason(token, now=LATER) == "expired"
    assert reason(token, now=LATER + timedelta(days=1)) == "expired"
    assert verify(SECRET, token, LATER - timedelta(seconds=1))


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "có-dấu.xyz", "x" * 10 + " " + "y"])
def test_malformed(token):
    assert reason(token) == "malformed"


def test_truncated_copy_is_not_accepted():
    token = token_from_url(link())
    assert reason(token[: len(token) // 2]) in {"malformed", "forged"}


def test_claims_are_bound_to_task_cycle_and_recipient():
    a = token_from_url(link(subject_id="task-1", cycle="2026-05"))
    b = token_from_url(link(subject_id="task-2", cycle="2026-05"))
    c = token_from_url(link(subject_id="task-1", cycle="2026-06"))
    d = token_from_url(link(subject_id="task-1", cycle="2026-05", recipient="lead"))
    assert len({a, b, c, d}) == 4
    assert (verify(SECRET, a, NOW).subject_id, verify(SECRET, a, NOW).cycle) == ("task-1", "2026-05")
    assert verify(SECRET, c, NOW).cycle == "2026-06"
    # Splicing one link's payload onto another's signature does not verify.
    assert reason(a.rsplit(".", 1)[0] + "." + b.rsplit(".", 1)[1]) == "forged"
