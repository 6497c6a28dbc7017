"""`dondoc worker`: the Temporal worker alone (for a cluster; `up` runs it for you)."""
from __future__ import annotations

import asyncio
import signal

from cli.common import config_for, connect, require_secret_key, settings_for
from config.logging import get_logger


def register(sub) -> None:
    p = sub.add_parser("worker", help="chạy Temporal worker")
    p.set_defaults(func=run)


def run(args) -> int:
    require_secret_key()
    settings, config = settings_for(args), config_for(args)
    asyncio.run(_main(settings, config))
    return 0


async def _main(settings, config) -> None:
    from worker import run_worker

    client = await connect(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log = get_logger(task_queue=settings.task_queue)
    log.info("worker.start", temporal=settings.temporal_address)
    await _sync_schedules(client, settings, config, log)
    task = asyncio.create_task(run_worker(client, settings, config))
    done, _ = await asyncio.wait({task, asyncio.create_task(stop.wait())}, return_when=asyncio.FIRST_COMPLETED)
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
