"""How a worker process gives memory back: glibc's allocator, set for a long-lived,
many-threaded process.

A worker runs Temporal's Rust core on its own threads and the activities on a pool of
threads. glibc gives each thread that allocates at once an arena of its own (up to 8
per core) and keeps the memory an arena freed for reuse instead of returning it: after
a burst -- 08:00 after Tết, thousands of reminders -- the process keeps the burst's
peak for good, spread over arenas that no longer serve anyone. Two arenas are enough
for one event loop and a few sending threads; the periodic trim hands the pages freed
since back to the system. Both are measured by `dondoc bench` (worker_rss_mb).

Elsewhere than glibc (musl, macOS) nothing is changed.
"""
from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
from functools import cache

M_ARENA_MAX = -8          # mallopt's parameter number in glibc's malloc.h
ARENAS = 2
TRIM_EVERY_S = 30.0


@cache  # looked up once per process, not at every trim
def _libc():
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def limit_arenas(arenas: int = ARENAS) -> bool:
    """At most `arenas` malloc arenas from now on (call before the threads start)."""
    libc = _libc()
    return bool(libc and libc.mallopt(M_ARENA_MAX, arenas) == 1)


def trim() -> bool:
    """Return the freed pages at the top and inside the heaps to the system now."""
    libc = _libc()
    return bool(libc and libc.malloc_trim(0))


async def trim_periodically(every_s: float = TRIM_EVERY_S) -> None:
    """Until cancelled: a trim every `every_s` seconds, off the event loop."""
    if _libc() is None:
        return
    while True:
        await asyncio.sleep(every_s)
        await asyncio.to_thread(trim)
