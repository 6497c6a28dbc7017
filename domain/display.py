"""How a date and an instant are shown to people: dd/mm/yyyy and HH:MM dd/mm/yyyy in
Vietnam time, whatever the browser's language. One rule for pages, messages, reports
and the appendix. Text that is not ISO (already formatted, a deadline phrase) is shown
as it is; for a time of day, an instant without a zone is UTC (how the store keeps them)."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any

from domain.calendar import VN_TZ

__all__ = ["vn_date", "vn_datetime", "read_vn_date", "step_label", "subject_label"]


def _parsed(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        try:
            return datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
        except ValueError:
            return value
    return value


def vn_date(value: Any, empty: str = "") -> str:
    """dd/mm/yyyy of a date, an instant or ISO text; ``empty`` for nothing."""
    if value is None or value == "":
        return empty
    found = _parsed(value)
    if isinstance(found, datetime):  # an instant's Vietnamese day; a naive one names its own day
        found = found.astimezone(VN_TZ).date() if found.tzinfo else found.date()
    return found.strftime("%d/%m/%Y") if isinstance(found, date) else str(value)


def vn_datetime(value: Any, empty: str = "") -> str:
    """HH:MM dd/mm/yyyy in Vietnam time; a plain date as dd/mm/yyyy."""
    if value is None or value == "":
        return empty
    found = _parsed(value)
    if not isinstance(found, datetime):
        return vn_date(value, empty)
    found = found if found.tzinfo else found.replace(tzinfo=timezone.utc)
    return found.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")


_ENTERED = re.compile(r"^\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\s*$")


def read_vn_date(text: str | None) -> date | None:
    """A date a person typed: dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy) or
    ISO yyyy-mm-dd (what a browser's date picker sends); None when it is not a date.
    One rule for every form, so the entry matches what pages show whatever the
    browser's language."""
    text = (text or "").strip()
    found = _ENTERED.match(text)
    try:
        if found:
            day, month, year = (int(g) for g in found.groups())
            return date(year, month, day)
        return date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None


# A message's step in words: what was sent (the raw step id stays out of the text).
_STEP_PREFIXES = (("alert", "Báo sự cố cho đơn vị"), ("extension_request", "Đề nghị gia hạn gửi lãnh đạo"),
                  ("extension_declined", "Báo đơn vị: không đồng ý gia hạn"),
                  ("no_channel", "Báo Văn phòng: không gửi được"),
                  ("cancel", "Thông báo hủy nhiệm vụ"), ("resend", "Gửi lại đường dẫn báo cáo"),
                  ("assign", "Thông báo giao nhiệm vụ"), ("remind", "Nhắc việc"), ("escalat", "Leo thang đôn đốc"),
                  ("overdue", "Nhắc việc quá hạn"), ("complete", "Thông báo hoàn thành"), ("amend", "Thông báo điều chỉnh"),
                  ("extend", "Thông báo gia hạn"), ("cycle", "Nhắc báo cáo kỳ"), ("report", "Báo cáo"),
                  # The task workflow's ladder steps (domain/ladder.py): before-N | due | after-N | repeat-N.
                  ("before-", "Nhắc việc trước hạn"), ("due", "Nhắc việc đến hạn"),
                  ("after-", "Đôn đốc quá hạn"), ("repeat-", "Đôn đốc quá hạn (nhắc lại)"))
_REVISION = re.compile(r"^r\d+/")  # a step of a changed deadline: "r1/before-3"


def step_label(step: str) -> str:
    """A delivery's step in words."""
    lowered = _REVISION.sub("", (step or "").lower())
    return next((label for prefix, label in _STEP_PREFIXES if lowered.startswith(prefix)), "Tin nhắn")



def subject_label(subject_id: str, titles: dict[str, str] | None = None) -> str:
    """What a message was about, in words: the task's title, "Sự cố số N", "Báo cáo số N"."""
    if titles and subject_id in titles:
        return titles[subject_id]
    kind, _, number = (subject_id or "").partition("/")
    if kind == "incident" and number.isdigit():
        return f"Sự cố số {number}"
    if kind == "report" and number.isdigit():
        return f"Báo cáo số {number}"
    return "Nhiệm vụ" if kind == "task" else "Tin nhắn"
