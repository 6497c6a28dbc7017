"""The plan's appendix ("Phụ lục") with the result column and the evidence filled in,
and its totals: one row per class of result, each the count of the task rows of that
class, together the count of all task rows (so the totals always add up)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Mapping

from domain.calendar import VN_TZ
from domain.display import vn_date
from domain.indicator_judging import STATUS_WORDS, judge
from domain.report_common import COMPLETED_STATES, cycle_state, stt_key, task_state

__all__ = ["APPENDIX_HEADERS", "RESULT_COLUMN", "APPENDIX_CLASSES", "Appendix", "IndicatorTable", "build_appendix",
           "appendix_result", "indicator_table", "vn_day"]

APPENDIX_HEADERS = (
    "STT", "Tên nhiệm vụ", "Chủ trì chỉ đạo", "Đơn vị chủ trì", "Đơn vị phối hợp", "Sản phẩm đầu ra",
    "Thời gian thực hiện/hoàn thành", "Kết quả thực tế (trước hạn, đúng hạn, quá hạn)",
    "Ngày hoàn thành thực tế", "Số ký hiệu văn bản", "Ngày ban hành", "Trích yếu nội dung văn bản", "Ghi chú",
)
RESULT_COLUMN = APPENDIX_HEADERS.index("Kết quả thực tế (trước hạn, đúng hạn, quá hạn)")

# The classes of domain.report_common.task_state, in the totals' order, with the
# label each totals row carries.
APPENDIX_CLASSES = (
    ("early", "Hoàn thành trước hạn"), ("on_time", "Hoàn thành đúng hạn"), ("late", "Hoàn thành quá hạn"),
    ("unclassified", "Hoàn thành, chưa rõ thời điểm"), ("overdue", "Chưa hoàn thành (quá hạn)"),
    ("open", "Đang thực hiện (chưa đến hạn)"), ("unknown_deadline", "Đang thực hiện (chưa xác định thời hạn)"),
    ("recurring", "Triển khai thường xuyên"), ("cancelled", "Đã hủy"),
)
TOTAL_LABEL = "Tổng số nhiệm vụ"


@dataclass(frozen=True)
class IndicatorTable:
    """The plan's indicator table (Phụ lục 01) with its result column filled: each
    indicator's latest value describing a day up to the appendix's day, and its verdict."""
    headers: tuple[str, ...]
    rows: list[list[str]]


@dataclass(frozen=True)
class Appendix:
    rows: list[list[str] | str]          # task rows (cells) and section headings, in appendix order
    states: list[str]                    # the class of each task row, in the same order
    totals: list[tuple[str, str, int]]   # (key, label, count): the total first, then one per class
    indicators: IndicatorTable | None = None   # the plan's indicators, when it has any
    units: IndicatorTable | None = None        # the four classes by unit (domain/report_units.py), when any


def indicator_table(indicators: Iterable[Any], today: date,
                    unit_names: Mapping[str, str] | None = None) -> IndicatorTable | None:
    """The indicator table as of ``today`` (rows: domain.report_rows.IndicatorRow, the
    result being the latest value), in appendix order; None for a plan without indicators."""
    names = unit_names or {}
    rows = [[i.stt, i.name, (i.target or {}).get("raw", ""), "; ".join(names.get(u, u) for u in i.responsible),
             i.result or "", vn_day(getattr(i, "as_of", None)), STATUS_WORDS[judge(i.target, i.result).status]]
            for i in sorted(indicators, key=lambda i: stt_key(i.stt))]
    if not rows:
        return None
    headers = ("STT", "Tên chỉ tiêu", "Chỉ tiêu", "Cơ quan chủ trì theo dõi, đánh giá",
               f"Kết quả thực hiện đến ngày {vn_day(today)}", "Ngày số liệu", "Đánh giá")
    return IndicatorTable(headers, rows)


def vn_day(value: Any) -> str:
    """dd/mm/yyyy (domain.display), "" for nothing."""
    return vn_date(value)


def build_appendix(tasks: Iterable[Any], today: date, *, cycles_by_task: Mapping[str, Iterable[Any]] | None = None,
                   unit_names: Mapping[str, str] | None = None,
                   official_names: Mapping[str, str] | None = None, indicators: Iterable[Any] = ()) -> Appendix:
    """Every task of the plan (cancelled ones too, marked "Đã hủy") in appendix order,
    as it stood on `today`, and the totals by class; and the plan's indicator table."""
    cycles_by_task, names, officials = cycles_by_task or {}, unit_names or {}, official_names or {}
    rows: list[list[str] | str] = []
    states: list[str] = []
    section = None
    for t in sorted(tasks, key=lambda t: stt_key(t.stt)):
        if t.section and t.section != section:
            section = t.section
            rows.append(section)
        state = task_state(t, today)
        states.append(state)
        rows.append(_cells(t, state, today, cycles_by_task.get(t.id, ()), names, officials))
    return Appendix(rows, states, appendix_totals(states), indicator_table(indicators, today, names))


def appendix_totals(states: list[str]) -> list[tuple[str, str, int]]:
    counts = {key: 0 for key, _ in APPENDIX_CLASSES}
    for s in states:
        counts[s] += 1
    return [("total", TOTAL_LABEL, len(states))] + [(key, label, counts[key]) for key, label in APPENDIX_CLASSES]


def _cells(t: Any, state: str, today: date, cycles: Iterable[Any], names: Mapping[str, str],
           officials: Mapping[str, str]) -> list[str]:
    done = state in COMPLETED_STATES
    ev = dict(t.evidence or {}) if done or t.deadline_kind == "recurring" else {}
    return [
        t.stt, t.title, officials.get(t.lead_official or "", t.lead_official or ""),
        "; ".join(names.get(u, u) for u in t.lead_units),
        "; ".join(names.get(u, u) for u in t.coordinating_units),
        t.output, t.deadline_raw or vn_day(t.due), appendix_result(t, today, cycles, state),
        _completed_on(t.completed_on, ev) if done and t.completed_on else "",
        str(ev.get("document_number") or ""), vn_day(ev.get("issued_on")) if ev.get("issued_on") else "",
        str(ev.get("summary") or ""), t.notes,
    ]


def _completed_on(day: Any, ev: Mapping[str, Any]) -> str:
    """The day a result is judged by ("ngày hoàn thành thực tế"): the document's date of
    issue when it was confirmed within the grace window (domain/review.py), then the
    confirmation's own day beside it, so both dates are on the row."""
    confirmed = ev.get("confirmed_at")
    if ev.get("judged_by") != "issued_on" or not confirmed:
        return vn_day(day)
    try:
        on = datetime.fromisoformat(str(confirmed)).astimezone(VN_TZ).date()
    except ValueError:
        return vn_day(day)
    return vn_day(day) if on == day else f"{vn_day(day)} (theo văn bản; xác nhận ngày {vn_day(on)})"


_LABEL = dict(APPENDIX_CLASSES)


def appendix_result(t: Any, today: date, cycles: Iterable[Any] = (), state: str | None = None) -> str:
    """What the result column says: "Hoàn thành trước hạn / đúng hạn / quá hạn",
    "Hoàn thành, chưa rõ thời điểm", "Chưa hoàn thành (quá hạn N ngày)", "Đang thực
    hiện", or for a recurring task its report cycles. Each text names its class
    (the totals rows' labels) so a reader can count the column and find the totals."""
    state = state or task_state(t, today)
    if state == "recurring":
        return _recurring_result(cycles, today)
    if state == "overdue":
        return f"Chưa hoàn thành (quá hạn {(today - t.due).days} ngày)"
    if state == "open":
        return "Đang thực hiện"
    return _LABEL[state]


def _recurring_result(cycles: Iterable[Any], today: date) -> str:
    """The cycles due by today: reported (on time, late, day unknown) + not reported."""
    due = [cycle_state(c, today) for c in cycles if c.due is not None and c.due <= today]
    if not due:
        return "Đang thực hiện (thường xuyên)"
    missing, late, undated = due.count("not_reported"), due.count("late"), due.count("undated")
    parts = [f"{n} kỳ {what}" for n, what in ((late, "quá hạn"), (undated, "chưa rõ ngày báo cáo"),
                                              (missing, "chưa báo cáo")) if n]
    text = f"Thường xuyên: đã báo cáo {len(due) - missing}/{len(due)} kỳ"
    return text + (f" ({'; '.join(parts)})" if parts else ", đúng hạn")
