"""Debian's Chromium, driven by Playwright, through the standing office's task actions on
the dashboard, against the real task workflow (a dev server, the worker from
``build_worker``, the drill directory delivering to a local fake Zalo), on a desktop
(1280 px) and on a 360-px phone: reassign the lead unit, a new deadline decided by a
document (first typed wrong, refused in Vietnamese, then right), a completion received
on paper, the link resent then revoked and resent anew, a cancellation. Each ends on the
page's notice and the timeline naming who did it; its effect is read from the workflow
and the messages fake Zalo received. A leader and a viewer see no forms, and a POST
forged with their own session is refused (403). Screenshots go to test-artifacts/.

One workflow per action and viewport, all started together; the ladder sends one
reminder to the unit and its lead 2 s after the start and nothing more.
"""
from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from config.loader import EXAMPLES, load_config
from config.settings import load_settings
from contracts.tasks import TaskSpec, TaskStatus
from domain.calendar import VN_TZ
from domain.policy import LadderPolicy, Step
from embedded import free_port
from services.task_views import task_view
from services.tasks import start_or_amend
from store.db import session_scope
from store.models import User
from web.app import create_app
from web.passwords import hash_password
from worker import build_worker

from test_browser import ARGS, ARTIFACTS, CHROMIUM, DESKTOP, PHONE, LiveServer, playwright  # noqa: E402

PASSWORD = "mat-khau-thu-nghiem-2026"
ONE_REMINDER = LadderPolicy(name="actions", unit="seconds", steps=(Step(-2 * 86400 + 2, ("unit", "lead")),),
                            repeat_every=0, office_hours=False)
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
ACTIONS = ("reassign", "deadline", "paper", "resend", "cancel")


@pytest.fixture
def stack(dev_env, tmp_path, sqlite_url, monkeypatch, task_queue, fake_zalo, fake_smtp):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium")
    port = free_port()
    monkeypatch.setenv("DONDOC_SECRET_KEY", "browser-actions-secret-kkkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("DRILL_SMTP_PORT", str(fake_smtp.port))
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_WEB_PORT": str(port), "DONDOC_TASK_QUEUE": task_queue,
                              "DONDOC_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host})
    config = load_config(EXAMPLES / "drill.toml")
    config = replace(config, policies=replace(config.policies, once=ONE_REMINDER))
    with session_scope(sqlite_url) as session:
        for name, role in (("vanphong", "office"), ("lanhdao", "leader"), ("chixem", "viewer")):
            session.add(User(username=name, password_hash=hash_password(PASSWORD), role=role))
    ARTIFACTS.mkdir(exist_ok=True)
    return settings, config


def vn(day) -> str:
    return day.strftime("%d/%m/%Y")


def today():
    return datetime.now(VN_TZ).date()


async def wait_for(predicate, seconds: float, what: str):
    for _ in range(int(seconds * 10)):
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def said(zalo, chat: str, title: str, marker: str = "") -> list[str]:
    return [t for t in zalo.texts(chat) if title in t and marker in t]


class Office:
    """One logged-in browser context (desktop or phone) and where to save its screenshots."""

    def __init__(self, browser, base: str, viewport: str):
        self.browser, self.base, self.viewport = browser, base, viewport
        self.ctx = self.page = None

    async def login(self, username: str) -> "Office":
        self.ctx = await self.browser.new_context(**VIEWPORTS[self.viewport])
        self.page = await self.ctx.new_page()
        await self.page.goto(self.base + "/login")
        await self.page.fill("#username", username)
        await self.page.fill("#password", PASSWORD)
        await self.page.click("button[type=submit]")
        await self.page.wait_for_url(re.compile(r".*/dashboard$"))
        return self

    async def open(self, task_id: str, summary: str | None = None) -> None:
        await self.page.goto(f"{self.base}/dashboard/tasks/{task_id}")
        await self.page.wait_for_selector("h1")
        if summary:
            await self.page.click(f"summary:has-text('{summary}')")

    async def shot(self, name: str) -> None:
        if self.viewport == "phone":
            width = await self.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{name}: the page scrolls sideways on a phone ({width}px)"
        await self.page.screenshot(path=str(ARTIFACTS / f"actions-{self.viewport}-{name}.png"), full_page=True)

    async def submit(self, form: str) -> str:
        """Press the form's button; the page after it (the notice, or the form again with errors)."""
        await self.page.click(f"form[action*='/actions/{form}#'] button[type=submit]")
        await self.page.wait_for_selector("h1")
        return await self.page.inner_text("main")


async def reassign(office: Office, task: TaskSpec, env) -> None:
    await office.open(task.id, "Đổi đơn vị chủ trì")
    await office.page.uncheck("input[name=lead_units][value=vhxh]")
    await office.page.check("input[name=lead_units][value=cong-an-dk]")
    await office.page.fill("#ra-reason", "Giao nhầm đơn vị theo phụ lục")
    await office.shot("reassign-1-form")
    shown = await office.submit("reassign")
    assert "Đã đổi đơn vị chủ trì" in shown and "đơn vị chủ trì mới: Công an đặc khu" in shown
    assert "người thực hiện: vanphong" in shown
    await office.shot("reassign-2-done")
    assert task_view(env["db"], task.id)["lead_units"] == ["cong-an-dk"]
    await wait_for(lambda: said(env["zalo"], "police-chat", task.title, "ĐIỀU CHỈNH"), 20, "the new unit told")


async def deadline(office: Office, task: TaskSpec, env) -> None:
    new_due = today() + timedelta(days=40)
    await office.open(task.id, "Đổi thời hạn")
    await office.page.fill("#dl-new-due", "31/02/2026")
    await office.page.fill("#dl-number", "45/QĐ-UBND")
    await office.page.fill("#dl-date", vn(today() + timedelta(days=2)))
    await office.page.fill("#dl-by", "Chủ tịch UBND đặc khu")
    await office.page.fill("#dl-summary", "Điều chỉnh thời hạn số hóa hồ sơ lưu trữ")
    shown = await office.submit("deadline")
    assert "Nhập thời hạn mới" in shown and "Ngày ban hành không thể sau ngày hôm nay." in shown
    assert await office.page.input_value("#dl-number") == "45/QĐ-UBND"  # nothing typed is lost
    await office.shot("deadline-1-refused")
    await office.page.fill("#dl-new-due", vn(new_due))
    await office.page.fill("#dl-date", vn(today()))
    shown = await office.submit("deadline")
    assert "Đã ghi nhận thời hạn mới" in shown and f"hạn mới: {vn(new_due)}" in shown
    assert "căn cứ văn bản: 45/QĐ-UBND" in shown and "người thực hiện: vanphong" in shown
    await office.shot("deadline-2-done")
    status = await env["temporal"].get_workflow_handle(task.id).query("status", result_type=TaskStatus)
    assert status.due == new_due.isoformat()
    await wait_for(lambda: said(env["zalo"], "unit-chat", task.title, "45/QĐ-UBND"), 20, "the unit told")


async def paper(office: Office, task: TaskSpec, env) -> None:
    await office.open(task.id, "Ghi nhận hoàn thành")
    await office.page.fill("#pp-number", "125/BC-VHXH")
    await office.page.fill("#pp-date", vn(today()))
    await office.page.fill("#pp-summary", "Báo cáo kết quả số hóa hồ sơ lưu trữ")
    await office.page.fill("#pp-note", "Nhận bản giấy qua văn thư")
    await office.shot("paper-1-form")
    shown = await office.submit("paper")
    assert "Đã ghi nhận hoàn thành" in shown and "ghi nhận theo văn bản giấy, người thực hiện: vanphong" in shown
    assert "Nhiệm vụ đã kết thúc" in shown
    await office.shot("paper-2-done")
    assert task_view(env["db"], task.id)["evidence"]["recorded_by"] == "vanphong"
    await wait_for(lambda: said(env["zalo"], "unit-chat", task.title, "HOÀN THÀNH"), 20, "the unit told")


async def resend(office: Office, task: TaskSpec, env) -> None:
    await office.open(task.id, "Gửi lại đường dẫn")
    shown = await office.submit("resend")
    assert "Đã gửi lại đường dẫn" in shown and "người thực hiện: vanphong" in shown
    await wait_for(lambda: said(env["zalo"], "unit-chat", task.title, "GỬI LẠI"), 20, "the resend")
    # Revoke the unit's link in the same action area, then send it a new one.
    row = office.page.locator("ul.live-links li", has_text="Phòng Văn hóa - Xã hội")
    await row.locator("button", has_text="Thu hồi").click()
    await office.page.wait_for_selector("h1")
    assert "Đã thu hồi đường dẫn" in await office.page.inner_text("main")
    await office.open(task.id, "Gửi lại đường dẫn")
    await office.submit("resend")
    await wait_for(lambda: len(said(env["zalo"], "unit-chat", task.title, "GỬI LẠI")) == 2, 20, "the 2nd resend")
    await office.open(task.id)
    shown = await office.page.inner_text("main")
    assert "Thu hồi đường dẫn" in shown and "Gửi lại đường dẫn báo cáo → Phòng Văn hóa - Xã hội" in shown
    await office.shot("resend-revoke-resend")


async def cancel(office: Office, task: TaskSpec, env) -> None:
    await office.open(task.id, "Hủy nhiệm vụ")
    await office.page.fill("#cc-reason", "Nhiệm vụ đã được thay thế bằng kế hoạch mới")
    await office.shot("cancel-1-form")
    shown = await office.submit("cancel")
    assert "Đã hủy nhiệm vụ" in shown and "người thực hiện: vanphong" in shown
    await office.shot("cancel-2-done")
    result = await asyncio.wait_for(env["temporal"].get_workflow_handle(task.id, result_type=TaskStatus).result(), 20)
    assert result.status == "cancelled"
    await wait_for(lambda: said(env["zalo"], "lead-chat", task.title, "ĐÃ ĐƯỢC HỦY"), 20, "the lead told")


async def refused(browser, base: str, viewport: str, username: str, task_id: str) -> None:
    reader = await Office(browser, base, viewport).login(username)
    await reader.open(task_id)
    text = await reader.page.inner_text("main")
    assert "Diễn biến" in text and "Thao tác" not in text
    assert await reader.page.locator("form[action*='/actions/']").count() == 0
    assert await reader.page.locator("button", has_text="Thu hồi").count() == 0
    await reader.shot(f"{username}-no-forms")
    token = await reader.page.locator("header form input[name=csrf_token]").input_value()
    forged = await reader.page.request.post(f"{base}/dashboard/tasks/{task_id}/actions/cancel",
                                            form={"csrf_token": token, "form_id": "x", "reason": "Thử"},
                                            headers={"origin": base})
    assert forged.status == 403 and "Không có quyền" in await forged.text()
    await reader.page.set_content(await forged.text())
    await reader.shot(f"{username}-forged-post-refused")
    await reader.ctx.close()


async def test_the_office_acts_on_desktop_and_phone_and_others_are_refused(stack, dev_env, sqlite_url, fake_zalo):
    settings, config = stack
    app = create_app(settings, config)  # its own Temporal client, as `dondoc up`'s web process
    env = {"db": sqlite_url, "zalo": fake_zalo, "temporal": dev_env.client}
    async with build_worker(dev_env.client, settings, config):
        tasks = {}
        for viewport in (*VIEWPORTS, "roles"):
            for action in ACTIONS if viewport != "roles" else ("roles",):
                title = f"Số hóa hồ sơ lưu trữ ({action}, {viewport}) {uuid.uuid4().hex[:4]}"
                task = TaskSpec(id=f"tb-browser/{uuid.uuid4().hex[:8]}", title=title, lead_units=["vhxh"],
                                deadline_kind="once", due_at=datetime.now(timezone.utc) + timedelta(days=2),
                                deadline_raw="Quý II/2026", output="Báo cáo kết quả; kho hồ sơ số")
                assert (await start_or_amend(dev_env.client, settings, config, task)).started
                tasks[(viewport, action)] = task
        for task in tasks.values():
            await wait_for(lambda: said(fake_zalo, "lead-chat", task.title), 40, "the first reminder")
        with LiveServer(app, settings.web_port):
            async with playwright.async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for viewport in VIEWPORTS:
                    office = await Office(browser, settings.public_url, viewport).login("vanphong")
                    await office.open(tasks[(viewport, "reassign")].id)
                    await office.shot("0-page")
                    for action, run in zip(ACTIONS, (reassign, deadline, paper, resend, cancel)):
                        await run(office, tasks[(viewport, action)], env)
                    await office.ctx.close()
                for viewport, username in (("phone", "lanhdao"), ("desktop", "chixem")):
                    await refused(browser, settings.public_url, viewport, username, tasks[("roles", "roles")].id)
                await browser.close()
        roles = tasks[("roles", "roles")]
        view = task_view(sqlite_url, roles.id)
        assert (view["status"], view["lead_units"]) == ("open", ["vhxh"])  # the forged POSTs changed nothing
        for task in tasks.values():
            handle = dev_env.client.get_workflow_handle(task.id)
            if (await handle.describe()).status.name == "RUNNING":
                await handle.terminate("test over")
