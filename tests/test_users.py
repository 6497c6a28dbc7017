"""Accounts with roles: `dondoc users` (through the real entry point) and /dashboard/users.
admin and office act; only admin manages accounts; leader and viewer read."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from security.helpers import add_user, build_site, csrf_field, logged_in, login
from web.users import CurrentUser

ROOT = Path(__file__).resolve().parents[1]
DONDOC = ROOT / ".venv" / "bin" / "dondoc"
ADMIN_PW, OFFICE_PW, LEADER_PW, VIEWER_PW = ("mat-khau-quan-tri-2026", "mat-khau-van-phong-2026",
                                             "mat-khau-lanh-dao-2026", "mat-khau-chi-xem-2026")
NEW_PW = "mat-khau-moi-cua-toi-2026"


def cli(tmp_path, *args):
    env = {**os.environ, "DONDOC_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
           "DONDOC_DATA_DIR": str(tmp_path / "data"), "DONDOC_SECRET_KEY": "k" * 48}
    return subprocess.run([str(DONDOC), "users", *args], env=env, capture_output=True, text=True, timeout=120)


def cli_json(tmp_path, *args):
    done = cli(tmp_path, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def site(tmp_path, sqlite_url, monkeypatch):
    found = build_site(tmp_path, sqlite_url, monkeypatch)
    for name, pw, role in (("quantri", ADMIN_PW, "admin"), ("vanphong", OFFICE_PW, "office"),
                           ("lanhdao", LEADER_PW, "leader"), ("xem", VIEWER_PW, "viewer")):
        add_user(sqlite_url, name, pw, role)
    return found


def test_cli_add_list_reset_deactivate(tmp_path):
    added = cli_json(tmp_path, "add", "chanh", "--role", "office")
    assert set(added) == {"username", "role", "password"}
    assert added["username"] == "chanh" and added["role"] == "office" and len(added["password"]) >= 12
    assert cli_json(tmp_path, "list") == [{"username": "chanh", "role": "office", "active": True,
                                           "must_change_password": True}]
    reset = cli_json(tmp_path, "reset", "chanh")
    assert reset["password"] != added["password"]
    cli_json(tmp_path, "deactivate", "chanh")
    assert cli_json(tmp_path, "list")[0]["active"] is False
    plain = cli(tmp_path, "add", "lead1", "--role", "leader")
    assert plain.returncode == 0 and "Mật khẩu dùng một lần" in plain.stdout
    listed = cli(tmp_path, "list").stdout.splitlines()
    assert listed[0].split() == ["Tài", "khoản", "Vai", "trò", "Trạng", "thái"]
    assert [line.split()[0] for line in listed[1:]] == ["chanh", "lead1"]


@pytest.mark.parametrize("args, words", [
    (("add", "x1", "--role", "boss"), "Vai trò «boss» không hợp lệ"),
    (("reset", "nobody"), "Không có tài khoản «nobody»"),
    (("deactivate", "nobody"), "Không có tài khoản «nobody»"),
])
def test_cli_refuses_unknown_user_or_role(tmp_path, args, words):
    done = cli(tmp_path, *args)
    assert done.returncode == 2 and words in done.stderr


def test_created_user_logs_in_only_after_changing_the_one_time_password(tmp_path, monkeypatch):
    password = cli_json(tmp_path, "add", "moi", "--role", "viewer")["password"]
    site = build_site(tmp_path, f"sqlite:///{tmp_path / 'cli.sqlite3'}", monkeypatch)
    client = logged_in(site, "moi", password)
    page = client.get("/dashboard", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/account/password"
    token = csrf_field(client.get("/account/password").text)
    done = client.post("/account/password", data={"csrf_token": token, "current": password, "new": NEW_PW,
                                                  "repeat": NEW_PW}, follow_redirects=False)
    assert done.status_code == 303
    assert client.get("/dashboard", follow_redirects=False).status_code == 200
    assert login(site.client(), "moi", password).status_code == 401
    assert login(site.client(), "moi", NEW_PW).status_code == 303


def test_roles_that_act():
    assert CurrentUser("a", "admin").can_act and CurrentUser("o", "office").can_act
    assert not CurrentUser("l", "leader").can_act and not CurrentUser("v", "viewer").can_act
    assert CurrentUser("a", "admin").can_manage_accounts and not CurrentUser("o", "office").can_manage_accounts


def _import_post(client):
    token = csrf_field(client.get("/dashboard/import").text)
    return client.post("/dashboard/import", data={"csrf_token": token}, follow_redirects=False)


def test_office_imports_but_cannot_manage_accounts(site):
    office = logged_in(site, "vanphong", OFFICE_PW)
    assert _import_post(office).status_code in (200, 400, 422)  # past the role gate: the form is checked
    refused = office.get("/dashboard/users")
    assert refused.status_code == 403 and "Không có quyền" in refused.text
    token = csrf_field(office.get("/dashboard").text)
    posted = office.post("/dashboard/users", data={"csrf_token": token, "username": "ke", "role": "admin"})
    assert posted.status_code == 403
    assert 'href="/dashboard/users"' not in office.get("/dashboard").text


@pytest.mark.parametrize("name, pw", [("lanhdao", LEADER_PW), ("xem", VIEWER_PW)])
def test_leader_and_viewer_cannot_act(site, name, pw):
    client = logged_in(site, name, pw)
    assert client.get("/dashboard").status_code == 200
    assert _import_post(client).status_code == 403
    assert client.get("/dashboard/users").status_code == 403


def test_admin_creates_resets_and_deactivates_on_the_dashboard(site):
    admin = logged_in(site, "quantri", ADMIN_PW)
    page = admin.get("/dashboard/users")
    assert page.status_code == 200 and "vanphong" in page.text and 'href="/dashboard/users"' in page.text
    token = csrf_field(page.text)
    assert admin.post("/dashboard/users", data={"username": "ke", "role": "office"}).status_code == 403
    bad = admin.post("/dashboard/users", data={"csrf_token": token, "username": "ke", "role": "boss"})
    assert bad.status_code == 422 and "không hợp lệ" in bad.text
    made = admin.post("/dashboard/users", data={"csrf_token": token, "username": "ke", "role": "office"})
    assert made.status_code == 200 and "Mật khẩu dùng một lần" in made.text
    assert "Mật khẩu dùng một lần" not in admin.get("/dashboard/users").text  # shown once only
    assert admin.get("/dashboard/users/reset").status_code == 405            # GET never acts


def test_reset_ends_an_existing_session(site):
    office = logged_in(site, "vanphong", OFFICE_PW)
    admin = logged_in(site, "quantri", ADMIN_PW)
    token = csrf_field(admin.get("/dashboard/users").text)
    done = admin.post("/dashboard/users/reset", data={"csrf_token": token, "username": "vanphong"})
    assert done.status_code == 200 and "Mật khẩu dùng một lần" in done.text
    gone = office.get("/dashboard", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    assert login(site.client(), "vanphong", OFFICE_PW).status_code == 401


def test_deactivated_cannot_log_in(site):
    viewer = logged_in(site, "xem", VIEWER_PW)
    admin = logged_in(site, "quantri", ADMIN_PW)
    token = csrf_field(admin.get("/dashboard/users").text)
    assert admin.post("/dashboard/users/deactivate",
                      data={"csrf_token": token, "username": "xem"}).status_code == 200
    assert viewer.get("/dashboard", follow_redirects=False).status_code == 303
    assert login(site.client(), "xem", VIEWER_PW).status_code == 401
    own = admin.post("/dashboard/users/deactivate", data={"csrf_token": token, "username": "quantri"})
    assert own.status_code == 409
