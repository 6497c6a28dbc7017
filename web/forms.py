"""The task forms, read and checked field by field with the errors in Vietnamese:
a confirmation's evidence and an extension request. The link pages and the JSON
API read the same fields through these, so they accept the same input.

Dates are typed dd/mm/yyyy whatever the browser's language (also d/m/yyyy,
dd-mm-yyyy, dd.mm.yyyy, and ISO yyyy-mm-dd, which the JSON API keeps sending), read by
domain.display.read_vn_date; what goes on to the workflow is ISO. When a form comes
back with errors, the values are what the person typed (a valid date shown again as
dd/mm/yyyy by the page), so nothing is retyped."""
from __future__ import annotations

from datetime import date

from domain.display import read_vn_date
from domain.evidence import document_errors, parse_day, text_errors

DATE_HINT = "nhập theo dạng ngày/tháng/năm, ví dụ 31/12/2026"


def iso_day(text: str) -> str:
    """``text`` as ISO when it is a date people type, else unchanged (then refused)."""
    day = read_vn_date(text) or parse_day(text)
    return day.isoformat() if day else text


def read_confirmation(form, today: date) -> tuple[dict, dict]:
    """The evidence fields and the errors, field by field, in Vietnamese."""
    values = {k: str(form.get(k, "")).strip() for k in ("document_number", "issued_on", "summary", "link", "note")}
    values["issued_on"] = iso_day(values["issued_on"])
    errors = document_errors(values["document_number"], values["issued_on"], values["summary"], today=today,
                             link=values["link"], note=values["note"])
    if "number" in errors:
        errors["document_number"] = errors.pop("number")
    if "issued_on" in errors and values["issued_on"] and read_vn_date(values["issued_on"]) is None:
        errors["issued_on"] = f"Ngày ban hành không hợp lệ: {DATE_HINT}."
    return values, errors


def read_extension(form, today: date, due: date | None) -> tuple[dict, dict]:
    values = {"new_due": str(form.get("new_due", "")).strip(), "reason": str(form.get("reason", "")).strip()}
    errors = {}
    new_due = read_vn_date(iso_day(values["new_due"]))
    if not values["new_due"]:
        errors["new_due"] = "Nhập thời hạn mới đề nghị (ngày/tháng/năm)."
    elif new_due is None:
        errors["new_due"] = f"Thời hạn mới không hợp lệ: {DATE_HINT}."
    elif new_due <= today or (due is not None and new_due <= due):
        errors["new_due"] = "Thời hạn mới phải sau hôm nay và sau thời hạn hiện tại."
    if new_due is not None:
        values["new_due"] = new_due.isoformat()
    if not values["reason"]:
        errors["reason"] = "Nêu lý do đề nghị gia hạn."
    else:
        errors.update(text_errors(reason=values["reason"]))
    return values, errors
