"""A parent task's children as the store has them, and the groups the standing office
edited (``unit_groups``): the reads the parent workflow's activities and the pages share.

A child's state for a roll-up (domain/rollup.py ChildState): a one-off child by its own
row; for a recurring parent's report period, a recurring child by its cycle of that
period (reported: completed with its result; missed: open and overdue; none yet: open).
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.directory import Directory, UnitGroup
from domain.groups import merge_groups, with_groups
from domain.rollup import ChildState
from store.group_models import UnitGroupRow
from store.models import Cycle, Task

_LONG_AGO = datetime(2000, 1, 1, tzinfo=timezone.utc)   # a missed cycle is overdue, whatever its day


def child_rows(session: Session, parent_id: str) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.parent_id == parent_id).order_by(Task.id)))


def child_counts(session: Session, parent_ids: list[str]) -> dict[str, int]:
    """How many children each of these tasks has (tasks without any are left out)."""
    if not parent_ids:
        return {}
    rows = session.execute(select(Task.parent_id, func.count()).where(Task.parent_id.in_(parent_ids))
                           .group_by(Task.parent_id))
    return {parent: n for parent, n in rows}


def child_states(session: Session, parent_id: str, period: str = "") -> list[ChildState]:
    rows = child_rows(session, parent_id)
    cycles: dict[str, Cycle] = {}
    if period:
        ids = [r.id for r in rows if r.deadline_kind == "recurring"]
        cycles = {c.task_id: c for c in session.scalars(
            select(Cycle).where(Cycle.task_id.in_(ids), Cycle.period == period))} if ids else {}
    return [_state(r, cycles.get(r.id), bool(period)) for r in rows]


def _state(row: Task, cycle: Cycle | None, by_period: bool) -> ChildState:
    unit = (row.lead_units or [row.id])[0]
    if by_period and row.deadline_kind == "recurring" and row.status != "cancelled":
        if cycle is None:
            return ChildState(row.id, unit, "open")
        if cycle.status == "reported":
            return ChildState(row.id, unit, "completed", cycle.result, cycle.due, None, cycle.reported_on)
        return ChildState(row.id, unit, "open", None, cycle.due, _LONG_AGO if cycle.status == "missed" else None)
    due_at = (row.raw or {}).get("due_at")
    return ChildState(row.id, unit, row.status, row.result, row.due,
                      datetime.fromisoformat(due_at) if due_at else None, row.completed_on)


def stored_groups(session: Session) -> list[UnitGroup]:
    return [UnitGroup(key=r.key, name=r.name, aliases=tuple(r.aliases or ()), members=tuple(r.members or ()))
            for r in session.scalars(select(UnitGroupRow).order_by(UnitGroupRow.key))]


def directory_with_edits(session: Session, directory: Directory) -> Directory:
    """The directory with the standing office's group edits merged over the configured groups."""
    edited = stored_groups(session)
    return with_groups(directory, merge_groups(directory.groups, edited)) if edited else directory



# -- writes ------------------------------------------------------------------------------

PARENT_MARK = "parent"     # Task.raw[PARENT_MARK]: "group" (a group's task) | "delegated" (a plan under it)


def is_parent(session: Session, task_id: str) -> bool:
    return bool(parent_kind(session, task_id))


def parent_kind(session: Session, task_id: str) -> str:
    """"group", "delegated", or "" for a task that is no parent."""
    row = session.get(Task, task_id)
    return str((row.raw or {}).get(PARENT_MARK) or "") if row is not None else ""


def mark_parent(session: Session, task_id: str, kind: str) -> None:
    row = session.get(Task, task_id)
    if row is not None and (row.raw or {}).get(PARENT_MARK) != kind:
        row.raw = {**(row.raw or {}), PARENT_MARK: kind}


def link_children(session: Session, parent_id: str, rows: list[dict], plan: str = "") -> list[str]:
    """Each child's row under its parent, in the parent's plan (written when missing, from
    ``rows``: Task column values with an ``id``); the ids of the parent's open children of
    the same kind (ids under the parent's) no longer among them -- members removed."""
    from store.models import Plan

    parent = session.get(Task, parent_id)
    plan_id = parent.plan_id if parent is not None else None
    if plan_id is None and plan:
        plan_id = session.scalar(select(Plan.id).where(Plan.name == plan))
    wanted = {r["id"] for r in rows}
    for values in rows:
        row = session.get(Task, values["id"])
        if row is None:
            session.add(Task(parent_id=parent_id, plan_id=plan_id, **values))
        else:
            row.parent_id, row.plan_id = parent_id, row.plan_id or plan_id
    prefix = parent_id + "/"
    return [r.id for r in child_rows(session, parent_id)
            if r.id.startswith(prefix) and r.id not in wanted and r.status in ("open", "awaiting_review")]


def set_parent(session: Session, task_id: str, parent_id: str) -> bool:
    row = session.get(Task, task_id)
    if row is None or task_id == parent_id:
        return False
    row.parent_id = parent_id
    return True


def cancel_row(session: Session, task_id: str) -> None:
    row = session.get(Task, task_id)
    if row is not None and row.status == "open":
        row.status = "cancelled"
