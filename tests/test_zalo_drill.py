"""Sign-up on the drill stack (`./dondoc up --config config/examples/drill.toml`) with
the Zalo stand-in in strict mode: a person added to "Phòng Văn hóa - Xã hội" and
invited sends the code inside a sentence; within 20 s `people show` says linked and
the bot has answered in that chat; the next reminder of a task of that unit reaches
that chat (the unit's own configured chat, which never wrote to the bot, is refused
by Zalo and its email carries the reminder)."""
from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from embedded import DONDOC, ROOT, Stack
from peers import FakeZalo
from test_task_drill import DRILL, wait_until


@pytest.fixture
def strict_zalo(monkeypatch):
    zalo = FakeZalo(strict=True)
    monkeypatch.setenv("DONDOC_ZALO_API_URL", zalo.start())
    yield zalo
    zalo.stop()


def cli(stack: Stack, *args: str) -> dict:
    out = subprocess.run([DONDOC, "--config", DRILL, *args], cwd=ROOT, env=stack.env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_sign_up_on_the_drill_stack_then_the_reminder_reaches_the_person(tmp_path, strict_zalo, fake_smtp):
    env = {"DRILL_SMTP_PORT": str(fake_smtp.port), "DONDOC_SECRET_KEY": "drill-signup-" + "s" * 32}
    stack = Stack(tmp_path / "data", config=DRILL, extra_env=env).start()
    try:
        stack.wait_ready()
        person = cli(stack, "people", "add", "--name", "Nguyễn Thị Lan", "--unit", "Phòng Văn hóa - Xã hội",
                     "--email", "lan@drill.local", "--json")["id"]
        invitation = cli(stack, "people", "invite", str(person), "--json")
        assert invitation["code"] in invitation["text"] and "Zalo" in invitation["text"]
        strict_zalo.user_writes("lan-chat", f"Em chào bot ạ, mã của em là {invitation['code']} nhé", "Lan")
        shown = wait_until(lambda: (v := cli(stack, "people", "show", str(person), "--json"))["zalo"]["linked"] and v,
                           20, "the person linked")
        assert shown["units"] == ["Phòng Văn hóa - Xã hội"] and shown["zalo"]["broken"] is False
        assert any("Nguyễn Thị Lan" in t for t in strict_zalo.texts("lan-chat"))

        title = "Báo cáo diễn tập đăng ký Zalo"
        due = datetime.now(timezone.utc) + timedelta(seconds=50)
        subprocess.run([DONDOC, "--config", DRILL, "task", "add", "--title", title, "--unit", "vhxh",
                        "--due", due.isoformat(), "--json"], cwd=ROOT, env=stack.env, check=True,
                       capture_output=True, timeout=60)
        reminder = wait_until(lambda: [t for t in strict_zalo.texts("lan-chat") if title in t], 40,
                              "the reminder in the person's chat")
        assert stack.url + "/c/" in reminder[0]
        wait_until(lambda: [m for m in fake_smtp.to("unit@drill.local") if title in m.text], 20,
                   "the unit's email (its configured chat never wrote to the bot)")
    finally:
        stack.stop()
