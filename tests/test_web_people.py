"""Server tests for the people page of the dashboard (web/routes_people.py): add a
person, list them with their Zalo state, issue a one-time sign-up code (only its hash
is stored), errors in Vietnamese beside the form, viewers refused, GETs harmless."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from config.loader import DEFAULT_CONFIG, load_config
from config.settings import load_settings
from domain.people import code_hash
from services.people import add_person
from store.db import session_scope
from store.models import Person, SignupCode, ZaloLink
from web.app import create_app
from web.users import change_password, ensure_admin, hash_password

OWN = "mat-khau-rieng-2026"
CODE = re.compile(r"\bDD-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}\b")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def client_for(tmp_path, url, config) -> TestClient:
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": url})
    client = TestClient(create_app(settings, config), base_url=settings.public_url)
    client.settings, client.config = settings, config
    return client


def login(client, username, password):
    token = CSRF.search(client.get("/login").text).group(1)
    done = client.post("/login", data={"csrf_token": token, "username": username, "password": password,
                                       "next": "/dashboard"}, follow_redirects=False)
    assert done.status_code == 303
    return client


def csrf_of(client) -> str:
    return CSRF.search(client.get("/dashboard/people").text).group(1)


@pytest.fixture
def admin(tmp_path, sqlite_url, monkeypatch):
    monkeypatch.delenv("DONDOC_SECRET_KEY", raising=False)
    monkeypatch.delenv("DONDOC_ZALO_BOT_LINK", raising=False)
    monkeypatch.delenv("DONDOC_ZALO_BOT_NAME", raising=False)
    client = client_for(tmp_path, sqlite_url, load_config(DEFAULT_CONFIG))
    password = ensure_admin(sqlite_url, client.config)
    assert change_password(sqlite_url, "admin", password, OWN, OWN) is None
    return login(client, "admin", OWN)


@pytest.fixture
def viewer(tmp_path, sqlite_url, monkeypatch):
    monkeypatch.delenv("DONDOC_SECRET_KEY", raising=False)
    config = replace(load_config(DEFAULT_CONFIG), users=(
        {"username": "xem", "password_hash": hash_password("chi-xem-thoi"), "role": "viewer"},))
    client = client_for(tmp_path, sqlite_url, config)
    return login(client, "xem", "chi-xem-thoi")


def add(client, **fields):
    data = {"csrf_token": csrf_of(client), "name": "", "role": "officer", "email": ""}
    data.update(fields)
    return client.post("/dashboard/people", data=data, follow_redirects=False)


def people_count(url) -> int:
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(Person))


def test_pages_need_login(tmp_path, sqlite_url):
    client = client_for(tmp_path, sqlite_url, load_config(DEFAULT_CONFIG))
    for path in ("/dashboard/people", "/dashboard/people/1"):
        page = client.get(path, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")


def test_add_list_invite_and_the_code_is_stored_as_a_hash(admin, sqlite_url):
    empty = admin.get("/dashboard/people")
    assert empty.status_code == 200 and '<html lang="vi">' in empty.text
    assert 'href="/dashboard/people"' in empty.text and "Chưa có người nhận tin nào" in empty.text
    assert "Phòng Văn hóa - Xã hội" in empty.text and "Cán bộ đầu mối" in empty.text
    done = add(admin, name="Nguyễn Thị Hoa", unit=["vhxh", "kinh-te"], role="officer", email="hoa@example.vn")
    assert done.status_code == 303
    person_url = done.headers["location"].split("?")[0]
    person_id = int(person_url.rsplit("/", 1)[1])
    shown = admin.get(done.headers["location"])
    assert "Nguyễn Thị Hoa" in shown.text and "Đã thêm" in shown.text and "Cấp mã đăng ký Zalo" in shown.text
    listed = admin.get("/dashboard/people").text
    assert f'href="/dashboard/people/{person_id}"' in listed and "Nguyễn Thị Hoa" in listed
    assert "Phòng Văn hóa - Xã hội, " + admin.config.directory.unit("kinh-te").name in listed
    assert "hoa@example.vn" in listed and "Chưa liên kết" in listed and "· 1 người" in listed
    page = admin.post(f"{person_url}/invite", data={"csrf_token": csrf_of(admin)})
    assert page.status_code == 200
    codes = set(CODE.findall(page.text))
    assert len(codes) == 1
    code = codes.pop()
    assert "Gửi Nguyễn Thị Hoa: để nhận nhắc việc của dondoc qua Zalo" in page.text
    assert "bot dondoc" in page.text and "chỉ hiện lần này" in page.text and "<svg" not in page.text
    with session_scope(sqlite_url) as s:
        row = s.scalar(select(SignupCode).where(SignupCode.person_id == person_id))
        assert row.code_hash == code_hash(code) and code not in row.code_hash
    # Shown once: the person's page afterwards never repeats it, and a GET of /invite changes nothing.
    again = admin.get(f"{person_url}/invite", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == person_url
    assert not CODE.search(admin.get(person_url).text)
    with session_scope(sqlite_url) as s:
        assert s.scalar(select(func.count()).select_from(SignupCode)) == 1


def test_invite_shows_a_qr_code_of_the_configured_bot_link(admin, monkeypatch):
    monkeypatch.setenv("DONDOC_ZALO_BOT_NAME", "Đôn đốc Đặc khu")
    monkeypatch.setenv("DONDOC_ZALO_BOT_LINK", "https://zalo.me/1234567890")
    person_id = add_person(admin.settings.database_url, "Trần Văn Nam", ["vhxh"], "lead",
                           directory=admin.config.directory)
    page = admin.post(f"/dashboard/people/{person_id}/invite", data={"csrf_token": csrf_of(admin)})
    assert page.status_code == 200 and CODE.search(page.text)
    assert "Đôn đốc Đặc khu (https://zalo.me/1234567890)" in page.text
    assert '<svg' in page.text and 'class="qr"' in page.text and "<title>Mã QR mở Đôn đốc Đặc khu</title>" in page.text


@pytest.mark.parametrize("fields, field_id, words", [
    ({"name": "  ", "unit": ["vhxh"]}, "name-err", "Chưa nhập họ tên"),
    ({"name": "Lê Văn Tám", "unit": ["phong-khong-co"]}, "units-err", "Không thấy đơn vị «phong-khong-co»"),
])
def test_errors_in_vietnamese_beside_the_form_and_values_kept(admin, sqlite_url, fields, field_id, words):
    page = add(admin, email="tam@example.vn", role="lead", **fields)
    assert page.status_code == 422
    error = re.search(rf'id="{field_id}"[^>]*>([^<]+)<', page.text)
    assert error and words in error.group(1)
    assert 'value="tam@example.vn"' in page.text and '<option value="lead" selected>' in page.text
    if fields["name"].strip():
        assert 'value="Lê Văn Tám"' in page.text
    else:
        assert 'value="vhxh" checked' in page.text
    assert people_count(sqlite_url) == 0


def test_store_errors_are_shown_without_command_line_flags(admin, sqlite_url):
    page = add(admin, name="Phạm Minh", unit=[], role="officer")  # an officer needs a unit
    assert page.status_code == 422 and "Chưa nêu đơn vị của người này." in page.text and "--unit" not in page.text
    bad = add(admin, name="Phạm Minh", unit=["vhxh"], email="khong-phai-email")
    assert bad.status_code == 422 and "Địa chỉ email" in bad.text and 'value="khong-phai-email"' in bad.text
    assert people_count(sqlite_url) == 0


def test_unlinked_filter_and_zalo_states(admin, sqlite_url):
    url, directory = sqlite_url, admin.config.directory
    linked = add_person(url, "Đã Có Zalo", ["vhxh"], directory=directory)
    broken = add_person(url, "Zalo Bị Lỗi", ["kinh-te"], directory=directory)
    add_person(url, "Chưa Có Zalo", ["ttpvhcc"], directory=directory)
    when = datetime(2026, 3, 12, 3, 0, tzinfo=timezone.utc)
    with session_scope(url) as s:
        s.add(ZaloLink(person_id=linked, chat_id="c1", display_name="Co", linked_at=when))
        s.add(ZaloLink(person_id=broken, chat_id="c2", linked_at=when - timedelta(days=1), broken=True))
    everyone = admin.get("/dashboard/people").text
    assert "Đã liên kết" in everyone and "Liên kết lỗi" in everyone and "12/03/2026" in everyone
    assert "11/03/2026" in everyone and "· 3 người" in everyone
    assert "Chỉ người chưa liên kết Zalo (1)" in everyone
    only = admin.get("/dashboard/people?unlinked=1").text
    assert "Chưa Có Zalo" in only and "Đã Có Zalo" not in only and "Zalo Bị Lỗi" not in only
    assert "· 1 / 3 người" in only and "Xem tất cả (3)" in only


def test_deactivate_then_no_invite(admin, sqlite_url):
    person_id = add_person(sqlite_url, "Ngừng Theo Dõi", ["vhxh"], directory=admin.config.directory)
    done = admin.post(f"/dashboard/people/{person_id}/deactivate", data={"csrf_token": csrf_of(admin)},
                      follow_redirects=False)
    assert done.status_code == 303
    page = admin.get(done.headers["location"])
    assert "Đã ngừng theo dõi" in page.text and "/invite" not in page.text
    assert "Ngừng Theo Dõi" not in admin.get("/dashboard/people").text
    refused = admin.post(f"/dashboard/people/{person_id}/invite", data={"csrf_token": csrf_of(admin)})
    assert refused.status_code == 409 and "đã ngừng theo dõi" in refused.text
    assert admin.get("/dashboard/people/9999").status_code == 404


def test_posts_need_the_csrf_token(admin, sqlite_url):
    page = admin.post("/dashboard/people", data={"name": "Không CSRF", "unit": ["vhxh"], "role": "officer"})
    assert page.status_code == 403 and people_count(sqlite_url) == 0


def test_viewer_reads_but_may_not_add_invite_or_deactivate(viewer, sqlite_url):
    person_id = add_person(sqlite_url, "Người Có Sẵn", ["vhxh"], directory=viewer.config.directory)
    listed = viewer.get("/dashboard/people")
    assert listed.status_code == 200 and "Người Có Sẵn" in listed.text and "Tài khoản này chỉ được xem" in listed.text
    assert 'action="/dashboard/people' not in listed.text
    token = CSRF.search(listed.text).group(1)  # the logout form's token
    posts = [("/dashboard/people", {"name": "Lén Thêm", "unit": ["vhxh"], "role": "officer"}),
             (f"/dashboard/people/{person_id}/invite", {}), (f"/dashboard/people/{person_id}/deactivate", {})]
    for path, data in posts:
        page = viewer.post(path, data={"csrf_token": token, **data})
        assert page.status_code == 403 and "Không có quyền" in page.text and "chỉ được xem" in page.text
    assert people_count(sqlite_url) == 1
    with session_scope(sqlite_url) as s:
        assert s.scalar(select(func.count()).select_from(SignupCode)) == 0
        assert s.get(Person, person_id).active
