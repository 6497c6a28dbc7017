"""store/task_projection.py on both databases: the task row follows the workflow, a
closed task is not reopened by a late write (a returned result reopens it), an
amendment carries the new words (and the folded title the search uses), the event is
written once per key."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from contracts.tasks import CycleInfo, TaskProjection, TaskSpec
from store.db import session_scope
from store.models import Cycle, Event, Task
from store.task_projection import write_projection

AT = datetime(2026, 6, 1, 1, 0, tzinfo=timezone.utc)
SPEC = TaskSpec(id="task/proj/1", title="Xây dựng cơ sở dữ liệu", lead_units=["so-khcn"], lead_official="pct",
                plan="p", stt="1", output="Báo cáo", deadline_raw="Quý II/2026", deadline_kind="once",
                due="2026-06-30")
ONE_OFF = CycleInfo(period="", index=1, due="2026-06-30", due_at=datetime(2026, 6, 30, 10, 0, tzinfo=timezone.utc))


def _write(url, key, status="open", kind="task_reminded", task=SPEC, cycle=None, **kw) -> bool:
    return write_projection(url, TaskProjection(task=task, status=status, cycle=cycle, event_kind=kind,
                                                event_key=key, event_at=AT, event_data={"n": key}, **kw))


def _row(url):
    with session_scope(url) as s:
        t = s.get(Task, SPEC.id)
        events = s.scalar(select(func.count()).select_from(Event).where(Event.subject_id == SPEC.id))
        return t, events


def test_the_row_follows_the_workflow_and_events_are_written_once(db_url):
    assert _write(db_url, "k1", level=1, cycle=ONE_OFF) is True
    assert _write(db_url, "k1", level=1) is False  # a retried activity
    t, events = _row(db_url)
    assert (t.status, t.level, t.due.isoformat(), t.title_fold, events) == (
        "open", 1, "2026-06-30", "xay dung co so du lieu", 1)
    assert t.raw["due_at"].startswith("2026-06-30T10:00")
    assert _write(db_url, "k2", status="completed", result="early", completed_on="2026-06-10",
                  evidence={"so": "12/KH"}, kind="task_confirmed")
    assert _write(db_url, "k3", status="open", level=2)  # an older write arriving late
    t, events = _row(db_url)
    assert (t.status, t.result, t.completed_on.isoformat(), t.evidence, t.level, events) == (
        "completed", "early", "2026-06-10", {"so": "12/KH"}, 0, 3)
    assert _write(db_url, "k4", status="open", kind="task_returned", level=0)
    t, _ = _row(db_url)
    assert (t.status, t.result, t.completed_on) == ("open", None, None)


def test_an_amendment_carries_the_words(db_url):
    _write(db_url, "a1")
    moved = TaskSpec(**{**SPEC.__dict__, "title": "Đề án số hóa", "lead_units": ["so-noi-vu"], "output": "Đề án"})
    assert _write(db_url, "a2", kind="task_amended", task=moved)
    t, _ = _row(db_url)
    assert (t.title, t.title_fold, t.lead_units, t.output) == ("Đề án số hóa", "de an so hoa", ["so-noi-vu"], "Đề án")


def test_a_cycle_is_written_and_a_report_is_never_undone(db_url):
    month = CycleInfo(period="2026-05", index=1, due="2026-05-28", due_at=AT + timedelta(days=1))
    _write(db_url, "c1", cycle=month)
    _write(db_url, "c2", cycle=CycleInfo(**{**month.__dict__, "status": "reported", "reported_on": "2026-05-27"}))
    _write(db_url, "c3", cycle=CycleInfo(**{**month.__dict__, "status": "missed"}))
    with session_scope(db_url) as s:
        c = s.scalar(select(Cycle).where(Cycle.task_id == SPEC.id))
    assert (c.status, c.reported_on.isoformat()) == ("reported", "2026-05-27")
