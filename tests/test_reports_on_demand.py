"""The dashboard's Reports page against the real report workflow: a dev server, the
worker from ``build_worker``, the drill directory (supervisors on a local fake Zalo and
a local SMTP server) with the real Vietnamese working calendar, the seeded plan of
tests/test_report_seed.py, the clock at Friday 24/04/2026 17:00 (so the next runs cross
a weekend, Giỗ Tổ Hùng Vương on Monday 27/04 and 30/04–01/05).

Office previews a daily report (nothing written), archives it (nothing sent), then sends
it (twice: one message each to the supervisors' Zalo and email); makes a quarter's
summary and a range of days; downloads the appendix as XLSX and DOCX and opens them.
A leader previews and downloads but cannot send; a viewer reads the archive only.
"""
from __future__ import annotations

import contextlib
import dataclasses
import html
import io
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

import httpx
import pytest
from sqlalchemy import func, select

from config.loader import DEFAULT_CONFIG, EXAMPLES, load_config
from config.settings import load_settings
from domain.calendar import CalendarConfig
from services.schedules import PREFIX, ensure_schedules
from store.db import session_scope
from store.models import Delivery, OutboxMessage, Report
from store.report_loading import daily_data
from test_names_not_codes import leaks, visible
from tests.test_report_seed import PLAN, insert_seed_plan
from web import pages
from web.accounts import change_password, create_user
from web.app import create_app
from worker import build_worker

PUBLIC = "http://dondoc.test"
VN = timezone(timedelta(hours=7))
NOW = datetime(2026, 4, 24, 17, 0, tzinfo=VN)     # Friday, after the 16:00 run
OWN = "mat-khau-rieng-2026"
OVERDUE = (21, 23, 35, 42, 47, 49)                 # the seeded plan's overdue tasks on 24/04/2026


class Handle:
    """The web app's Temporal handle, on this test's event loop (None: Temporal unreachable)."""

    def __init__(self, client):
        self.client = client

    async def get(self):
        return self.client


@pytest.fixture
def live(dev_env, tmp_path, sqlite_url, task_queue, monkeypatch, fake_zalo, fake_smtp):
    monkeypatch.setenv("DRILL_SMTP_PORT", str(fake_smtp.port))
    monkeypatch.setenv("DONDOC_SECRET_KEY", "reports-on-demand-secret-kkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    monkeypatch.setattr(pages, "now_utc", lambda: NOW.astimezone(timezone.utc))
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_PUBLIC_URL": PUBLIC, "DONDOC_TASK_QUEUE": task_queue})
    drill = load_config(EXAMPLES / "drill.toml")
    # The seeded plan's units are the default directory's ("Sở Khoa học và Công nghệ"...).
    extra = tuple(u for u in load_config(DEFAULT_CONFIG).directory.units if drill.directory.unit(u.key) is None)
    config = dataclasses.replace(drill, calendar=CalendarConfig(),
                                 directory=dataclasses.replace(drill.directory, units=drill.directory.units + extra))
    insert_seed_plan(sqlite_url)
    for name, role in (("vanphong", "office"), ("lanhdao", "leader"), ("xem", "viewer")):
        once = create_user(sqlite_url, name, role)
        assert change_password(sqlite_url, name, once, OWN, OWN) is None
    app = create_app(settings, config)
    app.state.temporal = Handle(dev_env.client)
    return settings, config, app


@contextlib.asynccontextmanager
async def login(app, username: str):
    """A browser logged in as ``username`` (its form posts come from our origin)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC,
                                 headers={"origin": PUBLIC}) as client:
        page = await client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        done = await client.post("/login", data={"csrf_token": token, "username": username, "password": OWN,
                                                 "next": "/dashboard"})
        assert done.status_code == 303, done.text
        yield client


def hidden(page: str, action: str = "/dashboard/reports/make") -> dict:
    """The hidden fields of the form posting to ``action``, as a browser sends them."""
    form = page.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
    return {m.group(1): html.unescape(m.group(2))
            for m in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)}


def counts(url: str) -> tuple[int, int]:
    with session_scope(url) as s:
        return (s.scalar(select(func.count()).select_from(Report)),
                s.scalar(select(func.count()).select_from(Delivery)))


def assert_names_only(text: str) -> None:
    assert leaks(visible(text)) == [], leaks(visible(text))


# -- the schedules ---------------------------------------------------------------------

async def test_page_lists_the_schedule_with_skipped_days(live, dev_env):
    settings, config, app = live
    sid = PREFIX + "daily"
    async with login(app, "xem") as viewer:
        page = await viewer.get("/dashboard/reports")
        assert page.status_code == 200
        text = visible(page.text)
        assert "Báo cáo hằng ngày · 16:00 hằng ngày, chỉ gửi ngày làm việc" in text
        for run in ("25/04/2026 16:00 Thứ Bảy Không gửi: Cuối tuần",
                    "26/04/2026 16:00 Chủ nhật Không gửi: Ngày Giỗ Tổ Hùng Vương",
                    "27/04/2026 16:00 Thứ Hai Không gửi: Ngày Giỗ Tổ Hùng Vương (nghỉ bù)", "28/04/2026 16:00 Thứ Ba",
                    "30/04/2026 16:00 Thứ Năm Không gửi: Ngày Chiến thắng"):
            assert run in text, text
        assert "28/04/2026 16:00 Thứ Ba Không gửi" not in text
        assert "Chưa tạo trên máy chủ" in text  # the dev server has no schedule yet
        # A viewer reads the archive, and is offered nothing to make.
        assert "Lập báo cáo ngay" not in text and "/dashboard/reports/preview" not in page.text
        assert_names_only(page.text)
        try:
            await ensure_schedules(dev_env.client, settings, config)
            assert "Đang hoạt động" in visible((await viewer.get("/dashboard/reports")).text)
            await dev_env.client.get_schedule_handle(sid).pause(note="nghỉ lễ")
            assert "Đang tạm dừng" in visible((await viewer.get("/dashboard/reports")).text)
        finally:
            await dev_env.client.get_schedule_handle(sid).delete()
        app.state.temporal = Handle(None)
        down = visible((await viewer.get("/dashboard/reports")).text)
        assert "Không kết nối được máy chủ quy trình (Temporal)" in down
        assert "27/04/2026 16:00 Thứ Hai Không gửi: Ngày Giỗ Tổ Hùng Vương (nghỉ bù)" in down


# -- a daily report: preview, archive, send -----------------------------------------------

async def test_daily_report_previewed_archived_then_sent_once(live, dev_env, fake_zalo, fake_smtp):
    settings, config, app = live
    expected = daily_data(settings.database_url, config, NOW)["totals"]
    assert expected["overdue"] == len(OVERDUE)
    async with build_worker(dev_env.client, settings, config), login(app, "vanphong") as office:
        preview = await office.get("/dashboard/reports/preview", params={"kind": "daily"})
        assert preview.status_code == 200, preview.text
        shown = visible(preview.text)
        assert "Bản xem trước : chưa gửi, chưa lưu. Số liệu tính đến 17:00 24/04/2026" in shown
        assert f"Quá hạn chưa hoàn thành: {expected['overdue']}" in shown
        assert f"Tổng số nhiệm vụ: {expected['tasks']}" in shown
        assert f"{expected['overdue']} Quá hạn chưa hoàn thành" in shown  # the figures above the messages
        for n in OVERDUE:
            assert f"Nhiệm vụ số {n}" in html.unescape(preview.text)  # in the email and the page
        assert "Ban Chỉ đạo — Zalo: tin ngắn kèm đường dẫn; Email: báo cáo đầy đủ" in shown
        assert_names_only(preview.text)
        assert counts(settings.database_url) == (0, 0)  # a preview writes nothing

        fields = hidden(preview.text)
        archived = await office.post("/dashboard/reports/make", data={**fields, "action": "archive"})
        assert archived.status_code == 303, archived.text
        location = archived.headers["location"]
        assert re.match(r"^/dashboard/reports/\d+\?done=archived", location)
        assert counts(settings.database_url) == (1, 0)
        assert fake_zalo.messages == [] and fake_smtp.messages == []
        detail = await office.get(location)
        text = visible(detail.text)
        assert "Đã lưu báo cáo vào danh sách, không gửi cho ai" in text and "Chỉ lưu trữ" in text
        assert_names_only(detail.text)

        # Sent from the archived report's page: the same report (same row), once, however often asked.
        again = hidden(detail.text)
        assert again["as_of"] and again["kind"] == "daily"
        for _ in range(2):
            sent = await office.post("/dashboard/reports/make", data={**again, "action": "send"})
            assert sent.status_code == 303 and sent.headers["location"].startswith(location.split("?")[0])
        assert counts(settings.database_url)[0] == 1
    chat = fake_zalo.texts("bcd-chat")
    assert len(chat) == 1 and f"Quá hạn chưa hoàn thành: {expected['overdue']}" in chat[0]
    mails = fake_smtp.wait_for(1)
    assert len(fake_smtp.messages) == 1 and "bcd@drill.local" in mails[0].recipients
    assert all(f"Nhiệm vụ số {n}" in mails[0].html for n in OVERDUE)
    async with login(app, "xem") as viewer:
        listing = visible((await viewer.get("/dashboard/reports")).text)
        assert "Đã gửi · lập bởi vanphong" in listing and "1 người nhận (Ban Chỉ đạo)" in listing
        report_page = visible((await viewer.get(location.split("?")[0])).text)
        assert "Tin đã gửi" in report_page and "Zalo" in report_page and "Email" in report_page
        assert "Gửi Ban Chỉ đạo" not in report_page and "Tải XLSX" not in report_page


# -- a period summary ------------------------------------------------------------------------

async def test_quarter_summary_sent_and_a_range_previewed(live, dev_env, fake_zalo, fake_smtp):
    settings, config, app = live
    async with build_worker(dev_env.client, settings, config), login(app, "vanphong") as office:
        bad = await office.get("/dashboard/reports/preview", params={"kind": "period", "period": "Tháng 13/2026"})
        assert bad.status_code == 422 and "Không đọc được kỳ «Tháng 13/2026»" in visible(bad.text)
        span = await office.get("/dashboard/reports/preview",
                                params={"kind": "period", "from": "01/04/2026", "to": "30/4/2026"})
        assert span.status_code == 200
        assert "Giai đoạn từ 01/04/2026 đến 30/04/2026" in visible(span.text)
        assert counts(settings.database_url) == (0, 0)

        preview = await office.get("/dashboard/reports/preview", params={"kind": "period", "period": "quý I/2026"})
        shown = visible(preview.text)
        assert "Báo cáo kết quả thực hiện nhiệm vụ Quý I/2026" in shown
        assert "Tổng số nhiệm vụ được giao trong Quý I/2026: 10 nhiệm vụ" in shown  # due 28/02 (1) and 31/03 (9)
        assert_names_only(preview.text)
        sent = await office.post("/dashboard/reports/make", data={**hidden(preview.text), "action": "send"})
        assert sent.status_code == 303
    [chat] = fake_zalo.texts("bcd-chat")
    assert "Quý I/2026" in chat
    with session_scope(settings.database_url) as s:
        [row] = s.scalars(select(Report)).all()
        assert (row.kind, row.data["period"], row.data["label"]) == ("period", "2026Q1", "Quý I/2026")
        outbox = s.scalar(select(func.count()).select_from(OutboxMessage))
    assert outbox == 0  # the drill sends to real (fake) channels, not the outbox
    async with login(app, "vanphong") as office:
        listing = visible((await office.get("/dashboard/reports")).text)
        assert "Theo kỳ: Quý I/2026" in listing and "Đã gửi" in listing


# -- the appendix -------------------------------------------------------------------------------

async def test_appendix_downloads_open_and_hold_the_tasks(live):
    from docx import Document
    from openpyxl import load_workbook

    settings, config, app = live
    async with login(app, "lanhdao") as leader:
        page = await leader.get("/dashboard/reports")
        plan_id = re.search(r'<option value="(\d+)">' + re.escape(html.escape(PLAN)), page.text).group(1)
        for fmt, kind in (("xlsx", "spreadsheetml.sheet"), ("docx", "wordprocessingml.document")):
            got = await leader.get("/dashboard/reports/appendix",
                                   params={"plan": plan_id, "day": "24/04/2026", "format": fmt})
            assert got.status_code == 200, got.text
            assert got.headers["content-type"] == f"application/vnd.openxmlformats-officedocument.{kind}"
            disposition = got.headers["content-disposition"]
            name = unquote(disposition.split("filename*=UTF-8''", 1)[1])
            assert name == f"Phụ lục kết quả - Thông báo số 01-TB-BCĐ - 24-04-2026.{fmt}"
            assert 'filename="phu-luc-ket-qua' in disposition
            if fmt == "xlsx":
                sheet = load_workbook(io.BytesIO(got.content)).active
                cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
                assert sheet.cell(row=1, column=1).value.startswith("Phụ lục kết quả thực hiện nhiệm vụ — " + PLAN)
            else:
                doc = Document(io.BytesIO(got.content))
                cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
            for n in (*OVERDUE, 13, 34):
                assert f"Nhiệm vụ số {n}" in cells, (fmt, n)
            assert "Hoàn thành quá hạn" in cells and "Chưa hoàn thành (quá hạn)" in cells


# -- roles ------------------------------------------------------------------------------------

async def test_leader_and_viewer_cannot_make_or_send(live, dev_env, fake_zalo, fake_smtp):
    settings, config, app = live
    async with login(app, "lanhdao") as leader, login(app, "xem") as viewer:
        preview = await leader.get("/dashboard/reports/preview", params={"kind": "daily"})
        assert preview.status_code == 200 and "Quá hạn chưa hoàn thành" in visible(preview.text)
        assert 'action="/dashboard/reports/make"' not in preview.text
        assert "Tài khoản này chỉ xem trước" in visible(preview.text)
        fields = {"kind": "daily", "period": "", "as_of": NOW.isoformat(), "action": "send",
                  "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', preview.text).group(1)}
        for who in (leader, viewer):
            refused = await who.post("/dashboard/reports/make", data=fields)
            assert refused.status_code == 403 and "Không có quyền" in visible(refused.text)
        assert (await viewer.get("/dashboard/reports/preview", params={"kind": "daily"})).status_code == 403
        # Office may, but with no worker polling the task queue the answer is immediate, and nothing is made.
        async with login(app, "vanphong") as office:
            page = await office.get("/dashboard/reports/preview", params={"kind": "daily"})
            away = await office.post("/dashboard/reports/make", data={**hidden(page.text), "action": "archive"})
            assert away.status_code == 503 and "worker" in visible(away.text)
        got = await viewer.get("/dashboard/reports/appendix", params={"plan": "1", "format": "xlsx"})
        assert got.status_code == 403 and "Không có quyền" in visible(got.text)
    assert counts(settings.database_url) == (0, 0)
    assert fake_zalo.messages == [] and fake_smtp.messages == []


# -- the periods people name (domain/periods.py, also the CLI's) -------------------------------

def test_periods_people_name():
    from datetime import date

    from domain.periods import PeriodError, read_period, read_range, span_of

    assert read_period("Quý II/2026") == read_period("quy 2/2026") == read_period("2026Q2") == "2026Q2"
    assert read_period("Tháng 5/2026") == read_period("2026-05") == "2026-05"
    assert span_of("2026Q2")[3] == "Quý II/2026" and span_of("2026-05")[:2] == (date(2026, 5, 1), date(2026, 5, 31))
    key = read_range("1/4/2026", "15/05/2026")
    assert key == "2026-04-01..2026-05-15"
    assert span_of(key) == (date(2026, 4, 1), date(2026, 5, 15), key, "Giai đoạn từ 01/04/2026 đến 15/05/2026")
    for bad in (("15/05/2026", "01/04/2026"), ("01/04/2026", ""), ("32/01/2026", "01/02/2026")):
        with pytest.raises(PeriodError):
            read_range(*bad)
    with pytest.raises(PeriodError):
        read_period("Quý V/2026")
