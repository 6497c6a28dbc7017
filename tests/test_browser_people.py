"""Debian's Chromium, driven by Playwright, on a 360-px phone: the standing office's
first administrator logs in with the one-time password, chooses their own, opens the
people page from the menu, adds a person to "Phòng Văn hóa - Xã hội" and issues a
Zalo sign-up code, which is shown large with the instructions and a QR code of the
bot link. Screenshots go to test-artifacts/ (people-phone.png: the code).

No Temporal is needed: the people pages read and write the SQL store only.
No browser is downloaded: Playwright launches /usr/bin/chromium (apt: chromium).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from config.loader import DEFAULT_CONFIG, load_config
from config.settings import load_settings
from domain.people import code_hash
from store.db import session_scope
from store.models import Person, SignupCode
from web.app import create_app
from web.users import ensure_admin

# The browser, its flags, the phone and the live server: one definition, in test_browser.py.
from embedded import free_port  # noqa: E402
from test_browser import ARGS, ARTIFACTS, CHROMIUM, PHONE, LiveServer, playwright  # noqa: E402,F401

UNIT = "Phòng Văn hóa - Xã hội"
OWN = "mat-khau-rieng-2026"
CODE = re.compile(r"^DD-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$")


@pytest.fixture
def site(tmp_path, sqlite_url, monkeypatch):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium")
    monkeypatch.setenv("DONDOC_SECRET_KEY", "browser-people-secret-kkkkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_ZALO_BOT_NAME", "Đôn đốc Đặc khu")
    monkeypatch.setenv("DONDOC_ZALO_BOT_LINK", "https://zalo.me/2912345678901234567")
    port = free_port()
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_WEB_PORT": str(port)})
    config = load_config(DEFAULT_CONFIG)
    ARTIFACTS.mkdir(exist_ok=True)
    return settings, config


async def assert_fits_phone(page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways on a phone ({width}px)"


async def first_login(page, base: str, password: str) -> None:
    await page.goto(base + "/dashboard/people")
    assert "/login" in page.url
    await page.fill("#username", "admin")
    await page.fill("#password", password)
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(r".*/account/password$"))
    await page.fill("#current", password)
    await page.fill("#new", OWN)
    await page.fill("#repeat", OWN)
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(r".*/dashboard$"))


async def add_and_invite(page) -> tuple[str, str]:
    await page.click("header.top a[href='/dashboard/people']")
    await page.wait_for_url(re.compile(r".*/dashboard/people$"))
    assert "Chưa có người nhận tin nào" in await page.inner_text("main")
    await page.fill("#name", "Nguyễn Thị Thu Hà")
    await page.get_by_label(UNIT, exact=True).check()
    await page.select_option("#role", "officer")
    await page.fill("#email", "thuha.vhxh@example.vn")
    await assert_fits_phone(page)
    await page.screenshot(path=str(ARTIFACTS / "people-phone-1-add.png"), full_page=True)
    await page.click("form[action^='/dashboard/people'] button[type=submit]")
    await page.wait_for_url(re.compile(r".*/dashboard/people/\d+\?added=1#ket-qua$"))
    main = await page.inner_text("main")
    assert "Đã thêm Nguyễn Thị Thu Hà" in main and UNIT in main and "Chưa liên kết" in main
    await page.click("form[action$='/invite'] button[type=submit]")
    await page.wait_for_selector("#signup-code")
    await assert_fits_phone(page)
    await page.screenshot(path=str(ARTIFACTS / "people-phone.png"), full_page=True)
    return (await page.inner_text("#signup-code")).strip(), await page.inner_text("#signup-text")


async def test_office_adds_a_person_and_issues_a_code_on_a_phone(site, sqlite_url):
    settings, config = site
    password = ensure_admin(sqlite_url, config)
    with LiveServer(create_app(settings, config), settings.web_port):
        async with playwright.async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            ctx = await browser.new_context(**PHONE)
            page = await ctx.new_page()
            await first_login(page, settings.public_url, password)
            code, text = await add_and_invite(page)
            assert await page.locator("figure svg.qr").count() == 1
            await page.goto(settings.public_url + "/dashboard/people")
            listed = await page.inner_text("main")
            await assert_fits_phone(page)
            await page.screenshot(path=str(ARTIFACTS / "people-phone-2-list.png"), full_page=True)
            await browser.close()
    assert CODE.match(code), code
    assert text.startswith("Gửi Nguyễn Thị Thu Hà: để nhận nhắc việc của dondoc qua Zalo")
    assert code in text and "Đôn đốc Đặc khu (https://zalo.me/2912345678901234567)" in text
    assert "Nguyễn Thị Thu Hà" in listed and UNIT in listed and "Chưa liên kết" in listed
    with session_scope(sqlite_url) as s:
        person = s.scalar(select(Person))
        assert [u.unit_key for u in person.units] == ["vhxh"] and person.email == "thuha.vhxh@example.vn"
        assert s.scalar(select(SignupCode.code_hash)) == code_hash(code)
