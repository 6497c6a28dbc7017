"""People read names, not keys: every dashboard page and every message template,
rendered for a seeded plan, shows units, officials, recipients, steps and events
by their Vietnamese names -- never a directory key ("vhxh", "phan-viet-dien"), an
English event kind ("incident_opened"), a workflow id ("incident/1") or a raw step
("(assigned)"). Only the text a person reads counts: tags, scripts, styles and
attribute values (links, form values) are left out."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
from starlette.testclient import TestClient

from config.loader import DEFAULT_CONFIG, load_config
from config.settings import load_settings
from domain.calendar import VN_TZ
from notifiers.render import KINDS, render
from store.db import make_engine, session_scope
from store.models import Base, Delivery, Event, Incident, OutboxMessage, Plan, Report, Task
from web.app import create_app
from web.users import change_password, ensure_admin

NOW = datetime.now(timezone.utc)
TODAY = NOW.astimezone(VN_TZ).date()  # the day in Vietnam, as the product counts (UTC is a day behind from 17:00)
OWN = "mat-khau-rieng-2026"

# The directory's keys a person must never read (config/… default directory).
UNIT_KEYS = ["vhxh", "vp-ubnd", "kinh-te", "ttpvhcc", "cong-an-dk", "mttq-dk", "cac-thon", "so-khcn",
             "cong-an-tp", "so-tai-chinh", "so-noi-vu", "ban-to-chuc-tu", "ubkt-tu", "van-phong-tu", "mttq-tp"]
OFFICIAL_KEYS = ["phan-viet-dien", "vu-huu-vung", "pham-tri-tuyen", "hoang-minh-cuong", "nguyen-quang-phuc",
                 "le-tri-vu", "nguyen-anh-tuan", "pham-van-lap"]
EVENT_KINDS = ["task_assigned", "task_step", "task_completed", "task_extended", "task_amended", "task_cancelled",
               "cycle_opened", "cycle_reported", "cycle_missed", "extension_requested", "extension_approved",
               "extension_declined", "no_channel", "incident_opened", "escalate-1", "incident_step", "incident_reported",
               "assigned", "escalation", "reminder", "before-3", "after-1", "repeat-2"]
FORBIDDEN = [re.compile(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])") for word in UNIT_KEYS + OFFICIAL_KEYS + EVENT_KINDS]
EVENT_KINDS += ["indicator_followed", "indicator_step", "indicator_cycle_opened", "indicator_cycle_reported",
                "indicator_cycle_missed", "indicator_year_judged", "met", "not_met", "no_data", "unclear"]
EVENT_KINDS += ["task_progress", "checkin", "difficulty-0a1b2c3d4e5f"]  # a unit's progress (issue 18)
EVENT_KINDS += ["task_review_waiting", "task_review_reminded", "task_returned", "task_review_accepted",  # review
                "awaiting_review", "returned-1", "returned-1-email", "review-1-remind-1", "issued_on", "arrival",
                "standing_office"]
FORBIDDEN = [re.compile(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])") for word in UNIT_KEYS + OFFICIAL_KEYS + EVENT_KINDS]
FORBIDDEN += [re.compile(r"\b(?:task|incident|report|indicator)/[\w./-]+"),   # workflow ids
              re.compile(r"\([a-z][a-z0-9]*(?:[_/-][a-z0-9]+)+\)")]  # "(before-3)", "(r1/after-1)"; "(assigned)" is a kind


class _Visible(HTMLParser):
    """The text a person reads: data outside <script>/<style>, no tags, no attribute values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def leaks(text: str) -> list[str]:
    return sorted({m.group(0) for pattern in FORBIDDEN for m in pattern.finditer(text)})


def seed(url: str) -> None:
    Base.metadata.create_all(make_engine(url))
    at = NOW - timedelta(days=10)
    with session_scope(url) as s:
        plan = Plan(name="Kế hoạch số 12/KH-UBND")
        s.add(plan)
        s.flush()
        s.add_all([
            Task(id="task/12/1", plan_id=plan.id, stt="1", title="Số hóa hồ sơ văn hóa", lead_units=["vhxh"],
                 coordinating_units=["vp-ubnd"], lead_official="phan-viet-dien", due=TODAY - timedelta(days=2)),
            Task(id="task/12/2", plan_id=plan.id, stt="2", title="Bảo đảm an ninh mạng", lead_units=["cong-an-dk"],
                 lead_official="phan-viet-dien", due=TODAY + timedelta(days=5), deadline_kind="recurring",
                 every="month"),
            Task(id="task/12/3", plan_id=plan.id, stt="3", title="Báo cáo chuyển đổi số", lead_units=["vhxh"],
                 lead_official="phan-viet-dien", due=TODAY - timedelta(days=3), status="completed",
                 result="on_time", completed_on=TODAY - timedelta(days=3)),
        ])
        tid = "task/12/1"
        events = [
            ("task_assigned", {"policy": "once", "due": TODAY.isoformat(), "assigned_at": at.isoformat()}),
            ("task_step", {"step": "before-3", "deliveries": 2}),
            ("task_step", {"step": "after-1", "deliveries": 0}),
            ("cycle_opened", {"cycle": "2026-05", "due": TODAY.isoformat()}),
            ("extension_requested", {"new_due": "2026-12-31", "reason": "Chờ kinh phí", "requested_by": "vhxh"}),
            ("extension_declined", {"decided_by": "phan-viet-dien", "note": "Không đủ căn cứ"}),
            ("escalation", {"level": "lead", "levels": ["unit", "lead"]}),
            ("no_channel", {"step": "after-1", "kind": "escalation"}),
            ("task_completed", {"result": "on_time", "reported_on": TODAY.isoformat()}),
            ("task_progress", {"percent": 40, "done": "Đã khảo sát", "difficulty": "Thiếu kinh phí",
                               "proposal": "Đề nghị bố trí kinh phí", "by": "Phòng Văn hóa - Xã hội",
                               "reporter": "vhxh"}),
        ]
        for n, (kind, data) in enumerate(events):
            s.add(Event(subject_id=tid, kind=kind, at=at + timedelta(hours=n), data=data))
        for n, (step, recipient) in enumerate([("assigned", "vhxh"), ("before-3", "vhxh"), ("after-1", "phan-viet-dien"),
                                              ("r1/repeat-2", "ban-chi-dao"), ("escalation", "vp-ubnd"),
                                              ("checkin", "vhxh"), ("difficulty-0a1b2c3d4e5f", "phan-viet-dien")]):
            key = f"{tid}||{step}|{recipient}"
            s.add(Delivery(key=key, subject_id=tid, step=step, recipient=recipient, channel="zalo",
                           status="sent" if n % 2 == 0 else "failed", attempts=1 + n % 3,
                           error="" if n % 2 == 0 else "HTTP 500", created_at=at + timedelta(hours=n, minutes=5)))
            for channel, status in (("zalo", "failed"), ("email", "sent")):
                s.add(Delivery(key=f"{key}|{channel}", subject_id=tid, step=step, recipient=recipient,
                               channel=channel, status=status, attempts=1, parent_key=key,
                               created_at=at + timedelta(hours=n, minutes=5)))
        s.add(Incident(id="incident/1", unit="cong-an-dk", title="Mã độc trên máy chủ", severity="cao",
                       detected_at=NOW - timedelta(hours=3), due_at=NOW + timedelta(hours=21)))
        s.add(Event(subject_id="incident/1", kind="incident_opened", at=NOW - timedelta(hours=3),
                    data={"unit": "cong-an-dk"}))
        for n, step in enumerate(("alert", "escalate-1")):
            s.add(Event(subject_id="incident/1", kind="incident_step", at=NOW - timedelta(hours=2 - n),
                        data={"step": step}))
            key = f"incident/1||{step}|cong-an-dk"
            s.add(Delivery(key=key, subject_id="incident/1", step=step, recipient="cong-an-dk", channel="zalo",
                           status="sent", attempts=1, created_at=NOW - timedelta(hours=2 - n)))
        _seed_review(s, plan.id)
        s.add(Report(kind="daily", as_of=NOW, short_text="Báo cáo ngày: 1 nhiệm vụ quá hạn (Phòng Văn hóa - Xã hội)",
                     html="<h1>Báo cáo</h1>"))
        s.add(OutboxMessage(recipient="vhxh", title="[Nhắc việc] Số hóa hồ sơ văn hóa",
                            body="Nhiệm vụ sắp tới hạn\nhttp://x/c/abc"))
        s.add(OutboxMessage(recipient="phan-viet-dien", title="[Leo thang] Số hóa hồ sơ văn hóa", body="Quá hạn"))


def _seed_review(s, plan_id: int) -> None:
    """A result awaiting the standing office's review after one return (workflows/task_review.py)."""
    tid, at = "task/12/4", NOW - timedelta(days=2)
    evidence = {"document_number": "21/BC-VHXH", "issued_on": (TODAY - timedelta(days=3)).isoformat(),
                "summary": "Đã số hóa", "confirmed_by": "vhxh", "confirmed_at": at.isoformat(),
                "judged_by": "issued_on", "judged_on": (TODAY - timedelta(days=3)).isoformat()}
    s.add(Task(id=tid, plan_id=plan_id, stt="4", title="Số hóa di tích", lead_units=["vhxh"],
               lead_official="phan-viet-dien", due=TODAY - timedelta(days=1), status="awaiting_review",
               evidence=evidence))
    events = [("task_review_waiting", {"evidence": evidence, "result": "early", "judged_by": "arrival"}),
              ("task_returned", {"by": "vanphong", "reason": "Thiếu số liệu", "judged_by": "arrival",
                                 "document_number": "20/BC-VHXH"}),
              ("task_review_waiting", {"evidence": evidence, "result": "early", "judged_by": "issued_on"}),
              ("task_review_reminded", {"step": "review-1-remind-1", "deliveries": [], "waiting_since": at.isoformat()})]
    for n, (kind, data) in enumerate(events):
        s.add(Event(subject_id=tid, kind=kind, at=at + timedelta(hours=n), data=data))
    for n, (step, recipient) in enumerate([("returned-1", "vhxh"), ("returned-1-email", "vhxh"),
                                           ("review-1-remind-1", "vhxh")]):
        s.add(Delivery(key=f"{tid}||{step}|{recipient}", subject_id=tid, step=step, recipient=recipient,
                       channel="zalo", status="sent", attempts=1, created_at=at + timedelta(hours=n, minutes=5)))
    s.add(Task(id="task/12/5", plan_id=plan_id, stt="5", title="Số hóa lễ hội", lead_units=["vhxh"],
               due=TODAY - timedelta(days=4), status="completed", result="on_time", completed_on=TODAY - timedelta(days=4),
               evidence={**evidence, "accepted_by": "vanphong", "accepted_at": NOW.isoformat()}))
    s.add(Event(subject_id="task/12/5", kind="task_review_accepted", at=NOW,
                data={"by": "vanphong", "judged_by": "issued_on", "result": "on_time", "document_number": "21/BC"}))


@pytest.fixture
def dash(tmp_path, sqlite_url, monkeypatch):
    monkeypatch.delenv("DONDOC_SECRET_KEY", raising=False)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url})
    config = load_config(DEFAULT_CONFIG)
    seed(sqlite_url)
    client = TestClient(create_app(settings, config), base_url=settings.public_url)
    password = ensure_admin(sqlite_url, config)
    assert change_password(sqlite_url, "admin", password, OWN, OWN) is None
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    done = client.post("/login", data={"csrf_token": token, "username": "admin", "password": OWN,
                                       "next": "/dashboard"}, follow_redirects=False)
    assert done.status_code == 303
    return client


def test_the_helpers_see_keys():
    assert leaks("Giao cho vhxh (before-3) incident/1") == ["(before-3)", "before-3", "incident/1", "vhxh"]
    assert leaks(visible('<a href="/dashboard/tasks/task/12/1" title="vhxh">Phòng Văn hóa - Xã hội</a>')) == []


def test_every_dashboard_page_shows_names(dash, city_notice):
    report_id = re.search(r'href="/dashboard/reports/(\d+)"', dash.get("/dashboard/reports").text).group(1)
    paths = ["/dashboard", "/dashboard?unit=vhxh", "/dashboard/tasks/task/12/1", "/dashboard/tasks/task/12/2",
             "/dashboard/tasks/task/12/3", "/dashboard/tasks/task/12/4", "/dashboard/tasks/task/12/5", "/dashboard/incidents", "/dashboard/incidents/incident/1",
             "/dashboard/incidents/new", "/dashboard/reports", f"/dashboard/reports/{report_id}",
             "/dashboard/reports/preview?kind=daily", "/dashboard/reports/preview?kind=period&period=Qu%C3%BD+II%2F2026",
             "/dashboard/outbox", "/dashboard/import", "/dashboard/people"]
    found = {}
    for path in paths:
        page = dash.get(path)
        assert page.status_code == 200, path
        found[path] = leaks(visible(page.text))
    token = re.search(r'name="csrf_token" value="([^"]+)"', dash.get("/dashboard/import").text).group(1)
    preview = dash.post("/dashboard/import", data={"csrf_token": token, "plan": ""},
                        files={"file": ("003.txt", city_notice.read_bytes(), "text/plain")})
    assert preview.status_code == 200
    found["import preview"] = leaks(visible(preview.text))
    assert {path: words for path, words in found.items() if words} == {}
    review = visible(dash.get("/dashboard/tasks/task/12/4").text)
    assert "Duyệt kết quả" in review and "Chờ duyệt" in review and "Văn phòng trả lại kết quả" in review
    assert "Báo đơn vị: kết quả bị trả lại" in review and "xếp loại: theo ngày ban hành văn bản" in review
    accepted = visible(dash.get("/dashboard/tasks/task/12/5").text)
    assert "Văn phòng chấp nhận kết quả" in accepted and "Theo ngày ban hành văn bản" in accepted
    task = visible(dash.get("/dashboard/tasks/task/12/1").text)
    assert "Phòng Văn hóa - Xã hội" in task and "Phan Viết Điện" in task
    assert "Đơn vị báo cáo tiến độ" in task and "tiến độ: 40%" in task  # the progress report, in words
    assert "Đề nghị báo cáo tiến độ" in task and "Báo khó khăn, vướng mắc" in task
    assert "Sự cố số 1" in visible(dash.get("/dashboard/incidents/incident/1").text)
    assert "Công an đặc khu" in visible(dash.get("/dashboard/incidents/incident/1").text)


CONTEXT = dict(
    title="Số hóa hồ sơ văn hóa", plan="Kế hoạch số 12/KH-UBND", stt="1", units=["Phòng Văn hóa - Xã hội"],
    lead_official="Phan Viết Điện", output="Báo cáo kết quả", due="2026-06-30", days_left=3, days_late=4,
    notified=["Phòng Văn hóa - Xã hội", "Phan Viết Điện"], link="http://127.0.0.1:8000/c/abc",
    recipient_name="Phòng Văn hóa - Xã hội", level="lead", period="tháng 05/2026", result="late",
    completed_on="2026-06-29", old_due="2026-06-30", new_due="2026-07-31", reason="Chờ bố trí kinh phí",
    approved_by="Phan Viết Điện", detected_at="2026-06-01T01:30:00+00:00", due_at="2026-06-02T01:30:00+00:00",
    hours_left=12, hours_late=6.5, severity="cao", reported_at="2026-06-01T04:00:00Z", report_number="15/BC-CA",
    missed_recipient="Công an đặc khu", missed_level="unit", missed_subject="[Nhắc việc] Còn 3 ngày",
    errors=["zalo: error=400", "email: connection refused"], unit="Công an đặc khu", incident="Sự cố số 1",
    difficulty="Thiếu kinh phí mua máy chủ", proposal="Đề nghị bố trí kinh phí", percent=40,
    reported_by="Nguyễn Thị Lan", target="Đạt 85% dân số", year=2026,
)


@pytest.mark.parametrize("kind", KINDS + ("extension_request", "extension_declined", "indicator_reminder",
                                          "indicator_escalation"))
def test_every_message_shows_names(kind):
    msg = render(kind, CONTEXT)
    shown = {"subject": msg.subject, "text": msg.text, "chat": msg.chat, "html": visible(msg.html)}
    assert {part: leaks(text) for part, text in shown.items() if leaks(text)} == {}


def test_failed_messages_in_the_daily_report_are_named(sqlite_url):
    """The report's list of messages given up on names the task, the step and the
    recipient in words (the archived page and the email show it)."""
    from datetime import datetime, timedelta, timezone

    from config.loader import load_config
    from store.db import session_scope
    from store.models import Delivery, Task
    from store.report_loading import daily_data

    now = datetime(2026, 4, 15, 9, tzinfo=timezone.utc)
    with session_scope(sqlite_url) as s:
        s.add(Task(id="task/ten/1", title="Báo cáo số hóa hồ sơ", lead_units=["vhxh"], deadline_kind="once",
                   status="open"))
        s.add(Delivery(key="task/ten/1||after-3|phan-viet-dien", subject_id="task/ten/1", cycle="", step="after-3",
                       recipient="phan-viet-dien", channel="none", status="failed", attempts=4,
                       error="zalo 400: Bad Request", created_at=now - timedelta(hours=2)))
    [failed] = daily_data(sqlite_url, load_config(), now)["failed_deliveries"]
    assert (failed["about"], failed["step_label"], failed["recipient_name"]) == (
        "Báo cáo số hóa hồ sơ", "Đôn đốc quá hạn", "Phan Viết Điện")


def seed_indicators(url: str) -> str:
    """Indicators of the seeded plan with values from a unit, its lead official, a
    registered person, the import and the command line; a followed one's timeline."""
    from datetime import date

    from store.indicator_models import IndicatorValue
    from store.models import Indicator

    at = NOW - timedelta(days=3)
    with session_scope(url) as s:
        plan = s.query(Plan).filter_by(name="Kế hoạch số 12/KH-UBND").one()
        rows = [Indicator(plan_id=plan.id, stt=str(n), name=name, target={"raw": raw, "comparator": "≥", "value": v,
                                                                           "unit": "%"},
                          responsible=units, workflow_id=f"indicator/12/{n}")
                for n, name, raw, v, units in ((1, "Tỉ lệ dân số được phủ sóng 5G", "Đạt 85% dân số", 85, ["so-khcn"]),
                                               (2, "Tỉ lệ hồ sơ trực tuyến", "≥80%", 80, ["vhxh", "cong-an-dk"]),
                                               (3, "Tỉ lệ cán bộ được đào tạo kỹ năng số", "100%", 100, ["Phòng lạ"]))]
        s.add_all(rows)
        s.flush()
        for n, (ind, value, by, status) in enumerate(((rows[0], "120/124 xã (96,8%)", "person:7", "unclear"),
                                                      (rows[0], "Đạt 97%", "so-khcn", "met"),
                                                      (rows[1], "Đang triển khai", "phan-viet-dien", "not_met"),
                                                      (rows[2], "70%", "import", "not_met"),
                                                      (rows[2], "75%", "cli", "not_met"))):
            s.add(IndicatorValue(indicator_id=ind.id, key=f"k{n}", value=value, as_of=date(2026, 3, 31) - timedelta(n),
                                 reported_by=by, reported_at=at + timedelta(hours=n), status=status, cycle="2026-03"))
        wid = "indicator/12/1"
        for n, (kind, data) in enumerate((
                ("indicator_followed", {"cycle": "2026-05", "due": "2026-05-29", "every": "month", "year": 2026,
                                        "status": "open"}),
                ("indicator_step", {"cycle": "2026-05", "step": "after-1", "kind": "indicator_escalation",
                                    "levels": ["unit", "lead"], "level": 1}),
                ("indicator_year_judged", {"year": 2025, "status": "met", "value": "Đạt 97%"}))):
            s.add(Event(subject_id=wid, kind=kind, at=at + timedelta(hours=n), key=f"{wid}|{n}", data=data))
    return "indicator/12/1"


def test_indicator_pages_show_names(dash, sqlite_url):
    """The dashboard's indicator page and the page behind a reminder's link."""
    from store.links import issue

    wid = seed_indicators(sqlite_url)
    settings = load_settings({"DONDOC_DATA_DIR": str(sqlite_url.rsplit("/", 1)[0].replace("sqlite:///", "")),
                              "DONDOC_DATABASE_URL": sqlite_url})
    found = {}
    for path in ("/dashboard/indicators", "/dashboard/indicators?sort=met&unit=vhxh",
                 "/dashboard/indicators?plan=K%E1%BA%BF+ho%E1%BA%A1ch+s%E1%BB%91+12%2FKH-UBND",
                 "/dashboard/reports/preview?kind=daily"):
        page = dash.get(path)
        assert page.status_code == 200, path
        found[path] = leaks(visible(page.text))
    link = issue(sqlite_url, settings.link_key, settings.public_url, wid, "2026-05", "so-khcn", "indicator",
                 NOW + timedelta(days=30))
    page = dash.get(link.replace(settings.public_url, ""))
    assert page.status_code == 200
    found["link page"] = leaks(visible(page.text))
    assert {path: words for path, words in found.items() if words} == {}
    board = visible(dash.get("/dashboard/indicators").text)
    assert "Sở Khoa học và Công nghệ" in board and "Phòng lạ" in board
    assert "Cần xem xét" in board and "120/124 xã (96,8%)" in board and "Giá trị có nhiều số" in board
    shown = visible(page.text)
    assert "Nhập từ kế hoạch" not in shown and "Đạt 97%" in shown and "Cán bộ của đơn vị" in shown
    assert "tháng 5/2026" in shown and "29/05/2026" in shown
    assert "chỉ tiêu: đạt" in visible(dash.get("/dashboard/reports/preview?kind=daily").text).lower()


# -- issue 20: unit groups, group tasks and their children ------------------------------
GROUP_KEYS = ["so-ban-nganh-tp", "xa-phuong-dac-khu", "co-quan-dia-phuong", "dk-cat-hai", "dk-bach-long-vi",
              "p-hong-bang", "p-le-chan", "p-ngo-quyen", "group_escalation", "group_completed", "task_delegated"]
GROUP_FORBIDDEN = [re.compile(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])") for word in GROUP_KEYS]


def group_leaks(text: str) -> list[str]:
    return sorted(set(leaks(text)) | {m.group(0) for p in GROUP_FORBIDDEN for m in p.finditer(text)})


def seed_groups(url: str) -> str:
    """A group task (its two children, one done, one overdue), its escalation and the
    plan imported under one of its children, as the timeline keeps them."""
    parent, at = "task/20/7", NOW - timedelta(days=2)
    with session_scope(url) as s:
        plan = s.query(Plan).filter_by(name="Kế hoạch số 12/KH-UBND").one()
        s.add(Task(id=parent, plan_id=plan.id, stt="7", title="Rà soát dữ liệu dân cư", lead_units=["xa-phuong-dac-khu"],
                   lead_official="hoang-minh-cuong", due=TODAY - timedelta(days=3), level=1, raw={"parent": "group"}))
        for unit, status in (("dk-cat-hai", "completed"), ("p-hong-bang", "open")):
            s.add(Task(id=f"{parent}/{unit}", parent_id=parent, plan_id=plan.id, stt="7", title="Rà soát dữ liệu dân cư",
                       lead_units=[unit], due=TODAY - timedelta(days=3), status=status,
                       result="late" if status == "completed" else None, raw={"parent": "delegated"} if
                       unit == "p-hong-bang" else {}))
        s.add(Task(id="task/kh-phuong/1", parent_id=f"{parent}/p-hong-bang", stt="1", title="Rà soát tổ dân phố 1",
                   lead_units=["vhxh"], due=TODAY + timedelta(days=3)))
        s.add(Event(subject_id=parent, kind="task_assigned", at=at, data={"due": TODAY.isoformat(), "parent": True,
                                                                         "policy": "once"}))
        s.add(Event(subject_id=parent, kind="task_step", at=at, data={
            "step": "after-1", "kind": "group_escalation", "levels": ["lead"], "overdue_units": ["UBND phường Hồng Bàng"],
            "rollup": {"total": 2}, "deliveries": []}))
        s.add(Delivery(key=f"{parent}||after-1|hoang-minh-cuong", subject_id=parent, step="after-1",
                       recipient="hoang-minh-cuong", channel="outbox", status="sent", attempts=1, created_at=at))
        s.add(Event(subject_id=f"{parent}/p-hong-bang", kind="task_delegated", at=at, data={"reason": "Kế hoạch"}))
    return parent


def test_group_pages_show_names(dash, sqlite_url):
    parent = seed_groups(sqlite_url)
    found = {}
    for path in ("/dashboard/groups", "/dashboard", f"/dashboard/tasks/{parent}",
                 f"/dashboard/tasks/{parent}/dk-cat-hai", f"/dashboard/tasks/{parent}/p-hong-bang",
                 f"/dashboard/import?under={parent}/p-hong-bang", "/dashboard/reports/preview?kind=daily"):
        page = dash.get(path)
        assert page.status_code == 200, path
        found[path] = group_leaks(visible(page.text))
    assert {path: words for path, words in found.items() if words} == {}
    shown = visible(dash.get(f"/dashboard/tasks/{parent}").text)
    assert "Các xã, phường, đặc khu" in shown and "UBND phường Hồng Bàng" in shown and "Đã hoàn thành 1/2 đơn vị" in shown
    delegated = visible(dash.get(f"/dashboard/tasks/{parent}/p-hong-bang").text)
    assert "Kế hoạch cấp dưới" in delegated and "Chuyển thành nhiệm vụ chung của kế hoạch cấp dưới" in delegated


@pytest.mark.parametrize("kind", ["group_escalation", "group_completed"])
def test_group_messages_show_names(kind):
    msg = render(kind, {**CONTEXT, "overdue_units": ["UBND phường Hồng Bàng"], "total": 5, "completed": 4,
                        "on_time": 3, "late": 2, "group": "Các xã, phường, đặc khu"})
    shown = {"subject": msg.subject, "text": msg.text, "chat": msg.chat, "html": visible(msg.html)}
    assert {part: group_leaks(text) for part, text in shown.items() if group_leaks(text)} == {}
    assert "Các xã, phường, đặc khu" in msg.text
