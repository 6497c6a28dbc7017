"""Server tests for the link pages: confirm, refusals, CSRF, the worker away,
extension requests and the lead official's decision (Temporal faked here; the
real dev server is in test_web_temporal.py)."""
from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from config.loader import DEFAULT_CONFIG, load_config
from config.settings import load_settings
from store.db import session_scope
from store.models import Cycle, Delivery, Event, OutboxMessage, Task
from web import csrf
from web.app import create_app
from domain.links import make_link, token_from_url

NOW = datetime.now(timezone.utc)
TASK = "ke-hoach-57/7"


class FakeHandle:
    def __init__(self, client, wf_id):
        self.client, self.wf_id = client, wf_id

    async def execute_update(self, name, arg, id=None, rpc_timeout=None):
        self.client.calls.append((self.wf_id, name, arg, id))
        if self.client.hang:
            await asyncio.sleep(3600)
        return self.client.answer(name, arg)


class FakeClient:
    """Stands in for temporalio's Client: records updates, answers like the workflow."""

    def __init__(self):
        self.calls, self.hang, self.seen = [], False, {}

    def get_workflow_handle(self, wf_id):
        return FakeHandle(self, wf_id)

    def answer(self, name, arg):
        if name == "confirm":  # like the workflows: the first key counts, a retry of it is the same
            first_key = self.seen.setdefault(arg["key"].rsplit(":", 1)[0], arg["key"])
            self.evidence = getattr(self, "evidence", None) or arg
            return {"result": "early", "completed_on": NOW.date().isoformat(), "evidence": self.evidence,
                    "first": arg["key"] == first_key}
        return {"due": arg.get("new_due")}


class FakeTemporal:
    def __init__(self, client):
        self.client = client

    async def get(self):
        return self.client


@pytest.fixture
def web(tmp_path, sqlite_url, monkeypatch):
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)  # the outbox channel writes here
    monkeypatch.delenv("DONDOC_SECRET_KEY", raising=False)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url})
    config = load_config(DEFAULT_CONFIG)
    app = create_app(settings, config)
    fake = FakeClient()
    app.state.temporal = FakeTemporal(fake)
    with session_scope(sqlite_url) as s:
        s.add(Task(id=TASK, stt="7", title="Triển khai <script>alert(1)</script> nền tảng số",
                   lead_units=["vhxh"], lead_official="phan-viet-dien", output="Báo cáo kết quả",
                   deadline_kind="once", due=NOW.date() + timedelta(days=10), deadline_raw="Quý II/2026"))
        s.add(Task(id="rec-1", title="Báo cáo định kỳ hằng tháng", lead_units=["vhxh"],
                   deadline_kind="recurring", every="month"))
        s.add(Cycle(task_id="rec-1", period="2026-05", due=date(2026, 5, 29), status="reported",
                    result="on_time", reported_on=date(2026, 5, 28),
                    evidence={"document_number": "12/BC-VHXH", "issued_on": "2026-05-28", "summary": "Kỳ 5"}))
        s.add(Cycle(task_id="rec-1", period="2026-06", due=date(2026, 6, 30)))
    client = TestClient(app, base_url=settings.public_url)
    client.settings, client.fake, client.db = settings, fake, sqlite_url
    return client


def link(web, subject=TASK, cycle="", purpose="confirm", recipient="vhxh", expires=None):
    url = make_link(web.settings.secret_key, web.settings.public_url, subject, cycle, recipient, purpose,
                    expires_at=expires or NOW + timedelta(days=30))
    return url[len(web.settings.public_url):]


def form_of(web, path, **fields):
    token = path.rsplit("/", 1)[-1]
    data = {"csrf_token": csrf.link_token(web.settings.secret_key, token), "document_number": "125/BC-UBND",
            "issued_on": NOW.date().isoformat(), "summary": "Báo cáo kết quả triển khai", "link": "", "note": ""}
    data.update(fields)
    return data


def test_get_shows_the_task_and_changes_nothing(web):
    path = link(web)
    page = web.get(path)
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text
    assert "Xác nhận hoàn thành nhiệm vụ" in page.text and "Báo cáo kết quả" in page.text
    # a title from a document is text, never markup
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert web.fake.calls == []
    assert page.headers["cache-control"] == "no-store"


def test_post_confirms_through_the_update(web):
    path = link(web)
    page = web.post(path, data=form_of(web, path), headers={"origin": web.settings.public_url})
    assert page.status_code == 200, page.text
    assert "Hoàn thành trước hạn" in page.text and "Đã ghi nhận xác nhận" in page.text
    (wf_id, name, arg, update_id), = web.fake.calls
    assert (wf_id, name) == (TASK, "confirm")
    assert arg["document_number"] == "125/BC-UBND" and arg["confirmed_by"] == "vhxh"
    assert update_id == arg["key"] and arg["key"].startswith(f"confirm:{TASK}::")


def test_resending_the_same_evidence_is_the_same_confirmation(web):
    path = link(web)
    web.post(path, data=form_of(web, path))
    page = web.post(path, data=form_of(web, path))
    assert page.status_code == 200 and "Đã ghi nhận xác nhận" in page.text
    assert web.fake.calls[0][3] == web.fake.calls[1][3]


def test_second_submission_shows_the_first(web):
    path = link(web)
    web.post(path, data=form_of(web, path))
    page = web.post(path, data=form_of(web, path, document_number="999/KHAC"))
    assert page.status_code == 200
    assert "đã được xác nhận trước đó" in page.text
    assert "125/BC-UBND" in page.text and "999/KHAC" not in page.text


def test_completed_task_in_store_is_shown_and_not_sent_again(web):
    with session_scope(web.db) as s:
        t = s.get(Task, TASK)
        t.status, t.result, t.completed_on = "completed", "on_time", NOW.date()
        t.evidence = {"document_number": "01/BC", "issued_on": "2026-03-01", "summary": "Đã xong"}
    path = link(web)
    assert "đã được xác nhận trước đó" in web.get(path).text
    page = web.post(path, data=form_of(web, path))
    assert page.status_code == 200 and "01/BC" in page.text
    assert web.fake.calls == []


@pytest.mark.parametrize("mangle, status, words", [
    (lambda p: p[:-3] + ("AAA" if not p.endswith("AAA") else "BBB"), 403, "không hợp lệ"),
    (lambda p: p.replace("/c/", "/c/x") + "!", 400, "không đầy đủ"),
])
def test_forged_and_malformed_links_are_refused(web, mangle, status, words):
    page = web.get(mangle(link(web)))
    assert page.status_code == status
    assert words in page.text and ("Văn phòng" in page.text or "mở lại" in page.text)


def test_link_signed_with_another_key_is_forged(web):
    url = make_link("another-secret", "http://x", TASK, "", "vhxh", "confirm", expires_at=NOW + timedelta(days=1))
    assert web.get("/c/" + token_from_url(url)).status_code == 403


def test_expired_link(web):
    page = web.get(link(web, expires=NOW - timedelta(seconds=1)))
    assert page.status_code == 410 and "hết hạn" in page.text


def test_wrong_task(web):
    page = web.get(link(web, subject="khong-co-nhiem-vu-nay"))
    assert page.status_code == 404 and "Không tìm thấy nhiệm vụ" in page.text


def test_wrong_purpose(web):
    page = web.get("/c/" + link(web, purpose="incident").rsplit("/", 1)[1])
    assert page.status_code == 400


def test_wrong_cycle(web):
    assert web.get(link(web, cycle="2026-05")).status_code == 409          # a one-off task has no periods
    assert web.get(link(web, subject="rec-1", cycle="2027-01")).status_code == 409
    reported = web.get(link(web, subject="rec-1", cycle="2026-05"))
    assert reported.status_code == 200 and "12/BC-VHXH" in reported.text
    assert "Xác nhận hoàn thành" in web.get(link(web, subject="rec-1", cycle="2026-06")).text


def test_post_without_csrf_token_is_refused(web):
    path = link(web)
    data = form_of(web, path)
    del data["csrf_token"]
    page = web.post(path, data=data)
    assert page.status_code == 403 and web.fake.calls == []


def test_csrf_token_of_another_link_is_refused(web):
    path, other = link(web), link(web, recipient="someone-else")
    page = web.post(path, data=form_of(web, other))
    assert page.status_code == 403 and web.fake.calls == []


def test_cross_site_origin_is_refused(web):
    path = link(web)
    for headers in ({"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"},
                    {"referer": "https://evil.example/page"}, {"origin": "null"}):
        assert web.post(path, data=form_of(web, path), headers=headers).status_code == 403
    assert web.fake.calls == []


def test_invalid_form_shows_errors_and_sends_nothing(web):
    path = link(web)
    tomorrow = (NOW.date() + timedelta(days=2)).isoformat()
    page = web.post(path, data=form_of(web, path, document_number="", issued_on=tomorrow, link="javascript:x"))
    assert page.status_code == 422
    assert "Nhập số, ký hiệu" in page.text and "không thể sau ngày hôm nay" in page.text
    assert "http://" in page.text and web.fake.calls == []


def test_worker_away_says_not_recorded_and_does_not_hang(web, monkeypatch):
    import web.updates as rl

    monkeypatch.setattr(rl, "UPDATE_TIMEOUT_S", 0.3)
    web.fake.hang = True
    path = link(web)
    page = web.post(path, data=form_of(web, path))
    assert page.status_code == 503
    assert "Chưa ghi nhận được xác nhận" in page.text and "chưa được lưu" in page.text
    assert "Đã ghi nhận xác nhận" not in page.text
    assert 'value="125/BC-UBND"' in page.text  # what was typed is kept for the retry


def test_temporal_down_says_not_recorded(web):
    web.app.state.temporal = FakeTemporal(None)
    path = link(web)
    page = web.post(path, data=form_of(web, path))
    assert page.status_code == 503 and "chưa được lưu" in page.text


def test_extension_request_reaches_the_lead_official_who_approves(web):
    path = link(web)
    new_due = (NOW.date() + timedelta(days=40)).isoformat()
    token = path.rsplit("/", 1)[1]
    page = web.post(path + "/extend", data={"csrf_token": csrf.link_token(web.settings.secret_key, token),
                                            "new_due": new_due, "reason": "Chờ kinh phí"})
    assert page.status_code == 200 and "Phan Viết Điện" in page.text
    with session_scope(web.db) as s:
        msg = s.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "phan-viet-dien")).one()
        delivery = s.scalars(select(Delivery).where(Delivery.key.not_like("%|outbox"))).one()
    assert delivery.status == "sent" and delivery.recipient == "phan-viet-dien"
    approve = msg.body.split("): ", 1)[1].strip()
    assert approve.startswith(web.settings.public_url + "/g/")
    approve = approve[len(web.settings.public_url):]
    review = web.get(approve)
    assert review.status_code == 200 and "Chờ kinh phí" in review.text and web.fake.calls == []
    gtoken = approve.rsplit("/", 1)[1]
    request_id = review.text.split('name="request_id" value="', 1)[1].split('"', 1)[0]
    data = {"csrf_token": csrf.link_token(web.settings.secret_key, gtoken), "request_id": request_id,
            "decision": "approve"}
    done = web.post(approve, data=data)
    assert done.status_code == 200 and "Đã đồng ý gia hạn" in done.text
    (_, name, arg, _), = web.fake.calls
    assert name == "extend" and arg["new_due"] == new_due and arg["approved_by"] == "Phan Viết Điện"
    again = web.post(approve, data=data)  # a second click changes nothing
    assert again.status_code == 409 and len(web.fake.calls) == 1
    with session_scope(web.db) as s:
        kinds = [e.kind for e in s.scalars(select(Event).order_by(Event.id))]
    assert kinds == ["extension_requested", "extension_approved"]


def test_confirm_link_cannot_approve(web):
    path = link(web)
    assert web.get("/g/" + path.rsplit("/", 1)[1]).status_code == 400


def test_extension_decline_changes_no_deadline(web):
    path = link(web)
    token = path.rsplit("/", 1)[1]
    web.post(path + "/extend", data={"csrf_token": csrf.link_token(web.settings.secret_key, token),
                                     "new_due": (NOW.date() + timedelta(days=40)).isoformat(), "reason": "Lý do"})
    approve = link(web, purpose="extend", recipient="phan-viet-dien")
    review = web.get(approve)
    request_id = review.text.split('name="request_id" value="', 1)[1].split('"', 1)[0]
    gtoken = approve.rsplit("/", 1)[1]
    page = web.post(approve, data={"csrf_token": csrf.link_token(web.settings.secret_key, gtoken),
                                   "request_id": request_id, "decision": "decline"})
    assert page.status_code == 200 and "từ chối" in page.text and web.fake.calls == []
    with session_scope(web.db) as s:
        told = s.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "phong-vhxh")).one()
    assert "không đồng ý gia hạn" in told.body


def test_extension_request_validates(web):
    path = link(web)
    token = path.rsplit("/", 1)[1]
    page = web.post(path + "/extend", data={"csrf_token": csrf.link_token(web.settings.secret_key, token),
                                            "new_due": "2020-01-01", "reason": ""})
    assert page.status_code == 422 and "Thời hạn mới phải sau" in page.text and "Nêu lý do" in page.text


def _request_and_decline(web) -> str:
    path = link(web)
    token = path.rsplit("/", 1)[1]
    web.post(path + "/extend", data={"csrf_token": csrf.link_token(web.settings.secret_key, token),
                                     "new_due": (NOW.date() + timedelta(days=40)).isoformat(), "reason": "Lý do"})
    approve = link(web, purpose="extend", recipient="phan-viet-dien")
    request_id = web.get(approve).text.split('name="request_id" value="', 1)[1].split('"', 1)[0]
    gtoken = approve.rsplit("/", 1)[1]
    web.post(approve, data={"csrf_token": csrf.link_token(web.settings.secret_key, gtoken),
                            "request_id": request_id, "decision": "decline"})
    return request_id


def test_extension_messages_use_the_delivery_log_keys(web):
    request_id = _request_and_decline(web)
    with session_scope(web.db) as s:
        rows = {d.key: d.status for d in s.scalars(select(Delivery))}
    lead = f"{TASK}||extension_request/{request_id}|phan-viet-dien"
    unit = f"{TASK}||extension_declined/{request_id}|vhxh"
    assert rows == {lead: "sent", lead + "|outbox": "sent", unit: "sent", unit + "|outbox": "sent"}


def test_extension_request_no_channel_tells_the_standing_office(web):
    from dataclasses import replace

    config = web.app.state.config
    officials = tuple(replace(o, targets=()) if o.key == "phan-viet-dien" else o for o in config.directory.officials)
    web.app.state.config = replace(config, directory=replace(config.directory, officials=officials))
    path = link(web)
    token = path.rsplit("/", 1)[1]
    page = web.post(path + "/extend", data={"csrf_token": csrf.link_token(web.settings.secret_key, token),
                                            "new_due": (NOW.date() + timedelta(days=40)).isoformat(),
                                            "reason": "Lý do"})
    assert page.status_code == 200 and "chưa gửi được tới lãnh đạo phụ trách" in page.text
    with session_scope(web.db) as s:
        failed = s.scalars(select(Delivery).where(Delivery.recipient == "phan-viet-dien")).one()
        notice = s.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "phong-vhxh")).one()
    assert failed.status == "failed" and failed.key.startswith(f"{TASK}||extension_request/")
    assert "Không gửi được tin nhắn" in notice.title and "Phan Viết Điện" in notice.body


def test_delivery_service_retries_then_returns(monkeypatch):
    from temporalio.exceptions import ApplicationError

    import services.delivery as delivery

    attempts = []

    class Flaky:
        def __init__(self, *args, **kwargs):
            self.max_attempts = kwargs["max_attempts"]

        def deliver_now(self, request, attempt):
            attempts.append(attempt)
            if attempt < self.max_attempts:
                raise ApplicationError("Zalo refused", type="DeliveryFailed")
            return "failed-and-office-told"

    monkeypatch.setattr(delivery, "DeliveryActivities", Flaky)
    slept = []
    config = load_config(DEFAULT_CONFIG)
    settings = load_settings({"DONDOC_DATABASE_URL": "sqlite://"})
    assert delivery.deliver(settings, config, None, sleep=slept.append) == "failed-and-office-told"
    assert attempts == [1, 2, 3] and slept == [0.5, 1.0]
