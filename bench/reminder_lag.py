"""reminder_lag_p99_s: N tasks whose reminder falls due at the same instant; for each,
the time from that instant to the FakeZalo's receipt of its message (real HTTP).

The tasks are started through `start_or_amend` (the import's own start, with the
importer's concurrency) with an exact due instant a margin ahead, under the bench
policy: one step, a reminder to the lead unit at the due instant, seconds, office
hours and calendar off (the drill shape). Nothing is sent at start, so the only
messages on the `lag` chat are these reminders. Each message names its task in the
title, so arrivals are matched per task; a task whose message never arrives counts
as missing and, in the percentiles, as the whole wait.

`measure_floor` runs the same burst with bare Temporal (bench/sleeper.py) as the
yardstick, on the same server in the same run. `measure_cold` runs it once more with
the worker processes restarted between the starts and the due instant, so every
workflow is replayed from its history when its timer fires (the morning after a
night with thousands of open tasks). Each burst keeps its arrivals and workflow ids
for bench/lag_breakdown.py (where the time goes).
"""
from __future__ import annotations

import asyncio
import math
import re
import time
import uuid
from datetime import datetime, timedelta, timezone

_MARK = re.compile(r"BENCH-LAG-([0-9a-f]{6})-(\d+)")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _task_starter(stack, client):
    from contracts.tasks import TaskSpec
    from services.tasks import start_or_amend

    async def start(run: str, i: int, due_at: datetime) -> None:
        day = due_at.astimezone(timezone(timedelta(hours=7))).date()
        spec = TaskSpec(id=task_id(run, i), title=f"BENCH-LAG-{run}-{i} nhắc việc đến hạn cùng lúc",
                        lead_units=["lag"], plan=f"bench-lag-{run}", stt=str(i), deadline_raw="thử",
                        deadline_kind="once", due=day.isoformat(), due_at=due_at)
        out = await start_or_amend(client, stack.settings, stack.config, spec)
        if not out.started:
            raise RuntimeError(f"lag task {i} did not start: {out.note}")

    return start


def task_id(run: str, i: int) -> str:
    return f"task/bench-lag-{run}/{i}"


def floor_id(run: str, i: int) -> str:
    return f"bench-floor-{run}-{i}"


async def _first_steps_taken(stack, run: str, n: int, timeout: float = 600) -> None:
    """Until the N tasks of `run` have taken their first steps (each sits on its timer)."""
    from bench.worker_rss import assigned_count

    deadline = time.monotonic() + timeout
    while assigned_count(stack.settings.database_url, f"task/bench-lag-{run}/") < n:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not take up the {n} lag tasks in {timeout:.0f} s")
        await asyncio.sleep(0.25)


async def measure(stack, client, zalo, n: int, start_rate_hint: float, say=print) -> dict:
    """dondoc's burst, on warm workers (the workflows were just started). Its CPU meter
    (``_meter``) starts once they all took their first steps: it counts the burst only."""
    from bench.stack import CpuMeter

    async def settled(run: str) -> dict:
        await _first_steps_taken(stack, run, n)
        return {"_meter": CpuMeter(stack).start()}

    return await _burst(zalo, n, start_rate_hint, _task_starter(stack, client), f"reminder lag over {n}", say,
                        workflow_id=task_id, before_due=settled)


async def measure_cold(stack, client, zalo, n: int, start_rate_hint: float, say=print) -> dict:
    """dondoc's burst with every workflow replayed from history: the N tasks are started,
    their first steps taken (each sits on its timer), then the worker processes are
    restarted (empty caches) before the due instant."""
    from bench.stack import CpuMeter

    async def restart(run: str) -> dict:
        await _first_steps_taken(stack, run, n)
        seconds = await stack.restart_workers(client)
        say(f"  worker processes restarted ({seconds} s until all polled)")
        return {"restart_s": seconds, "_meter": CpuMeter(stack).start()}  # the new processes' CPU

    # Time enough to start them, let the worker take their first steps, and restart it.
    extra = 5 + n / max(start_rate_hint, 1.0) + 2 * max(stack.restart_seconds, 5.0)
    return await _burst(zalo, n, start_rate_hint, _task_starter(stack, client), f"cold (restarted) over {n}", say,
                        workflow_id=task_id, before_due=restart, extra_margin=extra)


async def measure_floor(client, zalo_target: str, zalo, n: int, start_rate_hint: float, say=print,
                        stack=None) -> dict:
    """The same burst with bare Temporal: N trivial workflows (bench/sleeper.py's
    BenchSleeper, on the bench's bare-Temporal worker processes) sleeping to one instant, each
    then sending its message through the same transport to the same FakeZalo."""
    from bench.sleeper import SLEEPER_WORKFLOW, Wake
    from bench.stack import EMPTY_QUEUE

    async def start(run: str, i: int, due_at: datetime) -> None:
        wake = Wake(due_ts=due_at.timestamp(), url=zalo_target, text=f"BENCH-LAG-{run}-{i} nhắc việc (Temporal trần)")
        await client.start_workflow(SLEEPER_WORKFLOW, wake, id=floor_id(run, i), task_queue=EMPTY_QUEUE)

    async def started(run: str) -> dict:  # its CPU meter starts once all are started
        from bench.stack import CpuMeter

        return {"_meter": CpuMeter(stack).start()} if stack is not None else {}

    return await _burst(zalo, n, start_rate_hint, start, "bare Temporal, same burst", say, workflow_id=floor_id,
                        before_due=started)


async def _burst(zalo, n: int, start_rate_hint: float, start, label: str, say, workflow_id,
                 before_due=None, extra_margin: float = 0.0) -> dict:
    """Start N workflows (`start(run, i, due_at)`, with the importer's concurrency) all
    due at one instant a margin ahead, run `before_due(run)` if given (its figures are
    kept), then wait for their N messages at the FakeZalo. The result keeps the
    arrivals and workflow ids (keys starting with "_") for the breakdown."""
    from services.importer import START_CONCURRENCY

    run = uuid.uuid4().hex[:6]
    # Time to start them all at the rate already seen, twice over, and to settle.
    margin = 5 + 2 * n / max(start_rate_hint, 1.0) + extra_margin
    due_at = (datetime.now(timezone.utc) + timedelta(seconds=margin)).replace(microsecond=0)
    gate = asyncio.Semaphore(START_CONCURRENCY)

    async def gated(i: int) -> None:
        async with gate:
            await start(run, i, due_at)

    t0 = time.time()
    await asyncio.gather(*(gated(i) for i in range(n)))
    started_s = time.time() - t0
    extra = await before_due(run) if before_due else {}
    out = await _collect(zalo, run, n, due_at.timestamp(), started_s, say)
    out.update(extra)
    out["_ids"] = [workflow_id(run, i) for i in range(n)]
    say(f"  {label}: p50 {out['p50_s']} s, p99 {out['p99_s']} s, max {out['max_s']} s"
        + (f", {out['missing']} missing" if out["missing"] else "")
        + (f" (due only {out['started_ahead_s']} s after its workflows were ready)" if out["started_ahead_s"] < 2 else ""))
    return out


async def _collect(zalo, run: str, n: int, due_ts: float, started_s: float, say) -> dict:
    """Wait for the run's N messages at the FakeZalo; their lags behind the due instant."""
    ahead = due_ts - time.time()
    say(f"  {n} workflows started in {started_s:.1f} s; all due in {ahead:.1f} s")
    wait_s = max(120.0, n / 5)  # longer than a sticky queue's schedule-to-start timeout, so a stall shows
    deadline = due_ts + wait_s
    arrivals: dict[int, float] = {}
    while time.time() < deadline:
        for m in zalo.messages:
            mark = _MARK.search(m.text)
            if mark and mark.group(1) == run:
                arrivals.setdefault(int(mark.group(2)), m.at)
        if len(arrivals) >= n:
            break
        await asyncio.sleep(0.25)
    lags = [arrivals[i] - due_ts if i in arrivals else wait_s for i in range(n)]
    return {"n": n, "p50_s": round(percentile(lags, 50), 2), "p99_s": round(percentile(lags, 99), 2),
            "max_s": round(max(lags), 2), "missing": n - len(arrivals), "early": sum(1 for v in lags if v < 0),
            "started_ahead_s": round(ahead, 1), "start_seconds": round(started_s, 1),
            "_arrivals": arrivals, "_due_ts": due_ts}
