"""Updates to the task workflow on a real dev server (Updates can hang on the
time-skipping server): confirm → closed and classified; the same key → the same
answer and nothing changes; extend; amend by re-import; cancel; validators refuse
bad input in Vietnamese and change nothing. Messages go through the real delivery
activity to outbox:// targets."""
from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from activities.deliver import DeliveryActivities
from activities.tasks import TaskActivities
from services.tasks import start_or_amend
from services.task_views import task_view
from domain.directory import Directory, Official, Unit
from config.loader import Config
from config.settings import load_settings
from domain.calendar import VN_TZ, CalendarConfig
from domain.policy import LadderPolicy, Policies, RecurringPolicy, Step
from store.db import session_scope
from store.models import Delivery, Event
from contracts.tasks import CancelInput, ConfirmInput, ExtendInput, TaskSpec, UpdateAnswer
from workflows.task import TaskWorkflow

WAIT_S = 30
DRILL = LadderPolicy(name="drill", unit="seconds", steps=(Step(-40), Step(-20), Step(0), Step(10, ("unit", "lead"))),
                     repeat_every=30, office_hours=False)


def make_config() -> Config:
    directory = Directory(
        units=(Unit("vhxh", "Phòng Văn hóa - Xã hội", targets=("outbox://unit",), lead_official="dien"),),
        officials=(Official("dien", "Phan Viết Điện", targets=("outbox://lead",)),),
        supervisors=("outbox://bcd",), standing_office="vhxh")
    return Config(directory=directory, policies=Policies(once=DRILL), calendar=CalendarConfig(enabled=False),
                  schedules=())


@pytest.fixture
def settings(sqlite_url, tmp_path, monkeypatch, task_queue):
    monkeypatch.setenv("DONDOC_SECRET_KEY", "task-update-secret-kkkkkkkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    return load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                          "DONDOC_PUBLIC_URL": "http://dondoc.test", "DONDOC_TASK_QUEUE": task_queue})


def worker(env, settings, config) -> Worker:
    # Like worker.py: a stopping worker lets a send in flight finish and report.
    return Worker(env.client, task_queue=settings.task_queue, workflows=[TaskWorkflow],
                  activities=[*TaskActivities(settings.database_url, config).activities(),
                              DeliveryActivities(settings.database_url, settings, config=config).deliver],
                  graceful_shutdown_timeout=timedelta(seconds=10))


def today_vn() -> str:
    return datetime.now(VN_TZ).date().isoformat()


def spec(**kw) -> TaskSpec:
    kw.setdefault("id", f"task/test/{uuid.uuid4().hex[:8]}")
    kw.setdefault("title", "Báo cáo chuyển đổi số")
    kw.setdefault("lead_units", ["vhxh"])
    kw.setdefault("deadline_kind", "once")
    return TaskSpec(**kw)


def evidence(key: str, **kw) -> ConfirmInput:
    args = dict(key=key, document_number="15/BC-VHXH", issued_on=today_vn(), summary="Đã hoàn thành",
                confirmed_by="vhxh")
    args.update(kw)
    return ConfirmInput(**args)


async def update(handle, name: str, arg, key: str | None = None) -> UpdateAnswer:
    return await asyncio.wait_for(
        handle.execute_update(name, arg, id=key or arg.key, result_type=UpdateAnswer), WAIT_S)


def deliveries(settings, task_id: str) -> list[tuple[str, str, str]]:
    with session_scope(settings.database_url) as session:
        rows = session.scalars(select(Delivery).where(Delivery.subject_id == task_id).order_by(Delivery.id))
        return [(r.step, r.recipient, r.status) for r in rows if r.is_message]


async def wait_for(predicate, seconds: float = 20):
    for _ in range(int(seconds * 10)):
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


async def test_confirm_closes_and_classifies_once(dev_env, settings):
    config = make_config()
    task = spec(due_at=datetime.now(timezone.utc) + timedelta(days=30))  # weeks ahead: early
    async with worker(dev_env, settings, config):
        outcome = await start_or_amend(dev_env.client, settings, config, task)
        assert outcome.started
        again = await start_or_amend(dev_env.client, settings, config, task)
        assert not again.started and not again.amended  # a re-import starts nothing twice
        handle = dev_env.client.get_workflow_handle_for(TaskWorkflow.run, task.id)
        answer = await update(handle, "confirm", evidence("k1"))
        assert (answer.status, answer.result, answer.first, answer.completed_on) == ("completed", "early", True, today_vn())
        assert answer.evidence["document_number"] == "15/BC-VHXH"
        result = await handle.result()
        assert (result.status, result.result) == ("completed", "early")
        # A one-off closes at once: a late repeat finds it closed (the link page then
        # shows the store's record, web/routes_links.call_update -> "closed").
        with pytest.raises(RPCError) as closed:
            await update(handle, "confirm", evidence("k2", document_number="99/BC"))
        assert closed.value.status == RPCStatusCode.NOT_FOUND
    view = task_view(settings.database_url, task.id)
    assert (view["status"], view["result"], view["evidence"]["document_number"]) == ("completed", "early", "15/BC-VHXH")
    assert deliveries(settings, task.id) == []  # confirmed before any reminder: nobody to tell


async def test_the_same_confirmation_gets_the_same_answer_across_cycles(dev_env, settings):
    """A recurring task stays open after a report, so repeats reach it: the same key
    gets the same answer (kept across continue-as-new), other evidence for the
    reported cycle is a second submission that changes nothing."""
    cycles = RecurringPolicy(name="drill-cycles", unit="seconds", cycle_seconds=600,
                             steps=(Step(-500, ("unit",)),), office_hours=False)
    config = replace(make_config(), policies=Policies(once=DRILL, recurring=cycles))
    task = spec(deadline_kind="recurring", every="month")
    async with worker(dev_env, settings, config):
        await start_or_amend(dev_env.client, settings, config, task)
        handle = dev_env.client.get_workflow_handle_for(TaskWorkflow.run, task.id)
        answer = await update(handle, "confirm", evidence("k1", cycle="c1"))
        assert (answer.cycle, answer.first, answer.evidence["document_number"]) == ("c1", True, "15/BC-VHXH")
        await wait_for_async(lambda: handle.query(TaskWorkflow.status), lambda s: s.cycle.period == "c2")
        assert await update(handle, "confirm", evidence("k1", cycle="c1")) == answer
        second = await update(handle, "confirm", evidence("k2", cycle="c1", document_number="99/BC"))
        assert (second.cycle, second.first, second.evidence["document_number"]) == ("c1", False, "15/BC-VHXH")
        now = await handle.query(TaskWorkflow.status)
        assert [(c.period, c.status, c.evidence["document_number"]) for c in now.recent_cycles] == [
            ("c1", "reported", "15/BC-VHXH")]
        await handle.terminate("test over")


async def test_confirm_after_reminders_tells_everyone_reminded(dev_env, settings):
    config = make_config()
    task = spec(due_at=datetime.now(timezone.utc) - timedelta(seconds=15))  # already past: +10 s level
    async with worker(dev_env, settings, config):
        await start_or_amend(dev_env.client, settings, config, task)
        handle = dev_env.client.get_workflow_handle_for(TaskWorkflow.run, task.id)
        await wait_for(lambda: ("assigned", "dien", "sent") in deliveries(settings, task.id))
        answer = await update(handle, "confirm", evidence("late-1"))
        # Past the exact due instant (a drill deadline): late, even on the same day.
        assert (answer.status, answer.result) == ("completed", "late")
        await handle.result()
    sent = deliveries(settings, task.id)
    assert ("completed", "vhxh", "sent") in sent and ("completed", "dien", "sent") in sent
    assert len(sent) == len(set(sent))


async def test_extend_replans_and_tells_the_unit(dev_env, settings):
    config = make_config()
    due_at = datetime.now(timezone.utc) + timedelta(days=10)
    task = spec(due_at=due_at)
    async with worker(dev_env, settings, config):
        await start_or_amend(dev_env.client, settings, config, task)
        handle = dev_env.client.get_workflow_handle_for(TaskWorkflow.run, task.id)
        new_due = (due_at + timedelta(days=20)).astimezone(VN_TZ).date().isoformat()
        arg = ExtendInput(key="ext-1", new_due=new_due, reason="Chờ số liệu", approved_by="Phan Viết Điện")
        answer = await update(handle, "extend", arg)
        assert (answer.action, answer.due, answer.status) == ("extend", new_due, "open")
        assert await update(handle, "extend", arg) == answer
        await wait_for(lambda: ("amended-1", "vhxh", "sent") in deliveries(settings, task.id))
        await asyncio.sleep(0.5)
        status = await handle.query(TaskWorkflow.status)
        assert status.due == new_due and status.revision == 1
        assert status.next_step == "before-40"  # replanned against the new deadline
        with pytest.raises(WorkflowUpdateFailedError) as err:  # not after the current deadline
            await update(handle, "extend", ExtendInput(key="ext-2", new_due=new_due, reason="x", approved_by="y"))
        assert "phải sau thời hạn hiện tại" in str(err.value.cause)
        await handle.terminate("test over")


async def test_reimport_amends_a_running_task(dev_env, settings):
    config = make_config()
    task = spec(due_at=datetime.now(timezone.utc) + timedelta(days=10))
    async with worker(dev_env, settings, config):
        await start_or_amend(dev_env.client, settings, config, task)
        changed = TaskSpec(**{**task.__dict__, "title": "Báo cáo chuyển đổi số (sửa)"})
        outcome = await start_or_amend(dev_env.client, settings, config, changed)
        assert outcome.amended and not outcome.started
        handle = dev_env.client.get_workflow_handle_for(TaskWorkflow.run, task.id)
        assert (await handle.query(TaskWorkflow.status)).title == "Báo cáo chuyển đổi số (sửa)"
        assert (await start_or_amend(dev_env.client, settings, config, changed)).amended is False
        await handle.terminate("test over")
    with session_scope(settings.database_url) as session:
        kinds = [e.kind for e in session.scalars(select(Event).where(Event.subject_id == task.id))]
    assert kinds.count("task_amended") == 1


async def test_cancel_ends_the_task(dev_env, settings):
    config = make_config()
    task = spec(due_at=datetime.now(timezone.utc) + timedelta(days=10))
    async with worker(dev_env, settings, config):
        await start_or_amend(dev_env.client, settings, config, task)
        handle = dev_env.client.get_workflow_handle_for(TaskWorkflow.run, task.id)
        with pytest.raises(WorkflowUpdateFailedError):
            await update(handle, "cancel", CancelInput(key="c1", reason=" "))
        answer = await update(handle, "cancel", CancelInput(key="c1", reason="Nhiệm vụ trùng", cancelled_by="admin"))
        assert answer.status == "cancelled"
        result = await handle.result()
        assert result.status == "cancelled"
    assert task_view(settings.database_url, task.id)["status"] == "cancelled"


async def test_validators_refuse_bad_input_and_change_nothing(dev_env, settings):
    config = make_config()
    task = spec(due_at=datetime.now(timezone.utc) + timedelta(days=10))
    async with worker(dev_env, settings, config):
        await start_or_amend(dev_env.client, settings, config, task)
        handle = dev_env.client.get_workflow_handle_for(TaskWorkflow.run, task.id)
        bad = [
            evidence("b1", document_number=" "),
            evidence("b2", summary=""),
            evidence("b3", issued_on="31/12/2026"),
            evidence("b4", issued_on="2099-01-01"),
            evidence("", ),
            evidence("b5", link="ftp://x"),
            evidence("b6", cycle="2026-05"),
        ]
        for arg in bad:
            with pytest.raises(WorkflowUpdateFailedError) as err:
                await update(handle, "confirm", arg, key=arg.key or "empty-key")
            assert err.value.cause is not None and str(err.value.cause)
        assert "Nhập số, ký hiệu văn bản" in await _message(handle, evidence("b7", document_number=""))
        status = await handle.query(TaskWorkflow.status)
        assert (status.status, status.result) == ("open", None)
        # A refused key is not remembered: the same key with good evidence counts.
        answer = await update(handle, "confirm", evidence("b1"))
        assert answer.status == "completed"
        await handle.result()


async def _message(handle, arg) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await update(handle, "confirm", arg)
    return str(err.value.cause)


# -- the command line --------------------------------------------------------------------

async def test_cli_task_add_show_list(dev_env, settings, monkeypatch, capsys, tmp_path):
    """`task add` (through the worker that `./dondoc up` runs), then `task show --json`
    and `task list --json` from the store."""
    import json

    from cli.main import build_parser
    from cli.task import build_spec
    from config.loader import load_config
    from worker import build_worker

    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DONDOC_TASK_QUEUE", settings.task_queue)
    config = load_config(None)
    parser = build_parser()
    args = parser.parse_args(["task", "add", "--title", "Báo cáo quý", "--unit", "Phòng Văn hóa - Xã hội",
                              "--deadline", "Quý IV/2030", "--json"])
    async with build_worker(dev_env.client, settings, config):
        spec = build_spec(config, args.title, args.unit, args.official, args.due, args.deadline)
        assert (spec.lead_units, spec.due, spec.deadline_kind) == (["vhxh"], "2030-12-31", "once")
        outcome = await add_task_on(dev_env.client, settings, config, spec)
        assert outcome.started
        timed = build_spec(config, "Diễn tập", ["vhxh"], "Phan Viết Điện", "2030-06-30T17:00", None)
        assert timed.due_at == datetime(2030, 6, 30, 10, 0, tzinfo=timezone.utc) and timed.due == "2030-06-30"
        handle = dev_env.client.get_workflow_handle_for(TaskWorkflow.run, spec.id)
        # A task of years: first asked for progress halfway (domain/checkin.py), then the ladder.
        await wait_for_async(lambda: handle.query(TaskWorkflow.status), lambda s: s.next_step == "checkin")
        await handle.terminate("test over")
    capsys.readouterr()
    show = parser.parse_args(["task", "show", spec.id, "--json"])
    assert show.func(show) == 0
    view = json.loads(capsys.readouterr().out)
    assert set(view) >= {"id", "title", "status", "result", "deadline", "level", "cycles", "notifications"}
    assert (view["id"], view["status"], view["result"], view["level"]) == (spec.id, "open", None, 0)
    assert view["deadline"]["due"] == "2030-12-31" and view["cycles"] == [] and view["notifications"] == []
    listing = parser.parse_args(["task", "list", "--json"])
    assert listing.func(listing) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [spec.id]


async def add_task_on(client, settings, config, spec):
    from services.tasks import start_or_amend

    return await start_or_amend(client, settings, config, spec)


async def wait_for_async(get, predicate, seconds: float = 20):
    for _ in range(int(seconds * 10)):
        if predicate(await get()):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


async def sends_recorded(handle) -> int:
    """How many sends the workflow's history shows as done: local "deliver" or
    "task_step" activities (markers; a step's sends are one task_step since patch
    step-in-one) or, in histories from before the local sends, scheduled ones."""
    events = (await handle.fetch_history()).events
    local = sum(1 for e in events if e.HasField("marker_recorded_event_attributes")
                and e.marker_recorded_event_attributes.marker_name == "core_local_activity"
                and any(f'"activity_type":"{name}"'.encode()
                        in e.marker_recorded_event_attributes.details["data"].payloads[0].data
                        for name in ("deliver", "task_step")))
    sends = {e.event_id for e in events if e.HasField("activity_task_scheduled_event_attributes")
             and e.activity_task_scheduled_event_attributes.activity_type.name == "deliver"}
    return local + sum(1 for e in events if e.HasField("activity_task_completed_event_attributes")
                       and e.activity_task_completed_event_attributes.scheduled_event_id in sends)


# -- durability: the worker away while steps fall due -------------------------------------

async def test_steps_due_while_the_worker_is_away_go_out_once_on_return(dev_env, settings):
    policy = LadderPolicy(name="short", unit="seconds", steps=(Step(-2), Step(0), Step(2, ("unit", "lead"))),
                          repeat_every=0, office_hours=False)
    config = Config(directory=make_config().directory, policies=Policies(once=policy),
                    calendar=CalendarConfig(enabled=False), schedules=())
    task = spec(due_at=datetime.now(timezone.utc) + timedelta(seconds=4))
    async with worker(dev_env, settings, config):
        await start_or_amend(dev_env.client, settings, config, task)
        await wait_for(lambda: ("before-2", "vhxh", "sent") in deliveries(settings, task.id))
        # The row is written before the activity reports: stop only once the
        # workflow has recorded the send, so the outage starts after "before-2".
        handle = dev_env.client.get_workflow_handle_for(TaskWorkflow.run, task.id)
        await wait_for_async(lambda: sends_recorded(handle), lambda n: n >= 1)
    await asyncio.sleep(6)  # "due" and "after-2" fall due with no worker
    assert [d[0] for d in deliveries(settings, task.id)] == ["before-2"]
    async with worker(dev_env, settings, config):
        await wait_for(lambda: ("after-2", "dien", "sent") in deliveries(settings, task.id))
        handle = dev_env.client.get_workflow_handle_for(TaskWorkflow.run, task.id)
        await update(handle, "confirm", evidence("after-outage"))
        await handle.result()
    sent = deliveries(settings, task.id)
    assert len(sent) == len(set(sent))
    # Steps in order; one step's recipients are sent in parallel, in any order.
    assert [s[0] for s in sent if s[0] != "completed"] == ["before-2", "due", "after-2", "after-2"]
    assert {s for s in sent if s[0] != "completed"} == {
        ("before-2", "vhxh", "sent"), ("due", "vhxh", "sent"), ("after-2", "vhxh", "sent"), ("after-2", "dien", "sent")}
