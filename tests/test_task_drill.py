"""The drill end to end: `./dondoc up` with the drill
configuration and local Zalo and SMTP servers; a task added 60 s ahead reaches the
unit three times by its deadline, the lead official and the supervisors after it
-- across a `kill -9` of everything and a restart on the same data folder and
ports -- and is then confirmed through the link page over real HTTP (the stack's
own web process), with the link from the first Zalo message, sent before the
kill: the task closes as late, everyone reminded is told once, the reminders stop,
and the delivery log shows no step sent twice."""
from __future__ import annotations

import html
import json
import re
import subprocess
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

from embedded import DONDOC, ROOT, Stack, wait_ports_free
from peers import fake_smtp, fake_zalo  # noqa: F401 (fixtures)
from sqlalchemy import select

from config.loader import EXAMPLES
from store.db import session_scope
from store.models import Delivery

DRILL = str(EXAMPLES / "drill.toml")
TITLE = "Nộp báo cáo diễn tập chuyển đổi số"


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def add_task(stack: Stack, due: datetime) -> str:
    out = subprocess.run([DONDOC, "--config", DRILL, "task", "add", "--title", TITLE, "--unit",
                          "Phòng Văn hóa - Xã hội", "--due", due.isoformat(), "--json"],
                         cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["id"]


def page_token(link: str) -> str:
    """GET the page (changes nothing) and read its form's CSRF field."""
    with urllib.request.urlopen(link, timeout=20) as r:
        page = r.read().decode()
    form = page.split(f'action="{urllib.parse.urlsplit(link).path}"', 1)[1]
    return html.unescape(re.search(r'name="csrf_token" value="([^"]+)"', form).group(1))


def confirm_over_http(link: str, public_url: str, token: str, number: str = "88/BC-VHXH") -> tuple[int, str]:
    """What the officer's phone does: POST the page's form from the same origin."""
    today = datetime.now(timezone(timedelta(hours=7))).date().isoformat()
    body = urllib.parse.urlencode({"csrf_token": token, "document_number": number, "issued_on": today,
                                   "summary": "Báo cáo kết quả diễn tập chuyển đổi số", "link": "",
                                   "note": ""}).encode()
    request = urllib.request.Request(link, data=body, method="POST", headers={
        "Origin": public_url, "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def show(stack: Stack, task_id: str) -> dict:
    out = subprocess.run([DONDOC, "--config", DRILL, "task", "show", task_id, "--json"], cwd=ROOT, env=stack.env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_drill_task_survives_kill_9_and_is_confirmed_through_the_page(tmp_path, fake_zalo, fake_smtp):
    data = tmp_path / "data"
    env = {"DRILL_SMTP_PORT": str(fake_smtp.port), "DONDOC_SECRET_KEY": "drill-secret-kkkkkkkkkkkkkkkkkkkkkkkkkkk"}
    stack = Stack(data, config=DRILL, extra_env=env).start()
    try:
        stack.wait_ready()
        started = datetime.now(timezone.utc)
        task_id = add_task(stack, started + timedelta(seconds=60))
        chat = lambda name: [t for t in fake_zalo.texts(name) if TITLE in t]  # noqa: E731
        wait_until(lambda: chat("unit-chat"), 40, "the first reminder (40 s before)")
        first_link = re.search(r"https?://\S+/c/[A-Za-z0-9_\-.]+", chat("unit-chat")[0]).group(0)
        assert first_link.startswith(stack.url)
        stack.kill9()
        assert wait_ports_free([stack.temporal_port, stack.web_port, stack.ui_port])
        stack = Stack(data, config=DRILL, extra_env=env, ports_of=stack).start()
        stack.wait_ready()
        wait_until(lambda: chat("bcd-chat"), 150, "the supervisors (20 s after the deadline)")
        # One step's messages go out in parallel: the unit's copy of +20 s (it carries a link,
        # written to the store first) may land a moment after the supervisors'.
        wait_until(lambda: len(chat("unit-chat")) >= 5, 20, "the unit's 5th message (3 by the deadline, +10 s, +20 s)")
        wait_until(lambda: len(chat("lead-chat")) >= 2, 20, "the lead official's +10 s and +20 s messages")

        # The officer opens the first message's link (sent before the kill) and confirms.
        token = page_token(first_link)
        status, page = confirm_over_http(first_link, stack.url, token)
        assert status == 200, page
        assert "Đã ghi nhận xác nhận" in page and "Hoàn thành quá hạn" in page
        done = lambda name: [t for t in chat(name) if "NHIỆM VỤ ĐÃ HOÀN THÀNH" in t]  # noqa: E731
        for name in ("unit-chat", "lead-chat", "bcd-chat"):
            wait_until(lambda: done(name), 30, f"the completed notice in {name}")
        shown = show(stack, task_id)
        assert (shown["status"], shown["result"]) == ("completed", "late")
        assert shown["level"] == 2
        reminders = {name: len(chat(name)) for name in ("unit-chat", "lead-chat", "bcd-chat")}
        time.sleep(4)  # let any duplicate or a reminder after the confirmation show itself
        assert {name: len(chat(name)) for name in reminders} == reminders
        assert all(len(done(name)) == 1 for name in reminders)
        # A second submission (a colleague with the same form open) changes nothing.
        status, again = confirm_over_http(first_link, stack.url, token, number="99/KHAC")
        assert status == 200 and "đã được xác nhận trước đó" in again and "88/BC-VHXH" in again
        assert "99/KHAC" not in again and show(stack, task_id)["evidence"]["document_number"] == "88/BC-VHXH"

        with session_scope(f"sqlite:///{data / 'dondoc.sqlite3'}") as session:
            rows = session.scalars(select(Delivery).where(Delivery.subject_id == task_id)).all()
            sent = sorted((r.step, r.recipient) for r in rows if r.is_message and r.status == "sent")
        expected = {("before-40", "vhxh"), ("before-20", "vhxh"), ("due", "vhxh"), ("after-10", "vhxh"),
                    ("after-10", "phan-viet-dien"), ("after-20", "vhxh"), ("after-20", "phan-viet-dien"),
                    ("after-20", "supervisors"), ("completed", "vhxh"), ("completed", "phan-viet-dien"),
                    ("completed", "supervisors")}
        assert expected <= set(sent)
        assert len(sent) == len(set(sent))
        # The fake Zalo saw each step once per chat: no step went out twice.
        assert len(chat("unit-chat")) == len([s for s in sent if s[1] == "vhxh"])
        assert len(chat("bcd-chat")) == len([s for s in sent if s[1] == "supervisors"])
    finally:
        stack.stop()
