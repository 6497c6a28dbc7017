"""Server tests for the dashboard: login, users, tasks (overdue first), the
timeline, incidents, reports, outbox, plan upload preview, CSRF."""
from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from starlette.testclient import TestClient

from config.loader import DEFAULT_CONFIG, load_config
from config.settings import load_settings
from domain.calendar import VN_TZ
from store.db import session_scope
from store.models import Delivery, Event, Incident, OutboxMessage, Plan, Report, Task, User
from web.app import create_app
from web.users import authenticate, change_password, ensure_admin, hash_password, verify_password

NOW = datetime.now(timezone.utc)
TODAY = NOW.astimezone(VN_TZ).date()  # the day in Vietnam, as the product counts (UTC is a day behind from 17:00)


def seed(url):
    with session_scope(url) as s:
        plan = Plan(name="Kế hoạch số 12/KH-UBND")
        s.add(plan)
        s.flush()
        s.add_all([
            Task(id="p/1", plan_id=plan.id, stt="1", title="Sắp tới hạn", lead_units=["vhxh"], due=TODAY + timedelta(days=5)),
            Task(id="p/2", plan_id=plan.id, stt="2", title="Quá hạn nhiều <script>x()</script>", lead_units=["kinh-te"],
                 due=TODAY - timedelta(days=9), lead_official="vu-huu-vung"),
            Task(id="p/3", plan_id=plan.id, stt="3", title="Quá hạn ít", lead_units=["vhxh"], due=TODAY - timedelta(days=1)),
            Task(id="p/4", plan_id=plan.id, stt="4", title="Đã xong", lead_units=["vhxh"], due=TODAY - timedelta(days=3),
                 status="completed", result="on_time", completed_on=TODAY - timedelta(days=3)),
            Task(id="p/5", stt="5", title="Chưa rõ hạn", lead_units=[], deadline_raw="Theo thời gian tại các Nghị quyết"),
        ])
        s.add(Event(subject_id="p/2", kind="escalation", at=NOW - timedelta(days=2), data={"level": "lead"}))
        s.add(Event(subject_id="p/2", kind="extension_requested", at=NOW - timedelta(hours=1),
                    data={"new_due": "2026-12-31", "reason": "Chờ kinh phí"}))
        s.add(Delivery(key="p/2||reminder|kinh-te|zalo", subject_id="p/2", step="reminder", recipient="kinh-te",
                       channel="zalo", status="failed", error="HTTP 500", attempts=3, created_at=NOW - timedelta(days=3)))
        s.add(Incident(id="inc-1", unit="cong-an-dk", title="Mã độc trên máy chủ", detected_at=NOW - timedelta(hours=3),
                       due_at=NOW + timedelta(hours=21)))
        s.add(Report(kind="daily", as_of=NOW, short_text="Báo cáo ngày: 3 nhiệm vụ quá hạn",
                     html="<h1>Báo cáo</h1><script>alert(1)</script>"))
        s.add(OutboxMessage(recipient="phong-vhxh", title="Nhắc việc", body="Nhiệm vụ sắp tới hạn\nhttp://x/c/abc"))


@pytest.fixture
def app_parts(tmp_path, sqlite_url, monkeypatch):
    monkeypatch.delenv("DONDOC_SECRET_KEY", raising=False)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url})
    config = load_config(DEFAULT_CONFIG)
    seed(sqlite_url)
    return settings, config


@pytest.fixture
def anon(app_parts):
    settings, config = app_parts
    client = TestClient(create_app(settings, config), base_url=settings.public_url)
    client.settings, client.config = settings, config
    return client


def login(client, username, password):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post("/login", data={"csrf_token": token, "username": username, "password": password,
                                       "next": "/dashboard"}, follow_redirects=False)


@pytest.fixture
def dash(anon):
    password = ensure_admin(anon.settings.database_url, anon.config)
    assert change_password(anon.settings.database_url, "admin", password, OWN, OWN) is None
    assert login(anon, "admin", OWN).status_code == 303
    return anon


OWN = "mat-khau-rieng-2026"


def test_one_time_password_must_be_changed_first(anon):
    password = ensure_admin(anon.settings.database_url, anon.config)
    assert login(anon, "admin", password).status_code == 303
    page = anon.get("/dashboard", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/account/password"
    form = anon.get("/account/password")
    assert "mật khẩu dùng một lần" in form.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    short = anon.post("/account/password", data={"csrf_token": token, "current": password, "new": "ngan", "repeat": "ngan"})
    assert short.status_code == 422 and "ít nhất 10 ký tự" in short.text
    wrong = anon.post("/account/password", data={"csrf_token": token, "current": "sai", "new": OWN, "repeat": OWN})
    assert wrong.status_code == 422 and "không đúng" in wrong.text
    nocsrf = anon.post("/account/password", data={"current": password, "new": OWN, "repeat": OWN})
    assert nocsrf.status_code == 403
    done = anon.post("/account/password", data={"csrf_token": token, "current": password, "new": OWN, "repeat": OWN},
                     follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/dashboard"
    assert anon.get("/dashboard", follow_redirects=False).status_code == 200
    assert authenticate(anon.settings.database_url, anon.config, "admin", password) is None
    assert authenticate(anon.settings.database_url, anon.config, "admin", OWN).must_change is False


def csrf_of(client):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/dashboard/import").text).group(1)


def test_passwords_hash_and_verify():
    stored = hash_password("mật khẩu")
    assert stored.startswith("scrypt$") and verify_password("mật khẩu", stored)
    assert not verify_password("mat khau", stored) and not verify_password("x", "garbage")
    import base64
    salt = b"0123456789abcdef"
    pbk = hashlib.pbkdf2_hmac("sha256", b"pw", salt, 1000)
    assert verify_password("pw", f"pbkdf2_sha256$1000${base64.b64encode(salt).decode()}${base64.b64encode(pbk).decode()}")


def test_ensure_admin_once(sqlite_url):
    config = load_config(DEFAULT_CONFIG)
    password = ensure_admin(sqlite_url, config)
    assert password and len(password) >= 12
    assert ensure_admin(sqlite_url, config) is None
    assert authenticate(sqlite_url, config, "admin", password).role == "admin"
    assert authenticate(sqlite_url, config, "admin", "wrong") is None


def test_config_users_and_no_admin_then(sqlite_url):
    config = replace(load_config(DEFAULT_CONFIG), users=(
        {"username": "vanphong", "password_hash": hash_password("s3cret"), "role": "viewer"},))
    assert ensure_admin(sqlite_url, config) is None
    assert authenticate(sqlite_url, config, "vanphong", "s3cret").role == "viewer"


def test_pages_need_login(anon):
    for path in ("/dashboard", "/dashboard/tasks/p/1", "/dashboard/incidents", "/dashboard/reports",
                 "/dashboard/outbox", "/dashboard/import"):
        page = anon.get(path, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")


def test_wrong_password(anon):
    ensure_admin(anon.settings.database_url, anon.config)
    page = login(anon, "admin", "sai-mat-khau")
    assert page.status_code == 401 and "không đúng" in page.text


def test_login_without_csrf_is_refused(anon):
    password = ensure_admin(anon.settings.database_url, anon.config)
    page = anon.post("/login", data={"username": "admin", "password": password})
    assert page.status_code == 403


def test_next_is_never_another_site(anon):
    password = ensure_admin(anon.settings.database_url, anon.config)
    page = anon.get("/login?next=//evil.example/x")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = anon.post("/login", data={"csrf_token": token, "username": "admin", "password": password,
                                     "next": "//evil.example/x"}, follow_redirects=False)
    assert done.headers["location"] == "/dashboard"


def test_tasks_overdue_first_and_marked(dash):
    page = dash.get("/dashboard")
    assert page.status_code == 200 and '<html lang="vi">' in page.text
    order = [m for m in re.findall(r'href="/dashboard/tasks/([^"]+)"', page.text)]
    assert order[:2] == ["p/2", "p/3"]                  # most late first
    assert order.index("p/1") < order.index("p/5")      # no deadline last
    assert "ngày làm việc (9 ngày lịch)" in page.text and "2 quá hạn" in page.text  # one overdue phrase
    assert "<script>x()</script>" not in page.text and "&lt;script&gt;x()&lt;/script&gt;" in page.text


@pytest.mark.parametrize("query, expect, absent", [
    ("status=overdue", {"p/2", "p/3"}, {"p/1", "p/4"}),
    ("status=completed", {"p/4"}, {"p/1"}),
    ("unit=kinh-te", {"p/2"}, {"p/1", "p/3"}),
    ("plan=1", {"p/1"}, {"p/5"}),
    (f"due_before={TODAY.isoformat()}", {"p/2", "p/3"}, {"p/1"}),
    ("q=xong", {"p/4"}, {"p/1"}),
])
def test_task_filters(dash, query, expect, absent):
    ids = set(re.findall(r'href="/dashboard/tasks/([^"]+)"', dash.get("/dashboard?" + query).text))
    assert expect <= ids and not (absent & ids)


def test_task_timeline(dash):
    page = dash.get("/dashboard/tasks/p/2")
    assert page.status_code == 200
    text = page.text
    assert "Leo thang đôn đốc" in text and "Đề nghị gia hạn" in text and "Chờ kinh phí" in text
    assert "gửi lỗi" in text and "HTTP 500" in text and "3 lần thử" in text
    timeline = text.split("<h2>Diễn biến</h2>", 1)[1]  # the request waiting is also shown above it
    assert timeline.index("gửi lỗi") < timeline.index("Leo thang") < timeline.index("Chờ kinh phí")  # oldest first
    assert "Vũ Hữu Vững" in text or "vu-huu-vung" in text
    assert dash.get("/dashboard/tasks/khong-co").status_code == 404


def test_incidents_reports_outbox(dash):
    assert "Mã độc trên máy chủ" in dash.get("/dashboard/incidents").text
    reports = dash.get("/dashboard/reports").text
    assert "3 nhiệm vụ quá hạn" in reports
    report_id = re.search(r'href="/dashboard/reports/(\d+)"', reports).group(1)
    one = dash.get(f"/dashboard/reports/{report_id}")
    assert one.status_code == 200 and "sandbox" in one.text and "<script>alert(1)</script>" not in one.text
    assert "http://x/c/abc" in dash.get("/dashboard/outbox").text


def test_plan_upload_preview_then_import_needs_the_service(dash, city_notice):
    token = csrf_of(dash)
    data = city_notice.read_bytes()
    page = dash.post("/dashboard/import", data={"csrf_token": token, "plan": ""},
                     files={"file": ("003.txt", data, "text/plain")})
    assert page.status_code == 200, page.text[:2000]
    assert "nhiệm vụ" in page.text and "Chưa có gì được lưu" in page.text
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', page.text).group(1)
    assert sha == hashlib.sha256(data).hexdigest()
    with session_scope(dash.settings.database_url) as s:
        assert s.query(Task).count() == 5       # the preview stored nothing


def test_plan_upload_unreadable_file(dash):
    page = dash.post("/dashboard/import", data={"csrf_token": csrf_of(dash)},
                     files={"file": ("x.txt", "chỉ là một dòng chữ".encode(), "text/plain")})
    assert page.status_code == 422 and "Không tìm thấy bảng nhiệm vụ" in page.text


def test_dashboard_post_needs_csrf(dash):
    page = dash.post("/dashboard/import", files={"file": ("x.txt", b"x", "text/plain")})
    assert page.status_code == 403
    page = dash.post("/logout", data={"csrf_token": csrf_of(dash)}, headers={"origin": "https://evil.example"})
    assert page.status_code == 403


def test_logout(dash):
    page = dash.post("/logout", data={"csrf_token": csrf_of(dash)}, follow_redirects=False)
    assert page.status_code == 303
    assert dash.get("/dashboard", follow_redirects=False).status_code == 303


def test_forged_session_cookie(anon):
    anon.cookies.set("dondoc_session", "eyJ1IjoiYWRtaW4ifQ.forged")
    assert anon.get("/dashboard", follow_redirects=False).status_code == 303
