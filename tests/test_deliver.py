"""The delivery activity against real peers (fake Zalo Bot API, real SMTP, the
outbox), run through Temporal's ActivityEnvironment and a real worker."""
from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from peers import fake_smtp, fake_zalo  # noqa: F401 (fixtures)
from sqlalchemy import select
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment
from temporalio.worker import Worker

from activities.deliver import DeliverRequest, DeliverResult, DeliveryActivities, Recipient
from config.settings import load_settings
from store.db import session_scope
from store.models import Delivery, LinkRecord, OutboxMessage
from config.settings import derive_key
from domain.links import token_from_url
from store.links import resolve

TOKEN = "111111:drilltoken"
SECRET = "deliver-test-secret-" + "k" * 32
CONTEXT = {"title": "Số hóa hồ sơ một cửa", "due": "2026-06-30", "days_left": 3,
           "units": ["Phòng Văn hóa - Xã hội"], "plan": "Kế hoạch 57"}


@pytest.fixture
def activities(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DONDOC_SECRET_KEY", SECRET)
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_PUBLIC_URL": "http://dondoc.test",
                              "DONDOC_DATABASE_URL": sqlite_url})
    office = Recipient("phong-vhxh-office", "Văn phòng thường trực", "standing_office",
                       [f"zalo://{TOKEN}/office-chat"])
    return DeliveryActivities(sqlite_url, settings, standing_office=office, max_attempts=3)


def unit(*targets: str) -> Recipient:
    return Recipient("phong-vhxh", "Phòng Văn hóa - Xã hội", "unit", list(targets))


def request(recipient: Recipient, step: str = "remind-3", **kw) -> DeliverRequest:
    args = dict(subject_id=f"task-{uuid.uuid4().hex[:6]}", cycle="", step=step, kind="reminder",
                recipient=recipient, context=dict(CONTEXT), link_purpose="confirm",
                link_expires_at="2026-08-30T00:00:00+00:00")
    args.update(kw)
    return DeliverRequest(**args)


async def run(acts: DeliveryActivities, req: DeliverRequest, attempt: int = 1) -> DeliverResult:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, attempt=attempt)
    return await env.run(acts.deliver, req)


def rows(url: str, subject_id: str) -> dict[str, Delivery]:
    with session_scope(url) as session:
        return {r.key: r for r in session.scalars(select(Delivery).where(Delivery.subject_id == subject_id))}


async def test_zalo_delivery_with_a_signed_link(activities, fake_zalo):
    req = request(unit(f"zalo://{TOKEN}/unit-chat"))

    result = await run(activities, req)

    key = f"{req.subject_id}||remind-3|phong-vhxh"
    assert (result.key, result.status, result.channel, result.attempts, result.error) == (key, "sent", "zalo", 1, "")
    [msg] = fake_zalo.messages
    assert msg.chat_id == "unit-chat" and "còn 3 ngày làm việc" in msg.text
    link = next(word for word in msg.text.split() if word.startswith("http://dondoc.test/c/"))
    claims = resolve(activities.database_url, derive_key(SECRET, "link"), token_from_url(link),
                     datetime(2026, 6, 1, tzinfo=timezone.utc))
    assert (claims.subject_id, claims.cycle, claims.recipient, claims.purpose) == (req.subject_id, "", "phong-vhxh", "confirm")
    logged = rows(activities.database_url, req.subject_id)
    assert set(logged) == {key, key + "|zalo"}
    assert logged[key + "|zalo"].target == "zalo://111111:***/unit-chat"
    assert all("drilltoken" not in r.target and r.status == "sent" and r.sent_at for r in logged.values())


async def test_the_same_request_twice_sends_once(activities, fake_zalo):
    req = request(unit(f"zalo://{TOKEN}/unit-chat"))

    first = await run(activities, req)
    again = await run(activities, req, attempt=2)  # a retried activity, or a replayed step

    assert first == again
    assert len(fake_zalo.messages) == 1
    logged = rows(activities.database_url, req.subject_id)
    assert len(logged) == 2 and logged[first.key].attempts == 1


async def test_zalo_failing_falls_back_to_email_and_logs_both(activities, fake_zalo, fake_smtp):
    fake_zalo.fail_chat("unit-chat", status=400, description="Bad Request: chat not found")
    req = request(unit(f"zalo://{TOKEN}/unit-chat", fake_smtp.mailto("unit@drill.local")))

    result = await run(activities, req)

    assert (result.status, result.channel) == ("sent", "email")
    assert "zalo" in result.error and "400" in result.error
    [mail] = fake_smtp.wait_for(1)
    assert mail.subject == "[Nhắc việc] Còn 3 ngày làm việc: Số hóa hồ sơ một cửa"
    assert "Số hóa hồ sơ một cửa" in mail.text and "http://dondoc.test/c/" in mail.text
    assert "http://dondoc.test/c/" in mail.html
    logged = rows(activities.database_url, req.subject_id)
    zalo, email = logged[result.key + "|zalo"], logged[result.key + "|email"]
    assert (zalo.status, zalo.attempts) == ("failed", 1) and "400" in zalo.error
    assert (email.status, email.attempts) == ("sent", 1)
    assert logged[result.key].channel == "email" and logged[result.key].status == "sent"


async def test_transient_failure_raises_for_a_retry_then_sends(activities, fake_zalo):
    fake_zalo.fail_chat("unit-chat", times=1, status=500, description="Internal Server Error")
    req = request(unit(f"zalo://{TOKEN}/unit-chat"))

    with pytest.raises(ApplicationError) as err:
        await run(activities, req, attempt=1)
    assert err.value.type == "DeliveryFailed" and not err.value.non_retryable
    assert rows(activities.database_url, req.subject_id)[f"{req.subject_id}||remind-3|phong-vhxh"].status == "pending"

    result = await run(activities, req, attempt=2)

    assert (result.status, result.attempts) == ("sent", 2)
    assert len(fake_zalo.texts("unit-chat")) == 1
    assert rows(activities.database_url, req.subject_id)[result.key + "|zalo"].attempts == 2
    assert fake_zalo.texts("office-chat") == []


async def test_no_working_channel_tells_the_standing_office(activities, fake_zalo, fake_smtp):
    fake_zalo.fail_chat("unit-chat", status=400)
    smtp_url = fake_smtp.mailto("unit@drill.local")
    fake_smtp.stop()  # email is down too
    req = request(unit(f"zalo://{TOKEN}/unit-chat", smtp_url))

    for attempt in (1, 2):
        with pytest.raises(ApplicationError):
            await run(activities, req, attempt=attempt)
    assert fake_zalo.texts("office-chat") == []  # not before the attempts are used up
    result = await run(activities, req, attempt=3)

    assert (result.status, result.channel, result.attempts) == ("failed", "none", 3)
    assert "zalo" in result.error and "email" in result.error
    [notice] = fake_zalo.texts("office-chat")
    assert notice.startswith("KHÔNG GỬI ĐƯỢC TIN NHẮN") and "Phòng Văn hóa - Xã hội" in notice
    assert "[Nhắc việc] Còn 3 ngày làm việc: Số hóa hồ sơ một cửa" in notice
    logged = rows(activities.database_url, req.subject_id)
    assert logged[result.key].status == "failed"
    assert logged[result.key + "|zalo"].attempts == 3 and logged[result.key + "|email"].attempts == 3
    office_key = f"{req.subject_id}||no_channel/remind-3/phong-vhxh|phong-vhxh-office"
    assert logged[office_key].status == "sent" and logged[office_key].recipient == "phong-vhxh-office"

    # Asked again later, the recipient is tried again, the office is not told twice.
    fake_zalo.heal()
    assert (await run(activities, req, attempt=1)).status == "sent"
    assert len(fake_zalo.texts("office-chat")) == 1


async def test_unusable_targets_fail_at_once_and_the_request_can_name_the_office(activities, fake_zalo):
    office = Recipient("van-phong", "Văn phòng UBND", "standing_office", [f"zalo://{TOKEN}/vp-chat"])
    req = request(unit("nosuchscheme://x"), standing_office=office)

    result = await run(activities, req, attempt=1)  # retrying cannot help: no raise

    assert result.status == "failed"
    assert len(fake_zalo.texts("vp-chat")) == 1 and fake_zalo.texts("office-chat") == []


async def test_a_recipient_without_targets_is_reported(activities, fake_zalo):
    result = await run(activities, request(unit()))
    assert result.status == "failed" and "no notification target" in result.error
    assert len(fake_zalo.texts("office-chat")) == 1


async def test_a_bad_request_is_not_retried(activities, fake_zalo):
    req = request(unit(f"zalo://{TOKEN}/unit-chat"), context={"title": "x"})
    with pytest.raises(ApplicationError) as err:
        await run(activities, req)
    assert err.value.non_retryable and "days_left" in str(err.value)
    assert fake_zalo.messages == []
    # recorded failed, and nothing of the undone transaction kept: no pending mark, no link
    key = f"{req.subject_id}||remind-3|phong-vhxh"
    logged = rows(activities.database_url, req.subject_id)
    assert set(logged) == {key} and logged[key].status == "failed" and "cannot render" in logged[key].error
    with session_scope(activities.database_url) as session:
        assert session.scalars(select(LinkRecord).where(LinkRecord.subject_id == req.subject_id)).all() == []


async def test_a_message_with_its_link_is_two_writes(activities, fake_zalo):
    """"Already sent?", the link's row and the pending mark in one transaction; the
    outcome on the channel's row and the delivery's in the other."""
    from sqlalchemy import event

    from store.db import session_factory

    await run(activities, request(unit(f"zalo://{TOKEN}/unit-chat")))  # the first also closes any Zalo outage
    engine = session_factory(activities.database_url).kw["bind"]
    commits: list[int] = []

    def count(_conn):
        commits.append(1)

    event.listen(engine, "commit", count)
    try:
        result = await run(activities, request(unit(f"zalo://{TOKEN}/unit-chat")))
    finally:
        event.remove(engine, "commit", count)
    assert result.status == "sent" and len(fake_zalo.messages) == 2
    assert len(commits) == 2


async def test_outbox_delivery_on_both_databases(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DONDOC_SECRET_KEY", SECRET)
    monkeypatch.setenv("DONDOC_DATABASE_URL", db_url)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": db_url})
    acts = DeliveryActivities(db_url, settings)
    req = request(unit("outbox://phong-vhxh"))

    result = await run(acts, req)
    await run(acts, req)

    assert (result.status, result.channel) == ("sent", "outbox")
    with session_scope(db_url) as session:
        [stored] = session.scalars(select(OutboxMessage)).all()
        assert stored.recipient == "phong-vhxh" and stored.title.startswith("[Nhắc việc]")
        assert "Số hóa hồ sơ một cửa" in stored.body and "/c/" in stored.body
    assert len(rows(db_url, req.subject_id)) == 2


# -- through a real worker: Temporal retries the activity with backoff --------------

@workflow.defn(sandboxed=False)
class DeliverOnce:
    @workflow.run
    async def run(self, req: DeliverRequest) -> DeliverResult:
        return await workflow.execute_activity(
            "deliver", req, result_type=DeliverResult, start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=50), backoff_coefficient=1.0,
                                     maximum_attempts=5))


async def test_worker_retries_until_the_channel_recovers(skipping_env, task_queue, activities, fake_zalo):
    fake_zalo.fail_chat("unit-chat", times=2, status=503, description="Service Unavailable")
    req = request(unit(f"zalo://{TOKEN}/unit-chat"))
    async with Worker(skipping_env.client, task_queue=task_queue, workflows=[DeliverOnce],
                      activities=[activities.deliver]):
        result = await skipping_env.client.execute_workflow(
            DeliverOnce.run, req, id=f"deliver-{uuid.uuid4().hex[:8]}", task_queue=task_queue)

    assert (result.status, result.attempts) == ("sent", 3)
    assert len(fake_zalo.texts("unit-chat")) == 1 and fake_zalo.texts("office-chat") == []


async def test_worker_gives_up_after_max_attempts_and_reports(skipping_env, task_queue, activities, fake_zalo):
    fake_zalo.fail_chat("unit-chat", status=503)
    req = request(unit(f"zalo://{TOKEN}/unit-chat"))
    async with Worker(skipping_env.client, task_queue=task_queue, workflows=[DeliverOnce],
                      activities=[activities.deliver]):
        result = await skipping_env.client.execute_workflow(
            DeliverOnce.run, req, id=f"deliver-{uuid.uuid4().hex[:8]}", task_queue=task_queue)

    assert (result.status, result.attempts) == ("failed", activities.max_attempts)
    assert len(fake_zalo.texts("office-chat")) == 1



@pytest.mark.parametrize("purpose, valid_from, days", [
    ("confirm", None, 30),                                  # from the send
    ("confirm", "2099-01-01T00:00:00+00:00", None),         # from a later deadline
    ("incident", None, 7),
    ("extend", None, 12),                                   # configured [links] extend_days = 12
])
async def test_link_lifetime_comes_from_the_configuration(activities, fake_zalo, purpose, valid_from, days):
    from domain.links import LinkLifetimes, LinkError

    activities.links = LinkLifetimes(extend=12)
    req = request(unit(f"zalo://{TOKEN}/unit-chat"), link_purpose=purpose, link_expires_at=None,
                  link_valid_from=valid_from)
    before = datetime.now(timezone.utc)
    await run(activities, req)
    link = next(w for w in fake_zalo.messages[-1].text.split() if w.startswith("http://dondoc.test/"))
    token = token_from_url(link)
    key, url = derive_key(SECRET, "link"), activities.database_url
    if days is None:  # counted from the deadline: still valid a year after the send
        assert resolve(url, key, token, before + timedelta(days=400)).purpose == purpose
        return
    assert resolve(url, key, token, before + timedelta(days=days - 1)).purpose == purpose
    with pytest.raises(LinkError):
        resolve(url, key, token, before + timedelta(days=days, minutes=5))
