"""Importing a plan: the catalogue first, then one workflow per task.

Client-side (runs in the CLI or the web process, not in a worker): it writes the
plan, its tasks and indicators to the store, starts a workflow for each new task,
amends the running workflow of each changed one, and lists (or with prune, cancels)
tasks that are gone from the new file. Workflow ids come from plan + STT, so a
second import of the same file starts nothing twice. A task led by a group of units
starts a parent and one child task per member unit (services/task_groups.py); with
``under`` the plan's tasks become children of that task (services/delegation.py).
"""
from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any, Callable

from store.catalogue import diff_tasks, task_fields, upsert_plan, write_indicators, write_tasks
from store.db import session_scope

# Enough starts in flight to keep the server busy without flooding a small machine.
START_CONCURRENCY = 16
# An amendment waits for the workflow to record it; a busy worker (a fresh import of
# overdue tasks sends many escalations at once) needs more than a page click would.
AMEND_TIMEOUT_S = 60.0


@dataclass
class ImportSummary:
    plan: str
    started: int = 0
    amended: int = 0
    unchanged: int = 0
    completed: int = 0               # imported as already done: no workflow to chase them
    untracked: list[str] = field(default_factory=list)   # no readable deadline yet
    gone: list[str] = field(default_factory=list)
    pruned: bool = False
    failed: dict[str, str] = field(default_factory=dict)  # task id -> why its workflow did not start
    indicators_followed: int = 0     # indicator workflows started now (services/indicators.py)
    parents: int = 0                 # tasks led by a group: one child per member (services/task_groups.py)
    children_started: int = 0
    children_amended: int = 0
    children_cancelled: int = 0      # members removed from their group since the last import
    under: str | None = None         # the task this plan was imported under (--under)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


async def import_plan(settings, config, result, *, client=None, prune: bool = False,
                      progress: Callable[[int], None] | None = None, under: str | None = None) -> ImportSummary:
    if client is None:
        from services.temporal_client import connect

        client = await connect(settings)
    if under:  # the plan's tasks become children of this task (services/delegation.py)
        from services.delegation import make_parent

        await make_parent(client, settings, config, under)
    rows, diff = await asyncio.to_thread(_write_catalogue_start, settings.database_url, result)
    summary = ImportSummary(plan=result.plan, unchanged=len(diff.unchanged), under=under)
    await _start_all(client, settings, config, result, summary, progress)
    await _follow_indicators(client, settings, config, result, summary)
    # Extra display fields (section, coordinating units, advisers, notes, raw cells):
    # written after the starts so each start saw the row as it was and could amend.
    await asyncio.to_thread(_write_catalogue_end, settings.database_url, result, rows, diff)
    summary.gone = diff.gone
    if prune and diff.gone:
        await _cancel_all(client, settings, diff.gone)
        summary.pruned = True
    if under:
        from services.task_groups import refresh

        await refresh(client, under)
    return summary


def _write_catalogue_start(url: str, result):
    rows = [task_fields(result.plan, rec) for rec in result.tasks]
    with session_scope(url) as session:
        plan = upsert_plan(session, result.plan, "")
        diff = diff_tasks(session, plan, rows)
        write_indicators(session, plan, result.indicators)
    return rows, diff


def _write_catalogue_end(url: str, result, rows, diff) -> None:
    with session_scope(url) as session:
        plan = upsert_plan(session, result.plan, "")
        write_tasks(session, plan, rows, diff)


async def _start_all(client, settings, config, result, summary: ImportSummary, progress) -> None:
    from services.task_groups import start_record

    gate = asyncio.Semaphore(START_CONCURRENCY)
    done = 0

    async def one(rec) -> None:
        nonlocal done
        async with gate:
            if rec.status == "completed":
                summary.completed += 1
            else:
                try:
                    out = await start_record(client, settings, config, rec, plan=result.plan, under=summary.under,
                                             update_timeout_s=AMEND_TIMEOUT_S)
                except Exception as exc:  # noqa: BLE001 - one bad row never stops the rest
                    summary.failed[rec.stt] = f"{type(exc).__name__}: {exc}"
                else:
                    summary.started += out.started
                    summary.amended += out.amended
                    if not out.started and not out.amended and "thời hạn" in out.note:
                        summary.untracked.append(rec.stt)
                    _count_children(summary, rec.stt, out)
            done += 1
            if progress:
                progress(done)

    await asyncio.gather(*(one(rec) for rec in result.tasks))


def _count_children(summary: ImportSummary, stt: str, out) -> None:
    summary.parents += out.parent
    summary.children_started += out.children_started
    summary.children_amended += out.children_amended
    summary.children_cancelled += out.children_cancelled
    summary.failed.update({f"{stt} ({unit})": why for unit, why in out.failed.items()})


async def _follow_indicators(client, settings, config, result, summary: ImportSummary) -> None:
    from services.indicators import follow_indicators

    followed = await follow_indicators(client, settings, config, result.plan, result.indicators)
    summary.indicators_followed = len(followed.started)
    summary.failed.update({f"chỉ tiêu {stt}": why for stt, why in followed.failed.items()})


async def _cancel_all(client, settings, task_ids: list[str]) -> None:
    from contracts.tasks import CancelInput
    from store.models import Task

    for task_id in task_ids:
        arg = CancelInput(key=f"prune:{task_id}", reason="không còn trong kế hoạch khi nhập lại", cancelled_by="import")
        try:
            await client.get_workflow_handle(task_id).execute_update(
                "cancel", arg, id=arg.key, rpc_timeout=timedelta(seconds=10))
        except Exception:  # noqa: BLE001 - a finished or missing workflow: the store still says cancelled
            pass
        with session_scope(settings.database_url) as session:
            row = session.get(Task, task_id)
            if row is not None and row.status == "open":
                row.status = "cancelled"
