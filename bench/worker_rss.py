"""worker_rss_mb: the worker's resident memory with N task workflows open on the
server: VmRSS read from /proc of each of its processes (with `--workers N` > 1, the
supervisor and its N worker processes), summed.

The open workflows are real imports (the start-rate table's shape, deadlines next
year, so each sits on its timer). RSS is read once the worker has run every new
workflow's first steps (their `task_assigned` events are all in the store) and the
figure has stopped moving; the peak seen while they were started is kept too.
"""
from __future__ import annotations

import asyncio
import time


def task_rows(database_url: str) -> int:
    """Tasks in the store: every one was started and stays open during the bench."""
    from sqlalchemy import func, select

    from store.db import session_scope
    from store.models import Task

    with session_scope(database_url) as session:
        return session.scalar(select(func.count()).select_from(Task))


def assigned_count(database_url: str, prefix: str = "") -> int:
    """Tasks (whose id starts with `prefix`) whose workflow took its first steps."""
    from sqlalchemy import func, select

    from store.db import session_scope
    from store.models import Event

    query = select(func.count()).select_from(Event).where(Event.kind == "task_assigned")
    if prefix:
        query = query.where(Event.subject_id.startswith(prefix, autoescape=True))
    with session_scope(database_url) as session:
        return session.scalar(query)


async def open_task_workflows(client) -> int:
    return (await client.count_workflows(
        "WorkflowType = 'TaskWorkflow' AND ExecutionStatus = 'Running'")).count


async def settle(stack, expected: int, timeout: float = 600) -> dict:
    """Wait until `expected` tasks have their first steps recorded and RSS is steady."""
    deadline = time.monotonic() + timeout
    peak = stack.worker_rss_mb()
    while assigned_count(stack.settings.database_url) < expected:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not take up {expected} workflows in {timeout:.0f} s")
        peak = max(peak, stack.worker_rss_mb())
        await asyncio.sleep(0.5)
    samples = [stack.worker_rss_mb()]
    for _ in range(20):  # steady: three samples a second apart within 1 MiB
        await asyncio.sleep(1)
        samples.append(stack.worker_rss_mb())
        if len(samples) >= 3 and max(samples[-3:]) - min(samples[-3:]) < 1.0:
            break
    return {"rss_mb": round(samples[-1], 1), "peak_mb": round(max(peak, *samples), 1)}


async def measure(stack, client, open_target: int, plan: str, say=print) -> dict:
    """Top the open task workflows up to `open_target` (imports) and read the worker's RSS."""
    from bench.start_rate import import_rate

    have = task_rows(stack.settings.database_url)
    if open_target > have:
        await import_rate(client, stack.settings, stack.config, open_target - have, plan)
    figures = await settle(stack, task_rows(stack.settings.database_url))
    running = await open_task_workflows(client)
    out = {"open": running, **figures, "temporal_rss_mb": round(stack.temporal_rss_mb(), 1),
           "per_process_mb": sorted(round(v, 1) for v in stack.worker_rss_each().values()),
           "pss_mb": round(stack.worker_pss_mb(), 1)}
    say(f"  worker RSS with {running} open task workflows: {out['rss_mb']} MiB (peak {out['peak_mb']} MiB)")
    return out
