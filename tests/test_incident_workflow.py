"""The incident workflow on the time-skipping server: the 24-hour window in real
hours, reminders, escalation, late detection, reports at 3 h / 23 h 59 / 30 h and
a report landing while an escalation is being sent. Messages go through the real
delivery activity to outbox:// targets (stored in the test database), so the
delivery log is the one operators read. Each test's history is replayed against
the current code (and the saved fixtures in tests/histories/ are replayed too).
"""
from __future__ import annotations

import asyncio
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.worker import Replayer, Worker

from activities.deliver import DeliverRequest, DeliverResult, DeliveryActivities
from activities.incidents import IncidentActivities
from services.incident_views import incident_view, list_incidents
from services.incidents import open_incident, report_incident
from domain.directory import Directory, Official, Unit
from config.loader import Config
from config.settings import load_settings
from domain.calendar import CalendarConfig
from domain.policy import IncidentPolicy, Policies
from store.db import session_scope
from store.models import Delivery, Event, Incident
from workflows.incident import (
    IncidentReport, IncidentStatus, IncidentWorkflow, classify, plan_steps, validate_report,
)

HISTORIES = Path(__file__).resolve().parent / "histories"
H = 3600
UPDATE_WAIT_S = 30  # an update that has not answered by then has hung: fail, do not block the suite


def directory() -> Directory:
    return Directory(
        units=(Unit("cong-an-dk", "Công an đặc khu", targets=("outbox://police",), lead_official="dien"),
               Unit("vhxh", "Phòng Văn hóa - Xã hội", targets=("outbox://office",), lead_official="dien")),
        officials=(Official("dien", "Phan Viết Điện", "Chủ tịch UBND đặc khu", units=("cong-an-dk", "vhxh"),
                            targets=("outbox://lead",)),),
        supervisors=("outbox://bcd",), supervisors_name="Ban Chỉ đạo", standing_office="vhxh")


def make_config(policy: IncidentPolicy | None = None) -> Config:
    return Config(directory=directory(), policies=Policies(incident=policy or IncidentPolicy()),
                  calendar=CalendarConfig(enabled=False), schedules=())


@pytest.fixture
def setup(sqlite_url, tmp_path, monkeypatch, task_queue):
    monkeypatch.setenv("DONDOC_SECRET_KEY", "incident-test-secret-kkkkkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)  # where outbox:// stores messages
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_PUBLIC_URL": "http://dondoc.test", "DONDOC_TASK_QUEUE": task_queue})
    return settings


class Harness:
    def __init__(self, env, settings, config, deliver_cls=DeliveryActivities):
        self.env, self.settings, self.config = env, settings, config
        self.incidents = IncidentActivities(settings.database_url, config)
        self.delivery = deliver_cls(settings.database_url, settings, config=config)

    def worker(self) -> Worker:
        return Worker(self.env.client, task_queue=self.settings.task_queue, workflows=[IncidentWorkflow],
                      activities=[self.incidents.recipients, self.incidents.record, self.delivery.deliver])

    async def open(self, detected_ago: float = 0, **kw) -> WorkflowHandle:
        now = await self.env.get_current_time()
        opened = await open_incident(self.env.client, self.settings, self.config, unit=kw.pop("unit", "Công an đặc khu"),
                                     title=kw.pop("title", "Tấn công mã độc vào cổng thông tin"),
                                     detected_at=now - timedelta(seconds=detected_ago), now=now, **kw)
        return self.env.client.get_workflow_handle_for(IncidentWorkflow.run, opened.id)

    def sent(self, incident_id: str) -> list[tuple[str, str, str]]:
        """(step, recipient, status) of each delivery, in order."""
        with session_scope(self.settings.database_url) as session:
            rows = session.scalars(select(Delivery).where(Delivery.subject_id == incident_id)
                                   .order_by(Delivery.id)).all()
            return [(r.step, r.recipient, r.status) for r in rows if r.is_message]

    def row(self, incident_id: str) -> Incident:
        with session_scope(self.settings.database_url) as session:
            return session.get(Incident, incident_id)


def report(key: str = "r1", **kw) -> IncidentReport:
    args = dict(key=key, number="12/BC-CA", issued_on=datetime.now(timezone.utc).date().isoformat(),
                summary="Đã khắc phục, cô lập máy chủ bị nhiễm", followed_coordination=True, reporter="cong-an-dk")
    args.update(kw)
    return IncidentReport(**args)


async def advance(env, seconds: float) -> None:
    await env.sleep(timedelta(seconds=seconds))


async def update(handle: WorkflowHandle, rep: IncidentReport, env=None):
    # Issued on the workflow's own Vietnamese day, so validation never depends on the wall clock.
    if env is not None:
        now = await env.get_current_time()
        rep.issued_on = now.astimezone(timezone(timedelta(hours=7))).date().isoformat()
    return await asyncio.wait_for(report_incident(handle._client, handle.id, rep), UPDATE_WAIT_S)


async def save_history(handle: WorkflowHandle, name: str) -> None:
    """Replay this run against the current code, and keep it as a fixture (first time only)."""
    history = await handle.fetch_history()
    await Replayer(workflows=[IncidentWorkflow]).replay_workflow(history)
    HISTORIES.mkdir(exist_ok=True)
    path = HISTORIES / f"incident_{name}.json"
    if not path.exists() or os.environ.get("DONDOC_RECORD_HISTORIES"):
        path.write_text(history.to_json())


# -- pure planning -------------------------------------------------------------------

def test_plan_from_detection():
    t0 = datetime(2026, 6, 1, 1, 0, tzinfo=timezone.utc)
    steps = plan_steps(t0, t0, IncidentPolicy())
    assert [(s.name, (s.at - t0).total_seconds() / H, s.levels) for s in steps] == [
        ("alert", 0, ["unit"]), ("remind-1", 12, ["unit"]), ("remind-2", 20, ["unit"]),
        ("escalate-1", 24, ["unit", "lead", "supervisors"])]


def test_plan_entered_late_keeps_only_steps_ahead():
    t0 = datetime(2026, 6, 1, 1, 0, tzinfo=timezone.utc)
    steps = plan_steps(t0, t0 + timedelta(hours=15), IncidentPolicy())
    assert [s.name for s in steps] == ["alert", "remind-2", "escalate-1"]
    late = plan_steps(t0, t0 + timedelta(hours=25), IncidentPolicy())
    assert [(s.name, s.at) for s in late] == [("escalate-1", t0 + timedelta(hours=25))]


def test_classification_at_the_edge():
    t0 = datetime(2026, 6, 1, 1, 0, tzinfo=timezone.utc)
    due = t0 + timedelta(hours=24)
    assert classify(due - timedelta(minutes=1), due) == "on_time"
    assert classify(due, due) == "on_time"
    assert classify(due + timedelta(seconds=1), due) == "late"


def test_report_validation_in_vietnamese():
    t0 = datetime(2026, 6, 1, 1, 0, tzinfo=timezone.utc)
    assert validate_report(report(issued_on="2026-06-01"), t0, t0) == []
    # The same rule as the report page's: a day typed 01/06/2026 is read as such.
    errors = validate_report(report(number=" ", summary="", issued_on="01/06/2026"), t0, t0)
    assert len(errors) == 2 and any("số, ký hiệu" in e for e in errors)
    assert len(validate_report(report(number=" ", summary="", issued_on="1 tháng 6"), t0, t0)) == 3
    assert validate_report(report(issued_on="2026-05-30"), t0, t0)  # before the detection day
    assert validate_report(report(issued_on="2026-06-10"), t0, t0)  # in the future


# -- on the time-skipping server --------------------------------------------------------

async def test_report_at_3_hours_is_on_time_and_escalates_to_nobody(skipping_env, setup):
    h = Harness(skipping_env, setup, make_config())
    async with h.worker():
        handle = await h.open()
        await advance(skipping_env, 3 * H)
        outcome = await update(handle, report(), skipping_env)
        status: IncidentStatus = await handle.result()
        await save_history(handle, "report_at_3h")
    assert (outcome.result, outcome.first) == ("on_time", True)
    assert abs((outcome.reported_at - status.detected_at).total_seconds() - 3 * H) < 60
    assert status.steps_sent == ["alert"] and status.status == "reported"
    assert h.sent(handle.id) == [("alert", "cong-an-dk", "sent"), ("reported", "cong-an-dk", "sent")]
    row = h.row(handle.id)
    assert (row.status, row.result, row.report["number"]) == ("reported", "on_time", "12/BC-CA")


async def test_report_at_23h59_is_on_time_after_both_reminders(skipping_env, setup):
    h = Harness(skipping_env, setup, make_config())
    async with h.worker():
        handle = await h.open()
        await advance(skipping_env, 23 * H + 59 * 60)
        mid = await handle.query(IncidentWorkflow.status)
        assert (mid.status, mid.result, mid.late, mid.next_step) == ("open", None, False, "escalate-1")
        outcome = await update(handle, report(), skipping_env)
        status = await handle.result()
        await save_history(handle, "report_at_23h59")
    assert outcome.result == "on_time"
    assert status.steps_sent == ["alert", "remind-1", "remind-2"]
    assert h.sent(handle.id) == [("alert", "cong-an-dk", "sent"), ("remind-1", "cong-an-dk", "sent"),
                                 ("remind-2", "cong-an-dk", "sent"), ("reported", "cong-an-dk", "sent")]


async def test_report_at_30_hours_is_late_after_escalations(skipping_env, setup):
    h = Harness(skipping_env, setup, make_config())
    async with h.worker():
        handle = await h.open()
        await advance(skipping_env, 25 * H)
        mid = await handle.query(IncidentWorkflow.status)
        assert (mid.status, mid.result, mid.late) == ("open", "late", True)
        row = h.row(handle.id)
        assert (row.status, row.result) == ("open", "late")  # marked late in the store at 24 h
        await advance(skipping_env, 5 * H)
        outcome = await update(handle, report(), skipping_env)
        again = await update(handle, report(key="r2", number="99/XX"), skipping_env)
        status = await handle.result()
        await save_history(handle, "report_at_30h")
    assert outcome.result == "late" and outcome.first
    assert (again.first, again.report.number) == (False, "12/BC-CA")  # a second report changes nothing
    assert status.steps_sent == ["alert", "remind-1", "remind-2", "escalate-1", "escalate-2"]
    sent = h.sent(handle.id)
    assert sorted(s for s in sent if s[0] == "escalate-1") == [
        ("escalate-1", "cong-an-dk", "sent"), ("escalate-1", "dien", "sent"), ("escalate-1", "supervisors", "sent")]
    assert sorted(r for step, r, _ in sent if step == "reported") == ["cong-an-dk", "dien", "supervisors"]
    assert not any(step == "escalate-3" for step, _, _ in sent)
    view = incident_view(h.settings.database_url, h.config, handle.id)
    assert (view["status"], view["result"]) == ("reported", "late")
    assert {n["step"] for n in view["notifications"]} >= {"alert", "escalate-1", "escalate-2", "reported"}


async def test_detection_entered_late_escalates_at_once(skipping_env, setup):
    h = Harness(skipping_env, setup, make_config())
    async with h.worker():
        handle = await h.open(detected_ago=30 * H, title="Lộ lọt dữ liệu phát hiện muộn")
        await advance(skipping_env, 60)
        mid = await handle.query(IncidentWorkflow.status)
        assert (mid.late, mid.result, mid.steps_sent) == (True, "late", ["escalate-1"])
        assert h.row(handle.id).result == "late"
        listed = list_incidents(h.settings.database_url, h.config, now=await skipping_env.get_current_time())
        assert listed[0]["id"] == handle.id and listed[0]["seconds_overdue"] >= 6 * H
        # The next escalation comes repeat_seconds after the first, not a burst of missed ones.
        await advance(skipping_env, 4 * H)
        mid = await handle.query(IncidentWorkflow.status)
        assert mid.steps_sent == ["escalate-1", "escalate-2"]
        outcome = await update(handle, report(), skipping_env)
        await handle.result()
        await save_history(handle, "detected_late")
    assert outcome.result == "late"
    assert sorted(s for s in h.sent(handle.id) if s[0] == "escalate-1") == [
        ("escalate-1", "cong-an-dk", "sent"), ("escalate-1", "dien", "sent"), ("escalate-1", "supervisors", "sent")]


async def test_detection_some_hours_ago_skips_past_reminders(skipping_env, setup):
    h = Harness(skipping_env, setup, make_config())
    async with h.worker():
        handle = await h.open(detected_ago=15 * H)
        await advance(skipping_env, 5 * H + 60)   # 20 h after detection
        mid = await handle.query(IncidentWorkflow.status)
        assert mid.steps_sent == ["alert", "remind-2"] and not mid.late
        outcome = await update(handle, report(), skipping_env)
        await handle.result()
    assert outcome.result == "on_time"
    assert [s[0] for s in h.sent(handle.id)] == ["alert", "remind-2", "reported"]


class GatedDelivery(DeliveryActivities):
    """The real delivery, held at the supervisors' first escalation until released."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    @activity.defn(name="deliver")
    async def deliver(self, req: DeliverRequest) -> DeliverResult:
        if req.step == "escalate-1" and req.recipient.level == "supervisors":
            self.entered.set()
            await self.release.wait()
        return await super().deliver(req)


async def test_report_arriving_during_an_escalation_send(skipping_env, setup):
    h = Harness(skipping_env, setup, make_config(), deliver_cls=GatedDelivery)
    async with h.worker():
        handle = await h.open()
        clock = asyncio.create_task(advance(skipping_env, 26 * H))
        await asyncio.wait_for(h.delivery.entered.wait(), 60)
        outcome = await update(handle, report(), skipping_env)
        assert outcome.result == "late"  # the window had closed when the report came
        mid = await handle.query(IncidentWorkflow.status)
        assert mid.status == "reported" and mid.steps_sent == ["alert", "remind-1", "remind-2"]
        h.delivery.release.set()
        status = await asyncio.wait_for(handle.result(), 60)
        clock.cancel()
        await save_history(handle, "report_during_escalation")
    # The escalation in flight completed; everyone it reached is told of the report; nothing more.
    assert status.steps_sent == ["alert", "remind-1", "remind-2", "escalate-1"]
    sent = h.sent(handle.id)
    assert sorted(r for step, r, _ in sent if step == "escalate-1") == ["cong-an-dk", "dien", "supervisors"]
    assert sorted(r for step, r, _ in sent if step == "reported") == ["cong-an-dk", "dien", "supervisors"]
    assert not any(step == "escalate-2" for step, _, _ in sent)
    with session_scope(h.settings.database_url) as session:
        kinds = [e.kind for e in session.scalars(select(Event).where(Event.subject_id == handle.id)
                                                   .order_by(Event.id))]
    assert kinds[0] == "incident_opened" and kinds[-1] == "incident_reported" and "incident_late" in kinds


async def test_invalid_report_is_refused_and_changes_nothing(skipping_env, setup):
    from services.incidents import ReportRejected

    h = Harness(skipping_env, setup, make_config())
    async with h.worker():
        handle = await h.open()
        with pytest.raises(ReportRejected, match="số, ký hiệu"):
            await update(handle, report(number=""), skipping_env)
        mid = await handle.query(IncidentWorkflow.status)
        assert mid.status == "open"
        await update(handle, report(), skipping_env)
        await handle.result()


# -- replay of the saved fixtures -------------------------------------------------------

async def test_saved_incident_histories_replay():
    from temporalio.client import WorkflowHistory

    files = sorted(HISTORIES.glob("incident_*.json"))
    assert files, "no incident history fixtures saved yet (the tests above save them)"
    replayer = Replayer(workflows=[IncidentWorkflow])
    for path in files:
        history = WorkflowHistory.from_json(path.stem, json.loads(path.read_text()))
        await replayer.replay_workflow(history)


async def test_an_unreported_incident_continues_as_new_and_keeps_counting(skipping_env, setup):
    """60 escalations in one run, then a new run carrying the state: the numbering,
    who was alerted and the lateness go on; nothing is sent twice."""
    policy = IncidentPolicy(window_seconds=60, reminders_seconds=(), escalate_to=(), repeat_seconds=60)
    h = Harness(skipping_env, setup, make_config(policy))
    async with h.worker():
        handle = await h.open()
        first_run = (await handle.describe()).run_id
        await advance(skipping_env, 63 * 60 + 30)
        mid = await handle.query(IncidentWorkflow.status)
        assert (await handle.describe()).run_id != first_run
        assert mid.late and mid.steps_sent[:2] == ["alert", "escalate-1"]
        assert mid.steps_sent[-1] == f"escalate-{len(mid.steps_sent) - 1}" and len(mid.steps_sent) >= 62
        outcome = await update(handle, report(), skipping_env)
        status = await handle.result()
    assert outcome.result == "late" and status.status == "reported"
    steps = [s[0] for s in h.sent(handle.id)]
    assert len(steps) == len(set(steps))  # one recipient (the unit): one delivery per step
    assert steps[-1] == "reported"


def test_cli_show_and_list_read_the_store(sqlite_url, tmp_path):
    """`dondoc incident show/list --json` as a subprocess: the store only, no Temporal needed."""
    import subprocess
    import sys

    from services.incident_views import reserve_incident

    t0 = datetime.now(timezone.utc) - timedelta(hours=30)
    incident_id = reserve_incident(sqlite_url, "cong-an-dk", "Mã độc", "cao", t0, t0 + timedelta(hours=24))
    env = dict(os.environ, DONDOC_DATABASE_URL=sqlite_url, DONDOC_DATA_DIR=str(tmp_path),
               DONDOC_CONFIG=str(Path(__file__).resolve().parents[1] / "config" / "examples" / "drill.toml"))

    def dondoc(*args):
        return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, env=env,
                              cwd=Path(__file__).resolve().parents[1], timeout=60)

    shown = dondoc("incident", "show", incident_id.split("/")[1], "--json")
    assert shown.returncode == 0, shown.stderr
    view = json.loads(shown.stdout)
    assert {k: view[k] for k in ("id", "unit", "title", "status", "result", "notifications")} == {
        "id": incident_id, "unit": "Công an đặc khu", "title": "Mã độc", "status": "open", "result": "late",
        "notifications": []}
    assert datetime.fromisoformat(view["due"]) - datetime.fromisoformat(view["detected_at"]) == timedelta(hours=24)
    listed = dondoc("incident", "list", "--json")
    assert listed.returncode == 0 and [v["id"] for v in json.loads(listed.stdout)] == [incident_id]
    assert "QUÁ HẠN" in dondoc("incident", "list").stdout
    missing = dondoc("incident", "show", "999", "--json")
    assert missing.returncode == 1 and "Không có sự cố" in missing.stderr
    bad = dondoc("incident", "open", "--unit", "Không có", "--title", "x")
    assert bad.returncode == 2 and "Không tìm thấy đơn vị" in bad.stderr


async def test_a_number_temporal_already_holds_is_skipped(skipping_env, setup, tmp_path):
    """A database restored from an old backup (here: a second, empty database on the same
    server) numbers from 1 again; the number a workflow already has in Temporal, open or
    closed, is skipped, so two incidents never share one workflow's history."""
    h = Harness(skipping_env, setup, make_config())
    async with h.worker():
        first = await h.open()
        url_b = f"sqlite:///{tmp_path / 'restored.db'}"
        from store.db import make_engine
        from store.models import Base

        Base.metadata.create_all(make_engine(url_b))
        restored = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": url_b,
                                  "DONDOC_TASK_QUEUE": setup.task_queue})
        now = await skipping_env.get_current_time()
        second = await open_incident(skipping_env.client, restored, h.config, unit="vhxh", title="Lộ dữ liệu",
                                     detected_at=now, now=now)
        with session_scope(url_b) as session:
            kept = [row.id for row in session.scalars(select(Incident))]
    assert first.id != second.id and kept == [second.id]
    assert int(second.id.split("/")[1]) > int(first.id.split("/")[1])
    described = await skipping_env.client.get_workflow_handle(second.id).describe()
    assert described.task_queue == setup.task_queue
