"""The task forms, read and checked field by field with the errors in Vietnamese:
a confirmation's evidence and an extension request. The link pages and the JSON
API read the same fields through these, so they accept the same input."""
from __future__ import annotations

from datetime import date

from domain.evidence import document_errors, parse_day, text_errors


def read_confirmation(form, today: date) -> tuple[dict, dict]:
    """The evidence fields and the errors, field by field, in Vietnamese."""
    values = {k: str(form.get(k, "")).strip() for k in ("document_number", "issued_on", "summary", "link", "note")}
    errors = document_errors(values["document_number"], values["issued_on"], values["summary"], today=today,
                             link=values["link"], note=values["note"])
    if "number" in errors:
        errors["document_number"] = errors.pop("number")
    if "issued_on" not in errors:
        values["issued_on"] = parse_day(values["issued_on"]).isoformat()
    return values, errors


def read_extension(form, today: date, due: date | None) -> tuple[dict, dict]:
    values = {"new_due": str(form.get("new_due", "")).strip(), "reason": str(form.get("reason", "")).strip()}
    errors = {}
    new_due = parse_day(values["new_due"])
    if new_due is None:
        errors["new_due"] = "Nhập thời hạn mới đề nghị (ngày/tháng/năm)."
    elif new_due <= today or (due is not None and new_due <= due):
        errors["new_due"] = "Thời hạn mới phải sau hôm nay và sau thời hạn hiện tại."
    else:
        values["new_due"] = new_due.isoformat()
    if not values["reason"]:
        errors["reason"] = "Nêu lý do đề nghị gia hạn."
    else:
        errors.update(text_errors(reason=values["reason"]))
    return values, errors
