"""A period people name, read one way everywhere: the command line's `report period
--quarter/--month` and the dashboard's "Báo cáo theo kỳ" use these.

* a quarter: "Quý II/2026", "quý 2/2026", "Q2/2026", "2026Q2" -> key "2026Q2";
* a month: "Tháng 5/2026", "5/2026", "2026-05" -> key "2026-05";
* a range of days typed dd/mm/yyyy (domain.display.read_vn_date) -> key
  "2026-04-01..2026-05-15".

`span_of(key)` gives (first day, last day, key, Vietnamese label) of any of the three
keys; quarters and months are domain.report_period.period_bounds's.
"""
from __future__ import annotations

import re
from datetime import date

from domain.display import read_vn_date, vn_date
from domain.report_period import period_bounds
from domain.text import ascii_fold

__all__ = ["read_quarter", "read_month", "read_period", "read_range", "span_of", "RANGE_SEP", "PeriodError"]

RANGE_SEP = ".."
MAX_RANGE_DAYS = 3 * 366
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# Matched against domain.text.ascii_fold of the value: "2026q2", "quy ii/2026", "q2/2026"; "2026-05", "thang 5/2026".
_QUARTER_FORMS = (re.compile(r"^(?P<y>\d{4})\s*-?\s*q\s*(?P<q>[1-4])$"),
                  re.compile(r"^(?:quy|q)\s*(?P<q>iv|i{1,3}|[1-4])\s*(?:/|-|nam)\s*(?P<y>\d{4})$"))
_MONTH_FORMS = (re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})$"),
                re.compile(r"^(?:thang\s*)?(?P<m>\d{1,2})\s*(?:/|-|nam)\s*(?P<y>\d{4})$"))
_RANGE_KEY = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


class PeriodError(ValueError):
    """What is wrong with a period, worded for the person (Vietnamese)."""


def read_quarter(text: str | None) -> str | None:
    """"2026Q2" from a quarter's phrase; None when it is not one."""
    folded = ascii_fold(text or "")
    m = next((m for f in _QUARTER_FORMS if (m := f.match(folded))), None)
    return f"{m['y']}Q{_ROMAN[m['q']]}" if m else None


def read_month(text: str | None) -> str | None:
    """"2026-05" from a month's phrase; None when it is not one."""
    folded = ascii_fold(text or "")
    m = next((m for f in _MONTH_FORMS if (m := f.match(folded))), None)
    return f"{m['y']}-{int(m['m']):02d}" if m and 1 <= int(m["m"]) <= 12 else None


def read_period(text: str | None) -> str:
    """The key of a quarter or a month ("Quý II/2026", "Tháng 5/2026"); PeriodError otherwise."""
    key = read_quarter(text) or read_month(text)
    if key is None:
        raise PeriodError(f"Không đọc được kỳ «{(text or '').strip()}». Ví dụ: «Quý II/2026» hoặc «Tháng 5/2026».")
    return key


def read_range(first: str | None, last: str | None) -> str:
    """The key of the days from `first` to `last` (both typed dd/mm/yyyy); PeriodError otherwise."""
    start, end = read_vn_date(first), read_vn_date(last)
    if start is None or end is None:
        raise PeriodError("Nhập cả «Từ ngày» và «Đến ngày» theo dạng ngày/tháng/năm, ví dụ 01/04/2026.")
    if end < start:
        raise PeriodError("«Đến ngày» phải cùng hoặc sau «Từ ngày».")
    if (end - start).days > MAX_RANGE_DAYS:
        raise PeriodError("Khoảng thời gian dài quá 3 năm; hãy chọn khoảng ngắn hơn.")
    return f"{start.isoformat()}{RANGE_SEP}{end.isoformat()}"


def span_of(key: str) -> tuple[date, date, str, str]:
    """(first day, last day, key, label) of a quarter, month or range key."""
    m = _RANGE_KEY.match((key or "").strip())
    if m:
        start, end = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
        if end < start:
            raise PeriodError("«Đến ngày» phải cùng hoặc sau «Từ ngày».")
        return start, end, f"{start.isoformat()}{RANGE_SEP}{end.isoformat()}", \
            f"Giai đoạn từ {vn_date(start)} đến {vn_date(end)}"
    if re.search(r"q", key or "", re.I):
        return period_bounds(quarter=key)
    return period_bounds(month=key)
