"""The task workflow on the time-skipping server, with the real delivery activity
sending to outbox:// targets (stored in the test database) and the real store
projection. Each test gets its own time-skipping server and first jumps its
clock to a fixed moment in 2030, so the exact send times in Vietnamese local time
can be asserted (holidays from the `holidays` package: Tết 2030 is 31/01–06/02).

Each run's history is replayed against the current code and saved once as a
fixture in tests/histories/ (DONDOC_RECORD_HISTORIES=1 rewrites them);
tests/test_replay.py replays the committed fixtures.
"""
from __future__ import annotations

import asyncio
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.deliver import DeliveryActivities
from activities.tasks import TaskActivities
from services.tasks import start_or_amend
from services.task_views import task_view
from config.binaries import temporal_test_server
from domain.directory import Directory, Official, Unit
from config.loader import Config
from config.settings import load_settings
from domain.calendar import VN_TZ, CalendarConfig
from domain.policy import LadderPolicy, Policies, RecurringPolicy, Step
from store.db import session_scope
from store.models import Cycle, Delivery, Event, Task
from contracts.tasks import ConfirmInput, TaskSpec, UpdateAnswer
from workflows.task import BEGIN_IN_ONE, TaskWorkflow

HISTORIES = Path(__file__).resolve().parent / "histories"
UPDATE_WAIT_S = 30


def directory() -> Directory:
    return Directory(
        units=(Unit("vhxh", "Phòng Văn hóa - Xã hội", targets=("outbox://unit",), lead_official="dien"),
               Unit("cong-an-dk", "Công an đặc khu", targets=("outbox://police",), lead_official="dien")),
        officials=(Official("dien", "Phan Viết Điện", "Chủ tịch UBND đặc khu", units=("vhxh", "cong-an-dk"),
                            targets=("outbox://lead",)),),
        supervisors=("outbox://bcd",), supervisors_name="Ban Chỉ đạo", standing_office="vhxh")


def make_config(**policies) -> Config:
    return Config(directory=directory(), policies=Policies(**policies), calendar=CalendarConfig(), schedules=())


def vn(y, m, d, hh=8, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ).astimezone(timezone.utc)


def local(moment: datetime | str) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(VN_TZ).strftime("%Y-%m-%d %H:%M")


@pytest_asyncio.fixture
async def env():
    """A fresh time-skipping server per test: each test moves its clock to 2030."""
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=temporal_test_server())
    yield env
    await env.shutdown()


@pytest.fixture
def settings(sqlite_url, tmp_path, monkeypatch, task_queue):
    monkeypatch.setenv("DONDOC_SECRET_KEY", "task-test-secret-kkkkkkkkkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)  # where outbox:// stores messages
    return load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                          "DONDOC_PUBLIC_URL": "http://dondoc.test", "DONDOC_TASK_QUEUE": task_queue})


class Harness:
    def __init__(self, env, settings, config):
        self.env, self.settings, self.config = env, settings, config
        self.delivery = DeliveryActivities(settings.database_url, settings, config=config)
        self.tasks = TaskActivities(settings.database_url, config, delivery=self.delivery)

    def worker(self) -> Worker:
        return Worker(self.env.client, task_queue=self.settings.task_queue, workflows=[TaskWorkflow],
                      activities=[*self.tasks.activities(), self.delivery.deliver])

    async def jump_to(self, moment: datetime) -> None:
        now = await self.env.get_current_time()
        assert moment > now, "the test server's clock is past the scenario; move the scenario later"
        await self.env.sleep(moment - now)

    async def start(self, task_id: str, **spec) -> WorkflowHandle:
        spec.setdefault("title", "Xây dựng kế hoạch chuyển đổi số")
        spec.setdefault("lead_units", ["vhxh"])
        outcome = await start_or_amend(self.env.client, self.settings, self.config, TaskSpec(id=task_id, **spec))
        assert outcome.started, outcome.note
        return self.env.client.get_workflow_handle(task_id)

    def steps(self, task_id: str) -> list[tuple[str, str, tuple[str, ...]]]:
        """(step, local send time, levels) of each step recorded, in order."""
        with session_scope(self.settings.database_url) as session:
            rows = session.scalars(select(Event).where(Event.subject_id == task_id, Event.kind == "task_step")
                                   .order_by(Event.at, Event.id)).all()
            return [(e.data["step"], local(e.data["at"]), tuple(e.data["levels"])) for e in rows]

    def sent(self, task_id: str) -> list[tuple[str, str, str, str]]:
        with session_scope(self.settings.database_url) as session:
            rows = session.scalars(select(Delivery).where(Delivery.subject_id == task_id).order_by(Delivery.id)).all()
            return [(r.cycle, r.step, r.recipient, r.status) for r in rows if r.is_message]


async def save_history(handle: WorkflowHandle, name: str, run_id: str | None = None) -> None:
    """Replay the run against the current code; keep it as a fixture (first time only)."""
    history = await (handle if run_id is None else handle._client.get_workflow_handle(
        handle.id, run_id=run_id)).fetch_history()
    await Replayer(workflows=[TaskWorkflow]).replay_workflow(history)
    HISTORIES.mkdir(exist_ok=True)
    # Named for the newest patch the code makes: fixtures of older code stay beside
    # them, so both the old and the patched paths keep replaying.
    path = HISTORIES / f"task_{name}__{BEGIN_IN_ONE}.json"
    if not path.exists() or os.environ.get("DONDOC_RECORD_HISTORIES"):
        path.write_text(history.to_json())


async def confirm(handle: WorkflowHandle, key: str, cycle: str = "", issued_on: str = "2030-01-01") -> UpdateAnswer:
    arg = ConfirmInput(key=key, document_number="15/BC-VHXH", issued_on=issued_on,
                       summary="Báo cáo kết quả thực hiện", confirmed_by="vhxh", cycle=cycle)
    return await asyncio.wait_for(handle.execute_update("confirm", arg, id=key, result_type=UpdateAnswer),
                                  UPDATE_WAIT_S)


U, UL, ULS = ("unit",), ("unit", "lead"), ("unit", "lead", "supervisors")


# -- a quarter deadline, every step to the supervisors -------------------------------------

async def test_quarter_deadline_walks_every_step_to_the_supervisors(env, settings):
    h = Harness(env, settings, make_config())
    await h.jump_to(vn(2030, 9, 10, 10))
    task_id = "task/quy-3/1"
    async with h.worker():
        handle = await h.start(task_id, deadline_raw="Quý III/2030", deadline_kind="once", due="2030-09-30")
        await h.jump_to(vn(2030, 10, 10, 12))
        assert h.steps(task_id) == [
            ("before-7", "2030-09-19 08:00", U),
            ("before-3", "2030-09-25 08:00", U),
            ("before-1", "2030-09-27 08:00", U),
            ("due", "2030-09-30 08:00", U),
            ("after-1", "2030-10-01 08:00", UL),
            ("after-3", "2030-10-03 08:00", ULS),
            ("repeat-1", "2030-10-10 08:00", ULS),
        ]
        sent = h.sent(task_id)
        assert ("", "after-3", "supervisors", "sent") in sent and ("", "after-1", "dien", "sent") in sent
        assert len(sent) == len(set(sent)) == 4 + 2 + 3 + 3
        status = await handle.query(TaskWorkflow.status)
        assert status.level == 2 and status.next_step == "repeat-2"
        view = task_view(settings.database_url, task_id)
        assert (view["status"], view["level"], view["result"]) == ("open", 2, None)
        await save_history(handle, "once_overdue")
        await handle.terminate("test over")


# -- deferred out of Tết and out of the night -------------------------------------------

async def test_notices_deferred_out_of_tet_and_out_of_the_night(env, settings):
    h = Harness(env, settings, make_config())
    await h.jump_to(vn(2030, 2, 3, 15))  # mùng hai Tết, 15:00
    async with h.worker():
        tet = await h.start("task/tet/1", deadline_kind="once", due="2030-02-14")
        await h.jump_to(vn(2030, 2, 7, 21, 30))  # the first working day after Tết, at night
        night = await h.start("task/night/1", deadline_kind="once", due="2030-02-12")
        await h.jump_to(vn(2030, 2, 11, 12))
        assert h.steps("task/tet/1") == [("assigned", "2030-02-07 08:00", U), ("before-3", "2030-02-11 08:00", U)]
        assert h.steps("task/night/1") == [("assigned", "2030-02-08 08:00", U), ("before-1", "2030-02-11 08:00", U)]
        for handle in (tet, night):
            await handle.terminate("test over")


# -- already overdue when assigned ----------------------------------------------------------

async def test_assigned_overdue_tells_unit_and_lead_then_supervisors_after_the_calm(env, settings):
    """A plan imported mid-year: the unit and the lead official hear first; the
    supervisors only once the calm period (3 working days by default) has passed."""
    h = Harness(env, settings, make_config())
    await h.jump_to(vn(2030, 10, 2, 10))
    async with h.worker():
        handle = await h.start("task/late/1", deadline_kind="once", due="2030-09-30")
        await h.jump_to(vn(2030, 10, 3, 12))
        assert h.steps("task/late/1") == [("assigned", "2030-10-02 10:00", UL), ("after-3", "2030-10-03 08:00", UL)]
        assert ("", "assigned", "dien", "sent") in h.sent("task/late/1")
        assert (await handle.query(TaskWorkflow.status)).level == 1
        await h.jump_to(vn(2030, 10, 10, 12))
        assert h.steps("task/late/1")[-1] == ("repeat-1", "2030-10-10 08:00", ULS)
        assert (await handle.query(TaskWorkflow.status)).level == 2
        await handle.terminate("test over")


async def test_without_calm_an_overdue_assignment_starts_at_the_level_its_lateness_earns(env, settings):
    h = Harness(env, settings, make_config(once=LadderPolicy(calm_start=0)))
    await h.jump_to(vn(2030, 10, 2, 10))
    async with h.worker():
        handle = await h.start("task/late/2", deadline_kind="once", due="2030-09-30")
        await h.jump_to(vn(2030, 10, 3, 12))
        assert h.steps("task/late/2") == [("assigned", "2030-10-02 10:00", UL), ("after-3", "2030-10-03 08:00", ULS)]
        assert (await handle.query(TaskWorkflow.status)).level == 2
        await handle.terminate("test over")


# -- drill: seconds -------------------------------------------------------------------------

DRILL_ONCE = LadderPolicy(
    name="drill", unit="seconds",
    steps=(Step(-40), Step(-20), Step(0), Step(10, UL), Step(20, ULS)), repeat_every=30, office_hours=False)


async def test_drill_task_in_seconds_then_confirmed_late(env, settings):
    config = Config(directory=directory(), policies=Policies(once=DRILL_ONCE),
                    calendar=CalendarConfig(enabled=False), schedules=())
    h = Harness(env, settings, config)
    t0 = vn(2030, 3, 1, 9)
    await h.jump_to(t0)
    async with h.worker():
        handle = await h.start("task/drill/1", deadline_kind="once", due="2030-03-01",
                               due_at=t0 + timedelta(seconds=60))
        await env.sleep(timedelta(seconds=85))
        offsets = [int((datetime.fromisoformat(e[1].replace(" ", "T")).replace(tzinfo=VN_TZ) - t0).total_seconds())
                   for e in h.steps("task/drill/1")]
        assert [s[0] for s in h.steps("task/drill/1")] == ["before-40", "before-20", "due", "after-10", "after-20"]
        assert offsets == [0, 0, 60, 60, 60]  # minute precision of local(): 09:00 and 09:01
        answer = await confirm(handle, "c1", issued_on="2030-03-01")
        assert (answer.status, answer.result, answer.first) == ("completed", "late", True)
        again = await confirm(handle, "c1", issued_on="2030-03-01")
        assert again == answer
        await handle.result()
        sent = h.sent("task/drill/1")
        completed = sorted(r for c, s, r, st in sent if s == "completed")
        assert completed == ["dien", "supervisors", "vhxh"]
        view = task_view(settings.database_url, "task/drill/1")
        assert (view["status"], view["result"]) == ("completed", "late")
        await save_history(handle, "drill_confirmed")


# -- a recurring task through a year of monthly cycles ------------------------------------

async def test_recurring_task_through_a_year_of_cycles(env, settings):
    h = Harness(env, settings, make_config())
    task_id = "task/thuong-xuyen/1"
    await h.jump_to(vn(2030, 1, 2, 9))
    async with h.worker():
        handle = await h.start(task_id, deadline_raw="Thường xuyên; định kỳ hằng tháng báo cáo",
                               deadline_kind="recurring", every="month")
        first_run = (await handle.describe()).run_id
        # January: reported early (due Thursday 31/01 is in Tết 2030 → 30/01 is the last working day).
        await h.jump_to(vn(2030, 1, 20, 10))
        early = await confirm(handle, "jan", cycle="2030-01", issued_on="2030-01-20")
        assert (early.cycle, early.result, early.status) == ("2030-01", "early", "open")
        # February: reported on its due day (Thursday 28/02).
        await h.jump_to(vn(2030, 2, 28, 10))
        on_time = await confirm(handle, "feb", cycle="2030-02", issued_on="2030-02-28")
        assert on_time.result == "on_time"
        # March: due Friday 29/03; reported on 02/04 after the first escalation → late.
        await h.jump_to(vn(2030, 4, 2, 10))
        late = await confirm(handle, "mar", cycle="2030-03", issued_on="2030-04-02")
        assert late.result == "late"
        assert (await confirm(handle, "mar", cycle="2030-03", issued_on="2030-04-02")) == late
        # April onwards: nobody reports; each cycle ends missed after its last escalation.
        await h.jump_to(vn(2031, 1, 8, 12))
        status = await handle.query(TaskWorkflow.status)
        assert status.cycle.period == "2031-01"
        current_run = (await handle.describe()).run_id
        assert current_run != first_run
        history = await handle.fetch_history()
        assert len(history.events) < 150, "a cycle's run must stay small"
        first = await env.client.get_workflow_handle(task_id, run_id=first_run).fetch_history()
        assert first.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
        await save_history(handle, "recurring_first_cycle", run_id=first_run)
        await handle.terminate("test over")

    with session_scope(settings.database_url) as session:
        cycles = {c.period: (c.due, c.status, c.result)
                  for c in session.scalars(select(Cycle).where(Cycle.task_id == task_id))}
    assert cycles["2030-01"] == (date(2030, 1, 30), "reported", "early")
    assert cycles["2030-02"] == (date(2030, 2, 28), "reported", "on_time")
    assert cycles["2030-03"] == (date(2030, 3, 29), "reported", "late")
    for month in range(4, 13):
        assert cycles[f"2030-{month:02d}"][1:] == ("missed", "late"), month
    assert cycles["2031-01"][1] == "open"
    steps = h.steps(task_id)
    # March's ladder: reminders, then the first escalation before the late report.
    assert [s for s in steps if s[1].startswith("2030-03-2") or s[1].startswith("2030-04-01")] == [
        ("before-3", "2030-03-26 08:00", U), ("due", "2030-03-29 08:00", U), ("after-1", "2030-04-01 08:00", UL)]
    # Completion notices went only to those reminded in each reported cycle.
    sent = h.sent(task_id)
    assert ("2030-01", "completed", "vhxh", "sent") not in sent  # reported before any reminder
    assert ("2030-03", "completed", "dien", "sent") in sent
    assert len(sent) == len(set(sent))
