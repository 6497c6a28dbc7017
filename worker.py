"""The Temporal worker: every workflow and activity dondoc runs, on one task queue.

`build_worker(client, settings, config)` assembles it from "parts" -- one small
function per feature returning (workflows, activities) -- so a new feature adds one
line to PARTS. `run_worker(...)` runs it until cancelled (`./dondoc up`, `./dondoc worker`).
"""
from __future__ import annotations

from typing import Any, Callable

from temporalio.client import Client
from temporalio.worker import Worker

Part = Callable[[Any, Any], tuple[list, list]]


def task_parts(settings, config) -> tuple[list, list]:
    from activities.tasks import TaskActivities
    from workflows.task import TaskWorkflow

    return [TaskWorkflow], TaskActivities(settings.database_url, config).activities()


def delivery_parts(settings, config) -> tuple[list, list]:
    from activities.deliver import DeliveryActivities, Recipient

    office = config.directory.standing_unit
    standing = Recipient(office.key, office.name, "standing_office", list(office.targets)) if office else None
    return [], [DeliveryActivities(settings.database_url, settings, standing_office=standing).deliver]


def incident_parts(settings, config) -> tuple[list, list]:
    from activities.incidents import IncidentActivities
    from workflows.incident import IncidentWorkflow

    acts = IncidentActivities(settings.database_url, config)
    return [IncidentWorkflow], [acts.recipients, acts.record]


def report_parts(settings, config) -> tuple[list, list]:
    from workflows.schedules import report_worker_parts

    return report_worker_parts(settings, config)


PARTS: list[Part] = [task_parts, delivery_parts, incident_parts, report_parts]


def build_worker(client: Client, settings, config, *, task_queue: str | None = None,
                 parts: list[Part] | None = None, **worker_options) -> Worker:
    workflows: list = []
    activities: list = []
    for part in parts or PARTS:
        wfs, acts = part(settings, config)
        workflows += wfs
        activities += acts
    return Worker(client, task_queue=task_queue or settings.task_queue, workflows=workflows,
                  activities=activities, **worker_options)


async def run_worker(client: Client, settings, config) -> None:
    """Run until cancelled; cancelling shuts the worker down gracefully."""
    worker = build_worker(client, settings, config)
    await worker.run()
