"""Following a plan's indicators: one IndicatorWorkflow per indicator with a
responsible unit, started once (its id comes from the plan and the STT, so a second
import starts nothing twice), and a value reported to it (the command line; the link
page and the API send the same update through web/updates.py).
"""
from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from contracts.indicators import IndicatorInput, IndicatorSpec, ReportValueInput, ValueAnswer
from domain.calendar import VN_TZ
from domain.identity import indicator_workflow_id
from domain.indicator_follow import target_year

INDICATOR_WORKFLOW = "IndicatorWorkflow"
START_CONCURRENCY = 8
REPORT_TIMEOUT_S = 20.0


@dataclass
class FollowSummary:
    started: list[str] = field(default_factory=list)      # STTs whose workflow began now
    already: list[str] = field(default_factory=list)      # followed before (a re-import)
    unfollowed: list[str] = field(default_factory=list)   # no responsible unit: nobody to ask
    failed: dict[str, str] = field(default_factory=dict)  # STT -> why the workflow did not start


def indicator_spec(plan: str, rec, config, imported_on: date) -> IndicatorSpec:
    """The workflow's spec of an intake IndicatorRecord."""
    as_of = rec.result_as_of or (imported_on.isoformat() if (rec.result or "").strip() else "")
    return IndicatorSpec(
        id=indicator_workflow_id(plan, rec.stt), plan=plan, stt=rec.stt, name=rec.name, target=rec.target.raw,
        units=list(rec.responsible), every=config.indicators.every_for(plan, rec.stt),
        year=target_year(getattr(rec, "target_year", 0), rec.result_as_of, imported_on), reported_through=as_of)


async def start_one(client, settings, config, spec: IndicatorSpec) -> bool:
    """Start the indicator's workflow; False when it was started before (running or done)."""
    from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
    from temporalio.exceptions import WorkflowAlreadyStartedError

    try:
        await client.start_workflow(
            INDICATOR_WORKFLOW, IndicatorInput(spec, config.policies.recurring), id=spec.id,
            task_queue=settings.task_queue, id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL)
    except WorkflowAlreadyStartedError:
        return False
    return True


async def follow_indicators(client, settings, config, plan: str, records,
                            imported_on: date | None = None) -> FollowSummary:
    """One workflow per indicator with a responsible unit (after the catalogue is written)."""
    imported_on = imported_on or datetime.now(VN_TZ).date()
    summary = FollowSummary()
    gate = asyncio.Semaphore(START_CONCURRENCY)

    async def one(rec) -> None:
        if not rec.responsible:
            summary.unfollowed.append(rec.stt)
            return
        async with gate:
            try:
                new = await start_one(client, settings, config, indicator_spec(plan, rec, config, imported_on))
            except Exception as exc:  # noqa: BLE001 - one bad row never stops the rest
                summary.failed[rec.stt] = f"{type(exc).__name__}: {exc}"
                return
        (summary.started if new else summary.already).append(rec.stt)

    await asyncio.gather(*(one(rec) for rec in records))
    return summary


def report_key(indicator_id: str, values: dict) -> str:
    """A report's idempotency key: the indicator and what was submitted (resending the
    same is the same report)."""
    fields = "|".join(str(values.get(k, "")) for k in ("value", "as_of", "source", "note"))
    return f"report:{indicator_id}:{hashlib.sha256(fields.encode()).hexdigest()[:16]}"


def report_input(indicator_id: str, values: dict, reported_by: str, cycle: str = "") -> ReportValueInput:
    return ReportValueInput(key=report_key(indicator_id, values), value=values["value"], as_of=values["as_of"],
                            source=values.get("source", ""), note=values.get("note", ""), reported_by=reported_by,
                            cycle=cycle)


async def report_value(client, indicator_id: str, arg: ReportValueInput,
                       timeout_s: float = REPORT_TIMEOUT_S) -> ValueAnswer:
    """Send the ``report`` update and wait (bounded) for the workflow's answer."""
    handle = client.get_workflow_handle(indicator_id)
    return await asyncio.wait_for(handle.execute_update(
        "report", arg, id=arg.key, result_type=ValueAnswer, rpc_timeout=timedelta(seconds=timeout_s)), timeout_s + 2)
