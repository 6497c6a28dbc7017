"""An indicator reported through its reminder's link, end to end on the dev server:
a plan's indicator table imported through the import service (its workflows started
beside the tasks'), the real worker from ``build_worker`` sending the reminders to a
local fake Zalo, the web app under uvicorn reached over real HTTP. The link is read
from the message the unit received, the page fetched (GET changes nothing), its form
token read from the form, and the POST reaches the workflow's ``report`` update. The
value is judged, ends the cycle's reminders, and shows in `dondoc indicators --json`
(the command, in its own process) and in the daily report's line.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from config.loader import EXAMPLES, load_config
from config.settings import load_settings
from contracts.indicators import IndicatorStatus
from domain.calendar import VN_TZ
from domain.identity import indicator_workflow_id
from domain.policy import RecurringPolicy, Step
from intake import read_plan
from notifiers.report_pages import short_text
from services.importer import import_plan
from store.report_loading import daily_data
from web.app import create_app
from worker import build_worker

sys.path.insert(0, str(Path(__file__).resolve().parent))
from embedded import free_port  # noqa: E402
from test_browser import LiveServer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "indicator-api-token-0123456789abcdef"
PLAN = "Kế hoạch chỉ tiêu diễn tập"
# A cycle of 30 s: the unit reminded 25 s before it falls due, the lead official 5 s after.
FAST = RecurringPolicy(name="drill", unit="seconds", cycle_seconds=30, office_hours=False,
                       steps=(Step(-25, ("unit",)), Step(5, ("unit", "lead"))))


def table(year: int, day: str) -> str:
    return "\n".join([
        "PHỤ LỤC 01: CHỈ TIÊU",
        f"TT\tTên chỉ tiêu\tChỉ tiêu năm {year}\tCơ quan chủ trì theo dõi, đánh giá\tKết quả thực hiện đến ngày {day}",
        "1.\tTỉ lệ hồ sơ giải quyết trực tuyến\t≥80%\tPhòng Văn hóa - Xã hội\t",
        "2.\tTỉ lệ camera an ninh kết nối\t100%\tCông an đặc khu\tĐang triển khai",
        "3.\tSố doanh nghiệp khởi nghiệp\t≥ 3 doanh nghiệp\tPhòng Kinh tế chưa có trong danh bạ\t",
    ]) + "\n"


@pytest.fixture
def live(dev_env, tmp_path, sqlite_url, task_queue, monkeypatch, fake_zalo, fake_smtp):
    port = free_port()
    monkeypatch.setenv("DONDOC_SECRET_KEY", "indicator-live-secret-kkkkkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("DRILL_SMTP_PORT", str(fake_smtp.port))
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_WEB_PORT": str(port), "DONDOC_TASK_QUEUE": task_queue,
                              "DONDOC_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host})
    config = load_config(EXAMPLES / "drill.toml")
    config = replace(config, policies=replace(config.policies, recurring=FAST), users=(
        {"username": "script", "password_hash": "", "role": "admin",
         "token_sha256": hashlib.sha256(TOKEN.encode()).hexdigest()},))
    return settings, config


async def link_about(zalo, chat: str, words: str, seconds: float = 40) -> str:
    for _ in range(int(seconds * 10)):
        for text in zalo.texts(chat):
            found = re.search(r"https?://\S+/k/[A-Za-z0-9_\-.]+", text)
            if found and words in text:
                return found.group(0)
        await asyncio.sleep(0.1)
    raise AssertionError(f"no indicator link about {words!r} reached {chat}: {zalo.texts(chat)}")


async def next_cycle(handle, seconds: float = 15) -> IndicatorStatus:
    """The indicator's status once it has moved past its first cycle."""
    for _ in range(int(seconds * 10)):
        status = await handle.query("status", result_type=IndicatorStatus)
        if status.period != "c1":
            return status
        await asyncio.sleep(0.1)
    raise AssertionError(f"still in the first cycle: {status}")


def cli_env(settings) -> dict[str, str]:
    return {**os.environ, "DONDOC_DATABASE_URL": settings.database_url, "DONDOC_CONFIG": str(EXAMPLES / "drill.toml"),
            "DONDOC_TEMPORAL_ADDRESS": settings.temporal_address}


def cli(settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=ROOT, env=cli_env(settings),
                          capture_output=True, text=True, timeout=120)


async def cli_async(settings, *args: str) -> str:
    """The command in its own process while this loop runs the worker that answers it."""
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "cli.main", *args, cwd=ROOT,
                                                env=cli_env(settings), stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def test_a_value_reported_through_the_link_page(live, dev_env, fake_zalo, tmp_path):
    settings, config = live
    today = datetime.now(VN_TZ).date()
    source = tmp_path / "phu-luc-01.txt"
    source.write_text(table(today.year, today.strftime("%d/%m/%Y")), encoding="utf-8")
    result = read_plan(source, config.directory, plan=PLAN)
    assert [i.stt for i in result.indicators] == ["1", "2", "3"]
    app = create_app(settings, config)
    ids = [indicator_workflow_id(PLAN, stt) for stt in ("1", "2", "3")]
    async with build_worker(dev_env.client, settings, config):
        summary = await import_plan(settings, config, result, client=dev_env.client)
        assert summary.indicators_followed == 3 and not summary.failed
        again = await import_plan(settings, config, result, client=dev_env.client)
        assert again.indicators_followed == 0          # a re-import starts nothing twice
        link = await link_about(fake_zalo, "unit-chat", "Tỉ lệ hồ sơ giải quyết trực tuyến")
        assert link.startswith(settings.public_url)
        # The unknown unit's indicator goes to the standing office (the drill's is the same unit).
        await link_about(fake_zalo, "unit-chat", "Số doanh nghiệp khởi nghiệp")
        with LiveServer(app, settings.web_port):
            async with httpx.AsyncClient(timeout=30) as http:
                page = await http.get(link)
                assert page.status_code == 200 and "≥80%" in page.text and "Báo cáo kết quả chỉ tiêu" in page.text
                token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
                form = {"csrf_token": token, "value": "Đạt 92%", "as_of": today.strftime("%d/%m/%Y"),
                        "source": "Báo cáo số 15/BC-VHXH", "note": "số liệu hệ thống một cửa"}
                bad = await http.post(link, data={**form, "as_of": "31/02/2026"}, headers={"origin": settings.public_url})
                assert bad.status_code == 422 and "Nhập ngày số liệu" in bad.text
                done = await http.post(link, data=form, headers={"origin": settings.public_url})
                assert done.status_code == 200, done.text
                assert "Đã ghi nhận kết quả" in done.text and "Đạt 92%" in done.text and ">Đạt<" in done.text
                twice = await http.post(link, data=form, headers={"origin": settings.public_url})
                assert "đã được ghi nhận trước đó" in twice.text
            status = await next_cycle(dev_env.client.get_workflow_handle(ids[0]))
            assert (status.cycles_reported, status.cycles_missed) == (1, 0)   # c1 answered: its reminders ended
            # The command line and the JSON API send the same update.
            by_cli = await cli_async(settings, "indicators", "report", "--plan", PLAN, "--stt", "2", "--value", "95%",
                                     "--note", "chưa đủ 100%", "--json")
            assert json.loads(by_cli)["status"] == "not_met"
            async with httpx.AsyncClient(base_url=settings.public_url, timeout=30,
                                         headers={"authorization": f"Bearer {TOKEN}"}) as api:
                answer = await api.post("/api/indicators/report", json={"plan": PLAN, "stt": "1", "value": "Đạt 93%"})
                assert answer.status_code == 200, answer.text
                assert answer.json()["result"]["status"] == "met"
                listed = (await api.get("/api/indicators", params={"plan": PLAN})).json()
                assert [r["latest"]["value"] for r in listed] == ["Đạt 93%", "95%", ""]
        for workflow_id in ids:
            await dev_env.client.get_workflow_handle(workflow_id).terminate("test over")

    shown = cli(settings, "indicators", "--plan", PLAN, "--json")
    assert shown.returncode == 0, shown.stderr
    rows = {r["stt"]: r for r in json.loads(shown.stdout)}
    assert set(rows["1"]) == {"stt", "name", "unit", "target", "latest", "history"}
    assert rows["1"]["latest"] == {"value": "Đạt 93%", "as_of": today.isoformat(), "status": "met"}
    assert rows["1"]["unit"] == "Phòng Văn hóa - Xã hội" and rows["1"]["target"]["raw"] == "≥80%"
    linked = rows["1"]["history"][0]
    assert (linked["value"], linked["status"], linked["source"]) == ("Đạt 92%", "met", "Báo cáo số 15/BC-VHXH")
    assert linked["reported_by"] == "Phòng Văn hóa - Xã hội" and rows["1"]["history"][1]["reported_by"] == "Tài khoản script (API)"
    assert [(h["value"], h["status"], h["reported_by"]) for h in rows["2"]["history"]] == [
        ("Đang triển khai", "not_met", "Nhập từ kế hoạch"), ("95%", "not_met", "Văn phòng (dòng lệnh)")]
    assert rows["3"]["latest"] == {"value": "", "as_of": None, "status": "no_data"}
    data = daily_data(settings.database_url, config, datetime.now(timezone.utc))
    assert data["indicators"]["line"] == "Chỉ tiêu: đạt 1 / 3, chưa đạt 1, chưa báo cáo 1"
    assert "- Chỉ tiêu: đạt 1 / 3, chưa đạt 1, chưa báo cáo 1." in short_text(data)
    table_text = cli(settings, "indicators", "--plan", PLAN)
    assert "Đạt 93%" in table_text.stdout and "Chưa báo cáo" in table_text.stdout
