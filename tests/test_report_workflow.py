"""The report workflow and its Schedule on the real dev server: the schedule is created
once and left alone on a second start; the workflow skips non-working days, archives
the report, sends the short version with the signed link to Zalo and the full report
by email, and the link opens the page (a forged one does not)."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from peers import fake_smtp, fake_zalo  # noqa: F401 (fixtures)
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.testclient import TestClient
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, Worker

from activities.deliver import DeliveryActivities
from activities.reports import ReportActivities, report_link
from config.loader import ReportSchedule, load_config
from config.settings import load_settings
from domain.calendar import CalendarConfig
from store.db import session_scope
from store.models import Report, ZaloLink
from tests.test_report_seed import insert_seed_plan
from domain.links import make_link, token_from_url
from store.links import resolve
from web.routes_report import routes
from workflows.report import WORKFLOW_NAME, ReportInput, ReportOutcome, ReportWorkflow
from services.people import add_person
from services.schedules import PREFIX, ensure_schedules, sync_schedules

VN = timezone(timedelta(hours=7))
A = datetime(2026, 4, 15, 16, 0, tzinfo=VN)       # Wednesday
HOLIDAY = datetime(2026, 4, 27, 16, 0, tzinfo=VN)  # Giỗ Tổ Hùng Vương (observed)
SECRET = "report-test-secret-" + "k" * 32
TOKEN = "111111:drilltoken"
HISTORIES = Path(__file__).resolve().parent / "histories"


@pytest.fixture
def settings(sqlite_url, tmp_path, monkeypatch, task_queue):
    monkeypatch.setenv("DONDOC_SECRET_KEY", SECRET)
    return load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_PUBLIC_URL": "http://dondoc.test",
                          "DONDOC_DATABASE_URL": sqlite_url, "DONDOC_TASK_QUEUE": task_queue})


@pytest.fixture
def drill(fake_smtp, monkeypatch):  # noqa: F811
    """The drill configuration with the real working calendar (so holidays count)."""
    monkeypatch.setenv("DRILL_SMTP_PORT", str(fake_smtp.port))
    config = load_config("config/examples/drill.toml")
    return dataclasses.replace(config, calendar=CalendarConfig())


# -- the schedule ------------------------------------------------------------------

async def test_schedule_created_once_then_left_alone(dev_env, settings):
    client = dev_env.client
    config = load_config()
    sid = PREFIX + "daily"
    try:
        assert await ensure_schedules(client, settings, config) == [sid]
        handle = client.get_schedule_handle(sid)
        first = await handle.describe()
        assert first.schedule.spec.time_zone_name == "Asia/Ho_Chi_Minh"
        assert first.schedule.action.workflow == WORKFLOW_NAME
        assert first.schedule.action.task_queue == settings.task_queue
        # every next firing is at 16:00 in Vietnam
        nexts = first.info.next_action_times
        assert nexts and all(t.astimezone(VN).hour == 16 and t.astimezone(VN).minute == 0 for t in nexts)

        # A second start: nothing changes, not even the schedule's update time.
        assert await sync_schedules(client, settings, config) == {sid: "unchanged"}
        second = await handle.describe()
        assert second.info.last_updated_at == first.info.last_updated_at
        assert second.info.created_at == first.info.created_at

        # The configuration changes: updated in place, pause kept.
        await handle.pause(note="tạm dừng để thử")
        changed = dataclasses.replace(config, schedules=(ReportSchedule("daily", "30 15 * * 1-5"),))
        assert await sync_schedules(client, settings, changed) == {sid: "updated"}
        third = await handle.describe()
        assert third.schedule.state.paused
        assert all(t.astimezone(VN).hour == 15 and t.astimezone(VN).minute == 30
                   for t in third.info.next_action_times)
        assert await sync_schedules(client, settings, changed) == {sid: "unchanged"}

        # Gone from the configuration: deleted.
        none = dataclasses.replace(config, schedules=())
        assert (await sync_schedules(client, settings, none)).get(sid) == "deleted"
    finally:
        try:
            await client.get_schedule_handle(sid).delete()
        except Exception:
            pass


async def test_schedule_runs_the_report_workflow(dev_env, settings, monkeypatch):
    """Triggered, the schedule starts the report workflow, which reports as of its
    scheduled time and sends to the supervisors (outbox:// in the default config)."""
    monkeypatch.setenv("DONDOC_DATABASE_URL", settings.database_url)
    insert_seed_plan(settings.database_url)
    client = dev_env.client
    config = dataclasses.replace(load_config(), calendar=CalendarConfig(enabled=False))
    sid = PREFIX + "daily"
    acts = ReportActivities(settings, config)
    delivery = DeliveryActivities(settings.database_url, settings, max_attempts=2, config=config)
    try:
        await ensure_schedules(client, settings, config)
        async with Worker(client, task_queue=settings.task_queue, workflows=[ReportWorkflow],
                          activities=[*acts.activities(), delivery.deliver]):
            handle = client.get_schedule_handle(sid)
            await handle.trigger()
            for _ in range(100):
                desc = await handle.describe()
                if desc.info.recent_actions:
                    break
                await asyncio.sleep(0.1)
            run = desc.info.recent_actions[-1]
            wf = client.get_workflow_handle(run.action.workflow_id, run_id=run.action.first_execution_run_id)
            outcome = await wf.result()
        assert outcome["id"] and not outcome["skipped"]
        as_of = datetime.fromisoformat(outcome["as_of"])
        assert abs(as_of - run.scheduled_at) < timedelta(seconds=1)
        assert [d["status"] for d in outcome["deliveries"]] == ["sent"]
        with session_scope(settings.database_url) as s:
            assert s.scalar(select(func.count()).select_from(Report)) == 1
    finally:
        await client.get_schedule_handle(sid).delete()


# -- the workflow -------------------------------------------------------------------

async def run_report(env, settings, config, as_of: datetime, history: str | None = None, **kw) -> ReportOutcome:
    acts = ReportActivities(settings, config)
    delivery = DeliveryActivities(settings.database_url, settings, max_attempts=2, config=config)
    async with Worker(env.client, task_queue=settings.task_queue, workflows=[ReportWorkflow],
                      activities=[*acts.activities(), delivery.deliver]):
        handle = await env.client.start_workflow(
            WORKFLOW_NAME, ReportInput(as_of=as_of.isoformat(), **kw), id=f"report/test/{uuid.uuid4().hex[:8]}",
            task_queue=settings.task_queue, result_type=ReportOutcome, execution_timeout=timedelta(seconds=90))
        outcome = await handle.result()
    if history:
        await save_history(handle, history)
    return outcome


async def save_history(handle, name: str) -> None:
    """Replay this run against the current code, and keep it as a fixture (first time only)."""
    history = await handle.fetch_history()
    await Replayer(workflows=[ReportWorkflow]).replay_workflow(history)
    HISTORIES.mkdir(exist_ok=True)
    path = HISTORIES / f"report_{name}.json"
    if not path.exists() or os.environ.get("DONDOC_RECORD_HISTORIES"):
        path.write_text(history.to_json())


def reports_count(url: str) -> int:
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(Report))


async def test_report_sent_to_zalo_and_email_with_link(dev_env, settings, drill, fake_zalo, fake_smtp):  # noqa: F811
    insert_seed_plan(settings.database_url)
    out = await run_report(dev_env, settings, drill, A, history="sent__keys-only")
    assert not out.skipped and out.id and out.totals["overdue"] == 6
    assert out.url.startswith("http://dondoc.test/r/")
    assert {(d["group"], d["status"], d["channel"]) for d in out.deliveries} == {("chat", "sent", "zalo"),
                                                                                ("email", "sent", "email")}
    # Zalo: the short version, under 2,000 characters, with the very link printed by --send
    [z] = [m for m in fake_zalo.messages if m.chat_id == "bcd-chat"]
    assert len(z.text) < 2000 and out.url in z.text
    assert "Quá hạn chưa hoàn thành: 6" in z.text
    # Email: the full report (every overdue task listed), with the same link
    [mail] = fake_smtp.wait_for(1)
    assert "bcd@drill.local" in mail.recipients
    for n in (21, 23, 35, 42, 47, 49):
        assert f"Nhiệm vụ số {n}" in mail.html
    assert out.url in mail.html
    # The link opens the full report page
    claims = resolve(settings.database_url, settings.link_key, token_from_url(out.url), datetime.now(timezone.utc))
    assert (claims.subject_id, claims.purpose) == (f"report/{out.id}", "report")
    with TestClient(Starlette(routes=routes(settings, drill))) as web:
        page = web.get("/r/" + token_from_url(out.url))
        assert page.status_code == 200 and '<html lang="vi">' in page.text
        for n in (21, 23, 35, 42, 47, 49):
            assert f"Nhiệm vụ số {n}" in page.text

    # The same report run again (a retry, a double click): same row, nothing sent twice.
    again = await run_report(dev_env, settings, drill, A)
    assert again.id == out.id and reports_count(settings.database_url) == 1
    assert all(d["status"] == "sent" for d in again.deliveries)
    assert len([m for m in fake_zalo.messages if m.chat_id == "bcd-chat"]) == 1
    assert len(fake_smtp.messages) == 1


async def test_registered_supervisor_gets_the_report_on_own_channels(dev_env, settings, drill, fake_zalo,  # noqa: F811
                                                                    fake_smtp):  # noqa: F811
    """A person registered with the supervisor role receives the report beside the
    supervisors' group: the short text in their own Zalo chat, the full report at their
    email, each with a link of their own (domain.recipients, the one rule)."""
    insert_seed_plan(settings.database_url)
    person = add_person(settings.database_url, "Lê Thị Giám", [], role="supervisor", email="giam@drill.local",
                        directory=drill.directory)
    with session_scope(settings.database_url) as s:
        s.add(ZaloLink(person_id=person, chat_id="giam-chat", display_name="Giám"))
    out = await run_report(dev_env, settings, drill, A)
    key = f"person:{person}"
    assert {(d["recipient"], d["group"], d["status"]) for d in out.deliveries} == {
        ("supervisors", "chat", "sent"), ("supervisors", "email", "sent"), (key, "chat", "sent"),
        (key, "email", "sent")}
    [z] = [m for m in fake_zalo.messages if m.chat_id == "giam-chat"]
    assert "Quá hạn chưa hoàn thành: 6" in z.text and len(z.text) < 2000
    mails = fake_smtp.wait_for(2)
    [mine] = [m for m in mails if "giam@drill.local" in m.recipients]
    assert "Nhiệm vụ số 21" in mine.html
    link = next(w for w in z.text.split() if w.startswith("http://dondoc.test/r/"))
    claims = resolve(settings.database_url, settings.link_key, token_from_url(link), datetime.now(timezone.utc))
    assert (claims.subject_id, claims.recipient) == (f"report/{out.id}", key)
    assert claims.expires_at - A > timedelta(days=drill.links.days("report") - 1)


async def test_nothing_sent_on_a_holiday(dev_env, settings, drill, fake_zalo, fake_smtp):  # noqa: F811
    insert_seed_plan(settings.database_url)
    out = await run_report(dev_env, settings, drill, HOLIDAY, history="holiday_skipped")
    assert out.skipped and out.reason == "non-working day"
    assert reports_count(settings.database_url) == 0 and fake_zalo.messages == [] and fake_smtp.messages == []
    # Asked for by hand (--send), the working-day rule does not apply.
    out = await run_report(dev_env, settings, drill, HOLIDAY, working_days_only=False)
    assert not out.skipped and out.id


async def test_failed_zalo_is_reported_not_dropped(dev_env, settings, drill, fake_zalo, fake_smtp):  # noqa: F811
    insert_seed_plan(settings.database_url)
    fake_zalo.fail_chat("bcd-chat", status=400)
    out = await run_report(dev_env, settings, drill, A, history="zalo_failed__keys-only")
    chat = next(d for d in out.deliveries if d["group"] == "chat")
    assert chat["status"] == "failed"
    assert next(d for d in out.deliveries if d["group"] == "email")["status"] == "sent"
    # ...and the next report lists the failure
    from store.report_loading import daily_data

    later = daily_data(settings.database_url, drill, datetime.now(timezone.utc) + timedelta(minutes=1))
    assert any(f["subject_id"] == f"report/{out.id}" for f in later["failed_deliveries"])


# -- the page ------------------------------------------------------------------------

def test_report_page_refuses_forged_and_foreign_links(settings, drill):
    insert_seed_plan(settings.database_url)
    from activities.reports import archive
    from store.report_loading import daily_data

    days = drill.links.days("report")
    rid, url, _ = archive(settings.database_url, "daily", A, daily_data(settings.database_url, drill, A),
                          settings=settings, link_days=days)
    with session_scope(settings.database_url) as s:
        created = s.get(Report, rid).created_at
    assert url == report_link(settings, rid, A, days, created)
    token = token_from_url(url)
    with TestClient(Starlette(routes=routes(settings, drill))) as web:
        assert web.get(f"/r/{token}").status_code == 200
        # one character changed in the signature (not the last: its low bits may be padding)
        forged = token[:-6] + ("A" if token[-6] != "A" else "Q") + token[-5:]
        r = web.get(f"/r/{forged}")
        assert r.status_code == 403 and "không hợp lệ" in r.text and "Nhiệm vụ số" not in r.text
        # signed with another key
        other = make_link("another-key", "http://dondoc.test", f"report/{rid}", "", "supervisors", "report",
                          expires_at=datetime.now(timezone.utc) + timedelta(days=1))
        assert web.get("/r/" + token_from_url(other)).status_code == 403
        # a confirmation link of ours pasted under /r/
        confirm = make_link(SECRET, "http://dondoc.test", f"report/{rid}", "", "supervisors", "confirm",
                            expires_at=datetime.now(timezone.utc) + timedelta(days=1))
        assert web.get("/r/" + token_from_url(confirm)).status_code == 403
        # expired
        old = make_link(SECRET, "http://dondoc.test", f"report/{rid}", "", "supervisors", "report",
                        expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
        assert web.get("/r/" + token_from_url(old)).status_code == 410
        # cut short
        assert web.get(f"/r/{token[:10]}").status_code in (400, 403)
        # a report that does not exist
        missing = make_link(SECRET, "http://dondoc.test", "report/999", "", "supervisors", "report",
                            expires_at=datetime.now(timezone.utc) + timedelta(days=1))
        assert web.get("/r/" + token_from_url(missing)).status_code == 404
        # GET only
        assert web.post(f"/r/{token}").status_code == 405


# -- replay of the saved fixtures ----------------------------------------------------

async def test_saved_report_histories_replay():
    files = sorted(HISTORIES.glob("report_*.json"))
    assert files, "no report history fixtures saved yet (the tests of this file save them)"
    replayer = Replayer(workflows=[ReportWorkflow])
    for path in files:
        await replayer.replay_workflow(WorkflowHistory.from_json(path.stem, json.loads(path.read_text())))
