"""Debian's Chromium, driven by Playwright, through the accounts of the standing office
(issue 16, part 1) on a desktop (1280 px) and a 360-px phone, each action as the role
allowed to do it and refused to a lower one:

- the first administrator logs in with the one-time password ``up`` printed, must choose
  their own, opens Tài khoản and creates an office, a leader and a viewer account, each
  shown a one-time password once (desktop);
- the new office user logs in on a phone with that password, is sent to choose their own
  before anything else, then reaches the dashboard; Tài khoản is not in their menu, the
  page answers 403 and a POST forged with their session creates nothing; the leader and
  the viewer are refused the same way;
- the office adds a person on the desktop; the viewer sees no form on the people page and
  the import page, and their forged POSTs are refused;
- the administrator issues a new one-time password (the office user's phone session
  ends) and deactivates the viewer, who can no longer log in;
- with the real import workflow (a dev server, the worker from ``build_worker``), the
  office uploads a small plan on a phone, reads the preview and imports it: both task
  workflows run; a leader's forged import POST is refused and starts nothing; the unit
  asks for more time on one of them and the leader approves it on a phone from the task
  page (the office sees the request without the buttons): the workflow's deadline moves.

Screenshots go to test-artifacts/ (accounts-*.png). No browser is downloaded:
Playwright launches /usr/bin/chromium (apt: chromium).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config.loader import DEFAULT_CONFIG, load_config
from config.settings import load_settings
from embedded import free_port
from store.db import session_scope
from store.models import Person, Task, User
from web.app import create_app
from web.users import ensure_admin

from test_browser import ARGS, ARTIFACTS, CHROMIUM, DESKTOP, PHONE, LiveServer, playwright  # noqa: E402

OWN = {"admin": "mat-khau-quan-tri-2026", "vanphong": "mat-khau-van-phong-2026",
       "lanhdao": "mat-khau-lanh-dao-2026", "chixem": "mat-khau-chi-xem-2026"}
ROLES = {"vanphong": "office", "lanhdao": "leader", "chixem": "viewer"}
PLAN = ("STT\tTên nhiệm vụ\tChủ trì chỉ đạo\tĐơn vị chủ trì\tĐơn vị phối hợp\tSản phẩm đầu ra\t"
        "Thời gian thực hiện/hoàn thành\tGhi chú\n"
        "1\tSố hóa hồ sơ lưu trữ của đặc khu\tPhan Viết Điện\tPhòng Văn hóa - Xã hội\t\tKho hồ sơ số\tQuý IV/2027\t\n"
        "2\tBáo cáo tình hình an ninh mạng\t\tCông an đặc khu\t\tBáo cáo\t"
        "Thường xuyên; định kỳ hằng tháng báo cáo kết quả\t\n")


def _settings(tmp_path, sqlite_url, monkeypatch, extra: dict | None = None):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium")
    monkeypatch.setenv("DONDOC_SECRET_KEY", "browser-accounts-secret-kkkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    ARTIFACTS.mkdir(exist_ok=True)
    return load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                          "DONDOC_WEB_PORT": str(free_port()), **(extra or {})})


class Screen:
    """One browser context (desktop or phone) of one person, and its screenshots."""

    def __init__(self, browser, base: str, device: str):
        self.browser, self.base, self.device = browser, base, device
        self.ctx = self.page = None

    async def open(self) -> "Screen":
        self.ctx = await self.browser.new_context(**(PHONE if self.device == "phone" else DESKTOP))
        self.page = await self.ctx.new_page()
        return self

    async def shot(self, name: str) -> None:
        if self.device == "phone":
            width = await self.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{name}: the page scrolls sideways on a phone ({width}px)"
        await self.page.screenshot(path=str(ARTIFACTS / f"accounts-{self.device}-{name}.png"), full_page=True)

    async def login(self, username: str, password: str) -> str:
        """Log in; the path the site sends the person to."""
        await self.page.goto(self.base + "/login")
        await self.page.fill("#username", username)
        await self.page.fill("#password", password)
        await self.page.click("main button[type=submit]")
        await self.page.wait_for_load_state()
        return self.page.url.replace(self.base, "")

    async def first_login(self, username: str, one_time: str, name: str) -> None:
        """Log in with a one-time password: the site asks for one's own first."""
        assert await self.login(username, one_time) == "/account/password"
        assert "mật khẩu dùng một lần" in await self.page.inner_text("main")
        await self.page.goto(self.base + "/dashboard/people")  # nothing else opens before the change
        assert self.page.url.endswith("/account/password")
        await self.shot(f"{name}-1-must-change")
        await self.page.fill("#current", one_time)
        await self.page.fill("#new", OWN[username])
        await self.page.fill("#repeat", OWN[username])
        await self.page.click("main button[type=submit]")
        await self.page.wait_for_url(re.compile(r".*/dashboard$"))

    async def csrf(self) -> str:
        return await self.page.locator("header form input[name=csrf_token]").input_value()

    async def forged(self, path: str, form: dict) -> tuple[int, str]:
        """A POST with this person's own session and CSRF token, as a script would send it."""
        answer = await self.page.request.post(self.base + path, form={"csrf_token": await self.csrf(), **form},
                                              headers={"origin": self.base})
        return answer.status, await answer.text()


async def create_account(admin: Screen, username: str, role: str) -> str:
    await admin.page.fill("#username", username)
    await admin.page.select_option("#role", role)
    await admin.page.click("form[action^='/dashboard/users'] button[type=submit]:has-text('Tạo tài khoản')")
    await admin.page.wait_for_selector("#ket-qua")
    notice = await admin.page.inner_text("#ket-qua")
    assert f"Đã tạo tài khoản «{username}»" in notice and "phải đổi mật khẩu ở lần đăng nhập đầu" in notice
    return (await admin.page.inner_text("#ket-qua code")).strip()


async def refused_accounts(screen: Screen, name: str) -> None:
    """No Tài khoản in the menu, a 403 page, and a forged creation that creates nothing."""
    assert await screen.page.locator("header a[href='/dashboard/users']").count() == 0
    answer = await screen.page.goto(screen.base + "/dashboard/users")
    assert answer.status == 403 and "Chỉ tài khoản Quản trị" in await screen.page.inner_text("main")
    await screen.shot(f"{name}-users-refused")
    await screen.page.goto(screen.base + "/dashboard")
    status, text = await screen.forged("/dashboard/users", {"username": f"gia-mao-{name}", "role": "admin"})
    assert status == 403 and "Không có quyền" in text


async def admin_creates_accounts(browser, base: str, password: str) -> dict[str, str]:
    admin = await Screen(browser, base, "desktop").open()
    await admin.first_login("admin", password, "admin")
    await admin.page.click("header a[href='/dashboard/users']")
    await admin.page.wait_for_url(re.compile(r".*/dashboard/users$"))
    issued = {name: await create_account(admin, name, role) for name, role in ROLES.items()}
    await admin.shot("admin-2-created")
    rows = await admin.page.inner_text("table.users")
    for line in ("vanphong\tVăn phòng thường trực", "lanhdao\tLãnh đạo", "chixem\tChỉ xem"):
        assert line in rows, rows
    assert rows.count("Chưa đổi mật khẩu dùng một lần") == 3
    await admin.ctx.close()
    return issued


async def office_people_and_viewer_refused(browser, base: str, issued: dict) -> Screen:
    office = await Screen(browser, base, "phone").open()
    await office.first_login("vanphong", issued["vanphong"], "office")
    await refused_accounts(office, "office")
    desk = await Screen(browser, base, "desktop").open()
    assert await desk.login("vanphong", OWN["vanphong"]) == "/dashboard"
    await desk.page.goto(base + "/dashboard/people")
    await desk.page.fill("#name", "Trần Văn Bình")
    await desk.page.get_by_label("Công an đặc khu", exact=True).check()
    await desk.page.click("form[action^='/dashboard/people'] button[type=submit]")
    await desk.page.wait_for_url(re.compile(r".*/dashboard/people/\d+\?added=1#ket-qua$"))
    assert "Đã thêm Trần Văn Bình" in await desk.page.inner_text("main")
    await desk.shot("office-person-added")
    await desk.ctx.close()
    for name, device in (("lanhdao", "desktop"), ("chixem", "phone")):
        reader = await Screen(browser, base, device).open()
        await reader.first_login(name, issued[name], name)
        await refused_accounts(reader, name)
        for path, form in (("/dashboard/people", {"name": "Người giả mạo", "unit": "vhxh", "role": "officer"}),
                           ("/dashboard/import", {"plan": "Giả mạo"})):
            await reader.page.goto(base + path)
            assert await reader.page.locator(f"main form[action^='{path}']").count() == 0, (name, path)
            await reader.shot(f"{name}-{path.rsplit('/', 1)[-1]}-no-form")
            status, text = await reader.forged(path, form)
            assert status == 403 and "Không có quyền" in text, (name, path, status)
        await reader.ctx.close()
    return office


async def admin_resets_and_deactivates(browser, base: str, office_phone: Screen) -> None:
    admin = await Screen(browser, base, "desktop").open()
    assert await admin.login("admin", OWN["admin"]) == "/dashboard"
    await admin.page.goto(base + "/dashboard/users")
    await admin.page.click("tr:has-text('vanphong') form[action='/dashboard/users/reset'] button")
    await admin.page.wait_for_selector("#ket-qua")
    assert "Đã cấp mật khẩu mới cho «vanphong»" in await admin.page.inner_text("#ket-qua")
    await admin.page.click("tr:has-text('chixem') form[action='/dashboard/users/deactivate'] button")
    await admin.page.wait_for_selector(".notice.ok")
    assert "Đã khóa tài khoản «chixem»" in await admin.page.inner_text("main")
    assert "Đã khóa" in await admin.page.inner_text("tr:has-text('chixem')")
    await admin.shot("admin-3-reset-deactivated")
    await admin.ctx.close()
    await office_phone.page.goto(base + "/dashboard")  # the reset ended the office user's session
    assert "/login" in office_phone.page.url
    await office_phone.shot("office-session-ended")
    await office_phone.ctx.close()
    viewer = await Screen(browser, base, "phone").open()
    assert await viewer.login("chixem", OWN["chixem"]) == "/login"
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in await viewer.page.inner_text("main")
    await viewer.shot("viewer-deactivated-login")
    await viewer.ctx.close()


async def test_admin_creates_accounts_others_are_refused_on_desktop_and_phone(tmp_path, sqlite_url, monkeypatch):
    settings = _settings(tmp_path, sqlite_url, monkeypatch)
    config = load_config(DEFAULT_CONFIG)
    password = ensure_admin(sqlite_url, config)
    with LiveServer(create_app(settings, config), settings.web_port):
        async with playwright.async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            issued = await admin_creates_accounts(browser, settings.public_url, password)
            office_phone = await office_people_and_viewer_refused(browser, settings.public_url, issued)
            await admin_resets_and_deactivates(browser, settings.public_url, office_phone)
            await browser.close()
    with session_scope(sqlite_url) as s:
        users = {u.username: (u.role, u.active, u.must_change_password) for u in s.scalars(select(User))}
        people = [p.name for p in s.scalars(select(Person))]
    assert users == {"admin": ("admin", True, False), "vanphong": ("office", True, True),
                     "lanhdao": ("leader", True, False), "chixem": ("viewer", False, False)}  # nothing forged
    assert people == ["Trần Văn Bình"]


async def leader_approves_on_phone(browser, base: str, temporal, database_url: str, task_id: str) -> None:
    from datetime import date, datetime, timedelta, timezone

    from web.routes_extension import record_request

    status = await temporal.get_workflow_handle(task_id).query("status")
    period = status["cycle"]["period"] if isinstance(status, dict) else status.cycle.period
    due = status["due"] if isinstance(status, dict) else status.due
    asked = (date.fromisoformat(due) + timedelta(days=60)).isoformat()
    assert record_request(database_url, task_id, period, {
        "request_id": "xin-them-1", "cycle": period, "new_due": asked, "reason": "Chờ bố trí kinh phí",
        "requested_by": "vhxh", "old_due": due}, datetime.now(timezone.utc))
    office = await Screen(browser, base, "desktop").open()
    assert await office.login("vanphong", OWN["vanphong"]) == "/dashboard"
    await office.page.goto(f"{base}/dashboard/tasks/{task_id}")
    assert "Chờ bố trí kinh phí" in await office.page.inner_text("#gia-han + .card")
    assert await office.page.locator("button:has-text('Đồng ý gia hạn')").count() == 0
    await office.shot("extension-office-no-buttons")
    await office.ctx.close()
    leader = await Screen(browser, base, "phone").open()
    assert await leader.login("lanhdao", OWN["lanhdao"]) == "/dashboard"
    await leader.page.goto(f"{base}/dashboard/tasks/{task_id}")
    await leader.page.fill("input[name=note]", "Đồng ý, hoàn thành trước hạn mới")
    await leader.shot("extension-leader-1-request")
    await leader.page.click("button:has-text('Đồng ý gia hạn')")
    await leader.page.wait_for_url(re.compile(r".*\?extension=approved#gia-han$"))
    shown = await leader.page.inner_text("main")
    assert "Đã đồng ý gia hạn" in shown and "người đồng ý: lanhdao (Lãnh đạo)" in shown
    await leader.shot("extension-leader-2-approved")
    await leader.ctx.close()
    after = await temporal.get_workflow_handle(task_id).query("status")
    assert (after["due"] if isinstance(after, dict) else after.due) == asked


async def test_office_imports_a_plan_on_a_phone_leader_refused(dev_env, tmp_path, sqlite_url, monkeypatch,
                                                              task_queue):
    from web.accounts import create_user
    from worker import build_worker

    settings = _settings(tmp_path, sqlite_url, monkeypatch, {
        "DONDOC_TASK_QUEUE": task_queue, "DONDOC_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host})
    config = load_config(DEFAULT_CONFIG)
    issued = {name: create_user(sqlite_url, name, ROLES[name]) for name in ("vanphong", "lanhdao")}
    plan_file = tmp_path / "ke-hoach-thu.tsv"
    plan_file.write_text(PLAN, encoding="utf-8")
    plan = f"Kế hoạch thử {task_queue}"
    async with build_worker(dev_env.client, settings, config):
        with LiveServer(create_app(settings, config), settings.web_port):
            async with playwright.async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                leader = await Screen(browser, settings.public_url, "desktop").open()
                await leader.first_login("lanhdao", issued["lanhdao"], "import-leader")
                status, text = await leader.forged("/dashboard/import", {"plan": plan, "sha256": "0" * 64})
                assert status == 403 and "Không có quyền" in text
                await leader.ctx.close()
                office = await Screen(browser, settings.public_url, "phone").open()
                await office.first_login("vanphong", issued["vanphong"], "import-office")
                await office.page.click("header a[href='/dashboard/import']")
                await office.page.set_input_files("#file", str(plan_file))
                await office.page.fill("#plan", plan)
                await office.page.click("main button[type=submit]:has-text('Xem trước')")
                await office.page.wait_for_selector("text=Chưa có gì được lưu")
                shown = await office.page.inner_text("main")
                assert "2 nhiệm vụ" in shown and "Phòng Văn hóa - Xã hội" in shown and "Phan Viết Điện" in shown
                await office.shot("import-1-preview")
                await office.page.click("main button[type=submit]:has-text('Nhập 2 nhiệm vụ')")
                await office.page.wait_for_selector("text=Đã nhập kế hoạch")
                assert "bắt đầu theo dõi 2" in await office.page.inner_text("main")
                await office.shot("import-2-done")
                await office.page.goto(settings.public_url + "/dashboard")
                listed = await office.page.inner_text("main")
                assert "Số hóa hồ sơ lưu trữ của đặc khu" in listed and "Báo cáo tình hình an ninh mạng" in listed
                await office.shot("import-3-tasks")
                await office.ctx.close()
                with session_scope(sqlite_url) as s:
                    once = s.scalar(select(Task.id).where(Task.stt == "1"))
                await leader_approves_on_phone(browser, settings.public_url, dev_env.client, sqlite_url, once)
                await browser.close()
    with session_scope(sqlite_url) as s:
        ids = list(s.scalars(select(Task.id)))
        assert s.scalar(select(func.count()).select_from(Task)) == 2
    for task_id in ids:
        handle = dev_env.client.get_workflow_handle(task_id)
        assert (await handle.describe()).status.name == "RUNNING"
        await handle.terminate("test over")
