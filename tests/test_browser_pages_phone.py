"""Every dashboard page on a 360-px phone (issue 16, part 5), in Debian's Chromium driven
by Playwright, for the plan seeded by tests/test_names_not_codes.py and
tests/test_names_everywhere.py (tasks once and recurring, awaiting review, cancelled, a
timeline after the office's actions, an incident, reports, the outbox, people, accounts,
indicators) and the four signed-link pages: no page scrolls sideways, and nothing inside
a page is wider than its box (a table or a text cut off, or a box that scrolls
sideways by itself). Screenshots of each page go to test-artifacts/phone-page-*.png.

No Temporal is needed: the pages read the store (the Reports page says Temporal is away).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from config.loader import DEFAULT_CONFIG, load_config
from config.settings import load_settings
from embedded import free_port
from web.app import create_app
from web.users import change_password, ensure_admin

from test_browser import ARGS, ARTIFACTS, CHROMIUM, PHONE, LiveServer, playwright  # noqa: E402
from test_names_everywhere import OWN, link_paths, seed, seed_more
from test_names_not_codes import seed_indicators

# Elements wider than their box: what overflows a parent that hides or scrolls it sideways.
WIDER = """() => {
  const found = [];
  for (const el of document.querySelectorAll('main *')) {
    const style = getComputedStyle(el);
    if (['auto', 'scroll', 'hidden'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1
        && el.tagName !== 'IFRAME') {
      found.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' ' + el.scrollWidth + '>' + el.clientWidth);
    }
  }
  return found;
}"""


@pytest.fixture
def site(tmp_path, sqlite_url, monkeypatch):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium")
    monkeypatch.setenv("DONDOC_SECRET_KEY", "browser-pages-secret-kkkkkkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_TEMPORAL_ADDRESS", "127.0.0.1:1")
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_WEB_PORT": str(free_port()), "DONDOC_TEMPORAL_ADDRESS": "127.0.0.1:1"})
    config = load_config(DEFAULT_CONFIG)
    seed(sqlite_url)
    password = ensure_admin(sqlite_url, config)
    assert change_password(sqlite_url, "admin", password, OWN, OWN) is None
    person, report_id = seed_more(sqlite_url)
    seed_indicators(sqlite_url)
    ARTIFACTS.mkdir(exist_ok=True)
    return settings, config, person, report_id


def pages(person: int, report_id: int) -> dict[str, str]:
    return {
        "tasks": "/dashboard", "tasks-filtered": "/dashboard?status=open&q=so+hoa",
        "task-once": "/dashboard/tasks/task/12/1", "task-recurring": "/dashboard/tasks/task/12/2",
        "task-done": "/dashboard/tasks/task/12/3", "task-cancelled": "/dashboard/tasks/task/12/6",
        "indicators": "/dashboard/indicators", "incidents": "/dashboard/incidents",
        "incident": "/dashboard/incidents/incident/1", "incident-new": "/dashboard/incidents/new",
        "reports": "/dashboard/reports", "report": f"/dashboard/reports/{report_id}",
        "report-preview-daily": "/dashboard/reports/preview?kind=daily",
        "report-preview-quarter": "/dashboard/reports/preview?kind=period&period=Qu%C3%BD+II%2F2026",
        "outbox": "/dashboard/outbox", "people": "/dashboard/people", "person": f"/dashboard/people/{person}",
        "import": "/dashboard/import", "users": "/dashboard/users", "password": "/account/password",
        "not-found": "/dashboard/khong-co-trang-nay",
    }


async def test_every_page_fits_a_phone(site, sqlite_url):
    settings, config, person, report_id = site
    base = settings.public_url
    wide, sideways = {}, {}
    with LiveServer(create_app(settings, config), settings.web_port):
        async with playwright.async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            ctx = await browser.new_context(**PHONE)
            page = await ctx.new_page()
            await page.goto(base + "/login")
            await page.fill("#username", "admin")
            await page.fill("#password", OWN)
            await page.click("main button[type=submit]")
            await page.wait_for_url(re.compile(r".*/dashboard$"))
            links = {f"link-{purpose}": path for purpose, path in link_paths(sqlite_url, report_id).items()}
            for name, path in {**pages(person, report_id), **links}.items():
                answer = await page.goto(base + path)
                assert answer.status in (200, 404), (name, answer.status)
                await page.wait_for_load_state()
                width = await page.evaluate("document.documentElement.scrollWidth")
                if width > 360:
                    sideways[name] = width
                found = await page.evaluate(WIDER)
                if found:
                    wide[name] = found
                await page.screenshot(path=str(ARTIFACTS / f"phone-page-{name}.png"), full_page=True)
            await browser.close()
    assert sideways == {}, f"pages that scroll sideways on a 360-px phone: {sideways}"
    assert wide == {}, f"boxes wider than the phone (cut off or scrolling by themselves): {wide}"
