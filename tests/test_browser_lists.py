"""Debian's Chromium at 360 px (Playwright, no browser downloaded): the task list and
the messages read as cards with nothing scrolling sideways, the link page puts the
confirmation form before the task's facts, and a date box takes dd/mm/yyyy (its
pattern compiles in the browser) and refuses what is not a date. Screenshots go to
test-artifacts/ (phone-lists-*.png, desktop-lists-*.png)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from config.loader import DEFAULT_CONFIG, load_config
from config.settings import load_settings
from domain.links import make_link
from embedded import free_port
from web.app import create_app
from web.users import change_password, ensure_admin

from test_browser import ARGS, ARTIFACTS, CHROMIUM, DESKTOP, PHONE, LiveServer
from test_web_lists import OWN, seed

playwright = pytest.importorskip("playwright.async_api", reason="pip install playwright (dev extra)")


@pytest.fixture
def site(tmp_path, sqlite_url, monkeypatch):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium")
    port = free_port()
    monkeypatch.setenv("DONDOC_SECRET_KEY", "browser-lists-secret-kkkkkkkkkkkkkkkkkkkk")
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_WEB_PORT": str(port)})
    config = load_config(DEFAULT_CONFIG)
    seed(sqlite_url)
    password = ensure_admin(sqlite_url, config)
    assert change_password(sqlite_url, "admin", password, OWN, OWN) is None
    ARTIFACTS.mkdir(exist_ok=True)
    return settings, config


async def logged_in(browser, base: str, device: dict, username: str = "admin", password: str = OWN):
    ctx = await browser.new_context(**device)
    page = await ctx.new_page()
    await page.goto(base + "/login")
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("button[type=submit]")
    await page.wait_for_url(base + "/dashboard")
    return ctx, page


async def sideways(page) -> int:
    return await page.evaluate("document.scrollingElement.scrollWidth")


async def as_cards(page, row: str) -> dict:
    """How the first list row is laid out: the header hidden, the row a block no wider than the screen."""
    return await page.evaluate("""(row) => {
        const tr = document.querySelector(row), thead = document.querySelector('.table-wrap thead');
        const box = tr.getBoundingClientRect();
        const label = getComputedStyle(tr.querySelector('td[data-label]'), '::before').content;
        return {thead: thead ? getComputedStyle(thead).display : 'none', row: getComputedStyle(tr).display,
                width: box.width, right: box.right, label};
    }""", row)


async def test_lists_and_link_page_on_a_phone(site):
    settings, config = site
    base = settings.public_url
    app = create_app(settings, config)
    with LiveServer(app, settings.web_port):
        async with playwright.async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            ctx, page = await logged_in(browser, base, PHONE)
            # The task list: cards, the overdue phrase, nothing sideways.
            assert await sideways(page) <= 360
            layout = await as_cards(page, ".table-wrap tbody tr")
            assert layout["thead"] == "none" and layout["row"] in ("block", "flex") and layout["right"] <= 360
            assert layout["label"] == "\"STT: \""  # each line led by its column's name
            text = await page.inner_text("main")
            assert "gia hạn từ" in text and "ngày làm việc" in text and "· 6 nhiệm vụ" in text
            await page.screenshot(path=str(ARTIFACTS / "phone-lists-1-tasks.png"), full_page=True)
            # Search without diacritics, typed on the phone.
            await page.fill("#q", "du lieu")
            await page.click("form.filters button[type=submit]")
            await page.wait_for_load_state()
            assert "· 2 nhiệm vụ" in await page.inner_text("h1")
            await page.screenshot(path=str(ARTIFACTS / "phone-lists-2-search.png"), full_page=True)
            # A date box: dd/mm/yyyy is valid in the browser, words are not (the pattern compiles).
            valid = await page.evaluate("""() => { const box = document.querySelector('#due_before');
                box.value = '31/12/2026'; const good = box.checkValidity();
                box.value = '2026-12-31'; const iso = box.checkValidity();
                box.value = 'hôm qua'; const bad = box.checkValidity(); return [good, iso, bad]; }""")
            assert valid == [True, True, False]
            assert await page.get_attribute("#due_before", "inputmode") == "numeric"
            # The messages: cards, a count, page links, nothing sideways.
            await page.goto(base + "/dashboard/outbox?recipient=vhxh&task=du+lieu")
            assert await sideways(page) <= 360
            assert "tin nhắn" in await page.inner_text("h1")
            href = await page.get_attribute("nav.pages a", "href")
            assert "recipient=vhxh" in href and "task=du+lieu" in href and "page=2" in href
            await page.screenshot(path=str(ARTIFACTS / "phone-lists-3-outbox.png"), full_page=False)
            await page.evaluate("document.querySelectorAll('.card.message')[2].scrollIntoView()")
            await page.screenshot(path=str(ARTIFACTS / "phone-lists-3b-outbox-cards.png"), full_page=False)
            await page.evaluate("document.querySelector('nav.pages').scrollIntoView()")
            await page.screenshot(path=str(ARTIFACTS / "phone-lists-3c-outbox-pages.png"), full_page=False)
            await ctx.close()
            # The link page: the form before the long facts on a phone.
            url = make_link(settings.link_key, base, "t/kho", "", "vhxh", "confirm",
                            expires_at=datetime.now(timezone.utc) + timedelta(days=30))
            ctx = await browser.new_context(**PHONE)
            page = await ctx.new_page()
            response = await page.goto(url)
            assert response.status == 200
            assert await sideways(page) <= 360
            form_top = await page.evaluate("document.querySelector('form.confirm-form').getBoundingClientRect().top")
            facts_top = await page.evaluate("document.querySelector('.facts-part').getBoundingClientRect().top")
            assert form_top < facts_top, (form_top, facts_top)
            assert form_top < 780, "the form starts on the first screen"
            await page.screenshot(path=str(ARTIFACTS / "phone-lists-4-link.png"), full_page=True)
            await page.fill("#issued_on", "ngày mai")
            assert not await page.evaluate("document.querySelector('#issued_on').checkValidity()")
            await ctx.close()
            # On a desktop the same pages stay tables, facts before the form.
            ctx, page = await logged_in(browser, base, DESKTOP)
            assert await page.evaluate("getComputedStyle(document.querySelector('.table-wrap thead')).display") \
                == "table-header-group"
            await page.screenshot(path=str(ARTIFACTS / "desktop-lists-1-tasks.png"), full_page=True)
            await page.goto(base + "/dashboard/outbox")
            await page.screenshot(path=str(ARTIFACTS / "desktop-lists-2-outbox.png"))
            page = await ctx.new_page()
            await page.goto(url)
            form_top = await page.evaluate("document.querySelector('form.confirm-form').getBoundingClientRect().top")
            facts_top = await page.evaluate("document.querySelector('.facts-part').getBoundingClientRect().top")
            assert facts_top < form_top
            await ctx.close()
            await browser.close()
