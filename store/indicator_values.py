"""Reported indicator values in the store (store.models.IndicatorValue): writing one
(once per key, judged against the indicator's target as it stands), the imported
plan's result column as the first value, and reading them back per indicator.

The judgement is domain/indicator_judging.py's; what is stored is the verdict at the
moment of the report. Readers judge again against the current target (a re-import may
have changed it), so every page and report counts one way.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone
from typing import Iterable

from sqlalchemy import select

from domain.indicator_judging import judge
from domain.indicator_values import ReportedValue, latest
from domain.report_rows import IndicatorRow
from store.indicator_models import IndicatorValue
from store.models import Indicator, Plan

IMPORTED_BY = "import"


def find_indicator(session, workflow_id: str) -> Indicator | None:
    return session.scalar(select(Indicator).where(Indicator.workflow_id == workflow_id))


def add_value(session, indicator: Indicator, *, key: str, value: str, as_of: date, reported_at: datetime,
              source: str = "", note: str = "", reported_by: str = "", cycle: str = "") -> tuple[IndicatorValue, bool]:
    """The value's row, written once per key: (row, True) when new, (the first row, False)
    when the key was recorded before (a retried activity, a resubmitted form)."""
    row = session.scalar(select(IndicatorValue).where(IndicatorValue.key == key))
    if row is not None:
        return row, False
    verdict = judge(indicator.target or {}, value)
    row = IndicatorValue(indicator_id=indicator.id, key=key, value=value, as_of=as_of, source=source, note=note,
                         reported_by=reported_by, reported_at=reported_at, status=verdict.status,
                         reason=verdict.reason, cycle=cycle)
    session.add(row)
    session.flush()
    return row, True


def imported_key(workflow_id: str, result: str, result_as_of: str) -> str:
    """The key of an imported result: the same cell re-imported is the same value."""
    digest = hashlib.sha256(f"{result}\n{result_as_of}".encode()).hexdigest()[:16]
    return f"import:{workflow_id}:{digest}"


def add_imported(session, indicator: Indicator, result: str, result_as_of: str, imported_on: date) -> bool:
    """The plan's result column as a reported value, as of the day its header names (the
    import day when it names none). A re-import of the same cell adds nothing."""
    result = (result or "").strip()
    if not result or not indicator.workflow_id:
        return False
    as_of = date.fromisoformat(result_as_of) if result_as_of else imported_on
    _, new = add_value(session, indicator, key=imported_key(indicator.workflow_id, result, result_as_of),
                       value=result, as_of=as_of, reported_at=datetime.now(timezone.utc),
                       source="Kết quả trong kế hoạch nhập vào", reported_by=IMPORTED_BY)
    return new


def values_of(session, indicator_ids: Iterable[int]) -> dict[int, list[ReportedValue]]:
    """Every value of these indicators, oldest day first."""
    ids = list(indicator_ids)
    out: dict[int, list[ReportedValue]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = session.execute(select(
        IndicatorValue.indicator_id, IndicatorValue.value, IndicatorValue.as_of, IndicatorValue.reported_at,
        IndicatorValue.source, IndicatorValue.note, IndicatorValue.reported_by, IndicatorValue.cycle,
        IndicatorValue.id).where(IndicatorValue.indicator_id.in_(ids))
        .order_by(IndicatorValue.as_of, IndicatorValue.reported_at, IndicatorValue.id))
    for r in rows:
        out[r[0]].append(ReportedValue(value=r[1], as_of=r[2], reported_at=r[3], source=r[4] or "", note=r[5] or "",
                                       reported_by=r[6] or "", cycle=r[7] or "", id=r[8]))
    return out


def indicator_rows(session, plan: str | None, day: date) -> list[IndicatorRow]:
    """The indicators (of ``plan``) for the reports, each with its latest value describing
    a day up to ``day`` (a report is "as of" the days the values describe, as a task's
    completion counts from its completion day). An indicator without any stored value
    (imported before values were kept) reports its imported result column."""
    stmt = select(Indicator.id, Indicator.stt, Indicator.name, Indicator.target, Indicator.responsible,
                  Indicator.result, Plan.name).join(Plan, Indicator.plan_id == Plan.id)
    if plan:
        stmt = stmt.where(Plan.name == plan)
    rows = session.execute(stmt).all()
    values = values_of(session, [r[0] for r in rows])
    out = []
    for r in rows:
        found = values[r[0]]
        last = latest(found, day)
        result, as_of = (last.value, last.as_of) if last else ("" if found else (r[5] or ""), None)
        out.append(IndicatorRow(stt=r[1], name=r[2], target=r[3] or {}, responsible=tuple(r[4] or ()),
                                result=result, plan=r[6], as_of=as_of))
    return out
