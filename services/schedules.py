"""The report Schedules in Temporal, kept in step with the configuration.

`ensure_schedules(client, settings, config)` is called whenever the engine starts
(`./dondoc up`, the worker). For each `[reports.<id>]` of the configuration it makes
sure a Temporal Schedule `dondoc-report-<id>` exists that starts the report workflow
on the configured cron in the configured time zone (default `0 16 * * *`,
Asia/Ho_Chi_Minh):

* missing -> created;
* present and built from the same configuration -> left alone (not even touched, so
  its history, pause state and next actions are what they were);
* present but the configuration changed -> updated in place (its pause state kept);
* a `dondoc-report-*` schedule no longer in the configuration -> deleted.

"Same configuration" is decided by a fingerprint of everything we put into the
schedule (cron, time zone, kind, working-days rule, task queue, workflow), kept in the
schedule's note: the server rewrites cron strings into calendars, so comparing specs
read back would be fragile.
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta

from temporalio.client import (
    Client, Schedule, ScheduleActionStartWorkflow, ScheduleAlreadyRunningError, ScheduleOverlapPolicy,
    SchedulePolicy, ScheduleSpec, ScheduleState, ScheduleUpdate, ScheduleUpdateInput,
)

from workflows.report import WORKFLOW_NAME, ReportInput

log = logging.getLogger("dondoc.schedules")

PREFIX = "dondoc-report-"
NOTE_PREFIX = "dondoc:"


def schedule_id(report_id: str) -> str:
    return PREFIX + report_id


def fingerprint(sched, task_queue: str) -> str:
    desc = {"cron": sched.cron, "tz": sched.time_zone, "kind": sched.kind,
            "working_days_only": sched.working_days_only, "task_queue": task_queue, "workflow": WORKFLOW_NAME,
            "v": 1}
    return hashlib.sha256(json.dumps(desc, sort_keys=True).encode()).hexdigest()[:16]


def build_schedule(sched, task_queue: str, paused: bool = False) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            WORKFLOW_NAME,
            ReportInput(kind=sched.kind, schedule_id=sched.id, working_days_only=sched.working_days_only,
                        send=True),
            id=f"report/{sched.id}",          # Temporal appends the firing time
            task_queue=task_queue,
            execution_timeout=timedelta(hours=6),
        ),
        spec=ScheduleSpec(cron_expressions=[sched.cron], time_zone_name=sched.time_zone),
        # A report missed while the engine was down is sent when it comes back (within a
        # day); two reports never run at once.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(hours=20)),
        state=ScheduleState(note=NOTE_PREFIX + fingerprint(sched, task_queue), paused=paused),
    )


async def sync_schedules(client: Client, settings, config, *, prune: bool = True) -> dict[str, str]:
    """{schedule id: "created" | "updated" | "unchanged" | "deleted"}."""
    task_queue = settings.task_queue
    wanted = {schedule_id(s.id): s for s in config.schedules}
    out: dict[str, str] = {}
    for sid, sched in wanted.items():
        try:
            await client.create_schedule(sid, build_schedule(sched, task_queue))
            out[sid] = "created"
            continue
        except ScheduleAlreadyRunningError:
            pass
        handle = client.get_schedule_handle(sid)
        desc = await handle.describe()
        note = desc.schedule.state.note or ""
        if note == NOTE_PREFIX + fingerprint(sched, task_queue):
            out[sid] = "unchanged"
            continue
        paused = desc.schedule.state.paused

        def updater(_: ScheduleUpdateInput, sched=sched, paused=paused) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=build_schedule(sched, task_queue, paused=paused))

        await handle.update(updater)
        out[sid] = "updated"
    if prune:
        async for entry in await client.list_schedules():
            if entry.id.startswith(PREFIX) and entry.id not in wanted:
                await client.get_schedule_handle(entry.id).delete()
                out[entry.id] = "deleted"
    for sid, what in out.items():
        log.info("report schedule %s: %s", sid, what)
    return out


async def ensure_schedules(client: Client, settings, config) -> list[str]:
    """Create or bring up to date the report Schedules; the ids of those in use."""
    result = await sync_schedules(client, settings, config)
    return [sid for sid, what in result.items() if what != "deleted"]
