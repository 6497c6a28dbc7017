"""A reported indicator value (kết quả chỉ tiêu): its fields checked the one way the
link page, the JSON API, the command line and the indicator workflow's validator read
them; the latest value as of a day; and the counts the reports print ("chỉ tiêu: đạt
X / Y, chưa đạt Z, chưa báo cáo W").

A value is the text a unit writes ("Đạt 97%", "Đang triển khai (khoảng 70 %)"),
judged against the target by domain/indicator_judging.py; its as-of date is the day
the figure describes (typed dd/mm/yyyy; today when left empty), never after today.
The latest value of an indicator as of a day is the one describing the most recent
day up to it (a later report about an earlier day corrects that day, not the newest).
Pure, no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Mapping

from domain.display import read_vn_date
from domain.indicator_judging import STATUS_WORDS, judge

__all__ = ["VALUE_MAX", "SOURCE_MAX", "NOTE_MAX", "EARLIEST", "read_value", "ReportedValue", "latest",
           "tally", "summary_line", "report_counts", "STATUS_ORDER", "status_words"]

VALUE_MAX = 500
SOURCE_MAX = 1000
NOTE_MAX = 2000
EARLIEST = date(2000, 1, 1)
STATUS_ORDER = ("met", "not_met", "unclear", "no_data")
_FIELDS = ("value", "as_of", "source", "note")


def read_value(form: Mapping[str, Any], today: date) -> tuple[dict[str, str], dict[str, str]]:
    """The fields of a reported value (as_of in ISO) and the errors, field by field,
    in Vietnamese. An empty as-of date means today."""
    values = {k: str(form.get(k) or "").strip() for k in _FIELDS}
    errors: dict[str, str] = {}
    if not values["value"]:
        errors["value"] = "Nhập kết quả thực hiện (ví dụ: 85%, «Đạt 97%», «Đang triển khai (khoảng 70 %)»)."
    elif len(values["value"]) > VALUE_MAX:
        errors["value"] = f"Kết quả quá dài (tối đa {VALUE_MAX} ký tự)."
    day = read_vn_date(values["as_of"]) if values["as_of"] else today
    if day is None:
        errors["as_of"] = "Nhập ngày số liệu dạng ngày/tháng/năm, ví dụ 31/03/2026."
    elif day > today:
        errors["as_of"] = "Ngày số liệu không thể sau ngày hôm nay."
    elif day < EARLIEST:
        errors["as_of"] = "Ngày số liệu không hợp lệ."
    else:
        values["as_of"] = day.isoformat()
    for name, limit, label in (("source", SOURCE_MAX, "Nguồn số liệu"), ("note", NOTE_MAX, "Ghi chú")):
        if len(values[name]) > limit:
            errors[name] = f"{label} quá dài (tối đa {limit:,} ký tự).".replace(",", ".")
    return values, errors


@dataclass(frozen=True)
class ReportedValue:
    """One value as the store keeps it (store.models.IndicatorValue has these fields)."""
    value: str
    as_of: date
    reported_at: datetime
    source: str = ""
    note: str = ""
    reported_by: str = ""
    cycle: str = ""
    id: int = 0


def latest(values: Iterable[Any], day: date | None = None, known_at: datetime | None = None) -> Any | None:
    """The value describing the most recent day up to ``day`` (and reported by
    ``known_at``, when given); the later report of the same day wins. None: nothing."""
    found = [v for v in values if (day is None or v.as_of <= day) and (known_at is None or v.reported_at <= known_at)]
    return max(found, key=lambda v: (v.as_of, v.reported_at, getattr(v, "id", 0)), default=None)


def status_words(status: str) -> str:
    return STATUS_WORDS.get(status, status)


def tally(indicators: Iterable[tuple[Mapping[str, Any] | None, str | None]]) -> dict[str, int]:
    """Counts of (target, latest value text) pairs by judgement; the four make the total."""
    counts = {"total": 0, **{s: 0 for s in STATUS_ORDER}}
    for target, value in indicators:
        counts[judge(target, value).status] += 1
        counts["total"] += 1
    return counts


def summary_line(counts: Mapping[str, int]) -> str:
    """The reports' line: "Chỉ tiêu: đạt X / Y, chưa đạt Z, chưa báo cáo W" (and the
    ones a person must judge, when there are any, so the parts make Y)."""
    line = (f"Chỉ tiêu: đạt {counts['met']} / {counts['total']}, chưa đạt {counts['not_met']}, "
            f"chưa báo cáo {counts['no_data']}")
    if counts.get("unclear"):
        line += f", cần xem xét {counts['unclear']}"
    return line


def report_counts(indicators: Iterable[Any]) -> dict[str, Any]:
    """The daily report's indicator figures: each indicator (target, latest result as of
    the report) in one class, and the line that says them."""
    counts: dict[str, Any] = tally((getattr(i, "target", None), getattr(i, "result", None)) for i in indicators)
    counts["line"] = summary_line(counts)
    return counts
