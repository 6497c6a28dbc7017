"""The standing office's review of a result awaiting it (the task page's form,
web/routes_task_review.py, and ``./dondoc task review``): what each asks of the task
workflow's ``review`` update -- its argument and its idempotency key -- checked field
by field with the errors in Vietnamese, before the workflow's validator has the last
word; and a result's two dates in words (the date of issue, the confirmation's) for
the pages and the command line.

Keys: the task, the confirmation under review (its arrival, from the store), the
decision and its reason, and on the dashboard the form's one-time id: the same
submission twice (a double click, a retry after a timeout) is one decision.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from datetime import datetime

from domain.calendar import VN_TZ
from domain.display import vn_date
from domain.evidence import text_errors
from domain.review import JUDGED_WORDS

DECISIONS = ("accept", "return")
WAITING = "awaiting_review"


@dataclass
class ReviewRequest:
    arg: dict = field(default_factory=dict)       # the update's argument (with the key)
    values: dict = field(default_factory=dict)    # what the person typed, to show again
    errors: dict = field(default_factory=dict)    # field -> what is wrong, in Vietnamese

    @property
    def key(self) -> str:
        return self.arg.get("key", "")


def review_key(task_id: str, evidence: dict | None, decision: str, reason: str, form_id: str = "") -> str:
    under = (evidence or {}).get("confirmed_at", "")
    digest = hashlib.sha256(json.dumps([under, decision, reason, form_id], ensure_ascii=False).encode())
    return f"review:{task_id}:{digest.hexdigest()[:16]}"


def read_review(decision: str, reason: str, task: dict, reviewer: str, form_id: str = "") -> ReviewRequest:
    """A decision on the task's result awaiting review: accept, or return with a reason."""
    decision, reason = (decision or "").strip(), (reason or "").strip()
    values, errors = {"decision": decision, "reason": reason, "form_id": form_id}, {}
    if task.get("status") != WAITING:
        errors["decision"] = not_waiting(task.get("status"))
    elif decision not in DECISIONS:
        errors["decision"] = "Chọn chấp nhận hoặc trả lại kết quả."
    elif decision == "return" and not reason:
        errors["reason"] = "Nêu lý do trả lại để đơn vị biết cần hoàn thiện gì."
    errors.update(text_errors(reason=reason))
    if errors:
        return ReviewRequest({}, values, errors)
    key = review_key(task["id"], task.get("evidence"), decision, reason, form_id)
    return ReviewRequest({"key": key, "decision": decision, "reason": reason, "reviewer": reviewer}, values, {})


def not_waiting(status: str | None) -> str:
    if status == "completed":
        return "Nhiệm vụ đã hoàn thành; không còn kết quả chờ duyệt."
    if status == "cancelled":
        return "Nhiệm vụ đã bị hủy."
    return "Nhiệm vụ không có kết quả nào đang chờ duyệt."


def confirmed_day(evidence: dict | None) -> str | None:
    """The Vietnamese day (ISO) the confirmation reached the workflow, or None."""
    at = (evidence or {}).get("confirmed_at")
    try:
        return datetime.fromisoformat(str(at)).astimezone(VN_TZ).date().isoformat() if at else None
    except ValueError:
        return None


def judged_view(evidence: dict | None) -> dict:
    """A result's moments, for ``task show --json``: judged_by (issued_on | arrival, or None
    for a result recorded before the rule), the date of issue and the confirmation's day."""
    ev = evidence or {}
    confirmed = confirmed_day(ev)
    return {"judged_by": ev.get("judged_by"), "issued_on": ev.get("issued_on") or None, "confirmed_on": confirmed}


def judged_words(evidence: dict | None) -> str:
    """The result's two dates in words ("" when there is no result): for the command line."""
    view = judged_view(evidence)
    if not view["confirmed_on"] and not view["issued_on"]:
        return ""
    parts = []
    if view["issued_on"]:
        parts.append(f"ngày ban hành văn bản {vn_date(view['issued_on'])}")
    if view["confirmed_on"]:
        parts.append(f"ngày xác nhận {vn_date(view['confirmed_on'])}")
    by = JUDGED_WORDS.get(view["judged_by"] or "", "")
    return "; ".join(parts) + (f"; xếp loại {by}" if by else "")


def times_returned(database_url: str, task_id: str) -> int:
    """How many times the standing office returned the task's result (its timeline): the
    round a new confirmation belongs to (web.updates.confirm_key)."""
    from sqlalchemy import func, select

    from store.db import session_scope
    from store.models import Event

    with session_scope(database_url) as session:
        return session.scalar(select(func.count(Event.id)).where(Event.subject_id == task_id,
                                                                 Event.kind == "task_returned")) or 0
