"""The dashboard's unit groups and group tasks (no Temporal needed: the rows are the store's).

- /dashboard/groups shows each group by name, the names documents use, its members and
  the units it comes to; the standing office edits a group (the import and the pages
  see it at once), a group put inside itself is refused in words naming the groups,
  the edit can be undone; a viewer reads but cannot post;
- a parent task's page lists its units with their state and the roll-up ("Đã hoàn thành
  1/3 đơn vị"), offers no confirmation or deadline actions (nobody confirms a parent)
  but the button for new members; a child's page names the task it belongs to; the
  task list shows the parent's progress; a task's page leads to the import of a lower
  level's plan under it, and the import page says so.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from starlette.testclient import TestClient

from config.loader import DEFAULT_CONFIG, load_config
from config.settings import load_settings
from domain.calendar import VN_TZ
from store.db import session_scope
from store.group_models import UnitGroupRow
from store.models import Plan, Task, User
from web.app import create_app
from web.passwords import hash_password

NOW = datetime.now(timezone.utc)
TODAY = NOW.astimezone(VN_TZ).date()  # the day in Vietnam, as the product counts (UTC is a day behind from 17:00)
PASSWORD = "mat-khau-thu-nghiem-2026"
PARENT = "task/kh/9"


def seed(url: str) -> None:
    with session_scope(url) as s:
        plan = Plan(name="Thông báo 01-TB/BCĐ")
        s.add(plan)
        s.flush()
        s.add(Task(id=PARENT, plan_id=plan.id, stt="9", title="Rà soát quy trình nội bộ",
                   lead_units=["so-ban-nganh-tp"], lead_official="hoang-minh-cuong", due=TODAY - timedelta(days=2),
                   raw={"parent": "group"}))
        for unit, status, result in (("so-khcn", "completed", "on_time"), ("so-tai-chinh", "open", None),
                                     ("so-noi-vu", "open", None), ("cong-an-tp", "cancelled", None)):
            s.add(Task(id=f"{PARENT}/{unit}", parent_id=PARENT, plan_id=plan.id, stt="9",
                       title="Rà soát quy trình nội bộ", lead_units=[unit], due=TODAY - timedelta(days=2),
                       status=status, result=result, completed_on=TODAY - timedelta(days=3) if result else None))
        for name, role in (("vanphong", "office"), ("xem", "viewer")):
            s.add(User(username=name, password_hash=hash_password(PASSWORD), role=role))


@pytest.fixture
def app(tmp_path, sqlite_url, monkeypatch):
    monkeypatch.delenv("DONDOC_SECRET_KEY", raising=False)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url})
    seed(sqlite_url)
    return create_app(settings, load_config(DEFAULT_CONFIG))


def client(app, username: str) -> TestClient:
    web = TestClient(app, base_url=app.state.settings.public_url)
    token = csrf(web.get("/login").text)
    done = web.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD,
                                    "next": "/dashboard"}, follow_redirects=False)
    assert done.status_code == 303
    return web


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)).split())


def test_groups_are_shown_and_edited_by_the_office(app):
    office = client(app, "vanphong")
    page = office.get("/dashboard/groups")
    shown = text(page.text)
    assert page.status_code == 200 and "Nhóm đơn vị · 3 nhóm" in shown
    assert "Các sở, ban, ngành thành phố" in shown and "Sở Khoa học và Công nghệ" in shown
    assert "UBND các xã, phường, đặc khu" in shown and "Gồm 13 đơn vị" in shown      # the whole city, expanded
    members = ["so-khcn", "so-tai-chinh", "so-noi-vu"]
    saved = office.post("/dashboard/groups", data={
        "csrf_token": csrf(page.text), "key": "so-ban-nganh-tp", "name": "Các sở, ban, ngành thành phố",
        "aliases": "Các sở, ban, ngành\nCác Sở, ban, ngành thành phố", "members": members}, follow_redirects=False)
    assert saved.status_code == 303
    after = text(office.get(saved.headers["location"]).text)
    assert "Đã lưu nhóm" in after and "Đã sửa trên trang này" in after and "Gồm 12 đơn vị" in after
    assert app.state.config.directory.group("so-ban-nganh-tp").members == tuple(members)  # the import sees it now

    # A group inside itself (the city's departments inside "all of them", inside the departments).
    looped = office.post("/dashboard/groups", data={
        "csrf_token": csrf(page.text), "key": "so-ban-nganh-tp", "name": "Các sở, ban, ngành thành phố",
        "members": ["so-khcn", "co-quan-dia-phuong"]})
    assert looped.status_code == 422
    refused = text(looped.text)
    assert "Nhóm lồng vòng" in refused and "«Các cơ quan, đơn vị, địa phương»" in refused
    with session_scope(app.state.settings.database_url) as s:
        assert s.get(UnitGroupRow, "so-ban-nganh-tp").members == members                 # nothing written

    new = office.post("/dashboard/groups", data={
        "csrf_token": csrf(page.text), "name": "Các phường trung tâm", "aliases": "UBND các phường trung tâm",
        "members": ["p-hong-bang", "p-le-chan"]}, follow_redirects=False)
    assert new.status_code == 303 and "Các phường trung tâm" in text(office.get("/dashboard/groups").text)
    reset = office.post("/dashboard/groups/reset", data={"csrf_token": csrf(page.text), "key": "so-ban-nganh-tp"},
                        follow_redirects=False)
    assert reset.status_code == 303
    assert "Gồm 13 đơn vị" in text(office.get("/dashboard/groups?done=reset").text)
    assert app.state.config.directory.group("so-ban-nganh-tp").members[-1] == "cong-an-tp"


def test_a_viewer_reads_groups_but_cannot_change_them(app):
    viewer = client(app, "xem")
    page = viewer.get("/dashboard/groups")
    assert page.status_code == 200 and "Sửa nhóm" not in page.text and "chỉ được xem" in text(page.text)
    refused = viewer.post("/dashboard/groups", data={"csrf_token": csrf(page.text), "name": "Nhóm lạ",
                                                     "members": ["so-khcn"]})
    assert refused.status_code == 403


def test_parent_and_child_pages_and_the_task_list(app):
    office = client(app, "vanphong")
    parent = text(office.get(f"/dashboard/tasks/{PARENT}").text)
    assert "Các sở, ban, ngành thành phố" in parent and "Các đơn vị thực hiện" in parent
    assert "Đã hoàn thành 1/3 đơn vị" in parent and "2 quá hạn" in parent          # the cancelled one left out
    assert "Sở Tài chính" in parent and "Hoàn thành đúng hạn" in parent
    assert "Tạo nhiệm vụ cho thành viên mới" in parent
    assert "Ghi nhận hoàn thành" not in parent and "Đổi thời hạn" not in parent     # nobody confirms a parent
    child = office.get(f"/dashboard/tasks/{PARENT}/so-noi-vu")
    assert "thuộc nhiệm vụ chung" in text(child.text) and f'href="/dashboard/tasks/{PARENT}"' in child.text
    assert "Nhập kế hoạch cấp dưới cho nhiệm vụ này" in text(child.text)
    listed = text(office.get("/dashboard").text)
    assert "Đã hoàn thành 1/3 đơn vị, 2 quá hạn" in listed
    under = text(office.get(f"/dashboard/import?under={PARENT}/so-noi-vu").text)
    assert "Kế hoạch cấp dưới của nhiệm vụ «Rà soát quy trình nội bộ»" in under
    closed = text(office.get(f"/dashboard/import?under={PARENT}/so-khcn").text)
    assert "đã kết thúc" in closed and "Kế hoạch cấp dưới của nhiệm vụ" not in closed
