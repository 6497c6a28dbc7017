"""People read names, not keys (issue 16, part 4), beyond tests/test_names_not_codes.py:
the pages that test does not open (accounts, a person, password, login, an unknown URL,
the four signed-link pages), a task's timeline after the standing office's actions (a
reassignment, a new deadline, a resent and a revoked link, an extension, cycles reported
and missed, a cancellation) with messages to a registered person, the supervisors and
the outbox; the Zalo-outage message; and the command line's text output for the same
seeded plan (task list/show, incident list/show, schedules, users, report daily).

Besides that test's forbidden words: level keys ("lead", "supervisors"), channel keys
written in lower case ("zalo", "outbox"), registered people's keys ("person:1") and
ISO dates or cycle keys ("2026-05", "2026-05-29") in text a person reads."""
from __future__ import annotations

import os
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from config.loader import DEFAULT_CONFIG, load_config
from config.settings import load_settings
from notifiers.render import render
from store.db import session_scope
from store.links import issue
from store.models import Delivery, Event, Person, PersonUnit, Task, User
from web.app import create_app
from web.passwords import hash_password

from test_names_not_codes import CONTEXT, NOW, OWN, TODAY, dash, leaks, seed, visible  # noqa: F401 (dash: fixture)

ROOT = Path(__file__).resolve().parents[1]
MORE = [re.compile(p) for p in (
    r"(?<![\w-])(?:lead|supervisors|unit)(?![\w-])",        # level keys
    r"(?<![\w./@-])(?:zalo|outbox)(?![\w.-])",               # channel keys (the brand is "Zalo")
    r"\bperson:\d+",                                          # registered people's keys
    r"(?<![\w/-])\d{4}-\d{2}(?:-\d{2})?(?![\w/-])",          # ISO dates, cycle keys
)]


def more_leaks(text: str) -> list[str]:
    return sorted(set(leaks(text)) | {m.group(0) for pattern in MORE for m in pattern.finditer(text)})


def seed_more(url: str) -> tuple[int, int]:
    """A registered person, the office's actions on task/12/1, a cancelled task and a daily
    report archived as the report workflow does; (the person's id, the report's id)."""
    at = NOW - timedelta(days=2)
    tid = "task/12/1"
    with session_scope(url) as s:
        person = Person(name="Nguyễn Thị Lan", role="officer", email="lan@example.vn",
                        units=[PersonUnit(unit_key="vhxh")])
        s.add(person)
        s.add(User(username="vanphong", password_hash=hash_password("mat-khau-van-phong-2026"), role="office"))
        s.add(Task(id="task/12/6", plan_id=s.query(Task).get(tid).plan_id, stt="6", title="Số hóa bảo tàng",
                   lead_units=["vhxh"], due=TODAY + timedelta(days=9), status="cancelled"))
        s.flush()
        events = [
            ("task_amended", {"changes": ["lead_units", "lead_official", "due"], "lead_units": ["cong-an-dk"],
                              "lead_official": "vu-huu-vung", "old_due": TODAY.isoformat(),
                              "new_due": (TODAY + timedelta(days=30)).isoformat(), "decision_number": "45/QĐ-UBND",
                              "decision_date": TODAY.isoformat(), "decided_by": "Chủ tịch UBND đặc khu",
                              "reason": "Điều chỉnh theo kế hoạch", "by": "vanphong"}),
            ("link_resent", {"by": "vanphong"}),
            ("link_revoked", {"recipient": "vhxh", "purpose": "confirm", "by": "vanphong"}),
            ("task_extended", {"old_due": TODAY.isoformat(), "new_due": (TODAY + timedelta(days=40)).isoformat(),
                               "reason": "Chờ kinh phí", "approved_by": "Phan Viết Điện"}),
            ("cycle_missed", {"cycle": "2026-04", "result": "late"}),
            ("cycle_reported", {"cycle": "2026-05", "result": "on_time", "reported_on": TODAY.isoformat()}),
            ("escalation", {"level": "supervisors", "levels": ["unit", "lead", "supervisors"]}),
            ("extension_requested", {"request_id": "r2", "cycle": "", "new_due": (TODAY + timedelta(days=50)).isoformat(),
                                     "reason": "Chờ thẩm định", "requested_by": "vhxh", "old_due": TODAY.isoformat()}),
        ]
        for n, (kind, data) in enumerate(events):
            s.add(Event(subject_id=tid, kind=kind, at=at + timedelta(hours=n), key=f"more|{n}", data=data))
        s.add(Event(subject_id="task/12/6", kind="task_cancelled", at=at, key="more|cancel",
                    data={"reason": "Trùng nhiệm vụ khác", "by": "vanphong"}))
        for n, (step, recipient, channel, cycle) in enumerate((
                ("resend-1", "vhxh", "outbox", ""), ("after-2", f"person:{person.id}", "zalo", "2026-05"),
                ("r1/after-3", "supervisors", "email", "2026-05"), ("cancelled", "vhxh", "zalo", ""))):
            subject = "task/12/6" if step == "cancelled" else tid
            key = f"{subject}|{cycle}|{step}|{recipient}"
            s.add(Delivery(key=key, subject_id=subject, cycle=cycle, step=step, recipient=recipient, channel=channel,
                           status="sent", attempts=1, created_at=at + timedelta(hours=n, minutes=30)))
            s.add(Delivery(key=f"{key}|{channel}", subject_id=subject, cycle=cycle, step=step, recipient=recipient,
                           channel=channel, status="sent", attempts=1, parent_key=key,
                           created_at=at + timedelta(hours=n, minutes=30)))
        s.add(Delivery(key="zalo-bot||zalo_outage/20260530T010203000000|van-phong", subject_id="zalo-bot", cycle="",
                       step="zalo_outage/20260530T010203000000", recipient="van-phong", channel="email",
                       status="sent", attempts=1, created_at=at))
        person_id = person.id
    from activities.reports import archive
    from store.report_loading import daily_data

    report_id, _, _ = archive(url, "daily", NOW - timedelta(hours=1),
                              daily_data(url, load_config(DEFAULT_CONFIG), NOW - timedelta(hours=1)))
    return person_id, report_id


def settings_of(sqlite_url: str):
    folder = sqlite_url.replace("sqlite:///", "").rsplit("/", 1)[0]
    return load_settings({"DONDOC_DATA_DIR": folder, "DONDOC_DATABASE_URL": sqlite_url})


def link_paths(sqlite_url: str, report_id: int) -> dict[str, str]:
    settings, later = settings_of(sqlite_url), NOW + timedelta(days=30)
    made = {"confirm": ("task/12/1", "vhxh"), "extend": ("task/12/1", "phan-viet-dien"),
            "incident": ("incident/1", "cong-an-dk"), "report": (f"report/{report_id}", "supervisors")}
    return {purpose: issue(sqlite_url, settings.link_key, settings.public_url, subject, "", recipient, purpose,
                           later).replace(settings.public_url, "")
            for purpose, (subject, recipient) in made.items()}


def test_the_extra_patterns_see_keys():
    assert more_leaks("cấp: lead · qua zalo · person:7 · kỳ 2026-05 · hạn 2026-05-29") == [
        "2026-05", "2026-05-29", "lead", "person:7", "zalo"]
    assert more_leaks("Zalo, Email, zalo.me/abc, 45/QĐ-UBND, 31/12/2026, Hộp thư đi, Quý II/2026") == []


def test_the_other_pages_show_names(dash, sqlite_url):
    person, report_id = seed_more(sqlite_url)
    paths = ["/dashboard/users", f"/dashboard/people/{person}", "/account/password", "/dashboard/tasks/task/12/1",
             "/dashboard/tasks/task/12/6", "/dashboard/outbox", "/dashboard/outbox?channel=outbox",
             "/dashboard/incidents/incident/1", "/dashboard/no-such-page", f"/dashboard/reports/{report_id}",
             *link_paths(sqlite_url, report_id).values()]
    found = {}
    for path in paths:
        page = dash.get(path)
        assert page.status_code in (200, 404), (path, page.status_code)
        found[path] = more_leaks(visible(page.text))
    found["/login"] = more_leaks(visible(TestClient(dash.app, base_url=str(dash.base_url)).get("/login").text))
    assert {path: words for path, words in found.items() if words} == {}
    task = visible(dash.get("/dashboard/tasks/task/12/1").text)
    for words in ("đơn vị chủ trì mới: Công an đặc khu", "lãnh đạo phụ trách mới: Vũ Hữu Vững", "Nguyễn Thị Lan",
                  "người thực hiện: vanphong", "tháng 5/2026 → Nguyễn Thị Lan qua Zalo", "cấp: Ban Chỉ đạo",
                  "kỳ: tháng 4/2026", "KHCN, ĐMST và CĐS đặc khu qua email", "→ Phòng Văn hóa - Xã hội qua hộp thư đi"):
        assert words in task, words


@pytest.mark.parametrize("kind", ["zalo_token_refused"])
def test_the_outage_message_shows_names(kind):
    msg = render(kind, {**CONTEXT, "bot": "Đôn đốc Đặc khu", "since": "08:00 30/05/2026", "error": "401"})
    shown = {"subject": msg.subject, "text": msg.text, "chat": msg.chat, "html": visible(msg.html)}
    assert {part: leaks(text) for part, text in shown.items() if leaks(text)} == {}


def dondoc(url: str, *args: str) -> str:
    env = {**os.environ, "DONDOC_DATABASE_URL": url, "DONDOC_TEMPORAL_ADDRESS": "127.0.0.1:1"}
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "dondoc"), *args], env=env, capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, (args, done.stderr[-2000:])
    return done.stdout


def test_the_command_line_shows_names(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    dondoc(url, "migrate")
    seed(url)
    seed_more(url)
    found = {}
    for args in (("task", "list"), ("task", "list", "--overdue"), ("task", "show", "task/12/1"),
                 ("task", "show", "task/12/6"), ("incident", "list"), ("incident", "show", "1"), ("schedules",),
                 ("users", "list"), ("people", "list"), ("report", "daily")):
        text = dondoc(url, "--config", str(DEFAULT_CONFIG), *args)
        found[" ".join(args)] = more_leaks(text.replace("task/12/", "").replace("Mã", ""))  # the task ids to type
    assert {args: words for args, words in found.items() if words} == {}
    shown = dondoc(url, "incident", "show", "1")
    assert "Sự cố số 1" in shown and "Báo sự cố cho đơn vị → Công an đặc khu (Zalo): đã gửi" in shown
    assert "Đôn đốc quá hạn → Nguyễn Thị Lan (Zalo): đã gửi" in dondoc(url, "task", "show", "task/12/1")
    assert "Số    Tình trạng" in dondoc(url, "incident", "list")
    schedules = dondoc(url, "schedules")
    assert "Báo cáo hằng ngày: 16:00 hằng ngày, chỉ gửi ngày làm việc (giờ Việt Nam)" in schedules
    assert re.search(r"Thứ Bảy +\d\d/\d\d/\d{4} 16:00  \(Cuối tuần: không gửi\)", schedules), schedules


@pytest.mark.parametrize("kind, data, words", [
    # A missed report cycle keeps result "late" for the roll-up: the timeline says the
    # cycle was missed (its label), never "Hoàn thành quá hạn" beside it.
    ("cycle_missed", {"result": "late", "cycle": "2026-05"}, ["kỳ: tháng 5/2026"]),
    ("task_completed", {"result": "late"}, ["kết quả: Hoàn thành quá hạn"]),
    ("cycle_reported", {"result": "on_time"}, ["kết quả: Hoàn thành đúng hạn"]),
])
def test_timeline_details_say_a_missed_cycle_was_not_completed(kind, data, words):
    from web.pages import event_details

    assert event_details(data, kind) == words
