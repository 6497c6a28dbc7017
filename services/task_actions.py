"""The standing office's actions on a task (the dashboard's task page, the API):
what each form asks of the task workflow -- the update, its argument and its
idempotency key -- read and checked field by field with the errors in Vietnamese,
before the workflow's own validator has the last word.

  reassign  ``amend`` with lead_units / lead_official (and the reason, optional)
  deadline  ``amend`` with due, as a recorded decision: the deciding document's
            number, date of issue and summary, and who decided
  cancel    ``cancel`` with the reason
  resend    ``resend_link``: the unit gets its confirmation link again, now

A completion received on paper is the link's own confirmation (web/forms.py), the
same fields and rule. Revoking a link is a store change (store/links.py), written
to the task's timeline with who did it, like the others.

Keys: the action, the task and a digest of what was submitted, including the form's
one-time id (``form_id``, new each time the page is shown): the same submission
twice (a double click, a retry after a timeout) is one action; the same change made
again later, on a freshly shown page, is a new one.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from domain.display import read_vn_date
from domain.evidence import TEXT_MAX, document_errors, text_errors

ACTIONS = ("reassign", "deadline", "cancel", "paper", "resend")


@dataclass
class ActionRequest:
    update: str                                   # the workflow update to send
    arg: dict = field(default_factory=dict)       # its argument (with the key)
    values: dict = field(default_factory=dict)    # what the person typed, to show again
    errors: dict = field(default_factory=dict)    # field -> what is wrong, in Vietnamese

    @property
    def key(self) -> str:
        return self.arg.get("key", "")


def action_key(action: str, task_id: str, values: dict) -> str:
    digest = hashlib.sha256(json.dumps(values, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    return f"{action}:{task_id}:{digest}"


def _text(form, name: str) -> str:
    return str(form.get(name, "") or "").strip()


def _keyed(action: str, task: dict, values: dict, arg: dict, update: str, errors: dict) -> ActionRequest:
    if not errors:
        arg["key"] = action_key(action, task["id"], values)
    return ActionRequest(update, arg, values, errors)


def read_reassign(form, task: dict, directory, actor: str) -> ActionRequest:
    """New lead unit(s) and/or lead official ("" = each unit's own)."""
    units = [str(u).strip() for u in form.getlist("lead_units") if str(u).strip()]
    values = {"lead_units": units, "lead_official": _text(form, "lead_official"), "reason": _text(form, "reason"),
              "form_id": _text(form, "form_id")}
    errors = {}
    if not units:
        errors["lead_units"] = "Chọn ít nhất một đơn vị chủ trì."
    elif any(directory.unit(u) is None for u in units):
        errors["lead_units"] = "Đơn vị đã chọn không có trong danh bạ."
    official, current = values["lead_official"], task.get("lead_official") or ""
    if official and official != current and directory.official(official) is None:
        errors["lead_official"] = "Lãnh đạo đã chọn không có trong danh bạ."
    errors.update(text_errors(reason=values["reason"]))
    # The units as chosen; the official only when it differs from the row's (the row may hold
    # none where the form says "each unit's own"). Whether anything changes, the workflow says
    # (its validator); the same submission again is answered by its key.
    arg = {"actor": actor, "reason": values["reason"], "lead_units": units}
    if official != current:
        arg["lead_official"] = official
    return _keyed("reassign", task, values, arg, "amend", errors)


def read_deadline(form, task: dict, today: date, actor: str) -> ActionRequest:
    """A new deadline decided by a document (number, date of issue, summary, who decided)."""
    values = {k: _text(form, k) for k in ("new_due", "decision_number", "decision_date", "decided_by", "summary",
                                          "form_id")}
    errors = {}
    if task.get("deadline_kind") == "recurring":
        errors["new_due"] = "Nhiệm vụ thường xuyên: hạn từng kỳ theo lịch báo cáo, không đổi được ở đây."
    new_due = read_vn_date(values["new_due"])
    if "new_due" in errors:
        pass
    elif new_due is None:
        errors["new_due"] = "Nhập thời hạn mới (ngày/tháng/năm, ví dụ 30/09/2026)."
    elif new_due < today:
        errors["new_due"] = "Thời hạn mới không thể trước ngày hôm nay."
    decided_on = read_vn_date(values["decision_date"])
    found = document_errors(values["decision_number"], decided_on.isoformat() if decided_on else "",
                            values["summary"], today=today, asked="văn bản quyết định (ví dụ 45/QĐ-UBND)",
                            summary_of="văn bản quyết định")
    errors.update({{"number": "decision_number", "issued_on": "decision_date"}.get(k, k): v for k, v in found.items()})
    if not values["decided_by"]:
        errors["decided_by"] = "Nhập người (cơ quan) quyết định, ví dụ: Chủ tịch UBND đặc khu."
    elif len(values["decided_by"]) > TEXT_MAX:
        errors["decided_by"] = "Quá dài."
    arg = {"actor": actor, "due": new_due.isoformat() if new_due else "", "reason": values["summary"],
           "decision_number": values["decision_number"], "decided_by": values["decided_by"],
           "decision_date": decided_on.isoformat() if decided_on else ""}
    return _keyed("deadline", task, values, arg, "amend", errors)


def read_cancel(form, task: dict, actor: str) -> ActionRequest:
    values = {"reason": _text(form, "reason"), "form_id": _text(form, "form_id")}
    errors = {} if values["reason"] else {"reason": "Nêu lý do hủy nhiệm vụ."}
    errors.update(text_errors(reason=values["reason"]))
    return _keyed("cancel", task, values, {"reason": values["reason"], "cancelled_by": actor}, "cancel", errors)


def read_resend(form, task: dict, actor: str) -> ActionRequest:
    values = {"form_id": _text(form, "form_id")}
    return _keyed("resend", task, values, {"actor": actor}, "resend_link", {})


# -- links: revoked by the office, on the timeline ------------------------------------

def revoke_link(database_url: str, link_id: str, task_id: str, actor: str, now: datetime) -> bool:
    """Revoke one live link of the task and put it on the timeline (who, whose link, what for);
    False when there was nothing to revoke (already revoked, expired, another task's)."""
    from store.links import live_links, revoke

    link = next((x for x in live_links(database_url, task_id, now) if x["id"] == link_id), None)
    if link is None or not revoke(database_url, link_id, actor, now, task_id):
        return False
    _timeline(database_url, task_id, "link_revoked", f"{task_id}|revoke|{link_id}", now,
              {"recipient": link["recipient"], "purpose": link["purpose"], "by": actor})
    return True


def revoke_links_of(database_url: str, task_id: str, recipients: list[str], actor: str, now: datetime) -> int:
    """Revoke the live links of these recipients (units no longer in charge); how many."""
    from store.links import live_links

    found = [x["id"] for x in live_links(database_url, task_id, now) if x["recipient"] in recipients]
    return sum(revoke_link(database_url, link_id, task_id, actor, now) for link_id in found)


def _timeline(database_url: str, task_id: str, kind: str, key: str, at: datetime, data: dict) -> None:
    from sqlalchemy import select

    from store.db import write_scope
    from store.models import Event

    with write_scope(database_url) as session:
        if session.scalar(select(Event.id).where(Event.key == key)) is None:
            session.add(Event(at=at, subject_id=task_id, kind=kind, key=key, data=data))


def task_status(database_url: str, task_id: str) -> str | None:
    """The task row's status (the workflow's projection), for waiting on a closing update."""
    from store.db import session_scope
    from store.models import Task

    with session_scope(database_url) as session:
        row = session.get(Task, task_id)
        return row.status if row is not None else None
