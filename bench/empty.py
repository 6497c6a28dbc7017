"""The yardsticks: trivial workflows on the same server, run by a worker process of
their own (a child of the bench, like the product's worker), until SIGTERM:
``python -m bench.empty ADDRESS QUEUE``.

- BenchEmpty, for the start rate: starts and returns.
- BenchSleeper (bench/sleeper.py: its input must live in an importable module,
  not in __main__), for the reminder lag.

Its worker has the product worker's sticky-queue timeout; everything else is
Temporal's defaults.
"""
from __future__ import annotations

import asyncio
import signal
import sys

from temporalio import workflow

from bench.sleeper import SleeperWorkflow, bench_send

EMPTY_WORKFLOW = "BenchEmpty"


@workflow.defn(name=EMPTY_WORKFLOW)
class EmptyWorkflow:
    @workflow.run
    async def run(self) -> None:
        return None


async def _serve(address: str, queue: str) -> None:
    from temporalio.client import Client
    from temporalio.worker import Worker

    client = await Client.connect(address)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with Worker(client, task_queue=queue, workflows=[EmptyWorkflow, SleeperWorkflow],
                      activities=[bench_send], sticky_queue_schedule_to_start_timeout=product_sticky_timeout()):
        await stop.wait()


def product_sticky_timeout():
    """The product worker's sticky-queue timeout (worker.py), so the yardstick is not
    slowed by a setting dondoc tuned for the same burst."""
    from worker import STICKY_QUEUE_TIMEOUT

    return STICKY_QUEUE_TIMEOUT


if __name__ == "__main__":
    import os

    asyncio.run(_serve(sys.argv[1], sys.argv[2]))
    sys.stdout.flush()
    os._exit(0)  # sdk-python #300: no interpreter teardown after Temporal use
