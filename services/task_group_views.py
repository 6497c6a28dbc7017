"""A parent task's children and roll-up as ``task show --json``, the task page and the task
list show them (read from the store, like the rest of the views).

    "children": [{"id", "unit", "status", "result"}, ...]
    "rollup": {"total", "completed", "on_time", "late", "open", "overdue"}

A recurring parent counts its current report period: each recurring child by its
cycle of that period. A child names its parent: "parent": "<id>".
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from domain.rollup import rollup
from store.task_children import child_counts, child_states, is_parent


def group_view(session, row, now: datetime | None = None) -> dict[str, Any]:
    """{"children", "rollup"} for a parent; {"parent"} for a child; {} otherwise."""
    out: dict[str, Any] = {"parent": row.parent_id} if row.parent_id else {}
    if not is_parent(session, row.id) and not child_counts(session, [row.id]):
        return out
    now = now or datetime.now(timezone.utc)
    period = current_period(session, row) if row.deadline_kind == "recurring" else ""
    states = child_states(session, row.id, period)
    out["children"] = [{"id": s.id, "unit": s.unit, "status": s.status, "result": s.result} for s in states]
    out["rollup"] = rollup(states, now).to_dict()
    if period:
        out["rollup_period"] = period
    return out


def current_period(session, row) -> str:
    """A recurring parent's report period now: its open cycle, else its latest."""
    from sqlalchemy import select

    from store.models import Cycle

    cycles = list(session.scalars(select(Cycle).where(Cycle.task_id == row.id).order_by(Cycle.due)))
    open_ = [c for c in cycles if c.status == "open"]
    return (open_ or cycles)[-1].period if (open_ or cycles) else ""


def progress_of(session, task_ids: list[str], now: datetime | None = None) -> dict[str, dict[str, int]]:
    """The roll-up of each parent among ``task_ids`` (for the task list): id -> counts."""
    from store.models import Task

    now = now or datetime.now(timezone.utc)
    out = {}
    for parent_id in child_counts(session, task_ids):
        row = session.get(Task, parent_id)
        period = current_period(session, row) if row is not None and row.deadline_kind == "recurring" else ""
        out[parent_id] = rollup(child_states(session, parent_id, period), now).to_dict()
    return out
