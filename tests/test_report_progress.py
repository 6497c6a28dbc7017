"""The reports' progress part (domain/report_progress.py, store/progress.py): the review
counts by store status, the difficulties listed with their units until a later report
clears them or the task closes, the open tasks' latest percent, and the period
summary's two paragraphs written from the reports of the period, grouped by unit.

Pure builders first (counts worked out by hand), then the same through the store on
SQLite and PostgreSQL (task rows with the review statuses inserted here, progress
events as the workflow writes them), and what the daily message and pages show."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from config.loader import load_config
from domain.report import TaskRow
from domain.report_progress import ProgressRow, daily_progress, period_progress
from notifiers.report_pages import render_page, short_text
from store.db import session_scope
from store.models import Event, Task
from store.report_loading import daily_data, period_data

VN = timezone(timedelta(hours=7))
NAMES = {"vhxh": "Phòng Văn hóa - Xã hội", "so-tai-chinh": "Sở Tài chính", "cong-an-dk": "Công an đặc khu"}
AS_OF = datetime(2026, 5, 20, 16, 0, tzinfo=VN)


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=VN)


def task(tid: str, stt: str, units: tuple[str, ...], status: str = "open", due=date(2026, 6, 30), **kw) -> TaskRow:
    return TaskRow(tid, f"Nhiệm vụ số {stt}", plan="KH 12", stt=stt, lead_units=units, due=due,
                   deadline_kind=kw.pop("kind", "once"), status=status, **kw)


TASKS = [
    task("t1", "1", ("vhxh",)),
    task("t2", "2", ("so-tai-chinh", "vhxh")),
    task("t3", "3", ("vhxh",), status="awaiting_review"),
    task("t4", "4", ("cong-an-dk",), status="returned"),
    task("t5", "5", ("vhxh",), status="completed", completed_on=date(2026, 5, 2)),
    task("t6", "6", ("so-tai-chinh",), status="cancelled"),
    task("t7", "7", ("cong-an-dk",)),
    task("t8", "8", (), due=date(2026, 5, 1)),                 # overdue, no unit: still open
]
ROWS = [
    ProgressRow("t1", at(3, 20), 10, "Khảo sát", "thiếu kinh phí", "đề nghị bố trí kinh phí"),   # Q1: outside Q2
    ProgressRow("t1", at(4, 10), 30, "Đã khảo sát", "Thiếu kinh phí", ""),
    ProgressRow("t1", at(5, 10), 50, "", "Thiếu kinh phí mua máy chủ", "Đề nghị bố trí kinh phí mua máy chủ"),
    ProgressRow("t2", at(4, 15), 60, "", "chờ hướng dẫn của Bộ", "đề nghị Sở sớm hướng dẫn"),
    ProgressRow("t2", at(5, 15), 80, "", "", ""),                                   # cleared
    ProgressRow("t4", at(5, 12), 90, "", "Chờ thẩm định", ""),
    ProgressRow("t5", at(4, 20), 70, "", "Thiếu người", ""),                        # closed since
    ProgressRow("t6", at(4, 21), 20, "", "Không còn cần", "Đề nghị hủy"),          # cancelled: left out
    ProgressRow("t8", at(5, 18), 40, "", "Chưa rõ đơn vị phối hợp", ""),
    ProgressRow("t7", at(5, 25), 100, "", "Sau thời điểm báo cáo", ""),             # after AS_OF
]


def latest(rows, as_of=AS_OF):
    found = {}
    for r in sorted(rows, key=lambda r: r.at):
        if r.at <= as_of:
            found[r.task_id] = r
    return found


def test_daily_counts_review_statuses_difficulties_and_progress():
    data = daily_progress(TASKS, latest(ROWS), AS_OF, NAMES)
    # open as of 20/5: t1, t2, t3 (awaiting review is not done), t4 (returned), t7, t8
    # with a report: t1 50, t2 80, t4 90, t8 40 -> 4, mean 65; t3 and t7 (report after AS_OF) without
    assert data["counts"] == {"awaiting_review": 1, "returned": 1, "with_difficulty": 3, "open_with_progress": 4,
                              "open_without_progress": 2, "average_percent": 65}
    listed = [(d["id"], d["lead_unit_names"], d["difficulty"]) for d in data["difficulties"]]
    # by first unit's name (folded): Công an, Phòng Văn hóa, then the task with no unit
    assert listed == [("t4", ["Công an đặc khu"], "Chờ thẩm định"),
                      ("t1", ["Phòng Văn hóa - Xã hội"], "Thiếu kinh phí mua máy chủ"),
                      ("t8", [], "Chưa rõ đơn vị phối hợp")]
    assert data["difficulties"][1]["proposal"] == "Đề nghị bố trí kinh phí mua máy chủ"
    assert [r["id"] for r in data["open_progress"]] == ["t8", "t1", "t2", "t4"]  # lowest progress first


def test_a_later_report_without_difficulty_clears_it_and_closing_removes_it():
    before = daily_progress(TASKS, latest(ROWS, at(5, 1)), at(5, 1, 16), NAMES)
    assert {d["id"] for d in before["difficulties"]} == {"t1", "t2", "t5"}  # t5 closed only on 2/5
    after = daily_progress(TASKS, latest(ROWS), AS_OF, NAMES)
    assert {"t2", "t5"}.isdisjoint(d["id"] for d in after["difficulties"])


def test_period_paragraphs_grouped_by_unit_from_the_reports_of_the_period():
    data = period_progress(TASKS, ROWS, date(2026, 4, 1), date(2026, 6, 30), AS_OF, label="Quý II/2026",
                           unit_names=NAMES)
    assert data["difficulties_prose"] == "\n".join([
        "Bên cạnh những kết quả đạt được, trong Quý II/2026 các cơ quan, đơn vị báo cáo một số khó khăn, "
        "vướng mắc cụ thể:",
        "- Công an đặc khu:",
        "+ Nhiệm vụ \"Nhiệm vụ số 4\": Chờ thẩm định.",
        "- Phòng Văn hóa - Xã hội:",
        "+ Nhiệm vụ \"Nhiệm vụ số 1\": Thiếu kinh phí mua máy chủ.",   # the 10/4 text restated at more length
        "+ Nhiệm vụ \"Nhiệm vụ số 5\": Thiếu người.",
        "- Sở Tài chính:",
        "+ Nhiệm vụ \"Nhiệm vụ số 2\": Chờ hướng dẫn của Bộ.",          # cleared later, but met in the quarter
        "- (chưa xác định đơn vị):",
        "+ Nhiệm vụ \"Nhiệm vụ số 8\": Chưa rõ đơn vị phối hợp.",
    ])
    assert data["proposals_prose"] == "\n".join([
        "Trong Quý II/2026, các cơ quan, đơn vị đề xuất, kiến nghị:",
        "- Phòng Văn hóa - Xã hội:",
        "+ Nhiệm vụ \"Nhiệm vụ số 1\": Đề nghị bố trí kinh phí mua máy chủ.",
        "- Sở Tài chính:",
        "+ Nhiệm vụ \"Nhiệm vụ số 2\": Đề nghị Sở sớm hướng dẫn.",
    ])
    assert data["counts"]["with_difficulty"] == 3 and data["reports"] == 7


def test_a_period_without_reports_says_so():
    data = period_progress(TASKS, ROWS, date(2026, 1, 1), date(2026, 1, 31), AS_OF, label="Tháng 01/2026",
                           unit_names=NAMES)
    assert data["difficulties_prose"] == "Trong Tháng 01/2026, các cơ quan, đơn vị chưa báo cáo khó khăn, vướng mắc."
    assert data["proposals_prose"] == "Trong Tháng 01/2026, các cơ quan, đơn vị chưa có đề xuất, kiến nghị."


# -- through the store ------------------------------------------------------------------------

def seed(url: str) -> None:
    with session_scope(url) as s:
        for t in TASKS:
            s.add(Task(id=t.id, stt=t.stt, title=t.title, lead_units=list(t.lead_units), due=t.due,
                       deadline_kind=t.deadline_kind, status=t.status, completed_on=t.completed_on))
        for n, r in enumerate(ROWS):
            s.add(Event(subject_id=r.task_id, kind="task_progress", key=f"{r.task_id}||progress|{n}", at=r.at,
                        data={"percent": r.percent, "done": r.note, "difficulty": r.difficulty,
                              "proposal": r.proposal, "by": "Phòng Văn hóa - Xã hội", "reporter": "vhxh"}))


def test_the_store_counts_review_statuses_and_lists_difficulties(db_url):
    seed(db_url)
    config = load_config()
    data = daily_data(db_url, config, AS_OF)
    progress = data["progress"]
    assert progress["counts"]["awaiting_review"] == 1 and progress["counts"]["returned"] == 1
    assert progress["counts"]["with_difficulty"] == 3 and progress["counts"]["average_percent"] == 65
    assert [d["id"] for d in progress["difficulties"]] == ["t4", "t1", "t8"]
    # The totals still add up: the review statuses count as open there.
    totals = data["totals"]
    assert totals["tasks"] == totals["completed"] + totals["open"] == 7
    text = short_text(data, "http://dondoc.test/r/abc")
    assert "Kết quả chờ Văn phòng duyệt: 1; bị trả lại (chưa đạt): 1." in text
    assert "Khó khăn, vướng mắc cần tháo gỡ (3):" in text and "Thiếu kinh phí mua máy chủ" in text
    assert "Công an đặc khu" in text and len(text) < 2000 and text.endswith("http://dondoc.test/r/abc")
    page = render_page(data, 1)
    assert "4. Khó khăn, vướng mắc đơn vị báo cáo (3)" in page and "Chờ thẩm định" in page
    assert "5. Tiến độ nhiệm vụ đang thực hiện" in page


def test_the_period_summary_writes_its_paragraphs_from_the_store(db_url):
    seed(db_url)
    data = period_data(db_url, load_config(), quarter="2026Q2", as_of=AS_OF)
    prose = data["progress"]["difficulties_prose"]
    assert prose.startswith("Bên cạnh những kết quả đạt được, trong Quý II/2026")
    assert "- Sở Tài chính:\n+ Nhiệm vụ \"Nhiệm vụ số 2\": Chờ hướng dẫn của Bộ." in prose
    assert "Không còn cần" not in prose  # a cancelled task is in no report
    page = render_page(data, 2)
    assert "2. Khó khăn, vướng mắc" in page and "3. Đề xuất, kiến nghị" in page
    assert "Đề nghị bố trí kinh phí mua máy chủ." in page
    text = short_text(data, "http://dondoc.test/r/q2")
    assert "KHÓ KHĂN, VƯỚNG MẮC" in text and "ĐỀ XUẤT, KIẾN NGHỊ" in text


@pytest.mark.parametrize("start,end,label", [(date(2026, 4, 1), date(2026, 6, 30), "Quý II/2026"),
                                             (date(2026, 5, 1), date(2026, 5, 31), "Tháng 05/2026"),
                                             (date(2026, 1, 1), date(2026, 1, 31), "Tháng 01/2026")])
def test_the_period_reads_its_reports_and_each_latest_only(db_url, start, end, label):
    """The same summary as from every report ever made, read from far fewer of them."""
    from sqlalchemy import select

    from store.models import Event
    from store.progress import row_of, rows_for_period
    from store.report_loading import _instants

    seed(db_url)
    with session_scope(db_url) as s:  # a year of monthly reports for t1 before, all but the last out of any period
        s.add_all(Event(subject_id="t1", kind="task_progress", key=f"t1||old|{m}", at=datetime(2025, m, 5, 2, tzinfo=VN),
                        data={"percent": m, "difficulty": f"cũ {m}"}) for m in range(1, 13))
    with session_scope(db_url) as s:
        every = [row_of(*r) for r in s.execute(select(Event.subject_id, Event.at, Event.data).where(
            Event.kind == "task_progress", Event.at <= AS_OF).order_by(Event.at, Event.id))]
        read = rows_for_period(s, *_instants(start, end), AS_OF)
    assert len(read) < len(every) - 10
    whole = period_progress(TASKS, every, start, end, AS_OF, label=label, unit_names=NAMES)
    assert period_progress(TASKS, read, start, end, AS_OF, label=label, unit_names=NAMES) == whole
