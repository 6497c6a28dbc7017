"""Issue 4, point 11, end to end: `./dondoc up` with the drill configuration and
local Zalo and SMTP servers; a task added 60 s ahead reaches the unit three times
by its deadline, the lead official and the supervisors after it -- across a
`kill -9` of everything and a restart on the same data folder -- and the delivery
log shows no step sent twice."""
from __future__ import annotations

import json
import subprocess
import time
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


def test_drill_task_survives_kill_9(tmp_path, fake_zalo, fake_smtp):
    data = tmp_path / "data"
    env = {"DRILL_SMTP_PORT": str(fake_smtp.port), "DONDOC_SECRET_KEY": "drill-secret"}
    stack = Stack(data, config=DRILL, extra_env=env).start()
    try:
        stack.wait_ready()
        started = datetime.now(timezone.utc)
        task_id = add_task(stack, started + timedelta(seconds=60))
        chat = lambda name: [t for t in fake_zalo.texts(name) if TITLE in t]  # noqa: E731
        wait_until(lambda: chat("unit-chat"), 40, "the first reminder (40 s before)")
        stack.kill9()
        assert wait_ports_free([stack.temporal_port, stack.web_port])
        stack = Stack(data, config=DRILL, extra_env=env).start()
        stack.wait_ready()
        wait_until(lambda: chat("bcd-chat"), 150, "the supervisors (20 s after the deadline)")
        time.sleep(3)  # let any duplicate show itself
        assert len(chat("unit-chat")) >= 5  # 3 by the deadline, +10 s, +20 s (then every 30 s)
        assert len(chat("lead-chat")) >= 2 and len(chat("bcd-chat")) >= 1
        with session_scope(f"sqlite:///{data / 'dondoc.sqlite3'}") as session:
            rows = session.scalars(select(Delivery).where(Delivery.subject_id == task_id)).all()
            sent = sorted((r.step, r.recipient) for r in rows if r.key.count("|") == 3 and r.status == "sent")
        expected = {("before-40", "vhxh"), ("before-20", "vhxh"), ("due", "vhxh"), ("after-10", "vhxh"),
                    ("after-10", "phan-viet-dien"), ("after-20", "vhxh"), ("after-20", "phan-viet-dien"),
                    ("after-20", "supervisors")}
        assert expected <= set(sent)
        assert len(sent) == len(set(sent))
        # The fake Zalo saw each step once per chat: no step went out twice.
        steps_seen = len(chat("unit-chat"))
        assert steps_seen == len([s for s in sent if s[1] == "vhxh"])
    finally:
        stack.stop()
