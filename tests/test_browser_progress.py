"""Debian's Chromium, driven by Playwright, on a 360-px phone: the unit opens the link
from the reminder it really received (real task workflow on the dev server, the worker
from ``build_worker``, the drill directory delivering to a local fake Zalo), scrolls to
the progress form, types a percent out of range (refused beside the box, what was
typed kept, the page landing on the form), then fills it right -- percent, what was
done, a difficulty, a proposal -- and reads the outcome; the difficulty reaches the
lead official's Zalo. Opened again, the page shows the last report. Screenshots go to
test-artifacts/progress-phone-*.png."""
from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from config.loader import EXAMPLES, load_config  # noqa: F401 (the stack fixture's)
from contracts.tasks import TaskSpec
from domain.policy import LadderPolicy, Policies, Step
from services.task_views import task_view
from services.tasks import start_or_amend
from web.app import create_app
from worker import build_worker

from test_browser import ARTIFACTS, PHONE, LiveServer, launch, playwright, stack  # noqa: F401

ONE_REMINDER = LadderPolicy(name="progress", unit="seconds", steps=(Step(-2 * 86400 + 2, ("unit",)),),
                            repeat_every=0, office_hours=False)
DIFFICULTY = "Chưa được cấp kinh phí mua máy chủ lưu trữ; đang chờ Sở Tài chính thẩm định dự toán"


async def unit_link(zalo, name: str, seconds: float = 40) -> str:
    for _ in range(int(seconds * 10)):
        for text in zalo.texts("unit-chat"):
            found = re.search(r"https?://\S+?/c/[A-Za-z0-9_\-.]+", text)
            if found and name in text:
                return found.group(0)
        await asyncio.sleep(0.1)
    raise AssertionError(f"no link reached the unit in {seconds} s")


async def shot(page, name: str) -> None:
    await page.screenshot(path=str(ARTIFACTS / f"progress-phone-{name}.png"), full_page=True)


async def no_sideways_scroll(page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways on a phone ({width}px)"


async def test_the_progress_form_on_a_phone(stack, dev_env, sqlite_url, fake_zalo):
    settings, config = stack
    config = replace(config, policies=Policies(once=ONE_REMINDER))
    name = f"Xây dựng kho dữ liệu số dùng chung {uuid.uuid4().hex[:4]}"
    task = TaskSpec(id=f"tb-progress/{uuid.uuid4().hex[:6]}", stt="12", title=name, lead_units=["vhxh"],
                    lead_official="phan-viet-dien", deadline_kind="once", deadline_raw="Quý IV/2026",
                    due_at=datetime.now(timezone.utc) + timedelta(days=2),
                    output="Kho dữ liệu số dùng chung vận hành")
    app = create_app(settings, config)
    async with build_worker(dev_env.client, settings, config):
        assert (await start_or_amend(dev_env.client, settings, config, task)).started
        link = await unit_link(fake_zalo, name)
        with LiveServer(app, settings.web_port):
            async with playwright.async_playwright() as p:
                browser = await launch(p)
                ctx = await browser.new_context(**PHONE)
                page = await ctx.new_page()
                await page.goto(link + "#tien-do")
                await page.wait_for_selector("#tien-do")
                assert "Báo cáo tiến độ thực hiện" in await page.inner_text("#tien-do")
                await no_sideways_scroll(page)
                await page.screenshot(path=str(ARTIFACTS / "progress-phone-1-form.png"))  # the viewport: the form

                await page.fill("#percent", "140")
                await page.click("#tien-do button[type=submit]")
                await page.wait_for_selector("#percent-err")
                assert "từ 0 đến 100" in await page.inner_text("#percent-err")
                assert await page.input_value("#percent") == "140"
                await page.screenshot(path=str(ARTIFACTS / "progress-phone-2-refused.png"))

                await page.fill("#percent", "40")
                await page.fill("#progress_note", "Đã khảo sát hiện trạng, lập dự toán mua sắm thiết bị")
                await page.fill("#difficulty", DIFFICULTY)
                await page.fill("#proposal", "Đề nghị Sở Tài chính sớm thẩm định, bố trí kinh phí")
                await shot(page, "3-filled")
                await page.click("#tien-do button[type=submit]")
                await page.wait_for_selector("h1")
                outcome = await page.inner_text("main")
                await no_sideways_scroll(page)
                await shot(page, "4-outcome")
                assert "Đã ghi nhận báo cáo tiến độ" in outcome and "Tiến độ đạt 40%" in outcome
                assert "đã được gửi tới lãnh đạo phụ trách và Ban Chỉ đạo" in outcome and DIFFICULTY in outcome
                assert "nhắc việc vẫn tiếp tục" in outcome.lower()

                await page.click("text=Quay lại trang nhiệm vụ")
                await page.wait_for_selector("#tien-do")
                assert "Lần báo cáo gần nhất" in await page.inner_text("#tien-do")
                assert await page.input_value("#difficulty") == DIFFICULTY  # kept to edit, or to empty
                await page.locator("#tien-do").scroll_into_view_if_needed()
                await page.screenshot(path=str(ARTIFACTS / "progress-phone-5-again.png"))
                await ctx.close()
                await browser.close()
        for _ in range(200):
            told = [t for t in fake_zalo.texts("lead-chat") if name in t and "KHÓ KHĂN" in t]
            if told:
                break
            await asyncio.sleep(0.1)
        assert told and DIFFICULTY in told[0]
        assert task_view(sqlite_url, task.id)["progress"]["percent"] == 40
        await dev_env.client.get_workflow_handle(task.id).terminate("test over")
