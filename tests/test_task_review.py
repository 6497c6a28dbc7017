"""The standing office's review, end to end on the real dev server: the drill configuration
with review on (config/examples/drill-review.toml: the office is its own unit, reminded
after 30 s), the worker from ``build_worker``, the fake Zalo Bot API and SMTP servers, the
link page and the dashboard called as a browser would, and ``./dondoc task review``.

A task due 30 s after its start is confirmed through the link in its first message: it
waits for review ("awaiting_review", ``task show --json``), no reminder goes out while it
waits, and after 30 s the standing office is reminded. The office returns it with a
reason on the task page: the unit is told why on Zalo and by email, each with a link; the
task is overdue by then, so the ladder resumes and escalates to the lead official. The
unit confirms again through the returned message's link; ``task review --accept`` closes
the task, classified by the second confirmation (late: it came after the deadline).
"""
from __future__ import annotations

import asyncio
import contextlib
import html
import json
import os
import re
import subprocess
import time
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from embedded import DONDOC, ROOT
from sqlalchemy import select

from config.loader import EXAMPLES, load_config
from config.settings import load_settings
from contracts.tasks import TaskSpec, TaskStatus
from domain.calendar import VN_TZ
from services.task_views import task_view
from services.tasks import start_or_amend
from store.db import session_scope
from store.models import Event, User
from web.app import create_app
from web.passwords import hash_password
from worker import build_worker

PUBLIC = "http://dondoc.test"
PASSWORD = "mat-khau-thu-nghiem-2026"
LINK = re.compile(r"https?://\S+/c/[A-Za-z0-9_\-.]+")
TITLE = "Báo cáo kết quả số hóa hồ sơ (duyệt)"


class Handle:
    def __init__(self, client):
        self.client = client

    async def get(self):
        return self.client


@pytest.fixture
def stack(dev_env, tmp_path, sqlite_url, task_queue, monkeypatch, fake_zalo, fake_smtp):
    env = {"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url, "DONDOC_PUBLIC_URL": PUBLIC,
           "DONDOC_TASK_QUEUE": task_queue, "DONDOC_SECRET_KEY": "task-review-secret-kkkkkkkkkkkkkkkkkkkkkk",
           "DONDOC_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
           "DRILL_SMTP_PORT": str(fake_smtp.port)}
    for name, value in env.items():  # the command line reads the same environment
        monkeypatch.setenv(name, value)
    settings = load_settings(env)
    config = load_config(EXAMPLES / "drill-review.toml")
    assert config.review.enabled and config.review.remind_after_seconds == 30
    app = create_app(settings, config)
    app.state.temporal = Handle(dev_env.client)
    with session_scope(sqlite_url) as session:
        session.add(User(username="vanphong", password_hash=hash_password(PASSWORD), role="office"))
    return settings, config, app


async def wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def said(zalo, chat: str, marker: str = "") -> list[str]:
    return [t for t in zalo.texts(chat) if TITLE in t and marker in t]


def mails(smtp, address: str, subject: str) -> list:
    return [m for m in smtp.to(address) if subject in m.subject]


def csrf(page: str) -> str:
    return html.unescape(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))


def visible(page: str) -> str:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def today_vn() -> str:
    return datetime.now(VN_TZ).strftime("%d/%m/%Y")


async def confirm(web: httpx.AsyncClient, link: str, number: str) -> str:
    path = "/c/" + link.rsplit("/c/", 1)[1]
    page = await web.get(path)
    assert page.status_code == 200, page.text[:300]
    done = await web.post(path, headers={"Origin": PUBLIC}, data={
        "csrf_token": csrf(page.text), "document_number": number, "issued_on": today_vn(),
        "summary": "Báo cáo kết quả số hóa hồ sơ văn hóa", "link": "", "note": ""})
    assert done.status_code == 200, done.text[:500]
    return visible(done.text)


@contextlib.asynccontextmanager
async def office(app):
    """The standing office's browser, logged in."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC,
                                 headers={"origin": PUBLIC}) as client:
        token = csrf((await client.get("/login")).text)
        done = await client.post("/login", data={"csrf_token": token, "username": "vanphong", "password": PASSWORD,
                                                 "next": "/dashboard"})
        assert done.status_code == 303, done.text[:300]
        yield client


def events(settings, task_id: str) -> list[tuple[str, dict]]:
    with session_scope(settings.database_url) as session:
        rows = session.scalars(select(Event).where(Event.subject_id == task_id).order_by(Event.at, Event.id))
        return [(e.kind, dict(e.data or {})) for e in rows]


async def save(handle, name: str) -> None:
    """Replay the run against the current code; keep it as a fixture of the patched path (first time only)."""
    from temporalio.worker import Replayer

    from workflows.task import TaskWorkflow
    from workflows.task_common import JUDGED_MOMENT

    history = await handle.fetch_history()
    await Replayer(workflows=[TaskWorkflow]).replay_workflow(history)
    path = ROOT / "tests" / "histories" / f"task_{name}__{JUDGED_MOMENT}.json"
    if not path.exists() or os.environ.get("DONDOC_RECORD_HISTORIES"):
        path.write_text(history.to_json())


def cli(*argv: str) -> tuple[int, str]:
    """``./dondoc --config drill-review.toml ...`` (the installed command, this test's environment)."""
    out = subprocess.run([DONDOC, "--config", str(EXAMPLES / "drill-review.toml"), *argv], cwd=ROOT,
                         env=dict(os.environ), capture_output=True, text=True, timeout=60)
    return out.returncode, out.stdout + out.stderr


async def test_returned_then_accepted_by_the_office(dev_env, stack, fake_zalo, fake_smtp):
    settings, config, app = stack
    task = TaskSpec(id=f"task/review/{uuid.uuid4().hex[:8]}", title=TITLE, lead_units=["vhxh"],
                    deadline_kind="once", due_at=datetime.now(timezone.utc) + timedelta(seconds=30))
    async with build_worker(dev_env.client, settings, config), office(app) as vanphong, \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC) as web:
        await start_or_amend(dev_env.client, settings, config, task)
        handle = dev_env.client.get_workflow_handle(task.id, result_type=TaskStatus)
        first = (await wait_for(lambda: said(fake_zalo, "unit-chat"), 20, "the first message"))[0]

        # 1. Confirmed through the link: it waits for the office; the ladder stops.
        shown = await confirm(web, LINK.search(first).group(0), "15/BC-VHXH")
        assert "Đã gửi kết quả, chờ Văn phòng duyệt" in shown and "hoàn thành đúng hạn" in shown, shown
        confirmed_at, told_before = time.monotonic(), len(said(fake_zalo, "unit-chat"))
        status = await handle.query("status", result_type=TaskStatus)
        assert (status.status, status.next_step) == ("awaiting_review", None)
        await wait_for(lambda: task_view(settings.database_url, task.id)["status"] == "awaiting_review", 10, "row")
        code, out = await asyncio.to_thread(cli, "task", "show", task.id, "--json")
        view = json.loads(out)
        assert code == 0 and view["status"] == "awaiting_review" and view["judged_by"] == "arrival"
        assert view["evidence"]["document_number"] == "15/BC-VHXH" and view["result"] is None
        again = visible((await web.get("/c/" + LINK.search(first).group(0).rsplit("/c/", 1)[1])).text)
        assert "Kết quả đang chờ Văn phòng duyệt" in again
        page = visible((await vanphong.get(f"/dashboard/tasks/{task.id}")).text)
        assert "Duyệt kết quả" in page and "Chờ duyệt" in page and "Nếu chấp nhận Hoàn thành đúng hạn" in page

        # 2. No reminder while it waits (the deadline passes); the office is reminded after 30 s.
        reminder = (await wait_for(lambda: said(fake_zalo, "office-chat", "CHỜ VĂN PHÒNG DUYỆT"), 45,
                                   "the review reminder to the office"))[0]
        assert time.monotonic() - confirmed_at >= 28 and "15/BC-VHXH" in reminder
        assert len(said(fake_zalo, "unit-chat")) == told_before and not said(fake_zalo, "lead-chat")
        await wait_for(lambda: [k for k, _ in events(settings, task.id)].count("task_review_reminded") == 1, 10,
                       "the reminder on the timeline")

        # 3. Returned with a reason on the task page: the unit told on Zalo and by email, with the link.
        page = await vanphong.get(f"/dashboard/tasks/{task.id}")
        refused = await vanphong.post(f"/dashboard/tasks/{task.id}/review", data={
            "csrf_token": csrf(page.text), "form_id": "f1", "decision": "return", "reason": ""})
        assert refused.status_code == 422 and "Nêu lý do trả lại" in visible(refused.text)
        reason = "Văn bản chưa có số liệu của quý; đề nghị bổ sung"
        returned = await vanphong.post(f"/dashboard/tasks/{task.id}/review", data={
            "csrf_token": csrf(page.text), "form_id": "f1", "decision": "return", "reason": reason})
        assert returned.status_code == 303
        assert "Đã trả lại kết quả" in visible((await vanphong.get(returned.headers["location"])).text)
        told = (await wait_for(lambda: said(fake_zalo, "unit-chat", "BỊ TRẢ LẠI"), 20, "the unit told"))[0]
        assert reason in told and LINK.search(told)
        mail = (await wait_for(lambda: mails(fake_smtp, "unit@drill.local", "[Trả lại kết quả]"), 20, "the email"))[0]
        assert TITLE in mail.subject and reason in mail.text and LINK.search(mail.text) and LINK.search(mail.html)
        assert (await handle.query("status", result_type=TaskStatus)).status == "open"

        # 4. Overdue by now: the ladder resumes where the deadline puts it (the lead official too).
        await wait_for(lambda: said(fake_zalo, "lead-chat"), 30, "the escalation after the return")
        assert task_view(settings.database_url, task.id)["status"] == "open"

        # 5. Confirmed again (the returned message's link), accepted from the command line.
        shown = await confirm(web, LINK.search(told).group(0), "15/BC-VHXH")
        assert "Đã gửi kết quả, chờ Văn phòng duyệt" in shown and "hoàn thành quá hạn" in shown, shown
        await wait_for(lambda: task_view(settings.database_url, task.id)["status"] == "awaiting_review", 10, "row")
        code, out = await asyncio.to_thread(cli, "task", "review", task.id, "--accept", "--json")
        accepted = json.loads(out)
        assert code == 0 and (accepted["status"], accepted["result"]) == ("completed", "late"), out
        assert accepted["judged_by"] == "arrival" and accepted["confirmed_on"] == datetime.now(VN_TZ).date().isoformat()
        result = await asyncio.wait_for(handle.result(), 20)
        assert (result.status, result.result) == ("completed", "late")
        code, out = await asyncio.to_thread(cli, "task", "review", task.id, "--accept")
        assert code == 1 and "đã hoàn thành" in out  # nothing waits any more
        await save(handle, "review_returned_accepted")

    kinds = [k for k, _ in events(settings, task.id)]
    assert kinds.count("task_review_waiting") == 2 and kinds.count("task_returned") == 1
    assert kinds.count("task_review_accepted") == 1 and kinds.count("task_completed") == 1
    [(_, back)] = [(k, d) for k, d in events(settings, task.id) if k == "task_returned"]
    assert (back["reason"], back["by"]) == (reason, "vanphong")
    view = task_view(settings.database_url, task.id)
    assert (view["status"], view["result"], view["judged_by"]) == ("completed", "late", "arrival")
    assert view["evidence"]["accepted_by"] == "dòng lệnh"
