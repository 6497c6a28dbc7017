"""Reading a result cell: is the task done, and when?

"Hoàn thành", "Đã hoàn thành (đúng hạn)" → completed; "Chưa hoàn thành",
"Đang thực hiện", "Đang triển khai…" and empty → open. A completion date comes
from its own column or, failing that, from the result text ("Hoàn thành ngày 15/3/2026").
"""
from __future__ import annotations

import re
from datetime import date

from domain.text import fold

__all__ = ["read_status", "read_date"]

# Matched on fold() text, diacritics kept: ascii folding would make "dừng" (stopped)
# and "đúng" (on time) the same word.
_NOT_DONE = re.compile(r"\b(?:chưa|không|đang|chậm|trễ|tạm dừng|dừng)\b")
_DONE = re.compile(r"\b(?:hoàn thành|đã xong|xong|đã ban hành|trước hạn|đúng hạn)\b")
_DMY = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\b")
_YMD = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")


def read_status(result: str, completed_on: str = "") -> tuple[str, date | None, bool]:
    """(status, completion date, understood). `understood` is False for a non-empty
    result we could not classify (kept open, worth a warning)."""
    done_date = read_date(completed_on) or None
    folded = fold(result)
    if not folded:
        return ("completed", done_date, True) if done_date else ("open", None, True)
    if _NOT_DONE.search(folded.split(",")[0]) and not folded.startswith("đã hoàn thành"):
        return "open", None, True
    if _DONE.search(folded):
        return "completed", done_date or read_date(result), True
    if done_date:
        return "completed", done_date, True
    return "open", None, False


def read_date(text: str) -> date | None:
    if not text:
        return None
    m = _YMD.search(text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _DMY.search(text)
        if not m:
            return None
        d, mo, y = (int(g) for g in m.groups())
    try:
        return date(y, mo, d)
    except ValueError:
        return None
