"""The task catalogue: plans, tasks and indicators as imported, and what changed.

Import writes here first (so the dashboard shows every row, even one whose
workflow could not start), then starts or amends workflows for what changed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.calendar import VN_TZ
from domain.identity import indicator_workflow_id, task_workflow_id
from domain.results import classify
from store.indicator_values import add_imported
from store.models import Indicator, Plan, Task

# The fields whose change amends a running workflow (others are display-only).
TRACKED = ("title", "lead_units", "coordinating_units", "lead_official", "advisers", "output",
           "deadline_raw", "deadline_kind", "due", "every", "section", "notes")


@dataclass
class CatalogueDiff:
    new: list[str] = field(default_factory=list)         # task ids
    changed: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)  # id -> field -> (old, new)
    unchanged: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)         # in the store, not in this file


def task_fields(plan: str, rec) -> dict[str, Any]:
    """A TaskRecord as Task column values."""
    d = rec.deadline
    fields = dict(
        id=task_workflow_id(plan, rec.stt),
        stt=rec.stt,
        section=rec.section,
        title=rec.title,
        lead_units=list(rec.lead_units),
        coordinating_units=list(rec.coordinating_units),
        lead_official=rec.lead_official,
        advisers=list(rec.advisers),
        output=rec.output,
        notes=rec.notes,
        deadline_raw=d.raw,
        deadline_kind=d.kind,
        due=d.due,
        every=d.every,
        unassigned=bool(rec.unassigned),
        raw=dict(rec.raw),
    )
    if rec.status == "completed":
        fields.update(status="completed", completed_on=rec.completed_on,
                      result=classify(d.due, rec.completed_on) if d.due and rec.completed_on else None)
    return fields


def upsert_plan(session: Session, name: str, source: str) -> Plan:
    plan = session.scalar(select(Plan).where(Plan.name == name))
    if plan is None:
        plan = Plan(name=name, source=source)
        session.add(plan)
        session.flush()
    else:
        plan.source = source or plan.source
    return plan


def diff_tasks(session: Session, plan: Plan, rows: list[dict[str, Any]]) -> CatalogueDiff:
    existing = {t.id: t for t in session.scalars(select(Task).where(Task.plan_id == plan.id))}
    out = CatalogueDiff()
    for row in rows:
        old = existing.pop(row["id"], None)
        if old is None:
            out.new.append(row["id"])
            continue
        changes = {f: (getattr(old, f), row[f]) for f in TRACKED if getattr(old, f) != row[f]}
        (out.changed.__setitem__(row["id"], changes) if changes else out.unchanged.append(row["id"]))
    # A group task's children ("<parent id>/<unit>") are the import's own making, not rows of the file.
    out.gone = sorted(i for i, t in existing.items()
                      if t.status != "cancelled" and not (t.parent_id and i.startswith(t.parent_id + "/")))
    return out


def write_tasks(session: Session, plan: Plan, rows: list[dict[str, Any]], diff: CatalogueDiff) -> None:
    """Upsert the catalogue fields of every row. A row another writer created (the
    workflow starter) is completed here; workflow-owned state (status, level, result of
    a running task) is never overwritten, except for rows imported as already done."""
    for row in rows:
        task = session.get(Task, row["id"])
        if task is None:
            session.add(Task(plan_id=plan.id, **row))
            continue
        task.plan_id = plan.id
        for f in TRACKED + ("stt", "unassigned"):
            setattr(task, f, row[f])
        task.raw = {**(task.raw or {}), **row["raw"]}
        if row.get("status") == "completed" and task.status == "open":
            task.status, task.completed_on, task.result = "completed", row["completed_on"], row["result"]


def write_indicators(session: Session, plan: Plan, records, today: date | None = None) -> int:
    """Upsert the plan's indicators; each one's result column becomes its first reported
    value (store/indicator_values.py), once however often the plan is imported."""
    today = today or datetime.now(VN_TZ).date()
    existing = {i.stt: i for i in session.scalars(select(Indicator).where(Indicator.plan_id == plan.id))}
    for rec in records:
        values = dict(name=rec.name, target=rec.target.to_dict(), responsible=list(rec.responsible),
                      result=rec.result, raw=dict(rec.raw), workflow_id=indicator_workflow_id(plan.name, rec.stt))
        row = existing.get(rec.stt)
        if row is None:
            row = Indicator(plan_id=plan.id, stt=rec.stt, **values)
            session.add(row)
            session.flush()
        else:
            for k, v in values.items():
                setattr(row, k, v)
        add_imported(session, row, rec.result, getattr(rec, "result_as_of", ""), today)
    return len(records)
