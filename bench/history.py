"""history_events_per_year: a recurring monthly task carried through a year of cycles
on the time-skipping test server; the events in its largest run.

The product's default policies and working calendar (config/examples/default.toml)
with the bench's directory (zalo:// targets, so deliveries go to the FakeZalo), a
store of its own, and nobody ever reporting: every cycle walks its whole ladder to the
supervisors and closes missed, the most a cycle can write. Each cycle's run ends in
continue-as-new; the runs are followed from the first through each
ContinuedAsNew event's new run id.
"""
from __future__ import annotations

import os
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path


async def measure(stack_config, zalo_url: str, months: int = 12, say=print) -> dict:
    from temporalio.testing import WorkflowEnvironment

    from config.binaries import temporal_test_server
    from config.loader import load_config
    from config.settings import load_settings
    from store.migrate import upgrade

    default = load_config(Path(__file__).resolve().parents[1] / "config" / "examples" / "default.toml")
    config = replace(default, directory=stack_config.directory)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dondoc-bench-history-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'history.sqlite3'}"
        upgrade(url)
        queue = f"bench-history-{uuid.uuid4().hex[:6]}"
        settings = load_settings({**os.environ, "DONDOC_DATA_DIR": tmp, "DONDOC_DATABASE_URL": url,
                                  "DONDOC_TASK_QUEUE": queue})
        env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=temporal_test_server())
        # Every channel lookup in this process (whichever activity sends) reaches the FakeZalo.
        saved = os.environ.get("DONDOC_ZALO_API_URL")
        os.environ["DONDOC_ZALO_API_URL"] = zalo_url
        try:
            runs = await monthly_runs(env, url, settings, config, queue, zalo_url, months)
        finally:
            await env.shutdown()
            if saved is None:
                os.environ.pop("DONDOC_ZALO_API_URL", None)
            else:
                os.environ["DONDOC_ZALO_API_URL"] = saved
    closed = runs[:-1]  # the last run is the cycle still open
    out = {"months": months, "runs": len(runs), "largest_run_events": max(closed or runs),
           "events_total": sum(runs), "events_per_closed_run": closed,
           "seconds": round(time.perf_counter() - t0, 1)}
    say(f"  {len(closed)} closed cycles: largest run {out['largest_run_events']} events, "
        f"{out['events_total']} in all")
    return out


async def monthly_runs(env, url: str, settings, config, queue: str, zalo_url: str, months: int) -> list[int]:
    """The monthly task started, `months` cycles skipped through: the events of each run."""
    from temporalio.worker import Worker

    from activities.deliver import DeliveryActivities
    from activities.tasks import TaskActivities
    from contracts.tasks import TaskSpec
    from services.tasks import start_or_amend
    from workflows.task import TaskWorkflow

    worker = Worker(env.client, task_queue=queue, workflows=[TaskWorkflow],
                    activities=[*TaskActivities(url, config).activities(),
                                DeliveryActivities(url, settings, config=config,
                                                   environ={**os.environ, "DONDOC_ZALO_API_URL": zalo_url}).deliver])
    async with worker:
        spec = TaskSpec(id="task/bench-history/1", title="Báo cáo định kỳ hằng tháng (thử)",
                        lead_units=["skhcn"], plan="bench-history", stt="1",
                        deadline_raw="Thường xuyên; định kỳ hằng tháng báo cáo kết quả",
                        deadline_kind="recurring", every="month")
        out = await start_or_amend(env.client, settings, config, spec)
        assert out.started, out.note
        handle = env.client.get_workflow_handle(spec.id)
        first = (await handle.describe()).run_id
        # Through `months` whole cycles: the current one and `months` more begin.
        await env.sleep(timedelta(days=31 * months + 5))
        runs = await run_lengths(env.client, spec.id, first)
        await handle.terminate("bench over")
    return runs


async def run_lengths(client, workflow_id: str, run_id: str | None) -> list[int]:
    """Events in each run, from `run_id` on through each ContinuedAsNew event's new run id."""
    from temporalio.api.enums.v1 import EventType

    runs: list[int] = []
    while run_id:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        runs.append(len(history.events))
        last = history.events[-1]
        run_id = (last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
                  if last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
                  else None)
    return runs
