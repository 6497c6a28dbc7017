"""How a date and an instant are shown to people: dd/mm/yyyy and HH:MM dd/mm/yyyy in
Vietnam time, whatever the browser's language. One rule for pages, messages, reports
and the appendix. Text that is not ISO (already formatted, a deadline phrase) is shown
as it is; for a time of day, an instant without a zone is UTC (how the store keeps them)."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any

from domain.calendar import VN_TZ

__all__ = ["vn_date", "vn_datetime", "read_vn_date", "step_label", "subject_label", "overdue_words", "overdue_of",
           "days_overdue",
           "due_words", "period_words", "read_vn_datetime", "hours_words", "DATE_PATTERN", "DATE_PLACEHOLDER"]


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
    if value.__class__ is str:  # ISO text, as reports keep dates: a page shows the same few hundred days 20,000 times
        return _vn_date_of_text(value)
    return _vn_date(value)


@lru_cache(maxsize=4096)
def _vn_date_of_text(text: str) -> str:
    return _vn_date(text)


def _vn_date(value: Any) -> str:
    found = _parsed(value)
    if isinstance(found, datetime):  # an instant's Vietnamese day; a naive one names its own day
        found = found.astimezone(VN_TZ).date() if found.tzinfo else found.date()
    if not isinstance(found, date):
        return str(value)
    if found.year >= 1000:  # strftime's text, a tenth of its cost (a report page shows 20,000 dates)
        return f"{found.day:02d}/{found.month:02d}/{found.year}"
    return found.strftime("%d/%m/%Y")


def vn_datetime(value: Any, empty: str = "") -> str:
    """HH:MM dd/mm/yyyy in Vietnam time; a plain date as dd/mm/yyyy."""
    if value is None or value == "":
        return empty
    found = _parsed(value)
    if not isinstance(found, datetime):
        return vn_date(value, empty)
    found = found if found.tzinfo else found.replace(tzinfo=timezone.utc)
    return found.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")


# What a date box on a page accepts (the HTML pattern attribute): dd/mm/yyyy as pages
# show dates, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, and ISO from an older form or a script.
# ("\/" and "\-" escaped: browsers compile the pattern with the v flag.)
DATE_PATTERN = r"\s*\d{1,2}\s*[\/.\-]\s*\d{1,2}\s*[\/.\-]\s*\d{4}\s*|\s*\d{4}-\d{2}-\d{2}\s*"
DATE_PLACEHOLDER = "dd/mm/yyyy"
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


_TIME = r"(\d{1,2})\s*[:hg]\s*(\d{2})"
_DAY = r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})"
_TIME_FIRST = re.compile(rf"^\s*{_TIME}\s*,?\s*(?:ngày\s*)?{_DAY}\s*$", re.I)
_DAY_FIRST = re.compile(rf"^\s*{_DAY}\s*,?\s*(?:lúc\s*)?{_TIME}\s*$", re.I)


def read_vn_datetime(text: str | None) -> datetime | None:
    """A moment a person typed, in Vietnam time (naive): "08:30 01/06/2026" as pages
    show it, "01/06/2026 08:30", "8h30 1/6/2026", or ISO "2026-06-01T08:30" (what a
    browser's picker sends); None without a time of day or when it is not a moment."""
    text = (text or "").strip()
    try:
        found = _TIME_FIRST.match(text)
        if found:
            hour, minute, day, month, year = (int(g) for g in found.groups())
            return datetime(year, month, day, hour, minute)
        found = _DAY_FIRST.match(text)
        if found:
            day, month, year, hour, minute = (int(g) for g in found.groups())
            return datetime(year, month, day, hour, minute)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?", text):
            return datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        return None
    return None


# A message's step in words: what was sent (the raw step id stays out of the text).
_STEP_PREFIXES = (("alert", "Báo sự cố cho đơn vị"), ("extension_request", "Đề nghị gia hạn gửi lãnh đạo"),
                  ("extension_declined", "Báo đơn vị: không đồng ý gia hạn"),
                  ("no_channel", "Báo Văn phòng: không gửi được"),
                  ("cancel", "Thông báo hủy nhiệm vụ"), ("resend", "Gửi lại đường dẫn báo cáo"),
                  ("returned", "Báo đơn vị: kết quả bị trả lại"), ("review", "Nhắc Văn phòng duyệt kết quả"),
                  ("checkin", "Đề nghị báo cáo tiến độ"), ("difficulty", "Báo khó khăn, vướng mắc"),
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


# A message's channel in words, as it reads after "qua" (the lower-case keys stay out of the text).
CHANNEL_WORDS = {"zalo": "Zalo", "email": "email", "outbox": "hộp thư đi", "none": "không có kênh"}


def channel_words(channel: str | None) -> str:
    return CHANNEL_WORDS.get(channel or "", "kênh khác")



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


# -- overdue and due, one way for pages, the command line and reports ---------------

def days_overdue(due: date | None, today: date, calendar=None) -> tuple[int, int]:
    """(working days, calendar days) from ``due`` to ``today``: 0, 0 when not past due.
    Working days are those in (due, today] that the working calendar (a
    domain.calendar.WorkingCalendar) counts; without one, Monday to Friday."""
    if due is None or today <= due:
        return 0, 0
    from domain.ladder import working_days_between

    if calendar is None:
        from domain.calendar import WorkingCalendar

        calendar = WorkingCalendar()
    return max(working_days_between(calendar, due, today), 0), (today - due).days


def overdue_words(working: int | None, calendar_days: int | None, capital: bool = False) -> str:
    """How late a task is, stated one way everywhere: "quá hạn 8 ngày làm việc
    (12 ngày lịch)"; the calendar days alone while no working day has passed yet
    (due on a Friday, read on Sunday), or when the working days are not known."""
    calendar_days = int(calendar_days or 0)
    if working:
        text = f"quá hạn {int(working)} ngày làm việc ({calendar_days} ngày lịch)"
    else:
        text = f"quá hạn {calendar_days} ngày lịch"
    return text[:1].upper() + text[1:] if capital else text


def overdue_of(row: Any) -> str:
    """A report row's lateness in the same words (its ``working_days_overdue`` and
    ``days_overdue``; an archived report without the first says the calendar days)."""
    return overdue_words(row.get("working_days_overdue"), row.get("days_overdue"))


def due_words(due: Any, extended_from: Any = None) -> str:
    """A deadline as people read it: "31/12/2026", or "31/12/2026 (gia hạn từ 30/06/2026)"
    for a deadline moved by an approved extension."""
    text = vn_date(due)
    if extended_from and vn_date(extended_from) != text:
        text += f" (gia hạn từ {vn_date(extended_from)})"
    return text


def period_words(period: str | None) -> str:
    """A report period's key in words: "2026-05" -> "tháng 5/2026", "2026" -> "năm 2026",
    a drill's "c3" -> "kỳ 3"."""
    text = (period or "").strip()
    found = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if found:
        return f"tháng {int(found.group(2))}/{found.group(1)}"
    if re.fullmatch(r"\d{4}", text):
        return f"năm {text}"
    found = re.fullmatch(r"c(\d+)", text)
    return f"kỳ {found.group(1)}" if found else text


def hours_words(value: Any) -> str:
    """A number of hours in words ("3 giờ", "23 giờ 59 phút", never "21.0 giờ"); text is
    shown as it is. One rule for messages, reports and pages."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    minutes = round(float(value) * 60)
    h, m = divmod(abs(minutes), 60)
    return f"{h} giờ {m} phút" if m else f"{h} giờ"
