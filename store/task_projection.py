"""A task workflow's projection written to the store: the task's row, its cycle's row
and one timeline event, in one transaction.

Core statements built once, not the ORM: this write ends every reminder, and in a
burst of them (hundreds due at 08:00 after Tết) the ORM's load of the whole row, its
unit of work and flush were a fifth of the worker's CPU (`dondoc bench`, py-spy). The
rules are the ORM version's:
  - a task the workflow closed is never reopened by an older retried write; a result
    the standing office returned reopens it (``task_returned``);
  - an amendment (reassigned, retitled) carries the task's words to the row;
  - a one-off task's row follows its deadline (and the instant, when one is set);
  - the event is written once per key: a retried activity answers False.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from contracts.tasks import CycleInfo, TaskProjection, TaskSpec
from store.db import dialect_insert, write_scope
from store.models import Cycle, Event, Task, fold_title

_TASKS = Task.__table__
_EVENTS = Event.__table__
_STATE = select(_TASKS.c.status, _TASKS.c.raw).where(_TASKS.c.id == bindparam("id"))


def day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def row_fields(spec: TaskSpec) -> dict[str, Any]:
    """The task row's columns that come from the workflow's task."""
    raw = {"due_at": spec.due_at.isoformat()} if spec.due_at else {}
    return dict(stt=spec.stt, title=spec.title, lead_units=list(spec.lead_units),
                lead_official=spec.lead_official, output=spec.output, deadline_raw=spec.deadline_raw,
                deadline_kind=spec.deadline_kind, due=day(spec.due), every=spec.every, raw=raw)


def write_projection(database_url: str, p: TaskProjection) -> bool:
    """Upsert the task row (and cycle row) and add the event; False if the event was
    there already (a retried activity)."""
    now = datetime.now(timezone.utc)
    with write_scope(database_url) as session:
        state = session.execute(_STATE, {"id": p.task.id}).first()
        if state is None:  # a task the store has not seen (a drill, a test): its row first
            fields = row_fields(p.task)
            session.execute(insert(_TASKS).values(id=p.task.id, title_fold=fold_title(p.task.title),
                                                   **fields))
            state = ("open", fields["raw"])
        changes = task_changes(p, state[0], state[1])
        if changes:
            session.execute(update(_TASKS).where(_TASKS.c.id == p.task.id).values(**changes))
        if p.cycle is not None and p.cycle.period:
            _write_cycle(session, p.task.id, p.cycle)
        if not p.event_key:
            return True
        added = session.execute(_add_event(session.get_bind().dialect.name), dict(
            at=p.event_at or now, subject_id=p.task.id, kind=p.event_kind, key=p.event_key,
            data=p.event_data)).first()
        return added is not None


def task_changes(p: TaskProjection, status: str | None, raw: dict | None) -> dict[str, Any]:
    """The task row's new values for this projection (the rules in the module doc)."""
    changes: dict[str, Any] = {}
    if status == "open" or p.status != "open" or p.event_kind == "task_returned":
        changes.update(status=p.status, result=p.result, level=p.level, completed_on=day(p.completed_on),
                       evidence=p.evidence)
    if p.event_kind == "task_amended":  # reassigned from the dashboard too: the row follows the workflow
        changes.update(title=p.task.title, title_fold=fold_title(p.task.title), output=p.task.output,
                       lead_units=list(p.task.lead_units), lead_official=p.task.lead_official)
    if p.cycle is not None and p.cycle.period == "":
        changes["due"] = day(p.cycle.due)
        if p.task.due_at is not None or p.cycle.due_at is not None:
            changes["raw"] = {**(raw or {}), "due_at": p.cycle.due_at.isoformat()}
    return changes


@lru_cache(maxsize=2)
def _add_event(dialect: str):
    """INSERT the event unless its key is there: RETURNING its id, or no row."""
    ins = dialect_insert(dialect, _EVENTS).values(
        at=bindparam("at"), subject_id=bindparam("subject_id"), kind=bindparam("kind"), key=bindparam("key"),
        data=bindparam("data", type_=_EVENTS.c.data.type))
    return ins.on_conflict_do_nothing(index_elements=[_EVENTS.c.key]).returning(_EVENTS.c.id)


def _write_cycle(session, task_id: str, c: CycleInfo) -> None:
    row = session.scalar(select(Cycle).where(Cycle.task_id == task_id, Cycle.period == c.period))
    if row is None:
        row = Cycle(task_id=task_id, period=c.period)
        session.add(row)
    if row.status == "reported" and c.status != "reported":
        return  # a late retried write never undoes a report
    row.due, row.status, row.result = day(c.due), c.status, c.result
    row.reported_on, row.evidence = day(c.reported_on), c.evidence
