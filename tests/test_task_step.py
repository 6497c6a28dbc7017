"""The task_step local activity (activities/task_step.py): a step's recipients,
messages and record in one, run as Temporal runs it (ActivityEnvironment, the
attempt number set) against a real store and the fake Zalo Bot API. Its retries send
each message once and write the record once."""
from __future__ import annotations

import dataclasses

import pytest
from peers import fake_zalo  # noqa: F401 (fixture)
from sqlalchemy import select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.deliver import DeliveryActivities
from activities.tasks import TaskActivities
from bench.step_cost import NOW, reminder_step, sample_config
from config.loader import Config
from config.settings import load_settings
from contracts.steps import StepRecord, StepSend
from store.db import session_scope
from store.models import Delivery, Event

TOKEN = "111111:drilltoken"


def config() -> Config:
    return sample_config(TOKEN)


class FlakyStore(TaskActivities):
    """The store write after the messages fails the first `failures` times."""

    failures = 0

    def _write(self, projection):
        if self.failures:
            self.failures -= 1
            raise RuntimeError("database is locked")
        return super()._write(projection)


@pytest.fixture
def acts(sqlite_url, tmp_path, monkeypatch, fake_zalo):
    monkeypatch.setenv("DONDOC_SECRET_KEY", "step-test-secret-" + "k" * 32)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_PUBLIC_URL": "http://dondoc.test",
                              "DONDOC_DATABASE_URL": sqlite_url})
    cfg = config()
    delivery = DeliveryActivities(sqlite_url, settings, config=cfg, max_attempts=3)
    return FlakyStore(sqlite_url, cfg, delivery=delivery)


def step(levels=("unit", "lead"), step_id: str = "due") -> StepSend:
    return reminder_step("task/kh-57/3", "3", levels, step_id)


async def run(acts, req: StepSend, attempt: int = 1) -> dict:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, attempt=attempt)
    return await env.run(acts.step, req)


def step_events(url: str) -> list[Event]:
    with session_scope(url) as session:
        return list(session.scalars(select(Event).where(Event.kind == "task_step")))


async def test_a_step_sends_to_each_recipient_and_records_it(acts, fake_zalo, sqlite_url):
    assert await run(acts, step()) == {"sent": 2, "failed": 0}
    unit_text, = fake_zalo.texts("unit-chat")
    lead_text, = fake_zalo.texts("lead-chat")
    # The names were looked up by the activity: history carried keys only.
    assert "Phòng Văn hóa - Xã hội" in unit_text and "http://dondoc.test/c/" in unit_text
    [event] = step_events(sqlite_url)
    assert [d["status"] for d in event.data["deliveries"]] == ["sent", "sent"]
    assert event.data["step"] == "due"


async def test_a_retry_after_the_record_failed_sends_once(acts, fake_zalo, sqlite_url):
    acts.failures = 1
    with pytest.raises(RuntimeError, match="locked"):
        await run(acts, step(), attempt=1)
    assert len(fake_zalo.messages) == 2 and step_events(sqlite_url) == []
    # Temporal's retry: the messages are in the delivery log; only the record is written.
    assert await run(acts, step(), attempt=2) == {"sent": 2, "failed": 0}
    assert len(fake_zalo.messages) == 2
    assert len(step_events(sqlite_url)) == 1
    # And once more (a lost workflow task): nothing sent, nothing written twice.
    await run(acts, step(), attempt=1)
    assert len(fake_zalo.messages) == 2 and len(step_events(sqlite_url)) == 1


async def test_one_recipient_failing_for_now_retries_only_that_one(acts, fake_zalo, sqlite_url):
    fake_zalo.fail_chat("lead-chat", times=1, code=500, description="Internal Server Error")
    with pytest.raises(ApplicationError) as raised:
        await run(acts, step(), attempt=1)
    assert raised.value.type == "DeliveryFailed" and not raised.value.non_retryable
    assert len(fake_zalo.texts("unit-chat")) == 1 and step_events(sqlite_url) == []
    assert await run(acts, step(), attempt=2) == {"sent": 2, "failed": 0}
    assert len(fake_zalo.texts("unit-chat")) == 1 and len(fake_zalo.texts("lead-chat")) == 1
    [event] = step_events(sqlite_url)
    with session_scope(sqlite_url) as session:
        lead = session.scalar(select(Delivery).where(Delivery.key == "task/kh-57/3||due|dien"))
        assert (lead.status, lead.attempts) == ("sent", 2)


async def test_a_recipient_that_cannot_be_reached_is_recorded_failed_at_the_last_attempt(acts, fake_zalo,
                                                                                         sqlite_url):
    fake_zalo.fail_chat("lead-chat", code=500, description="Internal Server Error")
    assert await run(acts, step(), attempt=3) == {"sent": 1, "failed": 1}
    [event] = step_events(sqlite_url)
    assert sorted(d["status"] for d in event.data["deliveries"]) == ["failed", "sent"]
    # The standing office (the unit's chat here) was told of the failed message.
    assert len(fake_zalo.texts("unit-chat")) == 2


async def test_the_completion_notice_has_no_link_and_no_record(acts, fake_zalo, sqlite_url):
    req = dataclasses.replace(step(levels=("unit",), step_id="completed"), kind="completed", record=None,
                              link_levels=[], link_valid_from=None, list_notified=False,
                              context={**step().context, "result": "on_time", "completed_on": "2030-03-03"})
    assert await run(acts, req) == {"sent": 1, "failed": 0}
    text, = fake_zalo.texts("unit-chat")
    assert "dondoc.test" not in text and step_events(sqlite_url) == []


async def test_task_begin_gives_the_cycle_and_plan_and_records_the_start_once(acts, sqlite_url):
    from contracts.steps import TaskBegin
    from contracts.tasks import CycleRequest, PlanRequest
    from domain.policy import LadderPolicy, Step

    task = step().task
    policy = LadderPolicy(name="drill", unit="seconds", steps=(Step(-2), Step(0)), repeat_every=0, office_hours=False)
    req = TaskBegin(task=task, cycle=CycleRequest(task.id, None, None, NOW, None, None, NOW),
                    plan=PlanRequest(task.id, "start", "", NOW, NOW, policy, None, None),
                    record=StepRecord(status="open", event_kind="task_assigned", event_key="started", event_at=NOW,
                                      event_data={"policy": "drill"}))
    first = await ActivityEnvironment().run(acts.begin, req)
    again = await ActivityEnvironment().run(acts.begin, req)   # a retried activity
    assert first == again
    assert (first.cycle.period, first.cycle.due_at) == ("", NOW)
    assert [s.name for s in first.plan.steps][-1] == "due"
    with session_scope(sqlite_url) as session:
        [event] = session.scalars(select(Event).where(Event.kind == "task_assigned")).all()
        assert event.key == f"{task.id}||started" and event.data == {"policy": "drill", "due": "2030-03-04"}
