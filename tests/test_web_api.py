"""The JSON API: authentication (bearer, session + CSRF header), reads, actions
through the (faked) workflow updates, plan preview, the OpenAPI description."""
from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from config.loader import DEFAULT_CONFIG, load_config
from config.settings import load_settings
from test_web_dashboard import NOW, TODAY, seed
from test_web_links import FakeClient, FakeTemporal
from web.app import create_app
from web.routes_api import ENDPOINTS
from web.users import hash_password

ADMIN_TOKEN, VIEWER_TOKEN = "admin-token-123", "viewer-token-456"


def sha(token):
    return hashlib.sha256(token.encode()).hexdigest()


@pytest.fixture
def api(tmp_path, sqlite_url, monkeypatch):
    monkeypatch.delenv("DONDOC_SECRET_KEY", raising=False)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url})
    config = replace(load_config(DEFAULT_CONFIG), users=(
        {"username": "script", "password_hash": "", "role": "admin", "token_sha256": sha(ADMIN_TOKEN)},
        {"username": "reader", "password_hash": hash_password("doc"), "role": "viewer",
         "token_sha256": sha(VIEWER_TOKEN)},
    ))
    seed(sqlite_url)
    app = create_app(settings, config)
    app.state.temporal = FakeTemporal(FakeClient())
    client = TestClient(app, base_url=settings.public_url)
    client.fake = app.state.temporal.client
    client.settings = settings
    return client


def bearer(token=ADMIN_TOKEN):
    return {"authorization": f"Bearer {token}"}


def test_needs_authentication(api):
    for e in ENDPOINTS:
        path = e.path.replace("{task_id}", "p/2").replace("{report_id}", "1").replace("{incident_id}", "inc-1")
        page = api.request(e.method, path)
        assert page.status_code == 401, path
        assert page.json()["error"] == "unauthorized"
    assert api.get("/api/tasks", headers=bearer("wrong")).status_code == 401


def test_openapi_lists_every_endpoint(api):
    assert api.get("/api/openapi.json").status_code == 401  # the API's map is for logged-in callers
    spec = api.get("/api/openapi.json", headers=bearer()).json()
    assert spec["openapi"].startswith("3.")
    for e in ENDPOINTS:
        assert e.method.lower() in spec["paths"][e.path]
    assert "requestBody" in spec["paths"]["/api/tasks/{task_id}/confirm"]["post"]


def test_tasks_and_task(api):
    tasks = api.get("/api/tasks", headers=bearer()).json()["tasks"]
    assert [t["id"] for t in tasks[:2]] == ["p/2", "p/3"] and tasks[0]["overdue"] is True
    assert tasks[0]["title"] == "Quá hạn nhiều <script>x()</script>"  # JSON carries the text as is
    assert {t["id"] for t in api.get("/api/tasks?status=completed", headers=bearer()).json()["tasks"]} == {"p/4"}
    one = api.get("/api/tasks/p/2", headers=bearer()).json()
    assert [i["kind"] for i in one["timeline"]] == ["reminder", "escalation", "extension_requested"]
    assert api.get("/api/tasks/none", headers=bearer()).status_code == 404


def test_other_reads(api):
    assert api.get("/api/incidents", headers=bearer()).json()["incidents"][0]["id"] == "inc-1"
    rid = api.get("/api/reports", headers=bearer()).json()["reports"][0]["id"]
    assert "quá hạn" in api.get(f"/api/reports/{rid}", headers=bearer()).json()["short_text"]
    assert api.get("/api/outbox", headers=bearer()).json()["messages"][0]["recipient"] == "phong-vhxh"
    assert api.get("/api/plans", headers=bearer()).json()["plans"][0]["name"] == "Kế hoạch số 12/KH-UBND"
    assert api.get("/api/me", headers=bearer(VIEWER_TOKEN)).json() == {"username": "reader", "role": "viewer",
                                                                       "via": "token"}


def test_outbox_a_page_at_a_time(api, sqlite_url):
    from store.db import session_scope
    from store.models import OutboxMessage

    with session_scope(sqlite_url) as s:
        s.add_all(OutboxMessage(recipient=f"don-vi-{i}", title=f"Tin {i}", body="Nhắc việc") for i in range(250))
    first = api.get("/api/outbox", headers=bearer()).json()
    ids = [m["id"] for m in first["messages"]]
    assert len(ids) == 200 and ids == sorted(ids, reverse=True)  # the newest 200, as before paging
    every, before = [], None
    while True:
        page = api.get("/api/outbox", params={"limit": 60, **({"before": before} if before else {})},
                       headers=bearer()).json()
        every += [m["id"] for m in page["messages"]]
        assert len(page["messages"]) <= 60
        before = page["next_before"]
        if before is None:
            break
    with session_scope(sqlite_url) as s:
        stored = sorted((m.id for m in s.query(OutboxMessage)), reverse=True)
    assert every == stored and len(every) > 250  # each message once, none skipped, newest first
    for bad in ({"limit": 0}, {"limit": 201}, {"limit": "năm"}, {"before": "x"}, {"before": -1}):
        answer = api.get("/api/outbox", params=bad, headers=bearer())
        assert answer.status_code == 400 and "limit từ 1 đến 200" in answer.json()["message"]


def test_review_accept_or_return_through_the_update(api, sqlite_url):
    from store.db import session_scope
    from store.models import Task

    evidence = {"document_number": "5/BC", "issued_on": TODAY.isoformat(), "confirmed_at": NOW.isoformat()}
    with session_scope(sqlite_url) as s:
        s.get(Task, "p/3").status, s.get(Task, "p/3").evidence = "awaiting_review", evidence
    post = lambda task, body, **kw: api.post(f"/api/tasks/{task}/review", json=body, headers=bearer(**kw))  # noqa: E731
    missing = post("p/3", {"decision": "return"})
    assert missing.status_code == 422 and "lý do" in missing.json()["fields"]["reason"]
    assert post("p/3", {"decision": "maybe"}).status_code == 422
    assert post("p/2", {"decision": "accept"}).status_code == 409  # nothing awaits review there
    assert post("nope", {"decision": "accept"}).status_code == 404
    assert post("p/3", {"decision": "accept"}, token=VIEWER_TOKEN).status_code == 403
    assert api.fake.calls == []  # nothing refused reached the workflow
    done = post("p/3", {"decision": "return", "reason": "Thiếu văn bản kèm theo", "key": "k-1"})
    assert done.status_code == 200
    (workflow_id, name, arg, update_id), = [(c[0], c[1], c[2], c[3]) for c in api.fake.calls]
    assert (workflow_id, name) == ("p/3", "review") and update_id == arg["key"]
    assert arg["decision"] == "return" and arg["reason"] == "Thiếu văn bản kèm theo" and arg["reviewer"] == "script"
    post("p/3", {"decision": "return", "reason": "Thiếu văn bản kèm theo", "key": "k-1"})
    assert api.fake.calls[-1][3] == update_id  # the same decision again: the same update id (one decision)


def test_confirm_extend_cancel(api):
    body = {"document_number": "5/BC", "issued_on": TODAY.isoformat(), "summary": "Xong"}
    done = api.post("/api/tasks/p/2/confirm", json=body, headers=bearer())
    assert done.status_code == 200 and done.json()["result"]["result"] == "early"
    new_due = (TODAY + timedelta(days=30)).isoformat()
    assert api.post("/api/tasks/p/3/extend", json={"new_due": new_due, "reason": "Chờ"}, headers=bearer()).status_code == 200
    assert api.post("/api/tasks/p/1/cancel", json={"reason": "Trùng"}, headers=bearer()).status_code == 200
    names = [(c[0], c[1], c[3]) for c in api.fake.calls]
    assert names[0][:2] == ("p/2", "confirm") and names[0][2].startswith("confirm:p/2::")
    assert names[1][:2] == ("p/3", "extend")
    assert names[2] == ("p/1", "cancel", "cancel:p/1") and api.fake.calls[0][2]["confirmed_by"] == "script"


def test_invalid_input_and_viewer(api):
    page = api.post("/api/tasks/p/2/confirm", json={"summary": "x"}, headers=bearer())
    assert page.status_code == 422 and "document_number" in page.json()["fields"]
    assert api.post("/api/tasks/p/2/confirm", json={}, headers=bearer(VIEWER_TOKEN)).status_code == 403
    assert api.fake.calls == []


def test_worker_away(api, monkeypatch):
    import web.updates as rl

    monkeypatch.setattr(rl, "UPDATE_TIMEOUT_S", 0.2)
    api.fake.hang = True
    body = {"document_number": "5/BC", "issued_on": TODAY.isoformat(), "summary": "Xong"}
    page = api.post("/api/tasks/p/2/confirm", json=body, headers=bearer())
    assert page.status_code == 503 and page.json()["error"] == "unavailable"


def test_session_post_needs_csrf_header(api):
    login = api.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
    api.post("/login", data={"csrf_token": token, "username": "reader", "password": "doc"})
    assert api.get("/api/me").json()["via"] == "session"
    no_csrf = api.post("/api/plans/preview", content=b"x")          # no X-CSRF-Token
    assert no_csrf.status_code == 403 and no_csrf.json()["error"] != "forbidden"
    page_token = re.search(r'name="csrf_token" value="([^"]+)"', api.get("/dashboard/incidents").text).group(1)
    past = api.post("/api/plans/preview", content=b"x", headers={"x-csrf-token": page_token})
    # Past the CSRF check, refused for the role: a reader may not upload plans.
    assert past.status_code == 403 and past.json()["error"] == "forbidden"


def test_plan_preview(api, city_notice):
    data = city_notice.read_bytes()
    page = api.post("/api/plans/preview?filename=003.txt", content=data, headers=bearer())
    assert page.status_code == 200
    body = page.json()
    assert len(body["tasks"]) >= 40 and body["plan"]
    assert body["messages"]["total"] == sum(r["count"] for r in body["messages"]["recipients"]) > 0
    assert api.post("/api/plans/import?filename=003.txt", content=data, headers=bearer(VIEWER_TOKEN)).status_code == 403


def test_incident_input_is_checked_before_temporal(api):
    from sqlalchemy import func, select

    from store.db import session_scope
    from store.models import Incident

    page = api.post("/api/incidents", json={"unit": "không có đơn vị này", "title": "Mã độc"}, headers=bearer())
    assert page.status_code == 422 and "Không tìm thấy đơn vị" in page.json()["message"]
    assert api.post("/api/incidents", json={"unit": "cong-an-dk", "title": " "}, headers=bearer()).status_code == 422
    assert api.post("/api/incidents", json={"unit": "cong-an-dk", "title": "Mã độc"},
                    headers=bearer(VIEWER_TOKEN)).status_code == 403
    api.app.state.temporal = FakeTemporal(None)  # Temporal away: nothing recorded, no phantom row
    page = api.post("/api/incidents", json={"unit": "Công an đặc khu", "title": "Mã độc"}, headers=bearer())
    assert page.status_code == 503 and page.json()["error"] == "unavailable"
    with session_scope(api.settings.database_url) as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 1  # only the seeded one
    bad = api.post("/api/incidents/inc-1/report", json={"number": "", "issued_on": "x", "summary": "y"},
                   headers=bearer())
    assert bad.status_code == 422 and {"number", "issued_on", "followed"} <= set(bad.json()["fields"])
    one = api.get("/api/incidents/inc-1", headers=bearer()).json()
    assert one["id"] == "inc-1" and one["status"] == "open"
    assert api.get("/api/incidents/none", headers=bearer()).status_code == 404
