"""Debian's Chromium, driven by Playwright, through what an officer and the
standing office really do: open the link from a real notification (the delivery
activity's Zalo message, recorded by the fake Zalo peer) on a phone, fill the
evidence, submit, read the outcome; then log in to the dashboard on a desktop and
find the task's timeline. Screenshots go to test-artifacts/.

No browser is downloaded: Playwright launches /usr/bin/chromium (apt: chromium).
"""
from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from activities.deliver import DeliverRequest, DeliveryActivities, Recipient
from config.loader import DEFAULT_CONFIG, load_config
from config.settings import load_settings
from store.db import session_scope
from store.models import Task
from web.app import create_app
from web.users import ensure_admin

playwright = pytest.importorskip("playwright.async_api", reason="pip install playwright (dev extra)")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
TOKEN = "111111:drilltoken"
TASK = "tb-45/12"
PHONE = {"viewport": {"width": 360, "height": 780}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "vi-VN"}
DESKTOP = {"viewport": {"width": 1280, "height": 860}, "locale": "vi-VN"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
def stack(tmp_path, sqlite_url, monkeypatch, fake_zalo):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium")
    port = free_port()
    monkeypatch.setenv("DONDOC_SECRET_KEY", "browser-test-secret")
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_WEB_PORT": str(port)})
    config = load_config(DEFAULT_CONFIG)
    with session_scope(sqlite_url) as s:
        s.add(Task(id=TASK, stt="12", title="Xây dựng <script>alert('x')</script> kho dữ liệu số dùng chung của đặc khu",
                   lead_units=["vhxh"], lead_official="phan-viet-dien", deadline_kind="once",
                   due=datetime.now(timezone.utc).date() + timedelta(days=3), deadline_raw="Quý II/2026",
                   output="Báo cáo kết quả triển khai; văn bản ban hành quy chế"))
    ARTIFACTS.mkdir(exist_ok=True)
    return settings, config


def send_reminder(settings, sqlite_url) -> None:
    """The delivery activity's own code path: render, sign the link, send to Zalo, log."""
    acts = DeliveryActivities(sqlite_url, settings)
    unit = Recipient("vhxh", "Phòng Văn hóa - Xã hội", "unit", [f"zalo://{TOKEN}/unit-chat"])
    context = {"title": "Xây dựng <script>alert('x')</script> kho dữ liệu số dùng chung của đặc khu",
               "units": "Phòng Văn hóa - Xã hội", "lead_official": "Phan Viết Điện",
               "due": (datetime.now(timezone.utc).date() + timedelta(days=3)).isoformat(), "days_left": 3,
               "output": "Báo cáo kết quả triển khai"}
    acts.deliver_now(DeliverRequest(subject_id=TASK, cycle="", step="remind-3", kind="reminder", recipient=unit,
                                     context=context, link_purpose="confirm"))


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


async def dashboard_timeline(browser, base: str, password: str, name: str) -> str:
    ctx = await browser.new_context(**DESKTOP)
    page = await ctx.new_page()
    await page.goto(base + "/dashboard")
    assert "/login" in page.url
    await page.fill("#username", "admin")
    await page.fill("#password", password)
    await page.screenshot(path=str(ARTIFACTS / f"{name}-1-login.png"))
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(r".*/dashboard$"))
    await page.screenshot(path=str(ARTIFACTS / f"{name}-2-tasks.png"), full_page=True)
    await page.click(f"a[href='/dashboard/tasks/{TASK}']")
    await page.wait_for_selector("ol.timeline")
    text = await page.inner_text("main")
    await page.screenshot(path=str(ARTIFACTS / f"{name}-3-timeline.png"), full_page=True)
    await ctx.close()
    return text


async def test_officer_confirms_from_zalo_link_then_dashboard(stack, sqlite_url, fake_zalo):
    from test_web_links import FakeClient, FakeTemporal

    settings, config = stack
    await asyncio.to_thread(send_reminder, settings, sqlite_url)
    text = fake_zalo.texts("unit-chat")[0]
    link = re.search(r"https?://\S+/c/[A-Za-z0-9_\-.]+", text).group(0)
    assert link.startswith(settings.public_url)
    app = create_app(settings, config)
    app.state.temporal = FakeTemporal(FakeClient())  # the workflow answers like the task workflow
    password = ensure_admin(sqlite_url, config)
    with LiveServer(app, settings.web_port):
        async with playwright.async_playwright() as p:
            browser = await launch(p)
            await refused_on_phone(browser, link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB"))
            outcome = await confirm_on_phone(browser, link, "phone-confirm")
            assert "Đã ghi nhận xác nhận" in outcome and "Hoàn thành trước hạn" in outcome
            timeline = await dashboard_timeline(browser, settings.public_url, password, "desktop-dashboard")
            assert "remind-3" in timeline and "đã gửi" in timeline and "zalo" in timeline
            await browser.close()


async def test_extension_request_and_approval_on_phones(stack, sqlite_url, fake_zalo):
    from sqlalchemy import select

    from store.models import OutboxMessage
    from test_web_links import FakeClient, FakeTemporal

    settings, config = stack
    await asyncio.to_thread(send_reminder, settings, sqlite_url)
    link = re.search(r"https?://\S+/c/[A-Za-z0-9_\-.]+", fake_zalo.texts("unit-chat")[0]).group(0)
    app = create_app(settings, config)
    app.state.temporal = FakeTemporal(FakeClient())
    new_due = (datetime.now(timezone.utc).date() + timedelta(days=45)).isoformat()
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
            # The lead official's message (default configuration: the outbox) carries the approval link.
            with session_scope(sqlite_url) as s:
                body = s.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "phan-viet-dien")).one().body
            approve = re.search(r"https?://\S+/g/[A-Za-z0-9_\-.]+", body).group(0)
            await page.goto(approve)
            assert "Chờ bố trí kinh phí" in await page.inner_text("main")
            assert await page.evaluate("document.documentElement.scrollWidth") <= 360
            await page.screenshot(path=str(ARTIFACTS / "phone-extension-2-review.png"), full_page=True)
            await page.click("button[value=approve]")
            await page.wait_for_selector("h1")
            assert "Đã đồng ý gia hạn" in await page.inner_text("h1")
            await page.screenshot(path=str(ARTIFACTS / "phone-extension-3-approved.png"), full_page=True)
            await browser.close()
    (call,) = app.state.temporal.client.calls
    assert call[1] == "extend" and call[2]["new_due"] == new_due
