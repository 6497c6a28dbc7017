"""The task list of the dashboard and the JSON API, filtered, ordered and cut into
pages by the database (a plan may hold 50,000 tasks): overdue first, the most late
first, then by deadline, tasks without one last.

A task's deadline here is the one that binds now: a one-off task's due day (moved by
an approved extension, shown "31/12/2026 (gia hạn từ 30/06/2026)"), a recurring task's
current report period (its earliest open cycle). The search folds diacritics and case
(domain.text.ascii_fold) on both sides: the query is compared with the stored
``tasks.title_fold`` by a LIKE in the database, so "du lieu", "DỮ LIỆU" and "dư lieu"
find "dữ liệu". Plain functions, blocking: call them through ``asyncio.to_thread``."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.display import days_overdue, due_words, overdue_words, read_vn_date
from domain.text import ascii_fold
from web.names import official_name, unit_name

PAGE_SIZE = 50
API_LIMIT = 500


@dataclass
class TaskPage:
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    overdue: int = 0
    page: int = 1
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)


def _binding_due():
    """(the tasks joined to their current cycle, the binding due) as SQL: a recurring
    task's earliest open cycle (one grouped pass over the cycles, joined), else the
    task's own due day."""
    from sqlalchemy import case, func, select

    from store.models import Cycle, Task

    current = (select(Cycle.task_id, func.min(Cycle.due).label("due")).where(Cycle.status == "open")
               .group_by(Cycle.task_id).subquery("current_cycle"))
    joined = select(Task.id).outerjoin(current, current.c.task_id == Task.id)
    return joined, case((Task.deadline_kind == "recurring", func.coalesce(current.c.due, Task.due)), else_=Task.due)


def _current_cycles(session, task_ids: list[str]) -> dict[str, tuple[date, str]]:
    """(due, period) of each task's earliest open cycle, for the tasks on a page."""
    from sqlalchemy import select

    from store.models import Cycle

    out: dict[str, tuple[date, str]] = {}
    for c in session.execute(select(Cycle.task_id, Cycle.due, Cycle.period).where(
            Cycle.task_id.in_(task_ids), Cycle.status == "open").order_by(Cycle.due.desc())):
        out[c.task_id] = (c.due, c.period)  # the earliest wins: written last
    return out


def _filtered(query, filters: dict[str, str], today: date, due):
    from sqlalchemy import String, and_, cast, or_

    from store.models import Task

    if filters.get("plan"):
        query = query.where(Task.plan_id == _int(filters["plan"]))
    if filters.get("unit"):  # a JSON list of keys: its text holds "key" with the quotes
        query = query.where(cast(Task.lead_units, String).contains(f'"{filters["unit"]}"', autoescape=True))
    if filters.get("status") in ("open", "completed", "cancelled", "awaiting_review"):
        query = query.where(Task.status == filters["status"])
    if filters.get("status") == "overdue":
        query = query.where(Task.status == "open", due < today)
    day = read_vn_date(filters.get("due_before"))
    if day is not None:
        query = query.where(due <= day)
    words = ascii_fold(filters.get("q") or "")
    if words:
        query = query.where(or_(Task.title_fold.contains(words, autoescape=True),
                                and_(Task.title_fold.is_(None), Task.title.ilike(f"%{words}%"))))
    return query


def task_page(database_url: str, config, filters: dict[str, str], today: date, page: int = 1,
              size: int = PAGE_SIZE) -> TaskPage:
    """One page of the filtered tasks, with how many there are and how many are overdue."""
    from sqlalchemy import case, func, select
    from sqlalchemy.orm import selectinload

    from store.db import session_scope
    from store.models import Task

    joined, due = _binding_due()
    late = (Task.status == "open") & (due < today)
    base = _filtered(joined, filters, today, due)
    # The page's ids first (a narrow sort, however deep the page), then those rows whole.
    ids = (base.order_by(case((late, 0), else_=1), due.is_(None), due, Task.stt, Task.id)
           .limit(size).offset((max(page, 1) - 1) * size))
    out = TaskPage(page=max(page, 1), size=size)
    with session_scope(database_url) as session:
        out.total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
        out.overdue = session.scalar(select(func.count()).select_from(base.where(late).subquery())) or 0
        order = list(session.scalars(ids))
        tasks = {t.id: t for t in session.scalars(select(Task).where(Task.id.in_(order))
                                                  .options(selectinload(Task.plan)))}
        cycles, extended = _current_cycles(session, order), extensions(session, order)
        cal = work_calendar(config)
        current = {i: cycles.get(i, (None, None)) if tasks[i].deadline_kind == "recurring" else (None, None)
                   for i in order}
        out.rows = [task_row(tasks[i], config, today, *current[i], extended=extended.get(i), calendar=cal)
                    for i in order]
        from services.task_group_views import progress_of  # a parent's units: "2/3 đơn vị"

        progress = progress_of(session, order)
        for row in out.rows:
            if row["id"] in progress:
                row["children"] = progress[row["id"]]
    return out


def list_tasks(database_url: str, config, filters: dict[str, str], today: date) -> list[dict]:
    """The API's list: the first API_LIMIT tasks in the dashboard's order."""
    return task_page(database_url, config, filters, today, 1, API_LIMIT).rows


def extensions(session, task_ids: list[str]) -> dict[str, list[tuple[str, str]]]:
    """(old due, new due) of each approved extension of these tasks, oldest first."""
    from sqlalchemy import select

    from store.models import Event

    if not task_ids:
        return {}
    out: dict[str, list[tuple[str, str]]] = {}
    for e in session.scalars(select(Event).where(Event.subject_id.in_(task_ids), Event.kind == "task_extended")
                             .order_by(Event.at, Event.id)):
        data = e.data or {}
        if data.get("old_due") and data.get("new_due"):
            out.setdefault(e.subject_id, []).append((str(data["old_due"]), str(data["new_due"])))
    return out


def extended_from(due: str | None, moves: list[tuple[str, str]] | None) -> str | None:
    """The deadline before the extensions that led to ``due`` (None if none did): a
    chain of approvals 30/06 -> 31/07 -> 31/08 answers 30/06."""
    if not due or not moves:
        return None
    origin, current = None, due
    for old, new in reversed(moves):
        if new == current:
            origin, current = old, old
    return origin


def task_row(task, config, today: date, cycle_due: date | None = None, cycle: str | None = None,
             extended: list[tuple[str, str]] | None = None, calendar=None) -> dict[str, Any]:
    """One task as the list, the page and the API show it (ISO dates; words beside)."""
    due = cycle_due or task.due
    overdue = task.status == "open" and due is not None and due < today
    working, days = days_overdue(due, today, calendar or work_calendar(config)) if overdue else (0, 0)
    current = due.isoformat() if due else None
    moved_from = extended_from(current, extended)
    return {
        "id": task.id, "stt": task.stt, "title": task.title, "plan": task.plan.name if task.plan else None,
        "plan_id": task.plan_id, "lead_units": list(task.lead_units or []),
        "lead_unit_names": [unit_name(config, k) for k in task.lead_units or []],
        "lead_official": task.lead_official, "lead_official_name": official_name(config, task.lead_official),
        "deadline_raw": task.deadline_raw, "deadline_kind": task.deadline_kind,
        "due": task.due.isoformat() if task.due else None, "every": task.every, "status": task.status,
        "result": task.result, "completed_on": task.completed_on.isoformat() if task.completed_on else None,
        "level": task.level, "overdue": overdue, "days_late": days, "working_days_late": working,
        "overdue_text": overdue_words(working, days) if overdue else "",
        "current_due": current, "cycle": cycle, "extended_from": moved_from,
        "due_text": due_words(current, moved_from) if current else "",
        "unassigned": task.unassigned,
    }


def work_calendar(config):
    from domain.calendar import WorkingCalendar

    calendar = getattr(config, "calendar", None)
    return WorkingCalendar(calendar) if calendar is not None else WorkingCalendar()


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
