"""/healthz: 200 only when the database, Temporal and a worker are all up.

The worker check asks Temporal which pollers it has seen on our task queue, so it
is true across processes and machines (web and worker may run apart)."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from store.db import session_factory

# A healthy worker long-polls continuously (each poll lasts up to ~70 s).
WORKER_SEEN_WITHIN = timedelta(seconds=120)
CHECK_TIMEOUT_S = 3


def check_database(url: str) -> tuple[bool, str]:
    try:
        with session_factory(url)() as session:
            session.execute(text("SELECT 1"))
        return True, "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return False, f"{exc.__class__.__name__}: {exc}"[:200]


async def check_temporal(client) -> tuple[bool, str]:
    if client is None:
        return False, "not connected"
    try:
        ok = await asyncio.wait_for(client.service_client.check_health(), CHECK_TIMEOUT_S)
        return bool(ok), "ok" if ok else "unhealthy"
    except Exception as exc:  # noqa: BLE001
        return False, f"{exc.__class__.__name__}"


async def check_worker(client, namespace: str, task_queue: str, now: datetime | None = None) -> tuple[bool, str]:
    if client is None:
        return False, "temporal not connected"
    now = now or datetime.now(timezone.utc)
    req = DescribeTaskQueueRequest(
        namespace=namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    try:
        resp = await asyncio.wait_for(client.workflow_service.describe_task_queue(req), CHECK_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001
        return False, f"{exc.__class__.__name__}"
    for poller in resp.pollers:
        seen = poller.last_access_time.ToDatetime(tzinfo=timezone.utc)
        if now - seen <= WORKER_SEEN_WITHIN:
            return True, f"{len(resp.pollers)} poller(s)"
    return False, "no worker polling"
