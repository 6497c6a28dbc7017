"""The moment a result is judged by (issue 18, part 4), on the time-skipping server with
the real Vietnamese working calendar, the real delivery activity (outbox://) and the
store projection; the clock jumps to fixed days of 2030 (tests/test_task_workflow.py's
harness).

  - A document issued in April for a June deadline, confirmed through the link in
    November: far outside the grace window (10 working days), so it is judged by the
    arrival -- late, as before; both dates are on the record.
  - A document issued 3 working days before a confirmation that arrives after the
    deadline (on the deadline day itself): judged by the document -- on time; with
    review on, it waits, the office is reminded after 2 working days, and accepting
    it closes the task on time (classified by the confirmation's moment, not by the
    acceptance).
  - A date of issue after the arrival is refused by the workflow's validator, in
    Vietnamese, and changes nothing.
"""
from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from temporalio.client import WorkflowUpdateFailedError
from test_task_workflow import HISTORIES, Harness, env, make_config, settings, vn  # noqa: F401 (fixtures)
from temporalio.worker import Replayer

from contracts.tasks import ConfirmInput, TaskStatus, UpdateAnswer
from domain.review import ReviewPolicy
from services.task_views import task_view
from workflows.task import TaskWorkflow
from workflows.task_common import JUDGED_MOMENT

WAIT_S = 30


async def confirm(handle, key: str, issued_on: str, number: str = "15/BC-VHXH") -> UpdateAnswer:
    arg = ConfirmInput(key=key, document_number=number, issued_on=issued_on, summary="Báo cáo kết quả thực hiện",
                       confirmed_by="vhxh")
    return await asyncio.wait_for(handle.execute_update("confirm", arg, id=key, result_type=UpdateAnswer), WAIT_S)


async def save(handle, name: str) -> None:
    """Replay against the current code; keep as a fixture of the patched path (first time only)."""
    import os

    history = await handle.fetch_history()
    await Replayer(workflows=[TaskWorkflow]).replay_workflow(history)
    path = HISTORIES / f"task_{name}__{JUDGED_MOMENT}.json"
    if not path.exists() or os.environ.get("DONDOC_RECORD_HISTORIES"):
        path.write_text(history.to_json())


async def test_an_april_document_confirmed_in_november_is_judged_by_its_arrival(env, settings):
    h = Harness(env, settings, make_config())
    await h.jump_to(vn(2030, 3, 1, 9))
    async with h.worker():
        handle = await h.start("task/judged/april", deadline_kind="once", due="2030-06-28")
        await h.jump_to(vn(2030, 11, 5, 10))
        answer = await confirm(handle, "k1", issued_on="2030-04-15")
        assert (answer.status, answer.result, answer.completed_on) == ("completed", "late", "2030-11-05")
        assert answer.evidence["judged_by"] == "arrival" and answer.evidence["issued_on"] == "2030-04-15"
        assert (await handle.result())["result"] == "late"
    view = task_view(settings.database_url, "task/judged/april")
    assert (view["status"], view["result"], view["completed_on"]) == ("completed", "late", "2030-11-05")
    assert (view["judged_by"], view["issued_on"], view["confirmed_on"]) == ("arrival", "2030-04-15", "2030-11-05")


async def test_a_document_issued_three_working_days_before_is_judged_by_its_date(env, settings):
    """Due Friday 28/06/2030; the document is of that Friday; the confirmation arrives the
    next Wednesday (3 working days on): on time by the document, late by the arrival."""
    h = Harness(env, settings, make_config())
    await h.jump_to(vn(2030, 6, 20, 9))
    async with h.worker():
        handle = await h.start("task/judged/grace", deadline_kind="once", due="2030-06-28")
        await h.jump_to(vn(2030, 7, 3, 10))
        answer = await confirm(handle, "k1", issued_on="2030-06-28")
        assert (answer.status, answer.result, answer.completed_on) == ("completed", "on_time", "2030-06-28")
        assert answer.evidence["judged_by"] == "issued_on" and answer.evidence["judged_on"] == "2030-06-28"
        await handle.result()
    view = task_view(settings.database_url, "task/judged/grace")
    assert (view["result"], view["completed_on"], view["judged_by"], view["confirmed_on"]) == (
        "on_time", "2030-06-28", "issued_on", "2030-07-03")
    # Everyone reminded hears it closed on time, by the document, and when the unit confirmed.
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import OutboxMessage

    with session_scope(settings.database_url) as session:
        done = [m.body for m in session.scalars(select(OutboxMessage)) if "HOÀN THÀNH" in m.body]
    assert done and all("ngày 28/06/2030: đúng hạn" in b and "đơn vị xác nhận ngày 03/07/2030" in b for b in done)


async def test_with_review_the_office_is_reminded_and_accepts_by_the_documents_date(env, settings):
    config = replace(make_config(), review=ReviewPolicy(enabled=True))
    h = Harness(env, settings, config)
    await h.jump_to(vn(2030, 6, 20, 9))
    async with h.worker():
        handle = await h.start("task/judged/review", deadline_kind="once", due="2030-06-28")
        await h.jump_to(vn(2030, 7, 3, 10))  # Wednesday
        answer = await confirm(handle, "k1", issued_on="2030-06-28")
        assert (answer.status, answer.result, answer.evidence["judged_by"]) == ("awaiting_review", "on_time",
                                                                                "issued_on")
        steps = len(h.sent("task/judged/review"))
        await h.jump_to(vn(2030, 7, 5, 9, 59))  # two working days on, a minute before: nothing yet
        assert len(h.sent("task/judged/review")) == steps
        await h.jump_to(vn(2030, 7, 8, 12))  # Friday 10:00 reminded the office; nothing to the unit
        sent = h.sent("task/judged/review")
        assert [(s, r) for _, s, r, _ in sent[steps:]] == [("review-1-remind-1", "vhxh")]
        status = await handle.query(TaskWorkflow.status)
        assert (status.status, status.next_step) == ("awaiting_review", None)
        decided = await asyncio.wait_for(handle.execute_update(
            "review", {"key": "r1", "decision": "accept", "reviewer": "vanphong"}, id="r1",
            result_type=UpdateAnswer), WAIT_S)
        assert (decided.status, decided.result, decided.completed_on) == ("completed", "on_time", "2030-06-28")
        result = await handle.result()
        assert (result["status"], result["result"]) == ("completed", "on_time")
        await save(handle, "judged_by_document_reviewed")
    view = task_view(settings.database_url, "task/judged/review")
    assert (view["status"], view["result"], view["judged_by"]) == ("completed", "on_time", "issued_on")
    assert view["evidence"]["accepted_by"] == "vanphong"


async def test_a_date_of_issue_after_the_arrival_is_refused(env, settings):
    h = Harness(env, settings, make_config())
    await h.jump_to(vn(2030, 11, 5, 10))
    async with h.worker():
        handle = await h.start("task/judged/future", deadline_kind="once", due="2030-12-31")
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await confirm(handle, "k1", issued_on="2030-11-06")
        assert "Ngày ban hành không thể sau ngày hôm nay" in str(refused.value.cause)
        status = await handle.query("status", result_type=TaskStatus)
        assert (status.status, status.result) == ("open", None)
        answer = await confirm(handle, "k2", issued_on="2030-11-05")  # the same day: judged by the arrival
        assert (answer.status, answer.result, answer.evidence["judged_by"]) == ("completed", "early", "arrival")


def test_the_fixtures_take_their_paths():
    """Confirmations recorded before the patch hold no marker and no judging lookup (they
    replay on the old path: the arrival); the patched fixtures hold both."""
    from temporalio.client import WorkflowHistory

    def parts(name: str) -> tuple[set, set]:
        history = WorkflowHistory.from_json(name, (HISTORIES / f"task_{name}.json").read_text())
        patches, lookups = set(), set()
        for e in history.events:
            if e.HasField("marker_recorded_event_attributes"):
                details = e.marker_recorded_event_attributes.details
                if "patch-data" in details:
                    patches.add(details["patch-data"].payloads[0].data.decode())
                if "data" in details:
                    lookups.add(details["data"].payloads[0].data.decode())
        return patches, lookups

    for old in ("drill_confirmed", "drill_confirmed__local-sends"):
        patches, lookups = parts(old)
        assert not any(JUDGED_MOMENT in p for p in patches) and not any("task_judge" in x for x in lookups), old
    for new in (f"judged_by_document_reviewed__{JUDGED_MOMENT}", f"review_returned_accepted__{JUDGED_MOMENT}"):
        patches, lookups = parts(new)
        assert any(JUDGED_MOMENT in p for p in patches) and any("task_judge" in x for x in lookups), new
