"""The indicator workflow's reach into the store (its cycle, ladder, recipients and
messages are the task workflow's activities: task_cycle, task_plan, task_recipients,
deliver).

Activities (class ``IndicatorActivities``):
  - ``indicator_spec``: the indicator as the store holds it now (a re-import may have
    renamed it, changed its target or its responsible units), read once per cycle;
  - ``indicator_value``: a reported value written once per key and judged against the
    target (store/indicator_values.py);
  - ``indicator_record``: one timeline event, idempotent by its key;
  - ``indicator_year``: the year's judgement, on the latest value describing a day of
    the target's year, recorded as an event.
"""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date

from sqlalchemy import select
from temporalio import activity

from config.logging import get_logger
from contracts.indicators import (
    IndicatorRecord, IndicatorSpec, RecordValueRequest, RecordValueResult, SpecRequest, YearRequest, YearResult,
)
from domain.indicator_follow import year_end
from domain.indicator_judging import judge
from domain.indicator_values import latest
from store.db import session_scope, write_scope
from store.indicator_values import add_value, find_indicator, values_of
from store.models import Event

_log = get_logger()


def current_spec(database_url: str, spec: IndicatorSpec) -> IndicatorSpec:
    with session_scope(database_url) as session:
        row = find_indicator(session, spec.id)
        if row is None:
            return spec
        return replace(spec, name=row.name or spec.name, target=(row.target or {}).get("raw", spec.target),
                       units=[str(u) for u in row.responsible or []] or list(spec.units))


def record_value(database_url: str, req: RecordValueRequest) -> RecordValueResult:
    with write_scope(database_url) as session:
        row = find_indicator(session, req.indicator_id)
        if row is None:
            raise LookupError(f"no indicator followed by {req.indicator_id}")
        value, new = add_value(session, row, key=req.key, value=req.value, as_of=date.fromisoformat(req.as_of),
                               reported_at=req.reported_at, source=req.source, note=req.note,
                               reported_by=req.reported_by, cycle=req.cycle)
        return RecordValueResult(value.status, value.reason, new)


def record_event(database_url: str, rec: IndicatorRecord) -> bool:
    with write_scope(database_url) as session:
        if session.scalar(select(Event.id).where(Event.key == rec.key)) is not None:
            return False
        session.add(Event(at=rec.at, subject_id=rec.indicator_id, kind=rec.kind, key=rec.key, data=rec.data))
        return True


def judge_year(database_url: str, req: YearRequest) -> YearResult:
    """The year's verdict on the latest value describing a day of it, recorded once."""
    with write_scope(database_url) as session:
        row = find_indicator(session, req.indicator_id)
        found = latest(values_of(session, [row.id])[row.id], year_end(req.year)) if row is not None else None
        verdict = judge((row.target if row is not None else None) or {}, found.value if found else None)
        result = YearResult(verdict.status, found.value if found else "", found.as_of.isoformat() if found else "",
                            verdict.reason)
        key = f"{req.indicator_id}|{req.year}|year-judged"
        if session.scalar(select(Event.id).where(Event.key == key)) is None:
            session.add(Event(at=req.at, subject_id=req.indicator_id, kind="indicator_year_judged", key=key,
                              data={"year": req.year, "status": result.status, "value": result.value,
                                    "as_of": result.as_of, "reason": result.reason}))
        return result


class IndicatorActivities:
    def __init__(self, database_url: str, config=None) -> None:
        self.database_url = database_url
        self._config = config

    @activity.defn(name="indicator_spec")
    async def spec(self, req: SpecRequest) -> IndicatorSpec:
        return await asyncio.to_thread(current_spec, self.database_url, req.spec)

    @activity.defn(name="indicator_value")
    async def value(self, req: RecordValueRequest) -> RecordValueResult:
        result = await asyncio.to_thread(record_value, self.database_url, req)
        _log.info("indicator.value", indicator_id=req.indicator_id, cycle=req.cycle, status=result.status,
                  new=result.first)
        return result

    @activity.defn(name="indicator_record")
    async def record(self, rec: IndicatorRecord) -> bool:
        written = await asyncio.to_thread(record_event, self.database_url, rec)
        _log.info("indicator.event", indicator_id=rec.indicator_id, kind=rec.kind, new=written)
        return written

    @activity.defn(name="indicator_year")
    async def year(self, req: YearRequest) -> YearResult:
        return await asyncio.to_thread(judge_year, self.database_url, req)

    def activities(self) -> list:
        return [self.spec, self.value, self.record, self.year]
