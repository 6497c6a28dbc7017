"""`dondoc worker`: the Temporal worker alone (for a cluster; `up` runs it for you).

`--workers N` (or DONDOC_WORKERS; default one per core, at most 4): with N > 1 this
process supervises N worker processes (services/worker_pool.py), each started as
`dondoc worker --one --slot I --of N` with its share of the workflow cache and the
activity slots; with N = 1 it is the worker itself.
"""
from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from cli.common import config_for, connect, fail, require_secret_key, settings_for
from config.logging import get_logger

WORKERS_HELP = "số tiến trình worker (mặc định: DONDOC_WORKERS, hoặc một tiến trình mỗi nhân, tối đa 4)"


def register(sub) -> None:
    p = sub.add_parser("worker", help="chạy Temporal worker")
    p.add_argument("--workers", type=int, metavar="N", help=WORKERS_HELP)
    # A pool's child: one worker process, slot I of N (services/worker_pool.py).
    p.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--slot", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--of", type=int, default=1, help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def workers_from(args) -> int:
    """--workers, else DONDOC_WORKERS, else the default; a clear error when not a count,
    or when DONDOC_WORKFLOW_SANDBOX names no mode (checked here, before any worker starts,
    rather than in each worker process as it builds its runner)."""
    from services.worker_pool import worker_count
    from services.workflow_runner import MODES, sandbox_mode

    try:
        sandbox_mode()
    except ValueError:
        fail(f"DONDOC_WORKFLOW_SANDBOX phải là một trong: {', '.join(MODES)}.", code=2)
    try:
        return worker_count(getattr(args, "workers", None))
    except ValueError:
        fail("Số tiến trình worker (--workers hoặc DONDOC_WORKERS) phải là số nguyên từ 1 trở lên.", code=2)


def run(args) -> int:
    require_secret_key()
    settings, config = settings_for(args), config_for(args)
    if args.one:
        return _one(settings, config, args.slot, max(1, args.of))
    n = workers_from(args)
    if n == 1:
        return _one(settings, config, 0, 1)
    return _pool(n)


def _one(settings, config, slot: int, of: int) -> int:
    from services.process_memory import limit_arenas
    from services.worker_pool import share_options

    limit_arenas()  # before Temporal's threads start (services/process_memory.py)
    options = share_options(of)  # for one process alone: Temporal's own defaults (or DONDOC_WORKFLOW_CACHE)
    asyncio.run(_main(settings, config, options, slot=slot, of=of))
    return 0


def _pool(n: int) -> int:
    """Become the supervisor of N worker processes: exec into services/worker_pool.py, a
    fresh interpreter without the command line's imports (the same pid, so whoever
    started us -- `up`, systemd -- still holds the right process)."""
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "services.worker_pool", str(n)])
    return 1  # not reached


async def _main(settings, config, options: dict, slot: int = 0, of: int = 1) -> None:
    from worker import run_worker

    client = await connect(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log = get_logger(task_queue=settings.task_queue)
    log.info("worker.start", temporal=settings.temporal_address, slot=slot, of=of, **options)
    if slot == 0:  # one process of the pool keeps the Schedules in step
        await _sync_schedules(client, settings, config, log)
    from services.process_memory import trim_periodically

    task = asyncio.create_task(run_worker(client, settings, config, **options))
    trimming = asyncio.create_task(trim_periodically())
    done, _ = await asyncio.wait({task, asyncio.create_task(stop.wait())}, return_when=asyncio.FIRST_COMPLETED)
    trimming.cancel()
    if task not in done:
        task.cancel()  # the worker shuts down gracefully on cancel
        try:
            await asyncio.wait_for(task, 30)
        except (asyncio.CancelledError, asyncio.TimeoutError):
            pass
    else:
        task.result()  # a crashed worker exits non-zero with its error
    log.info("worker.stop")


async def _sync_schedules(client, settings, config, log) -> None:
    """The report Schedules (16:00 daily...) are created or brought up to date at every
    engine start; idempotent, so several workers starting at once agree."""
    from services.schedules import sync_schedules

    try:
        result = await sync_schedules(client, settings, config)
    except Exception as exc:  # noqa: BLE001 - the worker still runs; the problem is logged
        log.error("schedules.sync_failed", error=str(exc))
        return
    log.info("schedules.synced", **{k.replace("-", "_"): v for k, v in result.items()})
