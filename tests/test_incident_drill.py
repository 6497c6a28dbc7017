"""The incident drill end to end, on the real dev server: the drill configuration
(60-second window, reminders at 30 s and 50 s, escalation at 60 s, then every
30 s), the fake Zalo Bot API and SMTP servers, the real delivery activity, the
command line's open path and the report page behind the signed link.

  - an incident opened through the CLI alerts police-chat within seconds, reminds
    it, escalates to lead-chat and bcd-chat when the
    window closes, and its report through the link closes it as late;
  - a second one reported at once closes on time and escalates to nobody.
"""
from __future__ import annotations

import asyncio
import re
import time

import httpx
import pytest
from peers import fake_smtp, fake_zalo  # noqa: F401 (fixtures)
from temporalio.worker import Worker

from activities.deliver import DeliveryActivities
from activities.incidents import IncidentActivities
from services.incident_views import incident_view
from cli.incident import open_incident_cmd
from config.loader import EXAMPLES, load_config
from config.settings import load_settings
from web.app import create_app
from workflows.incident import IncidentWorkflow

LINK = re.compile(r"https?://\S+/i/([A-Za-z0-9_.\-]+)")
PUBLIC = "http://dondoc.test"


class Temporal:
    """The app's Temporal handle, pointing at the test's client."""

    def __init__(self, client):
        self.client = client

    async def get(self):
        return self.client


@pytest.fixture
def drill(dev_env, sqlite_url, tmp_path, monkeypatch, task_queue, fake_zalo, fake_smtp):
    monkeypatch.setenv("DONDOC_SECRET_KEY", "incident-drill-secret-kkkkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("DRILL_SMTP_PORT", str(fake_smtp.port))
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_PUBLIC_URL": PUBLIC, "DONDOC_TASK_QUEUE": task_queue})
    config = load_config(EXAMPLES / "drill.toml")
    app = create_app(settings, config)
    app.state.temporal = Temporal(dev_env.client)
    return settings, config, app


def worker(client, settings, config) -> Worker:
    incidents = IncidentActivities(settings.database_url, config)
    delivery = DeliveryActivities(settings.database_url, settings, config=config)
    return Worker(client, task_queue=settings.task_queue, workflows=[IncidentWorkflow],
                  activities=[incidents.recipients, incidents.record, delivery.deliver])


async def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def texts(zalo, chat: str, title: str) -> list[str]:
    return [t for t in zalo.texts(chat) if title in t]


async def report_form(web: httpx.AsyncClient, token: str) -> dict:
    """Open the link (GET) and keep the form's hidden fields, as a browser would."""
    page = await web.get(f"/i/{token}")
    assert page.status_code == 200, page.text
    return {name: re.search(rf'name="{name}" value="([^"]+)"', page.text).group(1) for name in ("csrf_token", "nonce")}


async def submit(web: httpx.AsyncClient, token: str, form: dict, number: str) -> httpx.Response:
    return await web.post(f"/i/{token}", headers={"Origin": PUBLIC}, data=dict(
        form, number=number, summary="Đã cô lập máy chủ, khôi phục dịch vụ", followed="yes", **_today()))


async def report_through_link(web: httpx.AsyncClient, token: str, number: str) -> httpx.Response:
    return await submit(web, token, await report_form(web, token), number)


def _today() -> dict:
    from web.pages import now_utc, today_vn

    return {"issued_on": today_vn(now_utc()).isoformat()}


async def test_incident_drill(dev_env, drill, fake_zalo, fake_smtp):
    settings, config, app = drill
    late_title, quick_title = "Sự cố tấn công mã độc (diễn tập)", "Sự cố lộ mật khẩu (diễn tập)"
    transport = httpx.ASGITransport(app=app)
    async with worker(dev_env.client, settings, config), \
            httpx.AsyncClient(transport=transport, base_url=PUBLIC) as web:
        started = time.monotonic()
        late = await open_incident_cmd(settings, config, unit="Công an đặc khu", title=late_title,
                                       client=dev_env.client)
        quick = await open_incident_cmd(settings, config, unit="cong-an-dk", title=quick_title,
                                        severity="cao", client=dev_env.client)
        assert late["id"] != quick["id"] and late["id"].startswith("incident/")

        # Alerted within seconds, each message with its own signed link.
        alert = (await wait_for(lambda: texts(fake_zalo, "police-chat", late_title), 10, "the alert"))[0]
        assert time.monotonic() - started < 10
        quick_alert = (await wait_for(lambda: texts(fake_zalo, "police-chat", quick_title), 10, "the alert"))[0]
        quick_token = LINK.search(quick_alert).group(1)

        # The second incident: GET shows and changes nothing; a POST without the form token is refused;
        # the report through the link closes it on time.
        shown = await web.get(f"/i/{quick_token}")
        assert shown.status_code == 200 and "Gửi báo cáo sự cố" in shown.text and quick_title in shown.text
        refused = await web.post(f"/i/{quick_token}", headers={"Origin": PUBLIC},
                                 data={"number": "1/BC", "summary": "x", "followed": "yes"})
        assert refused.status_code == 403
        forged = await web.get(f"/i/{quick_token[:-3]}abc")
        assert forged.status_code in (400, 403)
        colleague = await report_form(web, quick_token)        # a second person opened the link too
        done = await report_through_link(web, quick_token, "7/BC-CA")
        assert done.status_code == 200 and "Đã ghi nhận báo cáo sự cố" in done.text and "đúng hạn" in done.text
        again = await submit(web, quick_token, colleague, "8/BC-CA")
        assert "đã được báo cáo trước đó" in again.text and "7/BC-CA" in again.text and "8/BC-CA" not in again.text
        quick_result = await dev_env.client.get_workflow_handle_for(IncidentWorkflow.run, quick["id"]).result()
        assert (quick_result.status, quick_result.result, quick_result.steps_sent) == ("reported", "on_time", ["alert"])

        # The first: reminded at 30 s and 50 s, escalated at 60 s to the lead and the supervisors.
        await wait_for(lambda: len(texts(fake_zalo, "police-chat", late_title)) >= 3, 70, "two reminders")
        await wait_for(lambda: texts(fake_zalo, "lead-chat", late_title) and texts(fake_zalo, "bcd-chat", late_title),
                       40, "the escalation")
        assert time.monotonic() - started >= 55
        handle = dev_env.client.get_workflow_handle_for(IncidentWorkflow.run, late["id"])

        async def escalated():  # the messages go out before the step's activity reports back
            status = await handle.query(IncidentWorkflow.status)
            return status if "escalate-1" in status.steps_sent else None

        status = await wait_for(escalated, 20, "the escalation step recorded")
        assert status.late and status.result == "late"

        # Reported through the link in the escalation message: closed as late.
        escalation = texts(fake_zalo, "police-chat", late_title)[-1]
        token = LINK.search(escalation).group(1)
        closed = await report_through_link(web, token, "15/BC-CA")
        assert closed.status_code == 200 and "quá hạn" in closed.text, closed.text
        late_result = await dev_env.client.get_workflow_handle_for(IncidentWorkflow.run, late["id"]).result()
        assert (late_result.status, late_result.result) == ("reported", "late")
        assert late_result.report.reporter == "cong-an-dk"

        # The alert's own link (older, still valid) now shows the report and changes nothing.
        old = await web.get(f"/i/{LINK.search(alert).group(1)}")
        assert "đã được báo cáo trước đó" in old.text and "15/BC-CA" in old.text

    # What `incident show --json` prints.
    late_view = incident_view(settings.database_url, config, late["id"])
    quick_view = incident_view(settings.database_url, config, quick["id"])
    assert (late_view["status"], late_view["result"], late_view["unit"]) == ("reported", "late", "Công an đặc khu")
    assert (quick_view["status"], quick_view["result"]) == ("reported", "on_time")
    late_sent = {(n["step"], n["recipient"]) for n in late_view["notifications"] if n["status"] == "sent"}
    assert {("alert", "cong-an-dk"), ("remind-1", "cong-an-dk"), ("remind-2", "cong-an-dk"),
            ("escalate-1", "cong-an-dk"), ("escalate-1", "phan-viet-dien"), ("escalate-1", "supervisors"),
            ("reported", "cong-an-dk"), ("reported", "phan-viet-dien"), ("reported", "supervisors")} <= late_sent
    quick_sent = {(n["step"], n["recipient"]) for n in quick_view["notifications"]}
    assert quick_sent == {("alert", "cong-an-dk"), ("reported", "cong-an-dk")}
    # Nobody above the unit heard of the second incident; everyone alerted heard the first was reported.
    assert not texts(fake_zalo, "lead-chat", quick_title) and not texts(fake_zalo, "bcd-chat", quick_title)
    for chat in ("police-chat", "lead-chat", "bcd-chat"):
        assert len(texts(fake_zalo, chat, late_title)) >= 2, chat
    # Zalo worked, so the supervisors' email (their fallback channel) stayed unused.
    assert fake_smtp.to("bcd@drill.local") == []
    # Every message to police-chat is one step of the delivery log: nothing went twice.
    police_steps = [n["step"] for n in late_view["notifications"] if n["recipient"] == "cong-an-dk"]
    assert len(police_steps) == len(set(police_steps)) == len(texts(fake_zalo, "police-chat", late_title))


# -- the pages' refusals and the dashboard -------------------------------------------------

class Away:
    """A Temporal handle whose server is not reachable."""

    async def get(self):
        return None


@pytest.fixture
def pages(sqlite_url, tmp_path, monkeypatch):
    from datetime import datetime, timedelta, timezone

    from store.db import session_scope
    from store.models import Incident

    monkeypatch.setenv("DONDOC_SECRET_KEY", "incident-pages-secret-kkkkkkkkkkkkkkkkkk")
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_PUBLIC_URL": PUBLIC})
    config = load_config(EXAMPLES / "drill.toml")
    now = datetime.now(timezone.utc)
    with session_scope(sqlite_url) as s:
        s.add(Incident(id="incident/1", unit="cong-an-dk", title="Mã độc <script>alert(1)</script>",
                       detected_at=now - timedelta(hours=2), due_at=now + timedelta(hours=22)))
    app = create_app(settings, config)
    app.state.temporal = Away()
    return settings, config, app, now


def link(settings, subject="incident/1", purpose="incident", expires=None, now=None):
    from datetime import timedelta

    from domain.links import make_token

    return make_token(settings.secret_key, subject, "", "cong-an-dk", purpose,
                      expires or now + timedelta(days=7))


async def test_report_page_refusals_and_worker_away(pages):
    from datetime import timedelta

    settings, config, app, now = pages
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC) as web:
        token = link(settings, now=now)
        shown = await web.get(f"/i/{token}")
        assert shown.status_code == 200 and 'lang="vi"' in shown.text
        assert "<script>alert(1)</script>" not in shown.text and "&lt;script&gt;" in shown.text
        assert "Còn 21 giờ" in shown.text
        expired = await web.get(f"/i/{link(settings, expires=now - timedelta(seconds=1), now=now)}")
        assert expired.status_code == 410 and "hết hạn" in expired.text
        other = await web.get(f"/i/{link(settings, purpose='confirm', now=now)}")
        assert other.status_code == 400
        missing = await web.get(f"/i/{link(settings, subject='incident/99', now=now)}")
        assert missing.status_code == 404 and "Không tìm thấy sự cố" in missing.text
        form = await report_form(web, token)
        cross = await web.post(f"/i/{token}", headers={"Origin": "https://evil.example"},
                               data=dict(form, number="1", summary="x", followed="yes", **_today()))
        assert cross.status_code == 403
        invalid = await web.post(f"/i/{token}", headers={"Origin": PUBLIC}, data=dict(form, number="", summary=""))
        assert invalid.status_code == 422 and "Nhập số, ký hiệu" in invalid.text
        away = await submit(web, token, form, "3/BC-CA")
        assert away.status_code == 503 and "chưa được lưu" in away.text
        assert "3/BC-CA" in away.text  # what was typed is kept for the retry
    assert incident_view(settings.database_url, config, "1")["status"] == "open"


async def test_dashboard_opens_an_incident(dev_env, drill, fake_zalo):
    from web.users import change_password, ensure_admin

    settings, config, app = drill
    first, password = ensure_admin(settings.database_url, config), "mat-khau-rieng-2026"
    assert change_password(settings.database_url, "admin", first, password, password) is None
    async with worker(dev_env.client, settings, config), \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC) as web:
        login_page = await web.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login_page.text).group(1)
        await web.post("/login", headers={"Origin": PUBLIC}, data={
            "csrf_token": token, "username": "admin", "password": password, "next": "/dashboard"})
        form = await web.get("/dashboard/incidents/new")
        assert form.status_code == 200 and "Công an đặc khu" in form.text
        csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        bad = await web.post("/dashboard/incidents/new", headers={"Origin": PUBLIC}, data={
            "csrf_token": csrf_token, "unit": "cong-an-dk", "title": "", "detected_at": ""})
        assert bad.status_code == 422 and "Chưa nêu tên" in bad.text
        opened = await web.post("/dashboard/incidents/new", headers={"Origin": PUBLIC}, data={
            "csrf_token": csrf_token, "unit": "cong-an-dk", "title": "Tấn công từ chối dịch vụ (bảng điều khiển)",
            "detected_at": "", "severity": "cao"})
        assert opened.status_code == 303
        where = opened.headers["location"]
        assert where.startswith("/dashboard/incidents/incident/")
        await wait_for(lambda: texts(fake_zalo, "police-chat", "bảng điều khiển"), 10, "the alert")
        number = where.rsplit("/", 1)[-1]
        await wait_for(lambda: incident_view(settings.database_url, config, number)["notifications"],
                       10, "the delivery log")
        # The step's timeline event is recorded after its send: the page below shows both.
        await wait_for(lambda: [e for e in incident_view(settings.database_url, config, number)["events"]
                                if (e["data"] or {}).get("step") == "alert"], 10, "the alert on the timeline")
        detail = await web.get(where)
        assert detail.status_code == 200 and "Tấn công từ chối dịch vụ" in detail.text and "alert" in detail.text
        await dev_env.client.get_workflow_handle(where.removeprefix("/dashboard/incidents/")).terminate("test done")


async def test_cli_open_prints_the_id_and_starts_the_workflow(dev_env, sqlite_url, tmp_path, task_queue):
    """`dondoc incident open ... --json` as a subprocess against the dev server."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, DONDOC_DATABASE_URL=sqlite_url, DONDOC_DATA_DIR=str(tmp_path),
               DONDOC_CONFIG=str(EXAMPLES / "drill.toml"), DONDOC_TASK_QUEUE=task_queue,
               DONDOC_TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host)
    done = await asyncio.to_thread(subprocess.run, [
        sys.executable, "-m", "cli.main", "incident", "open", "--unit", "Công an đặc khu",
        "--title", "Mã độc (dòng lệnh)", "--detected-at", "2026-01-02T08:00", "--severity", "cao", "--json"],
        capture_output=True, text=True, env=env, cwd=root, timeout=60)
    assert done.returncode == 0, done.stderr
    incident_id = json.loads(done.stdout)["id"]
    handle = dev_env.client.get_workflow_handle(incident_id)
    description = await handle.describe()
    assert description.workflow_type == "IncidentWorkflow" and description.task_queue == task_queue
    view = incident_view(sqlite_url, None, incident_id)
    assert view["detected_at"] == "2026-01-02T01:00:00+00:00" and view["result"] == "late"  # Vietnam time, long past
    await handle.terminate("test done")
