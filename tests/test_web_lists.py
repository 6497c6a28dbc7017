"""Lists that work at scale and in the office's conventions: the messages (Hộp thư đi)
paged and filtered by the database, the task search blind to diacritics and case, dates
typed dd/mm/yyyy (refused in Vietnamese, the typed text kept), a recurring task's
current cycle, an extended deadline "(gia hạn từ …)", one overdue phrase."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import event, select, text
from starlette.testclient import TestClient

from config.loader import DEFAULT_CONFIG, load_config
from config.settings import load_settings
from domain.calendar import VN_TZ, WorkingCalendar
from domain.display import days_overdue, overdue_words, read_vn_datetime
from store.db import make_engine, session_factory, session_scope
from store.models import Cycle, Delivery, Event, OutboxMessage, Person, Plan, Task
from web.app import create_app
from web.forms import read_confirmation, read_extension
from web.task_list import task_page
from web.users import change_password, ensure_admin

from test_web_links import form_of, link, web  # noqa: F401 (the link pages' fixture, Temporal faked)

NOW = datetime.now(timezone.utc)
TODAY = NOW.astimezone(VN_TZ).date()  # the day in Vietnam, as the product counts (UTC is a day behind from 17:00)
OWN = "mat-khau-rieng-2026"
TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"

TITLES = {"t/kho": "Xây dựng kho dữ liệu số dùng chung", "t/hoso": "Số hóa hồ sơ một cửa",
          "t/daotao": "Đào tạo kỹ năng số cho cán bộ", "t/dulieu2": "Chuẩn hóa DỮ LIỆU dân cư",
          "t/rec": "Báo cáo định kỳ chuyển đổi số", "t/ext": "Nâng cấp cổng dịch vụ công"}
RECIPIENTS = ("vhxh", "kinh-te", "phan-viet-dien", "person:1")
CHANNELS = ("zalo", "email", "outbox", "none")
SUBJECTS = ("t/kho", "t/hoso", "t/daotao")
MESSAGES = 2600  # 54 for each recipient x channel x task: a combined filter still fills two pages


def message(i: int) -> dict:
    """The i-th seeded message: who, on which channel, about which task, when."""
    return {"key": f"{SUBJECTS[i // 16 % 3]}||remind-{i}|{RECIPIENTS[i % 4]}", "recipient": RECIPIENTS[i % 4],
            "channel": CHANNELS[i // 4 % 4], "subject": SUBJECTS[i // 16 % 3],
            "at": NOW - timedelta(days=3) + timedelta(minutes=i)}


def seed(url: str) -> None:
    with session_scope(url) as s:
        plan = Plan(name="Kế hoạch 57")
        s.add(plan)
        s.add(Person(id=1, name="Nguyễn Thị Lan"))
        s.flush()
        s.add_all([Task(id=k, plan_id=plan.id, stt=str(n), title=t, lead_units=["vhxh"] if n % 2 else ["kinh-te"],
                        deadline_kind="once", due=TODAY + timedelta(days=20 + n))
                   for n, (k, t) in enumerate(TITLES.items()) if k not in ("t/rec", "t/ext")])
        # A recurring task: May reported, June the current cycle (its due binds now).
        s.add(Task(id="t/rec", plan_id=plan.id, stt="9", title=TITLES["t/rec"], lead_units=["vhxh"],
                   deadline_kind="recurring", every="month", deadline_raw="Hằng tháng"))
        s.add(Cycle(task_id="t/rec", period="2026-05", due=TODAY - timedelta(days=30), status="reported"))
        s.add(Cycle(task_id="t/rec", period="2026-06", due=TODAY + timedelta(days=4), status="open"))
        # A deadline moved twice by approved extensions, now overdue by 12 calendar days.
        first, second, now_due = TODAY - timedelta(days=60), TODAY - timedelta(days=30), TODAY - timedelta(days=12)
        s.add(Task(id="t/ext", plan_id=plan.id, stt="10", title=TITLES["t/ext"], lead_units=["vhxh"],
                   deadline_kind="once", due=now_due))
        for n, (old, new) in enumerate([(first, second), (second, now_due)]):
            s.add(Event(subject_id="t/ext", kind="task_extended", at=NOW - timedelta(days=40 - n),
                        data={"old_due": old.isoformat(), "new_due": new.isoformat(), "reason": "Chờ kinh phí",
                              "approved_by": "Phan Viết Điện"}))
        for i in range(MESSAGES):
            m = message(i)
            s.add(Delivery(key=m["key"], subject_id=m["subject"], step=f"remind-{i}", recipient=m["recipient"],
                           channel=m["channel"], status="failed" if m["channel"] == "none" else "sent",
                           created_at=m["at"], sent_at=m["at"]))
            if m["channel"] == "outbox":
                s.add(OutboxMessage(recipient=m["recipient"], title=f"[Nhắc việc] {TITLES[m['subject']]}",
                                    body=f"Tin số {i}", delivery_key=m["key"]))
        # A text stored before texts were tied to their delivery: listed after the log.
        s.add(OutboxMessage(recipient="phong-vhxh", title="Tin cũ", body="Tin lưu trước khi có khóa"))


@pytest.fixture
def dash(tmp_path, sqlite_url, monkeypatch):
    monkeypatch.delenv("DONDOC_SECRET_KEY", raising=False)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url})
    config = load_config(DEFAULT_CONFIG)
    seed(sqlite_url)
    client = TestClient(create_app(settings, config), base_url=settings.public_url)
    password = ensure_admin(sqlite_url, config)
    assert change_password(sqlite_url, "admin", password, OWN, OWN) is None
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert client.post("/login", data={"csrf_token": token, "username": "admin", "password": OWN,
                                       "next": "/dashboard"}, follow_redirects=False).status_code == 303
    client.url, client.config = sqlite_url, config
    return client


def cards(html: str) -> list[str]:
    return re.findall(r'<div class="card message">(.*?)</div>\s*(?=<div class="card message">|{%|<nav|$)', html, re.S)


def times(html: str) -> list[str]:
    return re.findall(r'<div class="card message"><div class="muted">(\d\d:\d\d \d\d/\d\d/\d{4})', html)


def page_hrefs(html: str) -> list[str]:
    nav = re.search(r'<nav class="pages".*?</nav>', html, re.S)
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', nav.group(0))] if nav else []


# -- the messages --------------------------------------------------------------------

def test_messages_are_counted_and_paged(dash):
    first = dash.get("/dashboard/outbox")
    assert first.status_code == 200
    assert f"· {MESSAGES + 1:,} tin nhắn".replace(",", ".") in first.text  # 2.601: the Vietnamese thousands dot
    pages = (MESSAGES + 1 + 49) // 50
    assert f"Trang 1/{pages}" in first.text and len(times(first.text)) == 50
    links = page_hrefs(first.text)
    assert "/dashboard/outbox?page=2" in links and f"/dashboard/outbox?page={pages}" in links
    second = dash.get("/dashboard/outbox?page=2")
    newest = [f"{(message(i)['at']).astimezone(timezone(timedelta(hours=7))):%H:%M %d/%m/%Y}"
              for i in reversed(range(MESSAGES))]
    assert times(first.text) == newest[:50] and times(second.text) == newest[50:100]  # newest first, no overlap
    last = dash.get(f"/dashboard/outbox?page={pages}")
    assert len(times(last.text)) == (MESSAGES + 1) % 50 and "Tin lưu trước khi có khóa" in last.text  # keyless: last
    assert times(last.text)[:-1] == newest[(pages - 1) * 50:]
    # Names, not keys: units, officials and people by name; the task by its title, linked.
    assert "Nguyễn Thị Lan" in first.text and "Phan Viết Điện" in first.text and "Phòng Văn hóa - Xã hội" in first.text
    assert 'href="/dashboard/tasks/t/kho"' in first.text and "gửi lỗi" in first.text
    assert "person:1" not in first.text.replace('value="person:1"', "")


def test_filters_combine_and_stay_in_the_page_links(dash):
    wanted = [i for i in range(MESSAGES) if message(i)["recipient"] == "vhxh" and message(i)["channel"] == "outbox"
              and message(i)["subject"] == "t/kho"]
    assert len(wanted) > 50  # two pages
    query = "recipient=vhxh&task=du+lieu&channel=outbox"
    page = dash.get(f"/dashboard/outbox?{query}")
    assert f"· {len(wanted)} tin nhắn" in page.text
    assert f"/dashboard/outbox?{query}&page=2" in page_hrefs(page.text)
    bodies = re.findall(r"Tin số (\d+)", page.text) + re.findall(r"Tin số (\d+)",
                                                                dash.get(f"/dashboard/outbox?{query}&page=2").text)
    assert sorted(map(int, bodies)) == wanted
    assert 'value="du lieu"' in page.text and '<option value="vhxh" selected>' in page.text
    assert '<option value="outbox" selected>' in page.text
    by_channel = dash.get("/dashboard/outbox?channel=zalo&recipient=person:1")
    zalo = [i for i in range(MESSAGES) if message(i)["channel"] == "zalo" and message(i)["recipient"] == "person:1"]
    assert f"· {len(zalo)} tin nhắn" in by_channel.text and "Tin số" not in by_channel.text  # Zalo keeps no text
    by_id = dash.get("/dashboard/outbox?task=t/hoso&channel=none")
    failed = [i for i in range(MESSAGES) if message(i)["subject"] == "t/hoso" and message(i)["channel"] == "none"]
    assert f"· {len(failed)} tin nhắn" in by_id.text
    assert "Không có tin nhắn nào phù hợp" in dash.get("/dashboard/outbox?task=khong+co+dau").text


def test_the_database_counts_and_cuts_the_page(dash):
    """COUNT and LIMIT/OFFSET go to the database; no query reads every message."""
    seen: list[str] = []
    engine = session_factory(dash.url).kw["bind"]  # the engine the app's sessions use
    listen = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        assert dash.get("/dashboard/outbox?page=3&channel=zalo").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    on_log = [s for s in seen if "FROM deliveries" in s and "parent_key IS NULL" in s]
    assert any("count(" in s.lower() for s in on_log), on_log
    assert any("LIMIT" in s and "OFFSET" in s for s in on_log), on_log
    assert all("count(" in s.lower() or "LIMIT" in s for s in on_log), on_log


def test_a_delivered_outbox_text_sits_under_its_delivery(sqlite_url, tmp_path, monkeypatch):
    from activities.deliver import DeliveryActivities, Recipient
    from contracts.delivery import DeliverRequest

    monkeypatch.setenv("DONDOC_SECRET_KEY", "lists-test-secret-" + "k" * 32)
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url})
    acts = DeliveryActivities(sqlite_url, settings)
    req = DeliverRequest(subject_id="t/kho", cycle="", step="before-3", kind="reminder",
                         recipient=Recipient("vhxh", "Phòng Văn hóa - Xã hội", "unit", ["outbox://phong-vhxh"]),
                         context={"title": TITLES["t/kho"], "due": "2026-06-30", "days_left": 3,
                                  "units": ["Phòng Văn hóa - Xã hội"], "plan": "Kế hoạch 57"})
    result = acts.deliver_now(req)
    with session_scope(sqlite_url) as s:
        stored = s.scalars(select(OutboxMessage)).one()
        assert stored.delivery_key == result.key and stored.recipient == "phong-vhxh"
    from web.outbox_list import message_page

    found = message_page(sqlite_url, load_config(DEFAULT_CONFIG), {"recipient": "vhxh", "channel": "outbox"})
    assert found.total == 1
    row = found.rows[0]
    assert row["recipient_name"] == "Phòng Văn hóa - Xã hội" and row["step"] == "Nhắc việc trước hạn"
    assert TITLES["t/kho"] in row["body"] and row["channel_name"].startswith("Hộp thư đi")


# -- the task list -------------------------------------------------------------------

@pytest.mark.parametrize("words", ["du lieu", "DỮ LIỆU", "dư lieu", "Du  Liệu", "DU LIEU"])
def test_search_ignores_diacritics_and_case(dash, words):
    page = dash.get("/dashboard", params={"q": words})
    found = set(re.findall(r'href="/dashboard/tasks/([^"]+)"', page.text))
    assert found == {"t/kho", "t/dulieu2"}, words
    assert "· 2 nhiệm vụ" in page.text


def test_search_unit_and_order_on_both_databases(db_url):
    seed(db_url)
    config = load_config(DEFAULT_CONFIG)
    found = task_page(db_url, config, {"q": "so hoa"}, TODAY)
    assert [r["id"] for r in found.rows] == ["t/hoso"] and found.total == 1
    assert {r["id"] for r in task_page(db_url, config, {"q": "DU_LIEU"}, TODAY).rows} == set()  # _ is a letter here
    vhxh = task_page(db_url, config, {"unit": "vhxh"}, TODAY)
    assert all("vhxh" in r["lead_units"] for r in vhxh.rows) and vhxh.total == 4
    every = task_page(db_url, config, {}, TODAY, size=3)
    assert every.total == 6 and every.pages == 2 and every.overdue == 1
    assert [r["id"] for r in every.rows][:2] == ["t/ext", "t/rec"]  # overdue first, then the nearest deadline
    assert [r["id"] for r in task_page(db_url, config, {}, TODAY, page=2, size=3).rows] == ["t/hoso", "t/daotao",
                                                                                              "t/dulieu2"]


def test_recurring_task_shows_its_current_cycle(dash):
    page = dash.get("/dashboard")
    june = (TODAY + timedelta(days=4)).strftime("%d/%m/%Y")
    row = re.search(r'href="/dashboard/tasks/t/rec">.*?</tr>', page.text, re.S).group(0)
    assert june in row and "kỳ báo cáo tháng 6/2026" in row and "Chưa xác định" not in row
    task = dash.get("/dashboard/tasks/t/rec").text
    assert june in task and "kỳ báo cáo tháng 6/2026" in task and "Kỳ tháng 5/2026" in task
    assert "2026-06" not in task.replace("2026-06-", "")


def test_extended_deadline_says_from_when_and_how_late(dash):
    now_due, first = TODAY - timedelta(days=12), TODAY - timedelta(days=60)
    working, days = days_overdue(now_due, TODAY, WorkingCalendar(dash.config.calendar))
    phrase = overdue_words(working, days, capital=True)
    assert phrase.startswith("Quá hạn ") and "(12 ngày lịch)" in phrase and working >= 6
    for path in ("/dashboard", "/dashboard/tasks/t/ext"):
        html = dash.get(path).text
        assert f"{now_due:%d/%m/%Y} (gia hạn từ {first:%d/%m/%Y})" in html, path
        assert phrase in html, path


# -- dates typed dd/mm/yyyy -----------------------------------------------------------

def test_due_before_is_typed_day_first(dash):
    day = TODAY + timedelta(days=22)
    page = dash.get("/dashboard", params={"due_before": f"{day:%d/%m/%Y}"})
    assert page.status_code == 200
    shown = set(re.findall(r'href="/dashboard/tasks/([^"]+)"', page.text))
    assert shown == {"t/ext", "t/rec", "t/kho", "t/hoso", "t/daotao"}
    assert f'value="{day:%d/%m/%Y}"' in page.text
    iso = dash.get("/dashboard", params={"due_before": day.isoformat()})  # a bookmark of the old form still works
    assert f'value="{day:%d/%m/%Y}"' in iso.text and iso.status_code == 200
    bad = dash.get("/dashboard", params={"due_before": "31/02/2026"})
    assert bad.status_code == 422 and "Ngày không hợp lệ" in bad.text and 'value="31/02/2026"' in bad.text
    assert 'aria-invalid="true"' in bad.text


def test_the_link_page_takes_day_first_dates(web):  # noqa: F811
    path = link(web)
    typed = f"{TODAY:%d/%m/%Y}"
    page = web.post(path, data=form_of(web, path, issued_on=typed))
    assert page.status_code == 200, page.text
    assert web.fake.calls[-1][2]["issued_on"] == TODAY.isoformat()  # the workflow gets ISO
    form = web.get(link(web, recipient="someone")).text
    assert 'name="issued_on"' in form and 'type="date"' not in form
    assert 'placeholder="dd/mm/yyyy"' in form and 'inputmode="numeric"' in form


@pytest.mark.parametrize("typed", ["32/13/2026", "2026/31/12", "hôm qua"])
def test_a_bad_date_is_refused_in_vietnamese_and_kept(web, typed):  # noqa: F811
    path = link(web)
    page = web.post(path, data=form_of(web, path, issued_on=typed))
    assert page.status_code == 422 and web.fake.calls == []
    assert "Ngày ban hành không hợp lệ: nhập theo dạng ngày/tháng/năm" in page.text
    assert f'value="{typed}"' in page.text


def test_extension_dates_day_first(web):  # noqa: F811
    from web import csrf

    path = link(web)
    token = path.rsplit("/", 1)[1]
    later = TODAY + timedelta(days=40)
    bad = web.post(path + "/extend", data={"csrf_token": csrf.link_token(web.settings.secret_key, token),
                                           "new_due": "31-13-2026", "reason": "Chờ kinh phí"})
    assert bad.status_code == 422 and "Thời hạn mới không hợp lệ" in bad.text and 'value="31-13-2026"' in bad.text
    ok = web.post(path + "/extend", data={"csrf_token": csrf.link_token(web.settings.secret_key, token),
                                          "new_due": f"{later:%d.%m.%Y}", "reason": "Chờ kinh phí"})
    assert ok.status_code == 200 and f"{later:%d/%m/%Y}" in ok.text


def test_form_readers_take_day_first_and_iso_alike():
    values, errors = read_confirmation({"document_number": "1/BC", "issued_on": "5/1/2026", "summary": "Xong"},
                                       date(2026, 3, 1))
    assert errors == {} and values["issued_on"] == "2026-01-05"
    values, errors = read_confirmation({"document_number": "1/BC", "issued_on": "2026-01-05", "summary": "Xong"},
                                       date(2026, 3, 1))
    assert errors == {} and values["issued_on"] == "2026-01-05"  # the JSON API keeps ISO
    values, errors = read_confirmation({"document_number": "1/BC", "issued_on": "05/01", "summary": "Xong"},
                                       date(2026, 3, 1))
    assert values["issued_on"] == "05/01" and "ngày/tháng/năm" in errors["issued_on"]
    values, errors = read_extension({"new_due": "30.06.2026", "reason": "Chờ"}, date(2026, 3, 1), date(2026, 3, 31))
    assert errors == {} and values["new_due"] == "2026-06-30"
    _, errors = read_extension({"new_due": "15/03/2026", "reason": "Chờ"}, date(2026, 3, 1), date(2026, 3, 31))
    assert "sau thời hạn hiện tại" in errors["new_due"]
    assert read_vn_datetime("08:30 01/06/2026") == datetime(2026, 6, 1, 8, 30)
    assert read_vn_datetime("01/06/2026") is None  # a moment needs its time of day


def test_no_browser_date_picker_is_left():
    """Every date box is text, typed dd/mm/yyyy: no <input type="date"> (the browser's own format)."""
    for page in TEMPLATES.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r'type="(date|datetime-local)"', html), page.name


# -- the migration ---------------------------------------------------------------------

def test_migration_folds_existing_titles(tmp_path):
    from alembic import command

    from store.migrate import alembic_config, upgrade

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    command.upgrade(alembic_config(url), "0005")
    with make_engine(url).begin() as conn:
        conn.execute(text("INSERT INTO tasks (id, stt, section, title, lead_units, coordinating_units, advisers, "
                          "output, notes, deadline_raw, deadline_kind, status, level, unassigned, raw, created_at, "
                          "updated_at) VALUES ('a/1', '1', '', 'Xây dựng Kho DỮ LIỆU số', '[]', '[]', '[]', '', '', "
                          "'', 'once', 'open', 0, 0, '{}', '2026-01-01', '2026-01-01')"))
    upgrade(url)
    with make_engine(url).begin() as conn:
        assert conn.execute(text("SELECT title_fold FROM tasks")).scalar() == "xay dung kho du lieu so"
    assert [r["id"] for r in task_page(url, load_config(DEFAULT_CONFIG), {"q": "kho du lieu"}, TODAY).rows] == ["a/1"]


# -- the command line says it the same way ----------------------------------------------

def test_cli_list_and_show_speak_like_the_pages(sqlite_url, tmp_path, monkeypatch, capsys):
    from cli.main import build_parser

    seed(sqlite_url)
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path))

    def run(*argv) -> str:
        args = build_parser().parse_args(list(argv))
        assert args.func(args) in (0, None)
        return capsys.readouterr().out

    listing = run("task", "list")
    june = TODAY + timedelta(days=4)
    rec = next(line for line in listing.splitlines() if " t/rec " in line)
    assert f"{june:%d/%m/%Y} (kỳ tháng 6/2026)" in rec
    ext = next(line for line in listing.splitlines() if " t/ext " in line)
    cal = WorkingCalendar(load_config(DEFAULT_CONFIG).calendar)
    working, days = days_overdue(TODAY - timedelta(days=12), TODAY, cal)
    assert overdue_words(working, days, capital=True) in ext  # the very phrase of the task list page
    shown = run("task", "show", "t/rec")
    assert "Kỳ tháng 5/2026" in shown and f"hạn {june:%d/%m/%Y}, đang mở" in shown and "2026-06" not in shown


def test_the_link_page_says_the_deadline_was_extended(dash):
    """The officer's link page states the deadline as the lists do: "(gia hạn từ …)"."""
    from domain.links import make_link

    settings = dash.app.state.settings
    now_due, first = TODAY - timedelta(days=12), TODAY - timedelta(days=60)
    url = make_link(settings.secret_key, settings.public_url, "t/ext", "", "vhxh", "confirm",
                    expires_at=datetime.now(timezone.utc) + timedelta(days=30))
    page = dash.get(url[len(settings.public_url):])
    assert page.status_code == 200
    assert f"hạn {now_due:%d/%m/%Y} (gia hạn từ {first:%d/%m/%Y})" in unescape(page.text)
    url = make_link(settings.secret_key, settings.public_url, "t/kho", "", "vhxh", "confirm",
                    expires_at=datetime.now(timezone.utc) + timedelta(days=30))
    assert "gia hạn từ" not in dash.get(url[len(settings.public_url):]).text
