"""Debian's Chromium (Playwright, no browser downloaded): the groups page and a group
task's page on a 360-px phone and on a desktop. The office opens a group's form, takes
a member out and saves; the group task's units read as cards with nothing scrolling
sideways. Screenshots go to test-artifacts/ (phone-groups-*.png, desktop-groups-*.png)."""
from __future__ import annotations

from pathlib import Path

import pytest

from config.loader import DEFAULT_CONFIG, load_config
from config.settings import load_settings
from embedded import free_port
from web.app import create_app
from test_browser import ARGS, ARTIFACTS, CHROMIUM, DESKTOP, PHONE, LiveServer
from test_browser_lists import logged_in as logged_in_as, sideways
from test_group_web import PARENT, PASSWORD, seed

playwright = pytest.importorskip("playwright.async_api", reason="pip install playwright (dev extra)")


async def logged_in(browser, base: str, device: dict):
    """The standing office (vanphong, seeded by test_group_web.seed), logged in."""
    return await logged_in_as(browser, base, device, "vanphong", PASSWORD)


@pytest.fixture
def site(tmp_path, sqlite_url, monkeypatch):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium")
    port = free_port()
    monkeypatch.setenv("DONDOC_SECRET_KEY", "browser-groups-secret-kkkkkkkkkkkkkkkkkkkk")
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_WEB_PORT": str(port)})
    config = load_config(DEFAULT_CONFIG)
    seed(sqlite_url)
    ARTIFACTS.mkdir(exist_ok=True)
    return settings, config


async def test_groups_and_a_group_task_on_a_phone_and_a_desktop(site):
    settings, config = site
    base = settings.public_url
    with LiveServer(create_app(settings, config), settings.web_port):
        async with playwright.async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            ctx, page = await logged_in(browser, base, PHONE)
            await page.goto(base + "/dashboard/groups")
            assert await sideways(page) <= 360
            first = page.locator("section.card").first
            await first.locator("summary").click()
            await first.locator("input[value='cong-an-tp']").uncheck()
            await page.screenshot(path=str(ARTIFACTS / "phone-groups-edit.png"), full_page=True)
            await first.locator("button[type=submit]").first.click()
            await page.wait_for_url("**/dashboard/groups?done=saved*")  # the browser keeps the form's #nhom-1
            assert "Đã lưu nhóm" in await page.inner_text("main")
            assert "Gồm 3 đơn vị" in await page.locator("section.card").first.inner_text()

            await page.goto(base + f"/dashboard/tasks/{PARENT}")
            assert "Đã hoàn thành 1/3 đơn vị" in await page.inner_text("main")
            assert await sideways(page) <= 360
            card = await page.evaluate("""() => {
                const tr = document.querySelector('#don-vi ~ .table-wrap tbody tr');
                return {display: getComputedStyle(tr).display, right: tr.getBoundingClientRect().right};
            }""")
            assert card["display"] in ("block", "flex") and card["right"] <= 360
            await page.screenshot(path=str(ARTIFACTS / "phone-groups-task.png"), full_page=True)
            await ctx.close()

            ctx, page = await logged_in(browser, base, DESKTOP)
            await page.goto(base + f"/dashboard/tasks/{PARENT}")
            await page.screenshot(path=str(ARTIFACTS / "desktop-groups-task.png"), full_page=True)
            await page.goto(base + "/dashboard/groups")
            await page.screenshot(path=str(ARTIFACTS / "desktop-groups.png"), full_page=True)
            await ctx.close()
            await browser.close()
