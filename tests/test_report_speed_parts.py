"""The pieces that make the daily report cheap over many tasks: the collector paused
while it is built (domain/gc_pause.py) and the rows made without the frozen
dataclass's __init__ (store/report_loading._task_rows) -- the same rows."""
from __future__ import annotations

import gc
import threading
from datetime import date

from domain.gc_pause import collector_paused
from domain.report_rows import TaskRow
from store.report_loading import _NAMES, _task_rows


def test_the_collector_is_paused_inside_and_back_after():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():       # nested (a page rendered inside a build)
            assert not gc.isenabled()
        assert not gc.isenabled()      # the outer one still builds
    assert gc.isenabled()


def test_two_threads_building_at_once_leave_it_enabled_after_both():
    inside, release = threading.Event(), threading.Event()

    def other():
        with collector_paused():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=other)
    t.start()
    inside.wait(5)
    with collector_paused():
        pass
    assert not gc.isenabled()          # the other thread's build is still going
    release.set()
    t.join(5)
    assert gc.isenabled()


def test_a_failed_build_gives_the_collector_back():
    try:
        with collector_paused():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_fast_rows_are_the_rows_the_dataclass_makes():
    values = dict(id="task/kh/1", title="Số hóa", plan="KH 57", stt="1", lead_units=("vhxh",),
                  due=date(2026, 6, 30), deadline_kind="once", status="completed",
                  completed_on=date(2026, 6, 1), result="early")
    fast, slow = _task_rows([tuple(values.get(name) for name in _NAMES)], _NAMES)[0], TaskRow(**values)
    assert fast == slow and hash(fast) == hash(slow)
    assert fast.section == "" and fast.seen_at is None and fast.coordinating_units == ()
