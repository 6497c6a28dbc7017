"""What the task page shows of a parent task (its units' tasks and their roll-up) and of a
child (the task it belongs to): web/templates/_task_group.html.

A parent is confirmed by nobody: the page shows no confirmation or deadline actions for
it, only -- for a group's task, to admin and office -- the button that brings its
children in line with the group now (web/routes_groups.py).
"""
from __future__ import annotations

from datetime import datetime, timezone

from domain.rollup import is_overdue
from web.pages import task_href


def group_context(database_url: str, config, task_id: str, members: str = "") -> dict:
    """{"group": {...}, "parent_task": bool} for the page (empty for a plain task)."""
    from domain.groups import label
    from services.task_group_views import group_view
    from store.db import session_scope
    from store.models import Task
    from store.task_children import child_rows, parent_kind

    with session_scope(database_url) as session:
        row = session.get(Task, task_id)
        if row is None:
            return {}
        view = group_view(session, row)
        kind = parent_kind(session, task_id)
        parent = session.get(Task, row.parent_id) if row.parent_id else None
        titles = {c.id: c for c in child_rows(session, task_id)} if "children" in view else {}
        out: dict = {}
        if parent is not None:
            out["parent"] = {"href": task_href(parent.id), "title": parent.title, "stt": parent.stt,
                             "plan": parent.plan.name if parent.plan else ""}
        if "children" in view:
            now = datetime.now(timezone.utc)
            out.update(kind=kind or "group", rollup=view["rollup"], children=[
                _child(config, titles[c["id"]], c, now, label) for c in view["children"]])
    if not out:
        return {}
    out["members_done"] = _members_note(members)
    out["sync_url"] = task_href(task_id) + "/group/sync"
    return {"group": out, "parent_task": "children" in out}


def _child(config, row, state: dict, now: datetime, label) -> dict:
    due_at = (row.raw or {}).get("due_at")
    late = is_overdue(state["status"], row.due, datetime.fromisoformat(due_at) if due_at else None, now)
    return {"href": task_href(row.id), "title": row.title, "unit": label(config.directory, state["unit"]),
            "status": state["status"], "result": state["result"], "due": row.due.isoformat() if row.due else None,
            "overdue": late, "plan": row.plan.name if row.plan else "", "stt": row.stt}


def _members_note(value: str) -> str:
    """"2-1" (from the sync button's redirect) in words."""
    started, _, cancelled = (value or "").partition("-")
    if not (started.isdigit() and cancelled.isdigit()):
        return ""
    if started == "0" and cancelled == "0":
        return "Các đơn vị đã khớp với nhóm: không có nhiệm vụ nào phải tạo thêm hay hủy."
    return (f"Đã tạo {started} nhiệm vụ cho đơn vị mới vào nhóm; đã hủy {cancelled} nhiệm vụ của đơn vị đã rời "
            "nhóm (đơn vị và những người đã được nhắc được báo).")
