"""Point 12: scrypt at N=2^17 with a transparent re-hash of older hashes at login; a
refused start (exit 2, in Vietnamese) with a DONDOC_SECRET_KEY under 32 bytes; one
derived key for sessions and another for links, links signed with the raw secret
(sent before the split) still accepted until they expire."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from config.settings import derive_key, load_secret_key, secret_key_problem
from domain.links import make_link
from security.helpers import add_user, login
from store.db import session_scope
from store.models import Task, User
from web.passwords import hash_password, needs_rehash, verify_password
from web.users import CurrentUser, make_session

ROOT = Path(__file__).resolve().parents[2]
PW = "mat-khau-cu-tu-2025"


pytestmark = pytest.mark.real_password_cost  # these check the product's own cost


def old_hash(password: str) -> str:
    """What the previous version stored: scrypt at N=2^14."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def test_new_hashes_are_scrypt_n_2_17_and_say_so():
    stored = hash_password("mật khẩu")
    assert stored.startswith("scrypt$131072$8$1$") and verify_password("mật khẩu", stored)
    assert not needs_rehash(stored) and needs_rehash(old_hash("x"))
    assert verify_password("x", old_hash("x"))  # old hashes still verify


def test_old_hash_is_replaced_at_the_next_good_login(site):
    add_user(site.url, "cu", PW, "viewer", password_hash=old_hash(PW))
    assert login(site.client(), "cu", "sai-mat-khau").status_code == 401
    with session_scope(site.url) as s:
        assert s.query(User).filter_by(username="cu").one().password_hash.startswith("scrypt$16384$")
    assert login(site.client(), "cu", PW).status_code == 303
    with session_scope(site.url) as s:
        stored = s.query(User).filter_by(username="cu").one().password_hash
    assert stored.startswith("scrypt$131072$8$1$") and verify_password(PW, stored)
    assert login(site.client(), "cu", PW).status_code == 303


@pytest.mark.parametrize("command", ["web", "worker", "up"])
def test_a_short_secret_key_refuses_to_start(tmp_path, command):
    env = dict(os.environ, DONDOC_SECRET_KEY="ngan-qua-" + "x" * 20, DONDOC_DATA_DIR=str(tmp_path / "data"),
               DONDOC_WEB_PORT="1", DONDOC_TEMPORAL_ADDRESS="127.0.0.1:1")
    out = subprocess.run([sys.executable, "-m", "cli.main", command], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2, out.stderr
    assert "DONDOC_SECRET_KEY quá ngắn (29 byte)" in out.stderr and "ít nhất 32 byte" in out.stderr
    assert not (tmp_path / "data" / "temporal.sqlite3").exists()


def test_key_length_rules(tmp_path, monkeypatch):
    assert secret_key_problem({"DONDOC_SECRET_KEY": "k" * 31})
    assert secret_key_problem({"DONDOC_SECRET_KEY": "ặ" * 10}) is not None      # 10 characters, 30 bytes
    assert secret_key_problem({"DONDOC_SECRET_KEY": "k" * 32}) is None
    assert secret_key_problem({}) is None                                         # generated into the data folder
    monkeypatch.delenv("DONDOC_SECRET_KEY", raising=False)
    generated = load_secret_key(tmp_path)
    assert len(generated.encode()) >= 32 and (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_sessions_and_links_have_keys_of_their_own(site):
    s = site.settings
    assert s.session_key == hmac.new(s.secret_key.encode(), b"dondoc.key.v1|session", hashlib.sha256).hexdigest()
    assert s.link_key == derive_key(s.secret_key, "link")
    assert len({s.secret_key, s.session_key, s.link_key}) == 3
    admin = CurrentUser("quantri", "admin", version="0")
    for key, works in ((s.session_key, True), (s.secret_key, False), (s.link_key, False)):
        client = site.client()
        client.cookies.set("dondoc_session", make_session(key, admin))
        assert (client.get("/api/me").status_code == 200) is works, key == s.session_key


def test_link_pages_accept_the_link_key_and_old_raw_secret_links_only(site):
    with session_scope(site.url) as db:
        db.add(Task(id="kh/1", stt="1", title="Nhiệm vụ thử", lead_units=["vhxh"], deadline_kind="once",
                    due=datetime.now(timezone.utc).date() + timedelta(days=5)))
    s, later = site.settings, datetime.now(timezone.utc) + timedelta(days=3)

    def page(key):
        url = make_link(key, s.public_url, "kh/1", "", "vhxh", "confirm", expires_at=later)
        return site.client().get(url[len(s.public_url):])

    assert page(s.link_key).status_code == 200      # what the worker signs once it uses link_key
    assert page(s.secret_key).status_code == 200    # a link sent before the split
    forged = page(s.session_key)                    # another purpose's key is not a link key
    assert forged.status_code == 403 and "Đường dẫn không hợp lệ" in forged.text
