"""Debian's Chromium, driven by Playwright, on the Reports page against the real report
workflow (a dev server, the worker from ``build_worker``, the drill's supervisors on a
local fake Zalo and SMTP server, the real working calendar, the seeded plan of
tests/test_report_seed.py, the clock at Friday 24/04/2026 17:00), on a desktop and on a
360-px phone: the standing office previews a daily report and archives it (nothing
sent), previews the summary of "Quý I/2026" and sends it (the supervisors get it once),
downloads the appendix as XLSX and opens it; a viewer sees the archive and no button to
make or send. Screenshots go to test-artifacts/reports-*.png.

No browser is downloaded: Playwright launches /usr/bin/chromium (apt: chromium).
"""
from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from config.loader import DEFAULT_CONFIG, EXAMPLES, load_config
from config.settings import load_settings
from domain.calendar import CalendarConfig
from embedded import free_port
from tests.test_report_seed import PLAN, insert_seed_plan
from web import pages
from web.accounts import change_password, create_user
from web.app import create_app
from worker import build_worker
from test_browser import ARGS, ARTIFACTS, CHROMIUM, DESKTOP, PHONE, LiveServer, playwright  # noqa: F401

NOW = datetime(2026, 4, 24, 17, 0, tzinfo=timezone(timedelta(hours=7)))
OWN = "mat-khau-rieng-2026"
SCREENS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture
def stack(dev_env, tmp_path, sqlite_url, monkeypatch, task_queue, fake_zalo, fake_smtp):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium")
    port = free_port()
    monkeypatch.setenv("DONDOC_SECRET_KEY", "browser-reports-secret-kkkkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("DRILL_SMTP_PORT", str(fake_smtp.port))
    monkeypatch.setattr(pages, "now_utc", lambda: NOW.astimezone(timezone.utc))
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_WEB_PORT": str(port), "DONDOC_TASK_QUEUE": task_queue,
                              "DONDOC_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host})
    drill = load_config(EXAMPLES / "drill.toml")
    extra = tuple(u for u in load_config(DEFAULT_CONFIG).directory.units if drill.directory.unit(u.key) is None)
    config = dataclasses.replace(drill, calendar=CalendarConfig(),
                                 directory=dataclasses.replace(drill.directory, units=drill.directory.units + extra))
    insert_seed_plan(sqlite_url)
    for name, role in (("vanphong", "office"), ("xem", "viewer")):
        assert change_password(sqlite_url, name, create_user(sqlite_url, name, role), OWN, OWN) is None
    ARTIFACTS.mkdir(exist_ok=True)
    return settings, config


async def login(browser, base: str, username: str, screen: dict):
    ctx = await browser.new_context(accept_downloads=True, **screen)
    page = await ctx.new_page()
    await page.goto(base + "/dashboard/reports")
    await page.fill("#username", username)
    await page.fill("#password", OWN)
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(r".*/dashboard(/reports)?$"))
    if not page.url.endswith("/dashboard/reports"):
        await page.click("header.top a[href='/dashboard/reports']")
        await page.wait_for_url(re.compile(r".*/dashboard/reports$"))
    return ctx, page


async def shot(page, name: str, width: int) -> None:
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    scroll = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{name}: the page scrolls sideways ({scroll}px > {width}px)"


async def archive_a_daily_report(page, tag: str, width: int) -> str:
    main = await page.inner_text("main")
    assert "16:00 hằng ngày" in main and "Không gửi: Ngày Giỗ Tổ Hùng Vương (nghỉ bù)" in main
    await shot(page, f"reports-{tag}-1-page", width)
    await page.click("#xem-ngay")
    await page.wait_for_url(re.compile(r".*/dashboard/reports/preview\?kind=daily$"))
    main = await page.inner_text("main")
    assert "Bản xem trước" in main and "Quá hạn chưa hoàn thành: 6" in main
    await shot(page, f"reports-{tag}-2-daily-preview", width)
    # The email, as sent, in its sandboxed frame (a full-page shot leaves such frames blank).
    email = page.frame_locator("iframe[title='Email báo cáo']")
    assert "Quá hạn chưa hoàn thành" in await email.locator("body").inner_text()
    await page.locator("iframe[title='Email báo cáo']").screenshot(path=str(ARTIFACTS / f"reports-{tag}-2b-email.png"))
    await page.click("#chi-luu")
    await page.wait_for_url(re.compile(r".*/dashboard/reports/\d+\?done=archived#ket-qua$"))
    main = await page.inner_text("main")
    assert "không gửi cho ai" in main and "Chỉ lưu trữ" in main
    await shot(page, f"reports-{tag}-3-archived", width)
    return page.url


async def send_a_quarter(page, base: str, tag: str, width: int) -> None:
    await page.goto(base + "/dashboard/reports")
    await page.fill("#period", "Quý I/2026")
    await page.click("#xem-ky")
    await page.wait_for_url(re.compile(r".*/dashboard/reports/preview\?.*kind=period.*"))
    main = await page.inner_text("main")
    assert "Báo cáo kết quả thực hiện nhiệm vụ Quý I/2026" in main
    assert "Tổng số nhiệm vụ được giao trong Quý I/2026: 10 nhiệm vụ" in main
    await shot(page, f"reports-{tag}-4-quarter-preview", width)
    await page.click("#gui-bcd")
    await page.wait_for_url(re.compile(r".*/dashboard/reports/\d+\?done=sent#ket-qua$"), timeout=90_000)
    main = await page.inner_text("main")
    assert "Đã gửi báo cáo tới Ban Chỉ đạo" in main and "Đã gửi" in main and "Tin đã gửi" in main
    await shot(page, f"reports-{tag}-5-quarter-sent", width)


async def download_xlsx(page, tag: str) -> None:
    from openpyxl import load_workbook

    async with page.expect_download() as info:
        await page.click("#phu-luc + ul a:has-text('Tải XLSX')")
    download = await info.value
    assert download.suggested_filename == "Phụ lục kết quả - Thông báo số 01-TB-BCĐ - 24-04-2026.xlsx"
    path = ARTIFACTS / f"reports-{tag}-appendix.xlsx"
    await download.save_as(str(path))
    sheet = load_workbook(path).active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert {"Nhiệm vụ số 21", "Nhiệm vụ số 49", "Chưa hoàn thành (quá hạn)"} <= cells
    assert str(sheet.cell(row=1, column=1).value).startswith(f"Phụ lục kết quả thực hiện nhiệm vụ — {PLAN} — Quý I/2026")


async def viewer_sees_no_buttons(browser, base: str, archived: str, tag: str, screen: dict) -> None:
    ctx, page = await login(browser, base, "xem", screen)
    main = await page.inner_text("main")
    assert "Báo cáo đã lưu" in main and "Theo kỳ: Quý I/2026" in main and "Chỉ lưu trữ" in main
    assert "Lập báo cáo ngay" not in main and await page.locator("button:has-text('Xem trước')").count() == 0
    await shot(page, f"reports-{tag}-6-viewer", screen["viewport"]["width"])
    await page.goto(archived.split("?")[0])
    assert await page.locator("form[action='/dashboard/reports/make']").count() == 0
    assert await page.locator("text=Tải XLSX").count() == 0
    await ctx.close()


@pytest.mark.parametrize("tag", list(SCREENS))
async def test_office_makes_archives_and_sends_reports(stack, dev_env, fake_zalo, fake_smtp, tag):
    settings, config = stack
    screen = SCREENS[tag]
    width = screen["viewport"]["width"]
    app = create_app(settings, config)  # its own Temporal client, on the server's loop
    async with build_worker(dev_env.client, settings, config):
        with LiveServer(app, settings.web_port):
            async with playwright.async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                ctx, page = await login(browser, settings.public_url, "vanphong", screen)
                archived = await archive_a_daily_report(page, tag, width)
                assert fake_zalo.messages == [] and fake_smtp.messages == []
                await send_a_quarter(page, settings.public_url, tag, width)
                await download_xlsx(page, tag)
                await ctx.close()
                await viewer_sees_no_buttons(browser, settings.public_url, archived, tag, screen)
                await browser.close()
    [chat] = fake_zalo.texts("bcd-chat")
    assert "Quý I/2026" in chat
    assert len(fake_smtp.wait_for(1)) == 1
