"""Debian's Chromium, driven by Playwright, through what an officer and the
standing office really do, against the real task workflow: a dev server, the
worker from ``build_worker``, the drill directory delivering to a local fake Zalo.
The task is started as the import does; the officer opens the link from the Zalo
message the unit really received on a 360-px phone, fills the evidence, submits
and reads the outcome the workflow decided; the standing office logs in to the
dashboard on a desktop and finds the task's timeline with the reminders and the
confirmation. The extension goes the same way: requested on the phone, approved
from the lead official's real Zalo message, the workflow's deadline moved.
Screenshots go to test-artifacts/.

No browser is downloaded: Playwright launches /usr/bin/chromium (apt: chromium).
"""
from __future__ import annotations

import asyncio
import re
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from services.tasks import start_or_amend
from services.task_views import task_view
from config.loader import EXAMPLES, load_config
from config.settings import load_settings
from domain.calendar import VN_TZ
from web.app import create_app
from web.users import ensure_admin
from worker import build_worker
from embedded import free_port
from contracts.tasks import TaskSpec, TaskStatus

playwright = pytest.importorskip("playwright.async_api", reason="pip install playwright (dev extra)")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
TASK = "tb-45/12"
TITLE = "Xây dựng <script>alert('x')</script> kho dữ liệu số dùng chung của đặc khu"
RESULT_WORDS = {"early": "Hoàn thành trước hạn", "on_time": "Hoàn thành đúng hạn", "late": "Hoàn thành quá hạn"}
PHONE = {"viewport": {"width": 360, "height": 780}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "vi-VN"}
DESKTOP = {"viewport": {"width": 1280, "height": 860}, "locale": "vi-VN"}


class LiveServer:
    """The real app under uvicorn in a thread, on a free loopback port."""

    def __init__(self, app, port: int):
        import uvicorn

        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.server.started, "uvicorn did not start"
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def stack(dev_env, tmp_path, sqlite_url, monkeypatch, task_queue, fake_zalo, fake_smtp):
    """The drill directory (Zalo chats, SMTP) against the dev server; the web app
    connects to Temporal by itself, as `dondoc up`'s web process does."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium")
    port = free_port()
    monkeypatch.setenv("DONDOC_SECRET_KEY", "browser-test-secret-kkkkkkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("DRILL_SMTP_PORT", str(fake_smtp.port))
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_WEB_PORT": str(port), "DONDOC_TASK_QUEUE": task_queue,
                              "DONDOC_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host})
    config = load_config(EXAMPLES / "drill.toml")
    ARTIFACTS.mkdir(exist_ok=True)
    return settings, config


def spec(due_at: datetime) -> TaskSpec:
    return TaskSpec(id=f"{TASK}-{uuid.uuid4().hex[:6]}", stt="12", title=TITLE, lead_units=["vhxh"],
                    lead_official="phan-viet-dien", deadline_kind="once", deadline_raw="Quý II/2026",
                    due_at=due_at, output="Báo cáo kết quả triển khai; văn bản ban hành quy chế")


async def first_link(zalo, chat: str, kind: str = "c", seconds: float = 40) -> str:
    """The link in the first message of ``chat`` about this task that carries one."""
    for _ in range(int(seconds * 10)):
        for text in zalo.texts(chat):
            found = re.search(rf"https?://\S+/{kind}/[A-Za-z0-9_\-.]+", text)
            if found and (kind != "c" or "kho dữ liệu số" in text):
                return found.group(0)
        await asyncio.sleep(0.1)
    raise AssertionError(f"no /{kind}/ link reached {chat} in {seconds} s: {zalo.texts(chat)}")


async def launch(p):
    return await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)


async def confirm_on_phone(browser, link: str, name: str) -> str:
    ctx = await browser.new_context(**PHONE)
    page = await ctx.new_page()
    await page.goto(link)
    await page.wait_for_selector("h1")
    assert "Xác nhận hoàn thành nhiệm vụ" in await page.inner_text("h1")
    assert "<script>alert('x')</script>" in await page.inner_text("dl.facts")  # shown as text
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways on a phone ({width}px)"
    await page.screenshot(path=str(ARTIFACTS / f"{name}-1-open.png"), full_page=True)
    await page.fill("#document_number", "125/BC-VHXH")
    await page.fill("#issued_on", datetime.now(timezone(timedelta(hours=7))).date().isoformat())
    await page.fill("#summary", "Báo cáo kết quả xây dựng kho dữ liệu số dùng chung")
    await page.screenshot(path=str(ARTIFACTS / f"{name}-2-filled.png"), full_page=True)
    await page.click("form[action^='/c/'] button[type=submit]")
    await page.wait_for_selector("h1")
    outcome = await page.inner_text("main")
    await page.screenshot(path=str(ARTIFACTS / f"{name}-3-outcome.png"), full_page=True)
    await ctx.close()
    return outcome


async def refused_on_phone(browser, altered: str) -> None:
    ctx = await browser.new_context(**PHONE)
    page = await ctx.new_page()
    response = await page.goto(altered)
    assert response.status == 403
    assert "Văn phòng" in await page.inner_text("main")
    await page.screenshot(path=str(ARTIFACTS / "phone-refused-altered-link.png"), full_page=True)
    await ctx.close()


async def dashboard_timeline(browser, base: str, password: str, task_id: str, name: str) -> str:
    ctx = await browser.new_context(**DESKTOP)
    page = await ctx.new_page()
    await page.goto(base + "/dashboard")
    assert "/login" in page.url
    await page.fill("#username", "admin")
    await page.fill("#password", password)
    await page.screenshot(path=str(ARTIFACTS / f"{name}-1-login.png"))
    await page.click("button[type=submit]")
    # The first administrator logged in with the printed one-time password: choose one first.
    await page.wait_for_url(re.compile(r".*/account/password$"))
    assert "mật khẩu dùng một lần" in await page.inner_text("main")
    await page.fill("#current", password)
    await page.fill("#new", "mat-khau-rieng-2026")
    await page.fill("#repeat", "mat-khau-rieng-2026")
    await page.screenshot(path=str(ARTIFACTS / f"{name}-1b-password.png"))
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(r".*/dashboard$"))
    await page.screenshot(path=str(ARTIFACTS / f"{name}-2-tasks.png"), full_page=True)
    await page.click(f"a[href='/dashboard/tasks/{task_id}']")
    await page.wait_for_selector("ol.timeline")
    text = await page.inner_text("main")
    await page.screenshot(path=str(ARTIFACTS / f"{name}-3-timeline.png"), full_page=True)
    await ctx.close()
    return text


async def test_officer_confirms_from_zalo_link_then_dashboard(stack, dev_env, sqlite_url, fake_zalo):
    settings, config = stack
    task = spec(datetime.now(timezone.utc) + timedelta(seconds=25))  # drill ladder: notice now, "before-20" at +5 s
    app = create_app(settings, config)  # its own Temporal client, on the server's loop
    password = ensure_admin(sqlite_url, config)
    async with build_worker(dev_env.client, settings, config):
        assert (await start_or_amend(dev_env.client, settings, config, task)).started
        link = await first_link(fake_zalo, "unit-chat")
        assert link.startswith(settings.public_url)
        # Wait for the second reminder too, so the timeline shows more than the assignment.
        for _ in range(150):
            if len([t for t in fake_zalo.texts("unit-chat") if "kho dữ liệu số" in t]) >= 2:
                break
            await asyncio.sleep(0.1)
        with LiveServer(app, settings.web_port):
            async with playwright.async_playwright() as p:
                browser = await launch(p)
                await refused_on_phone(browser, link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB"))
                outcome = await confirm_on_phone(browser, link, "phone-confirm")
                handle = dev_env.client.get_workflow_handle(task.id, result_type=TaskStatus)
                decided = await handle.query("status", result_type=TaskStatus)
                assert decided.status == "completed"
                assert "Đã ghi nhận xác nhận" in outcome and RESULT_WORDS[decided.result] in outcome
                assert "Đang thực hiện" not in outcome
                await asyncio.wait_for(handle.result(), 20)  # closed: projected, everyone told
                timeline = await dashboard_timeline(browser, settings.public_url, password, task.id,
                                                    "desktop-dashboard")
                await browser.close()
    assert "Nhắc việc trước hạn" in timeline and "đã gửi" in timeline and "Zalo" in timeline
    assert "Xác nhận hoàn thành" in timeline and "125/BC-VHXH" in timeline and "task_step" not in timeline
    assert "Thông báo hoàn thành" in timeline
    view = task_view(sqlite_url, task.id)
    assert view["status"] == "completed" and view["evidence"]["document_number"] == "125/BC-VHXH"


async def test_extension_request_and_approval_on_phones(stack, dev_env, sqlite_url, fake_zalo):
    settings, config = stack
    task = spec(datetime.now(timezone.utc) + timedelta(seconds=25))
    app = create_app(settings, config)
    new_due = (datetime.now(VN_TZ).date() + timedelta(days=45)).isoformat()
    async with build_worker(dev_env.client, settings, config):
        assert (await start_or_amend(dev_env.client, settings, config, task)).started
        link = await first_link(fake_zalo, "unit-chat")
        with LiveServer(app, settings.web_port):
            async with playwright.async_playwright() as p:
                browser = await launch(p)
                ctx = await browser.new_context(**PHONE)
                page = await ctx.new_page()
                await page.goto(link)
                await page.click("summary")
                await page.fill("#new_due", new_due)
                await page.fill("#reason", "Chờ bố trí kinh phí từ ngân sách đặc khu")
                await page.screenshot(path=str(ARTIFACTS / "phone-extension-1-request.png"), full_page=True)
                await page.click("form[action$='/extend'] button[type=submit]")
                await page.wait_for_selector("h1")
                assert "Đã gửi đề nghị gia hạn" in await page.inner_text("h1")
                # The lead official's Zalo message carries the approval link.
                approve = await first_link(fake_zalo, "lead-chat", "g", 10)
                await page.goto(approve)
                assert "Chờ bố trí kinh phí" in await page.inner_text("main")
                assert await page.evaluate("document.documentElement.scrollWidth") <= 360
                await page.screenshot(path=str(ARTIFACTS / "phone-extension-2-review.png"), full_page=True)
                await page.click("button[value=approve]")
                await page.wait_for_selector("h1")
                assert "Đã đồng ý gia hạn" in await page.inner_text("h1")
                await page.screenshot(path=str(ARTIFACTS / "phone-extension-3-approved.png"), full_page=True)
                await browser.close()
        handle = dev_env.client.get_workflow_handle(task.id)
        moved = await handle.query("status", result_type=TaskStatus)
        assert moved.due == new_due and moved.status == "open"
        for _ in range(200):  # the workflow tells the unit
            told = [t for t in fake_zalo.texts("unit-chat") if "ĐIỀU CHỈNH" in t and "kho dữ liệu số" in t]
            if told:
                break
            await asyncio.sleep(0.1)
        assert told and datetime.fromisoformat(new_due).strftime("%d/%m/%Y") in told[0]
        await handle.terminate("test done")
