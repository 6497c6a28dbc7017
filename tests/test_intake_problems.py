"""Every kind of bad input gives a clear problem, and nothing else is lost."""
from __future__ import annotations

from intake import read_plan
from intake_helpers import seed_directory

HEADER = "STT\tTên nhiệm vụ\tChủ trì chỉ đạo\tĐơn vị chủ trì\tĐơn vị phối hợp\tSản phẩm đầu ra\tThời hạn\tGhi chú"


def _tsv(*rows: str) -> bytes:
    return ("KẾ HOẠCH\nThử nghiệm nhập\n\n" + "\n".join([HEADER, *rows]) + "\n").encode()


def _row(stt, title="Nhiệm vụ", lead="Sở Tài chính", deadline="Tháng 6/2026", official="", notes=""):
    return "\t".join([stt, title, official, lead, "", "Báo cáo", deadline, notes])


def test_unreadable_and_empty_deadlines_are_unknown_and_named():
    result = read_plan(_tsv(
        _row("1."),
        _row("2.", deadline="Theo thời gian tại các Nghị quyết, Quyết định, Kế hoạch đã phê duyệt"),
        _row("3.", deadline=""),
        _row("4."),
    ), seed_directory())
    assert [t.stt for t in result.tasks] == ["1", "2", "3", "4"]
    assert [t.deadline.kind for t in result.tasks] == ["once", "unknown", "unknown", "once"]
    messages = [p.message for p in result.problems]
    assert messages == [
        "Dòng 6 (STT 2): không đọc được thời hạn «Theo thời gian tại các Nghị quyết, Quyết định, "
        "Kế hoạch đã phê duyệt»; nhiệm vụ được nhập với thời hạn chưa xác định.",
        "Dòng 7 (STT 3): không có thời hạn; nhiệm vụ được nhập với thời hạn chưa xác định.",
    ]
    assert [(p.row, p.stt, p.severity) for p in result.problems] == [(6, "2", "warning"), (7, "3", "warning")]


def test_row_without_title_is_kept_and_flagged():
    result = read_plan(_tsv(_row("1."), _row("2.", title=""), _row("3.")), seed_directory())
    assert [t.stt for t in result.tasks] == ["1", "2", "3"]
    problem = next(p for p in result.problems if p.stt == "2")
    assert problem.severity == "error" and "không có tên nhiệm vụ" in problem.message


def test_too_many_and_too_few_cells():
    result = read_plan(_tsv(
        _row("1.") + "\tô thừa",
        "2.\tNhiệm vụ thiếu cột\tĐồng chí Hoàng Minh Cường",
        _row("3."),
    ), seed_directory())
    assert [t.stt for t in result.tasks] == ["1", "2", "3"]
    first, second = result.tasks[0], result.tasks[1]
    assert "ô thừa" in first.notes                       # kept, not dropped
    assert second.title == "Nhiệm vụ thiếu cột" and second.lead_official == "cuong"
    severities = {p.stt: p.severity for p in result.problems if "ô" in p.message and "cột" in p.message}
    assert severities == {"1": "error", "2": "warning"}
    # The short row also has no lead unit and no deadline: said, not guessed.
    assert any(p.stt == "2" and "không có đơn vị chủ trì" in p.message for p in result.problems)
    assert result.tasks[1].unassigned


def test_continuation_with_nothing_above_is_kept():
    result = read_plan(_tsv("\tMột dòng lạc không có STT\t\tSở Tài chính\t\t\tTháng 6/2026\t", _row("1.")),
                       seed_directory())
    assert [t.stt for t in result.tasks] == ["dòng 5", "1"]
    assert result.tasks[0].title == "Một dòng lạc không có STT"
    assert any(p.severity == "error" and "STT tạm" in p.message for p in result.problems)


def test_duplicate_stt_is_section_qualified_then_flagged():
    result = read_plan(_tsv(
        "<b>I</b>\t<b>Phần một</b>\t\t\t\t\t\t", _row("1."), _row("2."),
        "<b>II</b>\t<b>Phần hai</b>\t\t\t\t\t\t", _row("1."), _row("1."),
    ), seed_directory())
    assert [t.stt for t in result.tasks] == ["I.1", "I.2", "II.1", "II.1#2"]
    assert [t.section for t in result.tasks] == ["I. Phần một"] * 2 + ["II. Phần hai"] * 2
    dup = [p for p in result.problems if "trùng" in p.message]
    assert len(dup) == 1 and dup[0].severity == "error" and dup[0].stt == "II.1#2"


def test_restarted_numbering_per_section_is_qualified_without_problems():
    result = read_plan(_tsv(
        "I\tPhần một\t\t\t\t\t\t", _row("1."), "II\tPhần hai\t\t\t\t\t\t", _row("1."),
    ), seed_directory())
    assert [t.stt for t in result.tasks] == ["I.1", "II.1"]
    assert result.problems == []


def test_unknown_units_go_to_the_standing_office():
    result = read_plan(_tsv(_row("1.", lead="Phòng Không Có Thật"), _row("2.", lead="")),
                       seed_directory())
    assert all(t.unassigned for t in result.tasks)
    assert result.tasks[0].lead_units == ["Phòng Không Có Thật"]
    assert all("Văn phòng Thành ủy" in p.message for p in result.problems)


def test_results_and_completion_dates():
    header = "STT\tNội dung công việc\tCơ quan chủ trì\tHạn hoàn thành\tKết quả thực tế (trước hạn, đúng hạn, quá hạn)\tNgày hoàn thành thực tế"
    rows = [
        "1\tA\tSở Tài chính\t30/06/2026\tHoàn thành\t2026-06-15",
        "2\tB\tSở Tài chính\t30/06/2026\tĐã hoàn thành\t",
        "3\tC\tSở Tài chính\t30/06/2026\tĐang thực hiện\t",
        "4\tD\tSở Tài chính\t30/06/2026\tĐang triển khai, dự kiến xong tháng 7\t",
        "5\tE\tSở Tài chính\t30/06/2026\t\t",
        "6\tF\tSở Tài chính\t30/06/2026\tChưa hoàn thành\t",
        "7\tG\tSở Tài chính\t30/06/2026\tQuá hạn\t",
        "8\tH\tSở Tài chính\t30/06/2026\t\t20/06/2026",
    ]
    result = read_plan("\n".join([header, *rows]).encode(), seed_directory())
    status = [(t.status, t.completed_on and t.completed_on.isoformat()) for t in result.tasks]
    assert status == [("completed", "2026-06-15"), ("completed", None), ("open", None), ("open", None),
                      ("open", None), ("open", None), ("open", None), ("completed", "2026-06-20")]
    assert [p.stt for p in result.problems] == ["7"]     # "Quá hạn" alone: done or not? asked.
    assert result.tasks[0].deadline.due.isoformat() == "2026-06-30"


def test_indicator_without_readable_target():
    text = ("TT\tTên chỉ tiêu\tChỉ tiêu năm 2026\tCơ quan chủ trì theo dõi, đánh giá\n"
            "1\tTỉ lệ A\t≥80%\tSở Tài chính\n2\tTỉ lệ B\tTheo kế hoạch của thành phố\tSở Tài chính\n"
            "3\tTỉ lệ C\t\tSở Tài chính\n")
    result = read_plan(text.encode(), seed_directory())
    assert [i.stt for i in result.indicators] == ["1", "2", "3"] and result.tasks == []
    assert result.indicators[1].target.raw == "Theo kế hoạch của thành phố"
    assert result.indicators[1].target.comparator is None
    assert [p.stt for p in result.problems] == ["2", "3"]


def test_word_table_split_mid_row_joins_the_fragment(tmp_path):
    """A Word table continued in a second table whose first row is the tail of the
    last row (empty STT): joined with a space, like a page break in text."""
    import docx

    document = docx.Document()
    first = document.add_table(rows=0, cols=4)
    for values in (["STT", "Tên nhiệm vụ", "Đơn vị chủ trì", "Thời hạn"],
                   ["1", "Xây dựng kế", "Sở Tài", "Quý II/"]):
        for cell, text in zip(first.add_row().cells, values):
            cell.text = text
    document.add_paragraph("")
    second = document.add_table(rows=0, cols=4)
    for values in (["", "hoạch chuyển đổi số", "chính", "2026"], ["2", "Nhiệm vụ hai", "Sở Nội vụ", "Tháng 3/2026"]):
        for cell, text in zip(second.add_row().cells, values):
            cell.text = text
    path = tmp_path / "t.docx"
    document.save(path)
    result = read_plan(path, seed_directory())
    assert [(t.stt, t.title, t.lead_units, t.deadline.due.isoformat()) for t in result.tasks] == [
        ("1", "Xây dựng kế hoạch chuyển đổi số", ["stc"], "2026-06-30"),
        ("2", "Nhiệm vụ hai", ["snv"], "2026-03-31"),
    ]
    assert result.problems == []


def test_html_lists_and_paragraphs_in_cells():
    text = (HEADER + "\n"
            "1.\t<p>Đoạn một.</p><p>Đoạn  hai.</p>\t\t<ul><li>Sở Tài chính</li><li>Sở Nội vụ</li></ul>"
            "\t\t<b>Báo cáo</b>\tTháng 6/2026\t\n")
    result = read_plan(text.encode(), seed_directory())
    task = result.tasks[0]
    assert task.title == "Đoạn một.\nĐoạn hai."
    assert task.lead_units == ["stc", "snv"] and task.output == "Báo cáo"
