"""The yardstick for the reminder lag: BenchSleeper sleeps to an instant, then sends
one chat message through the product's transport (Apprise, real HTTP to the bench's
FakeZalo) from a local activity -- what bare Temporal and one send cost, with no
ladder, no directory, no delivery log, no store."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow

SLEEPER_WORKFLOW = "BenchSleeper"


@dataclass
class Wake:
    due_ts: float               # the instant, as a Unix time (no datetime across the sandbox)
    url: str                    # a zalo:// target
    text: str


@activity.defn(name="bench_send")
async def bench_send(wake: Wake) -> bool:
    from notifiers.transport import send

    outcome = await asyncio.to_thread(send, wake.url, "", wake.text)
    return outcome.ok


@workflow.defn(name=SLEEPER_WORKFLOW)
class SleeperWorkflow:
    @workflow.run
    async def run(self, wake: Wake) -> bool:
        delay = wake.due_ts - workflow.now().timestamp()
        if delay > 0:
            await workflow.sleep(delay)
        return await workflow.execute_local_activity(bench_send, wake, start_to_close_timeout=timedelta(seconds=30))

