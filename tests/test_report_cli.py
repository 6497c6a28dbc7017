"""`./dondoc report ...` and `./dondoc schedules` through the real entry point, and
`report daily --send --json` against the dev server with a worker running the report
workflow (fake Zalo and SMTP peers)."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from peers import fake_smtp, fake_zalo  # noqa: F401 (fixtures)
from temporalio.worker import Worker

from activities.deliver import DeliveryActivities
from activities.reports import ReportActivities
from config.loader import load_config
from config.settings import load_settings
from tests.test_report_seed import PLAN, insert_seed_plan
from domain.links import token_from_url
from store.links import resolve
from workflows.report import ReportWorkflow

ROOT = Path(__file__).resolve().parents[1]
DONDOC = str(Path(sys.prefix) / "bin" / "dondoc")
VN = timezone(timedelta(hours=7))


@pytest.fixture
def env(sqlite_url, tmp_path):
    insert_seed_plan(sqlite_url)
    e = {k: v for k, v in os.environ.items() if not k.startswith("DONDOC_")}
    e.update(DONDOC_DATABASE_URL=sqlite_url, DONDOC_DATA_DIR=str(tmp_path), DONDOC_SECRET_KEY="cli-secret-kkkkkkkkkkkkkkkkkkkkkkkkkkkkk")
    return e


def dondoc(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([DONDOC, *args], capture_output=True, text=True, cwd=ROOT, timeout=60, env=env)


def test_daily_json_as_of(env):
    out = dondoc(env, "report", "daily", "--as-of", "2026-04-15T16:00:00+07:00", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["as_of"] == "2026-04-15T09:00:00+00:00"
    t = data["totals"]
    assert (t["tasks"], t["completed"], t["open"], t["overdue"], t["due_soon"], t["recurring_due"],
            t["unknown_deadline"], t["incidents_open"]) == (51, 5, 46, 6, 0, 1, 1, 0)
    assert set(data["overdue"][0]) >= {"plan", "stt", "title", "lead_units", "due", "days_overdue"}
    assert {"due_soon", "incidents", "failed_deliveries"} <= set(data)
    # a bare date is 16:00 of that day in Vietnam; a naive instant is Vietnam time
    same = json.loads(dondoc(env, "report", "daily", "--as-of", "2026-04-15", "--json").stdout)
    assert same["as_of"] == data["as_of"]
    naive = json.loads(dondoc(env, "report", "daily", "--as-of", "2026-04-15T16:00", "--json").stdout)
    assert naive["as_of"] == data["as_of"]


def test_daily_text_and_bad_as_of(env):
    out = dondoc(env, "report", "daily", "--as-of", "2026-04-15")
    assert out.returncode == 0 and "Quá hạn chưa hoàn thành: 6" in out.stdout and "STT 21" in out.stdout
    bad = dondoc(env, "report", "daily", "--as-of", "15/04/2026")
    assert bad.returncode == 2 and "ISO 8601" in bad.stderr


def test_period_prose_and_table(env):
    out = dondoc(env, "report", "period", "--quarter", "2026Q1", "--as-of", "2026-04-10")
    assert out.returncode == 0, out.stderr
    assert "Quý I/2026 có 04 chỉ tiêu, 10 nhiệm vụ theo tiến độ và 21 nhiệm vụ triển khai thường xuyên." in out.stdout
    assert "+ Đã hoàn thành đúng hạn: 03 nhiệm vụ;" in out.stdout
    assert "+ Chậm tiến độ: 07 nhiệm vụ." in out.stdout
    assert "Nhiệm vụ theo tiến độ" in out.stdout and "Hoàn thành quá hạn" in out.stdout
    js = json.loads(dondoc(env, "report", "period", "--month", "2026-05", "--json", "--as-of", "2026-05-20").stdout)
    assert js["label"] == "Tháng 05/2026" and js["scheduled"]["total"] == 1
    assert dondoc(env, "report", "period", "--quarter", "2026Q7").returncode == 2


def test_appendix_files(env, tmp_path):
    xlsx, docx = tmp_path / "pl.xlsx", tmp_path / "pl.docx"
    for fmt, path in (("xlsx", xlsx), ("docx", docx)):
        out = dondoc(env, "report", "appendix", "--plan", PLAN, "--format", fmt, "-o", str(path),
                     "--as-of", "2026-04-10")
        assert out.returncode == 0, out.stderr
        assert "52 nhiệm vụ" in out.stdout
    ws = load_workbook(xlsx).active
    rows = {str(r[0].value): [c.value for c in r] for r in ws.iter_rows(min_row=4) if r[0].value}
    assert rows["18"][7] == "Hoàn thành quá hạn" and rows["18"][9] == "18/KH-UBND"
    table = Document(str(docx)).tables[0]
    cells = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert cells["13"][7] == "Hoàn thành đúng hạn" and cells["13"][11] == "Kế hoạch thực hiện nhiệm vụ số 13"
    missing = dondoc(env, "report", "appendix", "--plan", "Không có", "--format", "xlsx", "-o", str(xlsx))
    assert missing.returncode == 2 and "Không có kế hoạch" in missing.stderr


def test_schedules_json(env):
    out = dondoc(env, "schedules", "--json")
    assert out.returncode == 0, out.stderr
    [daily] = json.loads(out.stdout)
    assert (daily["id"], daily["cron"], daily["time_zone"]) == ("daily", "0 16 * * *", "Asia/Ho_Chi_Minh")
    assert len(daily["next_runs"]) == 5
    for run in daily["next_runs"]:
        at = datetime.fromisoformat(run)
        assert at.utcoffset() == timedelta(hours=7) and (at.hour, at.minute) == (16, 0)
    assert dondoc(env, "schedules").returncode == 0


def test_schedules_next_runs_mark_holidays():
    from cli.schedules import describe

    config = load_config()
    items = describe(config, 10, now=datetime(2026, 4, 24, 17, 0, tzinfo=VN))
    runs = [datetime.fromisoformat(r).date().isoformat() for r in items[0]["next_runs"]]
    sends = [datetime.fromisoformat(r).date().isoformat() for r in items[0]["next_sends"]]
    assert runs[0] == "2026-04-25"
    # 25-27/4 weekend + Hùng Kings (observed 27/4); 30/4, 1/5 holidays; 2-3/5 weekend
    assert sends == ["2026-04-28", "2026-04-29", "2026-05-04"]


async def test_daily_send_json(dev_env, sqlite_url, tmp_path, task_queue, fake_zalo, fake_smtp, monkeypatch):  # noqa: F811
    """`report daily --send --json` runs the report workflow now and prints
    {"id", "url", "deliveries"}; the Zalo message to bcd-chat carries that url."""
    insert_seed_plan(sqlite_url)
    monkeypatch.setenv("DRILL_SMTP_PORT", str(fake_smtp.port))
    monkeypatch.setenv("DONDOC_SECRET_KEY", "cli-secret-kkkkkkkkkkkkkkkkkkkkkkkkkkkkk")
    for k, v in dict(DONDOC_DATABASE_URL=sqlite_url, DONDOC_DATA_DIR=str(tmp_path), DONDOC_TASK_QUEUE=task_queue,
                     DONDOC_TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
                     DONDOC_PUBLIC_URL="http://dondoc.test").items():
        monkeypatch.setenv(k, v)
    settings = load_settings()
    config = load_config(ROOT / "config/examples/drill.toml")
    acts = ReportActivities(settings, config)
    delivery = DeliveryActivities(settings.database_url, settings, max_attempts=2, config=config)
    async with Worker(dev_env.client, task_queue=task_queue, workflows=[ReportWorkflow],
                      activities=[*acts.activities(), delivery.deliver]):
        proc = await asyncio.create_subprocess_exec(
            DONDOC, "--config", str(ROOT / "config/examples/drill.toml"), "report", "daily", "--send", "--json",
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        stdout, stderr = await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode == 0, stderr.decode()
    out = json.loads(stdout)
    assert {"id", "url", "deliveries"} <= set(out)
    assert {(d["group"], d["status"]) for d in out["deliveries"]} == {("chat", "sent"), ("email", "sent")}
    [z] = [m for m in fake_zalo.messages if m.chat_id == "bcd-chat"]
    assert out["url"] in z.text and len(z.text) < 2000
    claims = resolve(settings.database_url, settings.link_key, token_from_url(out["url"]), datetime.now(timezone.utc))
    assert claims.subject_id == f"report/{out['id']}"
