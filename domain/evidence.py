"""What a cited document must be: the one rule for a task's evidence (the link page,
the API, the task workflow's validator) and an incident report (its page, the API,
the incident workflow's validator).

A document has a number ("123/BC-UBND", at most NUMBER_MAX characters), a date of
issue (a real day, not after today in Vietnam, and for an incident report not before
the incident was detected) and a summary (at most TEXT_MAX characters). An optional
link starts with http(s)://; an optional note is at most TEXT_MAX characters.
Errors come back per field, in Vietnamese, so a form can show each beside its box
and a validator can join them.
"""
from __future__ import annotations

from datetime import date, datetime

__all__ = ["NUMBER_MAX", "TEXT_MAX", "parse_day", "document_errors", "text_errors"]

NUMBER_MAX = 200
TEXT_MAX = 2000
_DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")


def parse_day(text: str | None) -> date | None:
    """A day as people type it (31/03/2026, 31-03-2026) or as machines send it (ISO)."""
    text = (text or "").strip()
    for fmt in _DAY_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def document_errors(number: str, issued_on: str, summary: str, *, today: date, link: str = "", note: str = "",
                    not_before: date | None = None, asked: str = "văn bản (ví dụ 123/BC-UBND)",
                    summary_of: str = "văn bản") -> dict[str, str]:
    """The errors of a cited document, keyed number | issued_on | summary | link | note."""
    errors: dict[str, str] = {}
    number, summary = (number or "").strip(), (summary or "").strip()
    if not number:
        errors["number"] = f"Nhập số, ký hiệu {asked}."
    elif len(number) > NUMBER_MAX:
        errors["number"] = f"Số, ký hiệu quá dài (tối đa {NUMBER_MAX} ký tự)."
    issued = parse_day(issued_on)
    if issued is None:
        errors["issued_on"] = "Nhập ngày ban hành (ngày/tháng/năm)."
    elif issued > today:
        errors["issued_on"] = "Ngày ban hành không thể sau ngày hôm nay."
    elif not_before is not None and issued < not_before:
        errors["issued_on"] = "Ngày ban hành không thể trước ngày phát hiện sự cố."
    if not summary:
        errors["summary"] = f"Nhập trích yếu nội dung {summary_of}."
    elif len(summary) > TEXT_MAX:
        errors["summary"] = f"Trích yếu quá dài (tối đa {TEXT_MAX:,} ký tự).".replace(",", ".")
    if link and not link.strip().lower().startswith(("http://", "https://")):
        errors["link"] = "Đường dẫn văn bản phải bắt đầu bằng http:// hoặc https://."
    elif len(link or "") > TEXT_MAX:
        errors["link"] = f"Đường dẫn quá dài (tối đa {TEXT_MAX:,} ký tự).".replace(",", ".")
    errors.update(text_errors(note=note))
    return errors


_LABELS = {"note": "Ghi chú", "reason": "Lý do", "approved_by": "Người duyệt", "title": "Tên", "output": "Sản phẩm"}


def text_errors(**fields: str | None) -> dict[str, str]:
    """Free texts over TEXT_MAX characters."""
    return {name: f"{_LABELS.get(name, name)} quá dài (tối đa {TEXT_MAX:,} ký tự).".replace(",", ".")
            for name, value in fields.items() if len(value or "") > TEXT_MAX}
