"""People in the store (SQLite and PostgreSQL) and `dondoc people ...` through the
installed entry point: add, invite, show, list, deactivate, exact JSON keys."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from config.loader import load_config
from domain import people as rules
from services.people import PeopleError, add_person, deactivate, invite, list_people, person_view
from store.db import session_scope
from store.models import SignupCode, ZaloLink

ROOT = Path(__file__).resolve().parents[1]
DONDOC = str(Path(sys.prefix) / "bin" / "dondoc")
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)  # 09:00 in Hà Nội
VIEW_KEYS = {"id", "name", "units", "role", "email", "zalo"}
ZALO_KEYS = {"linked", "linked_at", "broken"}


@pytest.fixture(scope="module")
def config():
    return load_config(None)


def test_add_matches_units_by_key_name_and_alias(db_url, config):
    pid = add_person(db_url, "  Nguyễn  Văn An ", ["vhxh", "Phòng Kinh tế đặc khu", "Phòng VH-XH"],
                     "officer", "an@example.vn", directory=config.directory)
    view = person_view(db_url, config, pid)
    assert VIEW_KEYS <= set(view) and ZALO_KEYS <= set(view["zalo"])
    assert view["name"] == "Nguyễn Văn An" and view["role"] == "officer" and view["email"] == "an@example.vn"
    assert view["units"] == ["Phòng Văn hóa - Xã hội", "Phòng Kinh tế"]  # given order, once each
    assert view["unit_keys"] == ["vhxh", "kinh-te"]
    assert view["zalo"] == {"linked": False, "linked_at": None, "broken": False, "display_name": None}
    assert person_view(db_url, config, pid + 1000) is None


@pytest.mark.parametrize("name, units, role, email, words", [
    ("", ["vhxh"], "officer", None, "họ tên"),
    ("Lê Văn C", ["Sở Không Có"], "officer", None, "Không thấy đơn vị 'Sở Không Có'"),
    ("Lê Văn C", [], "officer", None, "Chưa nêu đơn vị"),
    ("Lê Văn C", ["vhxh"], "boss", None, "Vai trò 'boss' không hợp lệ"),
    ("Lê Văn C", ["vhxh"], "officer", "khong-phai-email", "email"),
])
def test_add_refuses_in_vietnamese(sqlite_url, config, name, units, role, email, words):
    with pytest.raises(PeopleError, match=words):
        add_person(sqlite_url, name, units, role, email, directory=config.directory)


def test_office_defaults_to_the_standing_unit_and_duplicates_are_refused(db_url, config):
    pid = add_person(db_url, "Phạm Thị Dung", [], "office", directory=config.directory)
    assert person_view(db_url, config, pid)["unit_keys"] == [config.directory.standing_office]
    with pytest.raises(PeopleError, match=f"mã {pid}"):
        add_person(db_url, "phạm thị dung", [], "office", directory=config.directory)
    sup = add_person(db_url, "Hoàng Văn E", [], "supervisor", directory=config.directory)
    assert person_view(db_url, config, sup)["units"] == []


def test_invite_keeps_only_a_hash_and_replaces_the_previous_code(db_url, config):
    pid = add_person(db_url, "Nguyễn Văn An", ["vhxh"], directory=config.directory)
    first = invite(db_url, pid, NOW)
    assert {"id", "code", "expires_at", "text"} <= set(first) and first["id"] == pid
    assert first["code"].startswith("DD-") and len(first["code"]) == 9
    assert datetime.fromisoformat(first["expires_at"]) == NOW + timedelta(days=7)
    assert "Mở Zalo".lower() in first["text"].lower() and "bot dondoc" in first["text"]
    assert first["code"] in first["text"] and "09:00 ngày 08/12/2026" in first["text"]
    second = invite(db_url, pid, NOW + timedelta(hours=1), days=3, bot_name="bot «Đôn đốc Cát Hải»",
                    bot_link="https://zalo.me/123")
    assert "bot «Đôn đốc Cát Hải» (https://zalo.me/123)" in second["text"]
    with session_scope(db_url) as s:
        rows = s.scalars(select(SignupCode).order_by(SignupCode.id)).all()
        assert [r.code_hash for r in rows] == [rules.code_hash(first["code"]), rules.code_hash(second["code"])]
        assert all(code["code"][3:] not in repr(vars(r)) for r in rows for code in (first, second))
        assert rows[0].expires_at == NOW + timedelta(hours=1)  # the earlier code stopped working
        assert rows[1].expires_at == NOW + timedelta(hours=1, days=3)
    with pytest.raises(PeopleError, match="Không có người mã 999"):
        invite(db_url, 999, NOW)


def test_list_and_deactivate(db_url, config):
    a = add_person(db_url, "Nguyễn Văn An", ["vhxh"], directory=config.directory)
    b = add_person(db_url, "Trần Thị Bình", ["so-khcn"], "lead", directory=config.directory)
    invite(db_url, b, NOW)
    with session_scope(db_url) as s:
        s.add(ZaloLink(person_id=b, chat_id="chat-b", display_name="Bình", linked_at=NOW))
    assert [p["id"] for p in list_people(db_url, config)] == [a, b]
    assert list_people(db_url, config)[1]["zalo"]["linked"] is True
    assert deactivate(db_url, b, NOW) is True and deactivate(db_url, 12345, NOW) is False
    assert [p["id"] for p in list_people(db_url, config)] == [a]
    gone = person_view(db_url, config, b)
    assert gone["active"] is False and gone["zalo"]["linked"] is False
    with session_scope(db_url) as s:
        assert all(c.expires_at <= NOW for c in s.scalars(select(SignupCode)))
    assert [p["id"] for p in list_people(db_url, config, include_inactive=True)] == [a, b]
    with pytest.raises(PeopleError):
        invite(db_url, b, NOW)


# -- the command line -----------------------------------------------------------------

def run_cli(*args, env):
    return subprocess.run([DONDOC, *args], capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)


@pytest.fixture
def cli_env(tmp_path):
    env = {**os.environ, "DONDOC_DATA_DIR": str(tmp_path / "data"),
           "DONDOC_DATABASE_URL": f"sqlite:///{tmp_path}/people.db"}
    env.pop("DONDOC_CONFIG", None)
    return env


def test_cli_add_invite_show_list_json(cli_env):
    out = run_cli("people", "add", "--name", "Nguyễn Văn An", "--unit", "vhxh", "--unit", "Phòng Kinh tế",
                  "--email", "an@example.vn", "--json", env=cli_env)
    assert out.returncode == 0, out.stderr
    pid = json.loads(out.stdout)["id"]
    lead = run_cli("people", "add", "--name", "Trần Thị Bình", "--unit", "so-khcn", "--role", "lead", "--json",
                   env=cli_env)
    assert lead.returncode == 0, lead.stderr

    out = run_cli("people", "invite", str(pid), "--json", env=cli_env)
    assert out.returncode == 0, out.stderr
    invited = json.loads(out.stdout)
    assert {"id", "code", "expires_at", "text"} <= set(invited) and invited["id"] == pid
    assert rules.find_code(invited["code"]) and invited["code"] in invited["text"]

    out = run_cli("people", "show", str(pid), "--json", env=cli_env)
    assert out.returncode == 0, out.stderr
    view = json.loads(out.stdout)
    assert VIEW_KEYS <= set(view) and ZALO_KEYS <= set(view["zalo"])
    assert (view["id"], view["name"], view["role"], view["email"]) == (pid, "Nguyễn Văn An", "officer", "an@example.vn")
    assert view["units"] == ["Phòng Văn hóa - Xã hội", "Phòng Kinh tế"]
    assert view["zalo"]["linked"] is False and view["zalo"]["linked_at"] is None and view["zalo"]["broken"] is False

    out = run_cli("people", "list", "--json", env=cli_env)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["name"] for r in rows] == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert all(VIEW_KEYS <= set(r) for r in rows)


def test_cli_readable_vietnamese_and_errors(cli_env):
    out = run_cli("people", "list", env=cli_env)
    assert out.returncode == 0 and "Chưa có người nhận tin" in out.stdout
    out = run_cli("people", "add", "--name", "Lê Văn C", "--unit", "Sở Không Có", env=cli_env)
    assert out.returncode == 2 and "Không thấy đơn vị 'Sở Không Có'" in out.stderr
    out = run_cli("people", "add", "--name", "Lê Văn C", "--unit", "Sở KHCN", "--role", "lead", env=cli_env)
    assert out.returncode == 0 and "Đã thêm Lê Văn C (mã 1), lãnh đạo phụ trách" in out.stdout
    out = run_cli("people", "invite", "1", env=cli_env)
    assert out.returncode == 0 and "Mã: DD-" in out.stdout and "hết hạn lúc" in out.stdout
    out = run_cli("people", "show", "1", env=cli_env)
    assert "Sở Khoa học và Công nghệ" in out.stdout and "Zalo: chưa liên kết" in out.stdout
    out = run_cli("people", "show", "7", env=cli_env)
    assert out.returncode == 1 and "Không có người mã 7" in out.stderr
    out = run_cli("people", "deactivate", "1", env=cli_env)
    assert out.returncode == 0 and "Đã ngừng gửi tin" in out.stdout
    assert "Lê Văn C" not in run_cli("people", "list", env=cli_env).stdout
