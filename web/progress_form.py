"""The progress form (the link page's second form, and POST /api/tasks/{id}/progress):
read and checked field by field with the errors in Vietnamese, the update's key, and
the update's argument (contracts.progress.ProgressInput's fields).

Percent: a whole number from 0 to 100 ("40", "40%" and "40,0" are read as 40). Each
text at most 2,000 characters; all optional but the percent. An empty difficulty
clears the one reported before (the form is filled with the last report's texts, so
it is emptied on purpose).
"""
from __future__ import annotations

import hashlib
import re

from contracts.progress import PROGRESS_TEXT_MAX

FIELDS = ("note", "difficulty", "proposal")
_LABELS = {"note": "Kết quả đã thực hiện", "difficulty": "Khó khăn, vướng mắc", "proposal": "Đề xuất, kiến nghị"}
_PERCENT = re.compile(r"^\s*(\d{1,3})(?:[.,]0+)?\s*%?\s*$")
_SEQ = re.compile(r"^\d{1,9}$")


def _percent(raw) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    found = _PERCENT.match(str(raw or ""))
    return int(found.group(1)) if found else None


def read_progress(form) -> tuple[dict, dict]:
    """The values (percent as an int when it reads as one) and the errors, field by field."""
    raw = form.get("percent", "")
    values: dict = {k: str(form.get(k) or "").strip() for k in FIELDS}
    errors: dict = {}
    percent = _percent(raw)
    if percent is None or not 0 <= percent <= 100:
        errors["percent"] = "Nhập tiến độ là một số phần trăm từ 0 đến 100 (ví dụ 40)."
        values["percent"] = "" if raw is None else str(raw).strip()
    else:
        values["percent"] = percent
    for name in FIELDS:
        if len(values[name]) > PROGRESS_TEXT_MAX:
            errors[name] = f"{_LABELS[name]} quá dài (tối đa {PROGRESS_TEXT_MAX:,} ký tự).".replace(",", ".")
    return values, errors


def progress_key(task_id: str, cycle: str, values: dict, seq: str | None = None) -> str:
    """The update's idempotency key: the task, the cycle, the reports it had when the
    page was opened (``seq``, a hidden field) and what was submitted. The same form sent
    twice (a double tap, a retry after "not recorded") is one report; the same words
    sent from the page opened afresh after another report are a new one."""
    seq = seq if seq and _SEQ.match(str(seq)) else ""
    fields = "|".join(str(values.get(k, "")) for k in ("percent", *FIELDS))
    return f"progress:{task_id}:{cycle}:{seq}:{hashlib.sha256(fields.encode()).hexdigest()[:16]}"


def progress_arg(values: dict, key: str, reported_by: str, reporter_name: str, unit_names: list[str],
                 cycle: str) -> dict:
    """The ``progress`` update's argument (ProgressInput as a plain dict)."""
    return {"key": key, "percent": values["percent"], "note": values["note"], "difficulty": values["difficulty"],
            "proposal": values["proposal"], "reported_by": reported_by, "reporter_name": reporter_name,
            "unit_names": list(unit_names), "cycle": cycle}


def reporter_name(database_url: str, config, key: str) -> str:
    """Who a link was sent to, by name: a unit, an official, or a registered person
    (with their unit)."""
    from web.names import recipient_name

    if not (key or "").startswith("person:"):
        return recipient_name(config, key)
    from store.db import session_scope
    from store.models import Person

    try:
        person_id = int(key.split(":", 1)[1])
    except ValueError:
        return ""
    with session_scope(database_url) as session:
        person = session.get(Person, person_id)
        if person is None:
            return ""
        units = [recipient_name(config, u.unit_key) for u in person.units]
        return f"{person.name} ({', '.join(units)})" if units else person.name
