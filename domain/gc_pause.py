"""Python's cycle collector paused while a big report is built.

Building the daily report over 50,000 tasks makes some 200,000 short-lived objects
(rows, dicts, strings); every few hundred allocations the collector walks the
generations, and as the survivors pile up its full passes walk all of them: almost
half the CPU of the build and the page (`dondoc bench`, report_seconds). Nothing the
report makes forms a reference cycle, so the collector has nothing to find there; it
runs again, and catches up, as soon as the last report in the process is done.
Reference counting still frees everything as usual.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_depth = 0          # reports being built now (threads of one process share the collector)
_was_enabled = True


@contextmanager
def collector_paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
