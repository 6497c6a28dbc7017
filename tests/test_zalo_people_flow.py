"""Sign-up through the bot, end to end, against a Zalo stand-in in strict mode (a bot
may write only to chats that wrote to it): a person of "Phòng Văn hóa - Xã hội" is
invited, sends the code inside a sentence, is linked and answered by name, and the
next reminder of a task of that unit reaches their chat; a person whose link is
broken gets email instead."""
from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta, timezone

import pytest

from config.loader import EXAMPLES, load_config
from config.settings import load_settings
from contracts.tasks import TaskSpec
from peers import FakeZalo
from services.people import add_person, invite, person_view
from services.tasks import start_or_amend
from services.zalo_bot import poll_forever
from store.db import session_scope
from store.models import ZaloLink
from worker import build_worker

TOKEN = "111111:drilltoken"


@pytest.fixture
def strict_zalo(monkeypatch):
    zalo = FakeZalo(strict=True)
    monkeypatch.setenv("DONDOC_ZALO_API_URL", zalo.start())
    yield zalo
    zalo.stop()


@pytest.fixture
def setup(sqlite_url, tmp_path, monkeypatch, task_queue, fake_smtp):
    monkeypatch.setenv("DRILL_SMTP_PORT", str(fake_smtp.port))
    monkeypatch.setenv("DONDOC_SECRET_KEY", "people-flow-" + "s" * 32)
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_TASK_QUEUE": task_queue, "DONDOC_PUBLIC_URL": "http://dondoc.test"})
    return settings, load_config(EXAMPLES / "drill.toml")


async def wait_until(check, timeout: float = 20.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        found = await asyncio.to_thread(check)
        if found:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError("not within the time allowed")


async def test_sign_up_then_the_next_reminder_reaches_the_person(dev_env, setup, strict_zalo, fake_smtp):
    settings, config = setup
    url = settings.database_url
    person = add_person(url, "Nguyễn Thị Lan", ["Phòng Văn hóa - Xã hội"], email="lan@drill.local",
                        directory=config.directory)
    code = invite(url, person, datetime.now(timezone.utc))["code"]
    stop = threading.Event()
    poller = threading.Thread(target=poll_forever, args=(url, strict_zalo.url, TOKEN, stop),
                              kwargs={"timeout": 1, "directory": config.directory}, daemon=True)
    poller.start()
    try:
        strict_zalo.user_writes("lan-chat", f"Chào bot, mã của tôi là {code.lower()} nhé", "Lan")
        view = await wait_until(lambda: (v := person_view(url, config, person))["zalo"]["linked"] and v)
        assert view["zalo"]["broken"] is False and view["units"] == ["Phòng Văn hóa - Xã hội"]
        replies = await wait_until(lambda: strict_zalo.texts("lan-chat"))
        assert "Nguyễn Thị Lan" in replies[0] and "Phòng Văn hóa - Xã hội" in replies[0]

        spec = TaskSpec(id=f"task/people/{settings.task_queue}", title="Báo cáo chuyển đổi số quý IV",
                        lead_units=["vhxh"], deadline_kind="once",
                        due_at=datetime.now(timezone.utc) + timedelta(seconds=45))
        async with build_worker(dev_env.client, settings, config):
            await start_or_amend(dev_env.client, settings, config, spec)
            texts = await wait_until(lambda: [t for t in strict_zalo.texts("lan-chat") if spec.title in t])
        assert "http://dondoc.test/c/" in texts[0]
        # The unit's configured chat never wrote to the bot: Zalo refuses it (400), email carries it.
        refused = [r for r in strict_zalo.requests if r.chat_id == "unit-chat" and r.status == 400]
        assert refused and await wait_until(lambda: fake_smtp.to("unit@drill.local"))
        assert not any(TOKEN in r.text for r in strict_zalo.requests)
    finally:
        stop.set()
        poller.join(5)
        await dev_env.client.get_workflow_handle(f"task/people/{settings.task_queue}").terminate("test over")


def test_a_broken_link_falls_back_to_email(setup):
    from domain.recipients import resolve
    from store.people_channels import people_directory

    settings, config = setup
    url = settings.database_url
    person = add_person(url, "Trần Văn Bình", ["vhxh"], email="binh@drill.local", directory=config.directory)
    with session_scope(url) as s:
        s.add(ZaloLink(person_id=person, chat_id="binh-chat", display_name="Bình"))
    found = resolve(people_directory(url, config), ["vhxh"], ["unit"])
    binh = next(r for r in found.recipients if r.key == f"person:{person}")
    assert [r.key for r in found.recipients] == ["vhxh", f"person:{person}"]  # the unit mailbox, then each member
    assert binh.targets[0] == f"zalo://{TOKEN}/binh-chat" and "to=binh@drill.local" in binh.targets[1]
    with session_scope(url) as s:
        s.query(ZaloLink).filter_by(person_id=person).update({"broken": True})
    binh = next(r for r in resolve(people_directory(url, config), ["vhxh"], ["unit"]).recipients
                if r.key == f"person:{person}")
    assert len(binh.targets) == 1 and "to=binh@drill.local" in binh.targets[0]


async def test_a_chat_zalo_refuses_is_marked_broken_and_email_carries_the_message(setup, strict_zalo, fake_smtp):
    from activities.deliver import DeliveryActivities
    from contracts.delivery import DeliverRequest
    from domain.recipients import resolve
    from store.people_channels import people_directory

    settings, config = setup
    url = settings.database_url
    person = add_person(url, "Lê Thị Hoa", ["vhxh"], email="hoa@drill.local", directory=config.directory)
    with session_scope(url) as s:  # linked once, then the chat went away (Zalo answers 400 at HTTP 200)
        s.add(ZaloLink(person_id=person, chat_id="hoa-old-chat", display_name="Hoa"))
    hoa = next(r for r in resolve(people_directory(url, config), ["vhxh"], ["unit"]).recipients
               if r.key == f"person:{person}")
    acts = DeliveryActivities(url, settings, links=config.links)
    result = await asyncio.to_thread(acts.deliver_now, DeliverRequest(
        subject_id="task/hoa/1", cycle="", step="due", kind="reminder", recipient=hoa,
        context={"title": "Rà soát thủ tục", "due": "2026-12-31", "days_left": 0}))
    assert (result.status, result.channel) == ("sent", "email") and "zalo 400" in result.error
    assert fake_smtp.to("hoa@drill.local")
    assert person_view(url, config, person)["zalo"]["broken"] is True


async def test_over_quota_zalo_is_retried_then_email_carries_the_reminder(dev_env, setup, fake_zalo, fake_smtp):
    """Zalo answers 429 (at HTTP 200): the send is retried with backoff, then email
    carries it; `task show --json` lists each channel's attempts with Zalo's code."""
    from services.task_views import task_view

    settings, config = setup
    fake_zalo.fail_chat("unit-chat", status=429, description="Too Many Requests")
    spec = TaskSpec(id=f"task/quota/{settings.task_queue}", title="Tổng hợp số liệu chuyển đổi số",
                    lead_units=["vhxh"], deadline_kind="once",
                    due_at=datetime.now(timezone.utc) + timedelta(seconds=42))
    try:
        async with build_worker(dev_env.client, settings, config):
            await start_or_amend(dev_env.client, settings, config, spec)
            await wait_until(lambda: [m for m in fake_smtp.to("unit@drill.local") if spec.title in m.text], 40)
            view = await wait_until(lambda: (v := task_view(settings.database_url, spec.id))
                                    and any(n["recipient"] == "vhxh" and n["status"] == "sent" for n in v["notifications"])
                                    and v)
    finally:
        await dev_env.client.get_workflow_handle(spec.id).terminate("test over")
    first = next(n for n in view["notifications"] if n["recipient"] == "vhxh")
    assert (first["status"], first["channel"]) == ("sent", "email")
    zalo = next(a for a in first["attempts"] if a["channel"] == "zalo")
    assert zalo["error"] == "zalo 429: Too Many Requests" and zalo["attempts"] == config.delivery_attempts
    assert any(a["channel"] == "email" and a["status"] == "sent" for a in first["attempts"])
