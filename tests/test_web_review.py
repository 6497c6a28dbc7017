"""The task page's review card without a workflow behind it (the store only; Temporal away):
who sees the form and who may post it, what is refused before the workflow is asked, and
what the page says when the workflow cannot be reached. The decision itself, against the
real workflow, is tests/test_task_review.py."""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

import pytest
from starlette.testclient import TestClient

from config.loader import EXAMPLES, load_config
from config.settings import load_settings
from store.db import make_engine, session_scope
from store.models import Base, Event, Task, User
from web.app import create_app
from web.passwords import hash_password

PASSWORD = "mat-khau-thu-nghiem-2026"
TASK = "task/review/page"
NOW = datetime.now(timezone.utc)


class Away:
    async def get(self):
        return None


@pytest.fixture
def app(tmp_path, sqlite_url, monkeypatch):
    monkeypatch.setenv("DONDOC_SECRET_KEY", "web-review-secret-kkkkkkkkkkkkkkkkkkkkkkkkk")
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url})
    Base.metadata.create_all(make_engine(sqlite_url))
    evidence = {"document_number": "21/BC-VHXH", "issued_on": (NOW - timedelta(days=2)).date().isoformat(),
                "summary": "Đã số hóa 1.200 hồ sơ", "confirmed_by": "vhxh", "confirmed_at": NOW.isoformat(),
                "judged_by": "issued_on", "judged_on": (NOW - timedelta(days=2)).date().isoformat()}
    with session_scope(sqlite_url) as s:
        s.add(Task(id=TASK, title="Số hóa hồ sơ di tích", lead_units=["vhxh"], deadline_kind="once",
                   due=(NOW + timedelta(days=5)).date(), status="awaiting_review", evidence=evidence))
        s.add(Event(subject_id=TASK, kind="task_review_waiting", at=NOW,
                    data={"evidence": evidence, "result": "early", "judged_by": "issued_on"}))
        for name, role in (("vanphong", "office"), ("lanhdao", "leader"), ("chixem", "viewer")):
            s.add(User(username=name, password_hash=hash_password(PASSWORD), role=role))
    app = create_app(settings, load_config(EXAMPLES / "drill-review.toml"))
    app.state.temporal = Away()
    return app


def login(app, username: str) -> TestClient:
    client = TestClient(app, base_url="http://127.0.0.1:8000", headers={"origin": "http://127.0.0.1:8000"})
    token = csrf(client.get("/login").text)
    done = client.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD,
                                       "next": "/dashboard"}, follow_redirects=False)
    assert done.status_code == 303
    return client


def csrf(page: str) -> str:
    return html.unescape(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))


def text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style\b.*?</style>", " ", page, flags=re.S))).split())


def test_the_office_sees_the_card_and_is_told_when_nothing_was_recorded(app):
    office = login(app, "vanphong")
    page = office.get(f"/dashboard/tasks/{TASK}")
    shown = text(page.text)
    assert "Duyệt kết quả" in shown and "Chấp nhận kết quả" in shown and "Trả lại cho đơn vị" in shown
    assert "Nếu chấp nhận Hoàn thành trước hạn (theo ngày ban hành văn bản)" in shown
    assert "Ngày xác nhận" in shown and "21/BC-VHXH" in shown
    post = lambda **data: office.post(f"/dashboard/tasks/{TASK}/review",  # noqa: E731
                                      data={"csrf_token": csrf(page.text), "form_id": "f1", **data})
    refused = post(decision="return", reason="  ")
    assert refused.status_code == 422 and "Nêu lý do trả lại" in text(refused.text)
    odd = post(decision="maybe")
    assert odd.status_code == 422 and "Chọn chấp nhận hoặc trả lại kết quả." in text(odd.text)
    away = post(decision="return", reason="Thiếu số liệu quý II")
    assert away.status_code == 503 and "chưa thể khẳng định đã ghi nhận" in text(away.text)
    assert "Thiếu số liệu quý II" in away.text  # what was typed is kept


@pytest.mark.parametrize("username", ["lanhdao", "chixem"])
def test_others_read_but_cannot_decide(app, username):
    client = login(app, username)
    page = client.get(f"/dashboard/tasks/{TASK}")
    shown = text(page.text)
    assert "Duyệt kết quả" in shown and "Chờ duyệt" in shown and "Chấp nhận kết quả" not in shown
    forged = client.post(f"/dashboard/tasks/{TASK}/review",
                         data={"csrf_token": csrf(page.text), "decision": "accept", "form_id": "x"})
    assert forged.status_code == 403


def test_the_list_filters_results_awaiting_review(app):
    office = login(app, "vanphong")
    listing = text(office.get("/dashboard?status=awaiting_review").text)
    assert "Số hóa hồ sơ di tích" in listing and "Chờ duyệt" in listing
    assert "Số hóa hồ sơ di tích" not in text(office.get("/dashboard?status=completed").text)
