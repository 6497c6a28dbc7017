"""The mid-way check-in and the progress update on the time-skipping server, with the
real task activities (the planner adding the check-in, the task_step sends to outbox://
targets in the test database, the store records) -- tests/test_task_workflow.py's
harness. Dates in 2030 with the real holiday table (Giỗ Tổ 12/4, 30/4 and 1/5 off).

A 60-day task assigned Friday 01/03/2030 10:00, due Tuesday 30/04/2030 (a holiday):
40 working days in (01/03, 30/04], so the check-in goes out on the 20th working day
after the assignment, Friday 29/03 at 08:00, to the unit only; the ladder after it is
the ordinary one (before-7 on 19/04, to the unit), the level stays 0. A 20-day task
gets no check-in. The run with a progress update (a difficulty told to the lead
official and the supervisors once, then cleared) is kept as a replay fixture.
"""
from __future__ import annotations

import asyncio
import os
from datetime import timedelta

from sqlalchemy import select
from temporalio.client import WorkflowHandle
from temporalio.worker import Replayer

from contracts.progress import ProgressInput
from contracts.tasks import AmendInput, ExtendInput, UpdateAnswer
from store.db import session_scope
from store.models import Event, OutboxMessage
from workflows.task import TaskWorkflow

from test_task_workflow import HISTORIES, UPDATE_WAIT_S, Harness, env, make_config, settings, vn  # noqa: F401

U = ("unit",)
LONG, SHORT = "task/tien-do/60", "task/tien-do/20"


async def progress(handle: WorkflowHandle, key: str, percent: int, difficulty: str = "") -> UpdateAnswer:
    arg = ProgressInput(key=key, percent=percent, note="Đã khảo sát hiện trạng", difficulty=difficulty,
                        proposal="Đề nghị bố trí kinh phí" if difficulty else "", reported_by="vhxh",
                        reporter_name="Phòng Văn hóa - Xã hội", unit_names=["Phòng Văn hóa - Xã hội"])
    return await asyncio.wait_for(handle.execute_update("progress", arg, id=key, result_type=UpdateAnswer),
                                  UPDATE_WAIT_S)


async def eventually(predicate, what: str, seconds: float = 20):
    for _ in range(int(seconds * 10)):
        if (found := predicate()):
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def outbox(h: Harness, recipient: str) -> list[str]:
    with session_scope(h.settings.database_url) as s:
        return [m.body for m in s.scalars(select(OutboxMessage).where(OutboxMessage.recipient == recipient)
                                          .order_by(OutboxMessage.id))]


def progress_events(h: Harness, task_id: str) -> list[dict]:
    with session_scope(h.settings.database_url) as s:
        return [e.data for e in s.scalars(select(Event).where(Event.subject_id == task_id,
                                                              Event.kind == "task_progress").order_by(Event.id))]


async def save_fixture(handle: WorkflowHandle, name: str) -> None:
    history = await handle.fetch_history()
    await Replayer(workflows=[TaskWorkflow]).replay_workflow(history)
    path = HISTORIES / f"task_{name}.json"
    if not path.exists() or os.environ.get("DONDOC_RECORD_HISTORIES"):
        path.write_text(history.to_json())


async def test_a_60_day_task_is_asked_for_progress_halfway_and_nothing_escalates(env, settings):
    h = Harness(env, settings, make_config())
    await h.jump_to(vn(2030, 3, 1, 10))
    async with h.worker():
        long = await h.start(LONG, deadline_kind="once", due="2030-04-30")
        short = await h.start(SHORT, deadline_kind="once", due="2030-03-21")
        await h.jump_to(vn(2030, 3, 29, 12))
        assert h.steps(LONG) == [("checkin", "2030-03-29 08:00", U)]
        assert h.sent(LONG) == [("", "checkin", "vhxh", "sent")]  # the unit only
        [asked] = outbox(h, "unit")[-1:]
        assert "ĐỀ NGHỊ BÁO CÁO TIẾN ĐỘ THỰC HIỆN" in asked and "#tien-do" in asked and "30/04/2030" in asked
        status = await long.query(TaskWorkflow.status)
        assert (status.level, status.reached, status.next_step) == (0, ["unit"], "before-7")
        # The 20-day task: its ordinary ladder, no check-in.
        assert [s[0] for s in h.steps(SHORT)] == ["before-7", "before-3", "before-1", "due", "after-1", "after-3"]

        # A progress report naming a difficulty: recorded, and told to the lead official and the
        # supervisors at once, once.
        first = await progress(long, "p1", 40, "Thiếu kinh phí mua máy chủ")
        assert (first.action, first.status, first.message) == ("progress", "open", "told")
        told = await eventually(lambda: [s for s in h.sent(LONG) if s[1].startswith("difficulty-")] or None,
                                "the difficulty notice")
        assert sorted(s[2] for s in told) == ["dien", "supervisors"] and {s[3] for s in told} == {"sent"}
        assert "KHÓ KHĂN, VƯỚNG MẮC CẦN THÁO GỠ" in outbox(h, "lead")[-1]
        assert "Thiếu kinh phí mua máy chủ" in outbox(h, "bcd")[-1]
        assert await progress(long, "p1", 40, "Thiếu kinh phí mua máy chủ") == first   # the same report again
        same = await progress(long, "p2", 55, "thiếu kinh phí  mua máy chủ")           # the same difficulty
        assert same.message == ""
        cleared = await progress(long, "p3", 70)
        assert cleared.message == "cleared"
        await asyncio.sleep(1)
        assert len([s for s in h.sent(LONG) if s[1].startswith("difficulty-")]) == 2
        assert [(e["percent"], e["difficulty"]) for e in progress_events(h, LONG)] == [
            (40, "Thiếu kinh phí mua máy chủ"), (55, "thiếu kinh phí  mua máy chủ"), (70, "")]
        status = await long.query(TaskWorkflow.status)
        assert status.level == 0 and status.status == "open"  # a difficulty is no escalation

        # Reminders go on: before-7 on 19/04 to the unit.
        await h.jump_to(vn(2030, 4, 19, 12))
        assert h.steps(LONG)[-1] == ("before-7", "2030-04-19 08:00", U)
        assert (await long.query(TaskWorkflow.status)).level == 0
        await save_fixture(long, "progress_checkin")
        for handle in (long, short):
            await handle.terminate("test over")


async def test_the_check_in_survives_a_new_deadline_still_ahead_of_it(env, settings):
    h = Harness(env, settings, make_config())
    await h.jump_to(vn(2030, 3, 1, 10))
    async with h.worker():
        handle = await h.start("task/tien-do/gia-han", deadline_kind="once", due="2030-04-30")
        await h.jump_to(vn(2030, 3, 11, 12))
        arg = ExtendInput(key="gh1", new_due="2030-06-28", reason="Chờ kinh phí", approved_by="Phan Viết Điện")
        await asyncio.wait_for(handle.execute_update("extend", arg, id="gh1", result_type=UpdateAnswer),
                               UPDATE_WAIT_S)
        await h.jump_to(vn(2030, 3, 29, 12))
        steps = h.steps("task/tien-do/gia-han")
        assert ("r1/checkin", "2030-03-29 08:00", U) in steps and steps[0][0] == "amended-1"
        await handle.terminate("test over")


async def test_a_deadline_moved_before_the_check_in_drops_it(env, settings):
    h = Harness(env, settings, make_config())
    await h.jump_to(vn(2030, 3, 1, 10))
    async with h.worker():
        handle = await h.start("task/tien-do/rut-ngan", deadline_kind="once", due="2030-04-30")
        await h.jump_to(vn(2030, 3, 4, 12))
        # An earlier deadline (a re-import's amendment): the check-in on 29/03 would come after it.
        amend = AmendInput(key="a1", due="2030-03-27", reason="Rút ngắn thời hạn")
        await asyncio.wait_for(handle.execute_update("amend", amend, id="a1", result_type=UpdateAnswer),
                               UPDATE_WAIT_S)
        await h.jump_to(vn(2030, 3, 29, 12))
        names = [s[0] for s in h.steps("task/tien-do/rut-ngan")]
        assert not [n for n in names if n.endswith("checkin")] and "r1/due" in names
        await handle.terminate("test over")
