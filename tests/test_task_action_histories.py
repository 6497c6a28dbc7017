"""Histories of the dashboard's task actions on a real dev server, kept as replay
fixtures (tests/test_replay.py replays every tests/histories/task_*.json):

  - task_cancelled.json: a task cancelled after its first reminders, recorded before
    the cancellation notice existed (no patch marker: nobody told);
  - task_cancelled__cancel-notice.json: the same with the patch: everyone reminded
    (and the unit) gets one ``cancelled`` notice, no link in it;
  - task_office_actions__cancel-notice.json: a deadline moved by a recorded decision,
    the lead unit reassigned, the link resent to the unit, then the completion
    recorded on paper by the office.

Each run is replayed against the current code before it is saved (first time only;
DONDOC_RECORD_HISTORIES=1 rewrites)."""
from __future__ import annotations

import asyncio
import os
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio.worker import Replayer, Worker

from activities.deliver import DeliveryActivities
from activities.tasks import TaskActivities
from config.loader import Config
from config.settings import load_settings
from contracts.tasks import CancelInput, TaskSpec, UpdateAnswer
from domain.calendar import VN_TZ, CalendarConfig
from domain.directory import Directory, Official, Unit
from domain.policy import LadderPolicy, Policies, Step
from services.tasks import start_or_amend
from store.db import session_scope
from store.models import Delivery, Event
from workflows.task import TaskWorkflow

HISTORIES = Path(__file__).resolve().parent / "histories"
WAIT_S = 30
DRILL = LadderPolicy(name="drill", unit="seconds", steps=(Step(-40), Step(-20), Step(0), Step(10, ("unit", "lead"))),
                     repeat_every=30, office_hours=False)


def make_config() -> Config:
    directory = Directory(
        units=(Unit("vhxh", "Phòng Văn hóa - Xã hội", targets=("outbox://unit",), lead_official="dien"),
               Unit("cong-an-dk", "Công an đặc khu", targets=("outbox://police",), lead_official="dien")),
        officials=(Official("dien", "Phan Viết Điện", targets=("outbox://lead",)),),
        supervisors=("outbox://bcd",), standing_office="vhxh")
    return Config(directory=directory, policies=Policies(once=DRILL), calendar=CalendarConfig(enabled=False),
                  schedules=())


@pytest.fixture
def settings(sqlite_url, tmp_path, monkeypatch, task_queue):
    monkeypatch.setenv("DONDOC_SECRET_KEY", "task-action-history-kkkkkkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    return load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                          "DONDOC_PUBLIC_URL": "http://dondoc.test", "DONDOC_TASK_QUEUE": task_queue})


def worker(env, settings, config) -> Worker:
    return Worker(env.client, task_queue=settings.task_queue, workflows=[TaskWorkflow],
                  activities=[*TaskActivities(settings.database_url, config).activities(),
                              DeliveryActivities(settings.database_url, settings, config=config).deliver],
                  graceful_shutdown_timeout=timedelta(seconds=10))


def deliveries(settings, task_id: str) -> list[tuple[str, str, str]]:
    with session_scope(settings.database_url) as session:
        rows = session.scalars(select(Delivery).where(Delivery.subject_id == task_id).order_by(Delivery.id))
        return [(r.step, r.recipient, r.status) for r in rows if r.is_message]


def events(settings, task_id: str) -> list[tuple[str, dict]]:
    with session_scope(settings.database_url) as session:
        rows = session.scalars(select(Event).where(Event.subject_id == task_id).order_by(Event.at, Event.id))
        return [(e.kind, dict(e.data or {})) for e in rows]


async def wait_for(predicate, seconds: float = 20):
    for _ in range(int(seconds * 10)):
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


async def update(handle, name: str, arg) -> UpdateAnswer:
    key = arg["key"] if isinstance(arg, dict) else arg.key
    return await asyncio.wait_for(handle.execute_update(name, arg, id=key, result_type=UpdateAnswer), WAIT_S)


async def save(handle, name: str) -> None:
    history = await handle.fetch_history()
    await Replayer(workflows=[TaskWorkflow]).replay_workflow(history)
    path = HISTORIES / f"task_{name}.json"
    if not path.exists() or os.environ.get("DONDOC_RECORD_HISTORIES"):
        path.write_text(history.to_json())


def spec(**kw) -> TaskSpec:
    kw.setdefault("id", f"task/actions/{uuid.uuid4().hex[:8]}")
    return TaskSpec(title="Báo cáo chuyển đổi số", lead_units=["vhxh"], deadline_kind="once", **kw)


async def test_cancelled_after_the_first_reminders(dev_env, settings):
    config = make_config()
    task = spec(due_at=datetime.now(timezone.utc) - timedelta(seconds=15))  # the unit and the lead at once
    async with worker(dev_env, settings, config):
        await start_or_amend(dev_env.client, settings, config, task)
        handle = dev_env.client.get_workflow_handle_for(TaskWorkflow.run, task.id)
        await wait_for(lambda: ("assigned", "dien", "sent") in deliveries(settings, task.id))
        arg = CancelInput(key="cancel-1", reason="Nhiệm vụ đã được thay thế", cancelled_by="vanphong")
        answer = await update(handle, "cancel", arg)
        assert answer.status == "cancelled"
        assert await update(handle, "cancel", arg) == answer
        result = await asyncio.wait_for(handle.result(), WAIT_S)
        assert result.status == "cancelled"
        await save(handle, os.environ.get("DONDOC_CANCEL_FIXTURE", "cancelled__cancel-notice"))
    sent = deliveries(settings, task.id)
    if os.environ.get("DONDOC_CANCEL_FIXTURE"):
        return  # recording the pre-patch fixture
    told = sorted(r for s, r, st in sent if s == "cancelled" and st == "sent")
    assert told == ["dien", "vhxh"], sent
    assert len(sent) == len(set(sent))
    kinds = [k for k, _ in events(settings, task.id)]
    assert kinds.count("task_cancelled") == 1


async def test_the_office_actions_on_one_task(dev_env, settings):
    """A deadline decided by a document, a reassignment, the link resent, then the
    completion recorded on paper: the history every dashboard action leaves."""
    config = make_config()
    task = spec(due_at=datetime.now(timezone.utc) + timedelta(seconds=30))  # the first reminder now
    new_due = (datetime.now(timezone.utc) + timedelta(days=40)).date().isoformat()
    today = datetime.now(timezone.utc).astimezone(VN_TZ).date().isoformat()
    async with worker(dev_env, settings, config):
        await start_or_amend(dev_env.client, settings, config, task)
        handle = dev_env.client.get_workflow_handle_for(TaskWorkflow.run, task.id)
        await wait_for(lambda: deliveries(settings, task.id))  # the "assigned" notice (its first step passed)
        decided = {"key": "deadline-1", "due": new_due, "actor": "vanphong", "reason": "Điều chỉnh thời hạn",
                   "decision_number": "45/QĐ-UBND", "decision_date": today, "decided_by": "Chủ tịch UBND"}
        assert (await update(handle, "amend", decided)).due == new_due
        moved = {"key": "reassign-1", "lead_units": ["cong-an-dk"], "actor": "vanphong", "reason": "Giao nhầm"}
        assert (await update(handle, "amend", moved)).message == "lead_units"
        resent = await update(handle, "resend_link", {"key": "resend-1", "actor": "vanphong"})
        assert resent.message == "resend-1"
        await wait_for(lambda: ("r2/resend-1", "cong-an-dk", "sent") in deliveries(settings, task.id))
        paper = {"key": "paper-1", "document_number": "125/BC-CA", "issued_on": today, "summary": "Đã xong",
                 "confirmed_by": "vanphong", "recorded_by": "vanphong"}
        assert (await update(handle, "confirm", paper)).status == "completed"
        await asyncio.wait_for(handle.result(), WAIT_S)
        await save(handle, "office_actions__cancel-notice")
    kinds = [k for k, _ in events(settings, task.id)]
    assert kinds.count("task_amended") == 2 and kinds.count("link_resent") == 1
    sent = deliveries(settings, task.id)
    assert len(sent) == len(set(sent))
    assert [r for s, r, _ in sent if s.endswith("resend-1")] == ["cong-an-dk"]


def test_the_cancel_fixtures_take_their_paths():
    """The fixture recorded before the patch has no marker and no notice; the patched one has both
    (the deliveries' results, recorded in the local activities' markers)."""
    from temporalio.client import WorkflowHistory

    from workflows.task import CANCEL_NOTICE

    def parts(name: str) -> tuple[set, set]:
        history = WorkflowHistory.from_json(name, (HISTORIES / f"task_{name}.json").read_text())
        patches, sent = set(), set()
        for e in history.events:
            if e.HasField("marker_recorded_event_attributes"):
                details = e.marker_recorded_event_attributes.details
                if "patch-data" in details:
                    patches.add(details["patch-data"].payloads[0].data.decode())
                if "result" in details and b"||cancelled|" in details["result"].payloads[0].data:
                    sent.add(details["result"].payloads[0].data.split(b"||cancelled|")[1].split(b'"')[0].decode())
        return patches, sent

    old_patches, old_sent = parts("cancelled")
    new_patches, new_sent = parts("cancelled__cancel-notice")
    assert not any(CANCEL_NOTICE in p for p in old_patches) and not old_sent
    assert any(CANCEL_NOTICE in p for p in new_patches) and new_sent == {"vhxh", "dien"}  # the unit, the lead
