"""The Temporal worker: every workflow and activity dondoc runs, on one task queue.

`build_worker(client, settings, config)` assembles it from "parts" -- one small
function per feature returning (workflows, activities) -- so a new feature adds one
line to PARTS. `run_worker(...)` runs it until cancelled (`./dondoc up`, `./dondoc worker`).
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import pkgutil
import sys
from datetime import timedelta
from typing import Any, Callable

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from services.type_hints import install as install_type_hints
from services.workflow_runner import workflow_runner

Part = Callable[[Any, Any], tuple[list, list]]


def task_parts(settings, config) -> tuple[list, list]:
    from activities.tasks import TaskActivities
    from workflows.task import TaskWorkflow

    # task_step sends through DeliveryActivities made as delivery_parts makes its own.
    return [TaskWorkflow], TaskActivities(settings.database_url, config,
                                          delivery=delivery_activities(settings, config)).activities()


def delivery_activities(settings, config):
    from activities.deliver import DeliveryActivities
    from domain.recipients import standing_recipient

    return DeliveryActivities(settings.database_url, settings, standing_office=standing_recipient(config.directory),
                              max_attempts=config.delivery_attempts, links=config.links, config=config)


def delivery_parts(settings, config) -> tuple[list, list]:
    return [], [delivery_activities(settings, config).deliver]


def incident_parts(settings, config) -> tuple[list, list]:
    from activities.incidents import IncidentActivities
    from workflows.incident import IncidentWorkflow

    acts = IncidentActivities(settings.database_url, config)
    return [IncidentWorkflow], [acts.recipients, acts.record]


def report_parts(settings, config) -> tuple[list, list]:
    """The report workflow also calls `deliver`, registered by delivery_parts."""
    from activities.reports import ReportActivities
    from workflows.report import ReportWorkflow

    return [ReportWorkflow], ReportActivities(settings, config).activities()


def indicator_parts(settings, config) -> tuple[list, list]:
    """The indicator workflow also calls task_cycle, task_plan, task_recipients and deliver."""
    from activities.indicators import IndicatorActivities
    from workflows.indicator import IndicatorWorkflow

    return [IndicatorWorkflow], IndicatorActivities(settings.database_url, config).activities()


def group_parts(settings, config) -> tuple[list, list]:
    """The parent task workflow (a group's task, a delegated plan) also calls task_cycle and task_record."""
    from activities.task_group import GroupActivities
    from workflows.task_group import ParentTaskWorkflow

    acts = GroupActivities(settings.database_url, config, delivery=delivery_activities(settings, config))
    return [ParentTaskWorkflow], acts.activities()


PARTS: list[Part] = [task_parts, delivery_parts, incident_parts, report_parts, indicator_parts, group_parts]


class _SharedCodeLoader(importlib.machinery.SourceFileLoader):
    """Loads a module's code once per process and hands the same code object to
    every later import of it. Code objects are immutable; each import still runs
    the code into a fresh module (its own globals, functions and classes)."""

    _codes: dict[str, Any] = {}

    def get_code(self, fullname):
        code = self._codes.get(self.path)
        if code is None:
            code = self._codes[self.path] = super().get_code(fullname)
        return code


class _SharedCodeFinder(importlib.abc.MetaPathFinder):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def find_spec(self, fullname, path, target=None):
        if fullname not in self.names or not path:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and type(spec.loader) is importlib.machinery.SourceFileLoader:
            spec.loader = _SharedCodeLoader(fullname, spec.origin)
        return spec


_SHARED_CODE = _SharedCodeFinder()


def share_workflow_code(workflows: list) -> None:
    """Compile each workflow module once per worker process, not once per workflow.

    The sandbox imports a workflow's module afresh for every workflow instance it
    creates (each start, each replay after a cache eviction) and keeps that copy while
    the instance is cached. Each import unmarshals (or, without a .pyc -- with
    PYTHONDONTWRITEBYTECODE, as in our Dockerfile -- compiles) the module's code anew:
    for workflows/task.py that was ~30 ms of CPU per start and ~140 KiB of code objects
    per cached workflow, most of the worker's memory (measured by `dondoc bench`).
    The sandbox's isolation is untouched: module state is still per instance.
    """
    names = {w.__module__ for w in workflows if "." in w.__module__}
    # The modules a workflow module imports from its own package (mixins, helpers) are
    # re-imported per instance too: share theirs as well.
    for package in {n.rsplit(".", 1)[0] for n in names}:
        module = sys.modules.get(package)
        if module is not None and hasattr(module, "__path__"):
            names |= {f"{package}.{m.name}" for m in pkgutil.iter_modules(module.__path__)}
    _SHARED_CODE.names |= names
    if _SHARED_CODE not in sys.meta_path:
        sys.meta_path.insert(0, _SHARED_CODE)


GRACEFUL_SHUTDOWN = timedelta(seconds=20)
# How long a workflow task may wait on this worker's own (sticky) queue before the
# server moves it to the shared queue, where whoever takes it replays the workflow from
# its whole history. Temporal's 10 s is shorter than a burst: 500 reminders due at once
# on 2 cores (`dondoc bench`) waited up to 15-22 s there, and 54-69 of 100 histories
# sampled after the burst held a WorkflowTaskTimedOut (schedule-to-start) -- each one a
# detour and a replay on a busy worker. At 60 s none did. The cost: tasks already queued
# for a worker that crashes wait up to a minute (a graceful stop tells the server, which hands them on at once).
STICKY_QUEUE_TIMEOUT = timedelta(seconds=60)


def build_worker(client: Client, settings, config, *, task_queue: str | None = None,
                 parts: list[Part] | None = None, **worker_options) -> Worker:
    workflows: list = []
    activities: list = []
    for part in parts or PARTS:
        wfs, acts = part(settings, config)
        workflows += wfs
        activities += acts
    install_type_hints()  # payload classes' hints worked out once (services/type_hints.py)
    # On shutdown (a deploy, Ctrl-C) a send in flight finishes and reports instead of
    # being cut off: cut off, the server would only retry it after its 2-minute timeout.
    worker_options.setdefault("graceful_shutdown_timeout", GRACEFUL_SHUTDOWN)
    # No sandbox unless DONDOC_WORKFLOW_SANDBOX asks for one (services/workflow_runner.py;
    # the tests' plain Workers and replays keep the strict sandbox).
    runner = worker_options.setdefault("workflow_runner", workflow_runner())
    if isinstance(runner, SandboxedWorkflowRunner):  # only a sandbox re-imports per instance
        share_workflow_code(workflows)
    worker_options.setdefault("sticky_queue_schedule_to_start_timeout", STICKY_QUEUE_TIMEOUT)
    return Worker(client, task_queue=task_queue or settings.task_queue, workflows=workflows,
                  activities=activities, **worker_options)


async def run_worker(client: Client, settings, config, **worker_options) -> None:
    """Run until cancelled; cancelling shuts the worker down gracefully. `worker_options`
    (one process's share of the cache and slots, services/worker_pool.py) go to the Worker."""
    worker = build_worker(client, settings, config, **worker_options)
    await worker.run()
