"""A task for many units at once, end to end on the real dev server with the drill
configuration: ``./dondoc task add --unit "UBND các xã, phường, đặc khu"`` due in 60 s
fans out to the three communes of the group, each reminded in its own Zalo chat
(xa-a-chat, xa-b-chat, xa-c-chat) with its own link; xã A confirms early (a document
issued yesterday), xã B confirms late, xã C does not: the lead official gets ONE message
per step of the parent naming xã C (not one per commune), the supervisors likewise
from +20 s; the parent shows 2 of 3; when xã C confirms late the parent completes as
late, and ``task show PARENT --json`` has its children and roll-up.

The worker is ``build_worker`` in this process, the links are opened as a phone would
(the web app over ASGI), the command line is the installed ``./dondoc``.
"""
from __future__ import annotations

import asyncio
import html
import json
import os
import re
import subprocess
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from embedded import DONDOC, ROOT
from sqlalchemy import select

from config.loader import EXAMPLES, load_config
from config.settings import load_settings
from domain.calendar import VN_TZ
from services.task_views import task_view
from store.db import session_scope
from store.models import Delivery
from web.app import create_app
from worker import build_worker

PUBLIC = "http://dondoc.test"
LINK = re.compile(r"https?://\S+/c/[A-Za-z0-9_\-.]+")
TITLE = "Rà soát, cập nhật dữ liệu dân cư trên địa bàn (diễn tập)"
DRILL = EXAMPLES / "drill.toml"


class Handle:
    def __init__(self, client):
        self.client = client

    async def get(self):
        return self.client


@pytest.fixture
def stack(dev_env, tmp_path, sqlite_url, task_queue, monkeypatch, fake_zalo, fake_smtp):
    env = {"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url, "DONDOC_PUBLIC_URL": PUBLIC,
           "DONDOC_TASK_QUEUE": task_queue, "DONDOC_SECRET_KEY": "group-drill-secret-kkkkkkkkkkkkkkkkkkkkkkk",
           "DONDOC_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
           "DRILL_SMTP_PORT": str(fake_smtp.port)}
    for name, value in env.items():  # the command line reads the same environment
        monkeypatch.setenv(name, value)
    settings = load_settings(env)
    config = load_config(DRILL)
    app = create_app(settings, config)
    app.state.temporal = Handle(dev_env.client)
    return settings, config, app


def cli(*argv: str) -> tuple[int, str]:
    out = subprocess.run([DONDOC, "--config", str(DRILL), *argv], cwd=ROOT, env=dict(os.environ),
                         capture_output=True, text=True, timeout=60)
    return out.returncode, out.stdout + out.stderr


async def wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def said(zalo, chat: str, marker: str = "") -> list[str]:
    return [t for t in zalo.texts(chat) if TITLE[:40] in t and marker in t]


def csrf(page: str) -> str:
    return html.unescape(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))


async def confirm(web: httpx.AsyncClient, link: str, number: str, issued_on: str) -> int:
    path = "/c/" + link.rsplit("/c/", 1)[1]
    page = await web.get(path)
    assert page.status_code == 200, page.text[:300]
    done = await web.post(path, headers={"Origin": PUBLIC}, data={
        "csrf_token": csrf(page.text), "document_number": number, "issued_on": issued_on,
        "summary": "Báo cáo kết quả rà soát dữ liệu dân cư", "link": "", "note": ""})
    return done.status_code


def vn_day(days: int = 0) -> str:
    return (datetime.now(VN_TZ) + timedelta(days=days)).strftime("%d/%m/%Y")


def sent(url: str, prefix: str) -> list[tuple[str, str, str]]:
    with session_scope(url) as session:
        rows = session.scalars(select(Delivery).where(Delivery.subject_id.like(prefix + "%")).order_by(Delivery.id))
        return [(r.subject_id, r.step, r.recipient) for r in rows if r.is_message and r.status == "sent"]


async def test_a_group_task_fans_out_escalates_once_and_completes_late(dev_env, stack, fake_zalo):
    settings, config, app = stack
    async with build_worker(dev_env.client, settings, config), \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC) as web:
        due = datetime.now(timezone.utc) + timedelta(seconds=60)
        code, out = await asyncio.to_thread(cli, "task", "add", "--title", TITLE, "--unit",
                                            "UBND các xã, phường, đặc khu", "--due", due.isoformat(), "--json")
        assert code == 0, out
        added = json.loads(out)
        parent, children = added["id"], {c: f"{added['id']}/xa-{c}" for c in "abc"}
        assert added["started"] and added["children"] == 3

        # Each commune is reminded in its own chat, with its own link (40 s before the deadline).
        first = {c: (await wait_for(lambda c=c: said(fake_zalo, f"xa-{c}-chat"), 40, f"xã {c.upper()}"))[0]
                 for c in "abc"}
        assert all(LINK.search(text) for text in first.values())
        assert len({LINK.search(text).group(0) for text in first.values()}) == 3
        assert not said(fake_zalo, "lead-chat") and not said(fake_zalo, "unit-chat")

        # xã A: early (its document was issued yesterday); xã B: after the deadline, late.
        assert await confirm(web, LINK.search(first["a"]).group(0), "12/BC-UBND", vn_day(-1)) == 200
        await wait_for(lambda: datetime.now(timezone.utc) > due + timedelta(seconds=1), 70, "the deadline")
        assert await confirm(web, LINK.search(first["b"]).group(0), "34/BC-UBND", vn_day()) == 200
        assert task_view(settings.database_url, children["a"])["result"] == "early"
        await wait_for(lambda: task_view(settings.database_url, children["b"])["result"] == "late", 10, "xã B late")

        # The parent's +10 s and +20 s: one message each to the lead official, naming xã C alone.
        escalations = await wait_for(lambda: [t for t in said(fake_zalo, "bcd-chat") if "UBND xã C" in t], 60,
                                     "the supervisors told of xã C (+20 s)")
        lead = said(fake_zalo, "lead-chat")
        assert len(lead) == 2 and all("UBND xã C" in t and "đã hoàn thành 2/3 đơn vị" in t for t in lead), lead
        assert not any("UBND xã A" in t or "UBND xã B" in t for t in lead + escalations)
        shown = task_view(settings.database_url, parent)
        assert shown["status"] == "open" and shown["rollup"]["completed"] == 2 and shown["rollup"]["overdue"] == 1

        # xã C confirms, late: the parent completes as late at its next read.
        assert await confirm(web, LINK.search(first["c"]).group(0), "56/BC-UBND", vn_day()) == 200
        await wait_for(lambda: task_view(settings.database_url, parent)["status"] == "completed", 30, "the parent")
        await wait_for(lambda: said(fake_zalo, "lead-chat", "CÁC ĐƠN VỊ ĐÃ HOÀN THÀNH"), 20, "the completion")

    code, out = await asyncio.to_thread(cli, "task", "show", parent, "--json")
    view = json.loads(out)
    assert code == 0 and (view["status"], view["result"]) == ("completed", "late")
    assert view["rollup"] == {"total": 3, "completed": 3, "on_time": 1, "late": 2, "open": 0, "overdue": 0}
    assert sorted((c["id"], c["unit"], c["status"], c["result"]) for c in view["children"]) == [
        (children["a"], "xa-a", "completed", "early"), (children["b"], "xa-b", "completed", "late"),
        (children["c"], "xa-c", "completed", "late")]
    # Who heard what: each commune in its own chat; upstairs only from the parent, once a step.
    messages = sent(settings.database_url, parent)
    upstairs = [(s, step) for s, step, r in messages if r in ("phan-viet-dien", "supervisors")]
    assert all(s == parent for s, _ in upstairs)
    steps = [step for s, step in upstairs if step != "completed"]
    assert steps.count("after-10") == 1 and steps.count("after-20") == 2  # the lead official; the supervisors
    for c in "abc":
        assert {r for s, _, r in messages if s == children[c]} == {f"xa-{c}"}
