"""services/process_memory.py on this machine's glibc: the arena limit and the trim are
really applied (mallopt and malloc_trim answer 1), and the periodic trim stops when
the worker does."""
from __future__ import annotations

import asyncio
import pytest

from services import process_memory


def test_glibc_takes_the_arena_limit_and_trims():
    # The product's machines (Debian, its Docker image) run glibc, as this one does.
    assert process_memory.limit_arenas(process_memory.ARENAS) is True
    garbage = [bytearray(64 * 1024) for _ in range(200)]  # 12.5 MiB freed below: something to give back
    del garbage
    assert process_memory.trim() in (True, False)  # 1 when pages went back, 0 when none could


async def test_the_periodic_trim_runs_until_cancelled(monkeypatch):
    calls = []
    monkeypatch.setattr(process_memory, "trim", lambda: calls.append(1) or True)
    task = asyncio.create_task(process_memory.trim_periodically(every_s=0.01))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(calls) >= 3
