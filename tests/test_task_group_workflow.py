"""The parent task workflow on the time-skipping server: its children are rows of the real
store (the parent reads them; children signal nothing), its messages go through the real
step activity to outbox:// targets, its records through the real projection.

A group task due Friday 28/06/2030 with three member units: on Monday 01/07 (after-1)
the lead official alone gets ONE message naming the three overdue units; two complete
(one early, one late); on Wednesday 03/07 (after-3) the lead official and the
supervisors get one message each naming only the third; when the third completes the
parent completes at its next read, late (the worst), and those it escalated to are told
once. The run is replayed and kept as tests/histories/group_once_rollup.json.
"""
from __future__ import annotations

import asyncio
import os
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.deliver import DeliveryActivities
from activities.task_group import GroupActivities
from activities.tasks import TaskActivities
from config.binaries import temporal_test_server
from config.loader import Config
from config.settings import load_settings
from contracts.tasks import TaskSpec
from domain.calendar import VN_TZ, CalendarConfig
from domain.directory import Directory, Official, Unit, UnitGroup
from domain.policy import Policies
from services.task_groups import start_parent
from services.task_views import task_view
from store.db import session_scope
from store.models import Delivery, Event, OutboxMessage, Task
from workflows.task import TaskWorkflow
from workflows.task_group import ParentTaskWorkflow

HISTORIES = Path(__file__).resolve().parent / "histories"


def directory() -> Directory:
    units = tuple(Unit(f"xa-{c}", f"UBND xã {c.upper()}", targets=(f"outbox://xa-{c}",), lead_official="dien")
                  for c in "abc")
    return Directory(units=units + (Unit("vp", "Văn phòng", targets=("outbox://vp",)),),
                     officials=(Official("dien", "Phan Viết Điện", "Chủ tịch", units=("xa-a", "xa-b", "xa-c"),
                                         targets=("outbox://lead",)),),
                     supervisors=("outbox://bcd",), standing_office="vp",
                     groups=(UnitGroup("xa", "Các xã, phường, đặc khu", ("UBND các xã, phường, đặc khu",),
                                       ("xa-a", "xa-b", "xa-c")),))


def vn(y, m, d, hh=8, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ).astimezone(timezone.utc)


@pytest_asyncio.fixture
async def env():
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=temporal_test_server())
    yield env
    await env.shutdown()


@pytest.fixture
def settings(sqlite_url, tmp_path, monkeypatch, task_queue):
    monkeypatch.setenv("DONDOC_SECRET_KEY", "group-test-secret-kkkkkkkkkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    return load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                          "DONDOC_PUBLIC_URL": "http://dondoc.test", "DONDOC_TASK_QUEUE": task_queue})


def worker(env, settings, config) -> Worker:
    delivery = DeliveryActivities(settings.database_url, settings, config=config)
    tasks = TaskActivities(settings.database_url, config, delivery=delivery)
    groups = GroupActivities(settings.database_url, config, delivery=delivery)
    return Worker(env.client, task_queue=settings.task_queue, workflows=[TaskWorkflow, ParentTaskWorkflow],
                  activities=[*tasks.activities(), *groups.activities(), delivery.deliver])


def add_children(url: str, parent_id: str, due: date) -> None:
    with session_scope(url) as session:
        for c in "abc":
            session.add(Task(id=f"{parent_id}/xa-{c}", parent_id=parent_id, title="Rà soát thủ tục hành chính",
                             lead_units=[f"xa-{c}"], deadline_kind="once", due=due))


def complete(url: str, task_id: str, result: str, on: date) -> None:
    with session_scope(url) as session:
        row = session.get(Task, task_id)
        row.status, row.result, row.completed_on = "completed", result, on


def messages(url: str, task_id: str) -> list[tuple[str, str]]:
    with session_scope(url) as session:
        rows = session.scalars(select(Delivery).where(Delivery.subject_id == task_id).order_by(Delivery.id))
        return [(r.step, r.recipient) for r in rows if r.is_message and r.status == "sent"]


def texts(url: str, recipient: str) -> list[str]:
    with session_scope(url) as session:
        return [m.body for m in session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == recipient)
                                                .order_by(OutboxMessage.id))]


# On the time-skipping server days pass in seconds; a wait past this means time stopped
# moving (an activity that never ends holds it): fail and say so, do not hang the suite.
SKIP_WAIT_S = 90


async def jump(env, moment: datetime) -> None:
    now = await env.get_current_time()
    assert moment > now
    try:
        await asyncio.wait_for(env.sleep(moment - now), SKIP_WAIT_S)
    except asyncio.TimeoutError:
        raise AssertionError(f"time did not reach {moment} within {SKIP_WAIT_S} s (stuck at "
                             f"{await env.get_current_time()})") from None


async def result_of(handle):
    try:
        return await asyncio.wait_for(handle.result(), SKIP_WAIT_S)
    except asyncio.TimeoutError:
        raise AssertionError(f"{handle.id} did not end within {SKIP_WAIT_S} s") from None


async def test_one_escalation_per_step_names_the_overdue_units_then_the_parent_completes_late(env, settings):
    config = Config(directory=directory(), policies=Policies(), calendar=CalendarConfig(), schedules=())
    url, parent_id = settings.database_url, "task/group-test/7"
    spec = TaskSpec(id=parent_id, title="Rà soát thủ tục hành chính", lead_units=["xa"], plan="Kế hoạch thử",
                    stt="7", deadline_kind="once", due="2030-06-28")
    async with worker(env, settings, config):
        await jump(env, vn(2030, 6, 20, 9))
        add_children(url, parent_id, date(2030, 6, 28))
        started = await start_parent(env.client, settings, config, spec, 10.0)
        assert started.started and started.parent
        handle = env.client.get_workflow_handle(parent_id)

        await jump(env, vn(2030, 7, 1, 9))        # after-1: the lead official, once
        assert messages(url, parent_id) == [("after-1", "dien")]
        first = texts(url, "lead")[0]
        assert all(f"UBND xã {c}" in first for c in "ABC") and "đã hoàn thành 0/3 đơn vị" in first

        complete(url, f"{parent_id}/xa-a", "early", date(2030, 6, 25))
        complete(url, f"{parent_id}/xa-b", "late", date(2030, 7, 2))
        await jump(env, vn(2030, 7, 3, 9))        # after-3: the lead official and the supervisors
        # The two sends of one step run side by side: their order is not the point.
        assert sorted(messages(url, parent_id)[1:]) == [("after-3", "dien"), ("after-3", "supervisors")]
        for name in ("lead", "bcd"):
            latest = texts(url, name)[-1]
            assert "UBND xã C" in latest and "UBND xã A" not in latest and "UBND xã B" not in latest
            assert "đã hoàn thành 2/3 đơn vị" in latest

        complete(url, f"{parent_id}/xa-c", "late", date(2030, 7, 3))
        await jump(env, vn(2030, 7, 3, 11))       # the next read (an hour at most)
        result = await result_of(handle)
        assert (result["status"], result["result"]) == ("completed", "late")
        assert result["rollup"] == {"total": 3, "completed": 3, "on_time": 1, "late": 2, "open": 0, "overdue": 0}
        done = [m for m in messages(url, parent_id) if m[0] == "completed"]
        assert sorted(done) == [("completed", "dien"), ("completed", "supervisors")]
        assert "CÁC ĐƠN VỊ ĐÃ HOÀN THÀNH NHIỆM VỤ" in texts(url, "lead")[-1]

        view = task_view(url, parent_id)
        assert (view["status"], view["result"], view["level"]) == ("completed", "late", 2)
        assert view["rollup"] == {"total": 3, "completed": 3, "on_time": 1, "late": 2, "open": 0, "overdue": 0}
        assert [(c["unit"], c["status"], c["result"]) for c in view["children"]] == [
            ("xa-a", "completed", "early"), ("xa-b", "completed", "late"), ("xa-c", "completed", "late")]
        with session_scope(url) as session:
            kinds = [e.kind for e in session.scalars(select(Event).where(Event.subject_id == parent_id))]
        assert kinds.count("task_step") == 2 and kinds.count("task_completed") == 1
        history = await handle.fetch_history()
    await Replayer(workflows=[ParentTaskWorkflow]).replay_workflow(history)
    path = HISTORIES / "group_once_rollup.json"
    if not path.exists() or os.environ.get("DONDOC_RECORD_HISTORIES"):
        path.write_text(history.to_json())
    assert WorkflowHistory.from_json("x", path.read_text()).events


async def test_nothing_overdue_nothing_sent(env, settings):
    """Every unit done before the first step: the parent completes, nobody upstairs hears of it."""
    config = Config(directory=directory(), policies=Policies(), calendar=CalendarConfig(), schedules=())
    url, parent_id = settings.database_url, "task/group-test/8"
    spec = TaskSpec(id=parent_id, title="Báo cáo sơ kết", lead_units=["xa"], deadline_kind="once", due="2030-06-28")
    async with worker(env, settings, config):
        await jump(env, vn(2030, 6, 20, 9))
        add_children(url, parent_id, date(2030, 6, 28))
        await start_parent(env.client, settings, config, spec, 10.0)
        for c in "abc":
            complete(url, f"{parent_id}/xa-{c}", "on_time", date(2030, 6, 24))
        await jump(env, vn(2030, 6, 24, 12))
        result = await result_of(env.client.get_workflow_handle(parent_id))
        assert (result["status"], result["result"]) == ("completed", "on_time")
        assert messages(url, parent_id) == []
    assert task_view(url, parent_id)["rollup"]["completed"] == 3


def add_recurring_children(url: str, parent_id: str, period: str, due: date) -> None:
    from store.models import Cycle

    with session_scope(url) as session:
        for c in "ab":
            child = f"{parent_id}/xa-{c}"
            session.add(Task(id=child, parent_id=parent_id, title="Báo cáo tháng", lead_units=[f"xa-{c}"],
                             deadline_kind="recurring", every="month"))
            session.add(Cycle(task_id=child, period=period, due=due, status="open"))


def report(url: str, task_id: str, period: str, on: date, result: str) -> None:
    from store.models import Cycle

    with session_scope(url) as session:
        cycle = session.scalar(select(Cycle).where(Cycle.task_id == task_id, Cycle.period == period))
        cycle.status, cycle.result, cycle.reported_on = "reported", result, on


async def test_a_recurring_group_task_closes_each_period_from_its_units_reports(env, settings):
    """Monthly: June's report is due Friday 28/06/2030; on Monday 01/07 the lead official hears
    of both communes at once; when both have reported (one late) June closes as late for the
    group and July opens. The first run is kept as tests/histories/group_recurring_period.json."""
    from store.models import Cycle

    config = Config(directory=directory(), policies=Policies(), calendar=CalendarConfig(), schedules=())
    url, parent_id = settings.database_url, "task/group-test/9"
    spec = TaskSpec(id=parent_id, title="Báo cáo tháng về chuyển đổi số", lead_units=["xa"], deadline_kind="recurring",
                    every="month")
    async with worker(env, settings, config):
        await jump(env, vn(2030, 6, 20, 9))
        add_recurring_children(url, parent_id, "2030-06", date(2030, 6, 28))
        assert (await start_parent(env.client, settings, config, spec, 10.0)).started
        handle = env.client.get_workflow_handle(parent_id)
        first_run = (await handle.describe()).run_id
        await jump(env, vn(2030, 7, 1, 9))
        assert messages(url, parent_id) == [("after-1", "dien")]
        assert all(f"UBND xã {c}" in texts(url, "lead")[0] for c in "AB") and "tháng 06/2030" in texts(url, "lead")[0]
        report(url, f"{parent_id}/xa-a", "2030-06", date(2030, 6, 27), "on_time")
        report(url, f"{parent_id}/xa-b", "2030-06", date(2030, 7, 1), "late")
        await jump(env, vn(2030, 7, 1, 11))
        with session_scope(url) as session:
            cycles = {c.period: (c.status, c.result) for c in session.scalars(select(Cycle).where(
                Cycle.task_id == parent_id))}
        assert cycles["2030-06"] == ("reported", "late") and cycles.get("2030-07") == ("open", None)
        assert ("completed", "dien") in messages(url, parent_id)
        history = await env.client.get_workflow_handle(parent_id, run_id=first_run).fetch_history()
    await Replayer(workflows=[ParentTaskWorkflow]).replay_workflow(history)
    path = HISTORIES / "group_recurring_period.json"
    if not path.exists() or os.environ.get("DONDOC_RECORD_HISTORIES"):
        path.write_text(history.to_json())
