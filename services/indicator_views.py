"""Indicators read back from the store, as the command line, the dashboard, the link
page and the API show them: each with its target, its latest value as of a day
(judged by domain/indicator_judging against the current target) and its history.

``indicator_items`` gives the full picture (plan, unit keys and names, the reason a
value is unclear, the current cycle); ``indicators_json`` the command line's and the
API's shape::

    [{"stt", "name", "unit", "target": {...}, "latest": {"value", "as_of", "status"},
      "history": [{"value", "as_of", "status", "reason", "source", "note", "reported_by", "reported_at"}]}]
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from domain.indicator_judging import judge
from domain.indicator_values import latest
from domain.report_common import stt_key
from store.db import session_scope
from store.indicator_values import IMPORTED_BY, values_of
from store.models import Event, Indicator, Person, Plan

CYCLE_EVENTS = ("indicator_followed", "indicator_cycle_opened", "indicator_step", "indicator_cycle_reported",
                "indicator_cycle_missed", "indicator_year_judged")


def reporter_name(config, key: str, people: dict[str, str] | None = None) -> str:
    """Who reported a value, in words (never a key)."""
    if key == IMPORTED_BY:
        return "Nhập từ kế hoạch"
    if key == "cli":
        return "Văn phòng (dòng lệnh)"
    if key.startswith("api:"):
        return f"Tài khoản {key[4:]} (API)"
    if key.startswith("person:"):
        return (people or {}).get(key, "Cán bộ của đơn vị")
    if config is not None:
        directory = config.directory
        found = directory.unit(key) or directory.official(key)
        if found is not None:
            return found.name
    return "Đơn vị chủ trì" if key else ""


def _judged(target: dict, v, config, people) -> dict[str, Any]:
    verdict = judge(target, v.value)
    return {"value": v.value, "as_of": v.as_of.isoformat(), "status": verdict.status, "reason": verdict.reason,
            "source": v.source, "note": v.note, "reported_by": reporter_name(config, v.reported_by, people),
            "reported_at": v.reported_at.isoformat()}


def _unit_names(config, keys) -> list[str]:
    directory = config.directory if config is not None else None
    return [(directory.unit(k).name if directory is not None and directory.unit(k) else str(k)) for k in keys or []]


def _follow_up(session, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Per indicator workflow: its current cycle, the highest level told in it, the year's verdict."""
    out: dict[str, dict[str, Any]] = {i: {} for i in ids}
    if not ids:
        return out
    rows = session.execute(select(Event.subject_id, Event.kind, Event.data).where(
        Event.subject_id.in_(ids), Event.kind.in_(CYCLE_EVENTS)).order_by(Event.at, Event.id))
    for subject, kind, data in rows:
        state = out[subject]
        if kind in ("indicator_followed", "indicator_cycle_opened"):
            state.update(cycle=data.get("cycle", ""), due=data.get("due"), cycle_status=data.get("status", "open"),
                         level=0, year=data.get("year"))
        elif kind == "indicator_step" and data.get("cycle") == state.get("cycle"):
            state["level"] = max(state.get("level", 0), int(data.get("level") or 0))
        elif kind in ("indicator_cycle_reported", "indicator_cycle_missed") and data.get("cycle") == state.get("cycle"):
            state["cycle_status"] = "reported" if kind == "indicator_cycle_reported" else "missed"
        elif kind == "indicator_year_judged":
            state.update(year_status=data.get("status"), year_judged=data.get("year"))
    return out


def _people(session) -> dict[str, str]:
    return {f"person:{pid}": name for pid, name in session.execute(select(Person.id, Person.name))}


def indicator_items(database_url: str, config, plan: str | None = None, as_of: date | None = None,
                    known_at: datetime | None = None, workflow_id: str | None = None) -> list[dict[str, Any]]:
    """Every indicator (of ``plan``, or the one ``workflow_id`` follows), in appendix order."""
    with session_scope(database_url) as s:
        stmt = select(Indicator, Plan.name).join(Plan, Indicator.plan_id == Plan.id)
        if plan:
            stmt = stmt.where(Plan.name == plan)
        if workflow_id:
            stmt = stmt.where(Indicator.workflow_id == workflow_id)
        rows = s.execute(stmt).all()
        values = values_of(s, [r[0].id for r in rows])
        follow = _follow_up(s, [r[0].workflow_id for r in rows if r[0].workflow_id])
        people = _people(s)
        items = [_item(ind, plan_name, values[ind.id], follow.get(ind.workflow_id or "", {}), config, people,
                       as_of, known_at) for ind, plan_name in rows]
    return sorted(items, key=lambda i: (i["plan"], stt_key(i["stt"])))


def _item(ind, plan_name: str, values, follow: dict, config, people, as_of, known_at) -> dict[str, Any]:
    target = dict(ind.target or {})
    seen = [v for v in values if (as_of is None or v.as_of <= as_of) and (known_at is None or v.reported_at <= known_at)]
    last = latest(seen)
    verdict = judge(target, last.value if last else None)
    units = [str(u) for u in ind.responsible or []]
    return {
        "id": ind.workflow_id or "", "plan": plan_name, "stt": ind.stt, "name": ind.name, "target": target,
        "units": units, "unit_names": _unit_names(config, units),
        "latest": {"value": last.value if last else "", "as_of": last.as_of.isoformat() if last else None,
                   "status": verdict.status},
        "reason": verdict.reason, "history": [_judged(target, v, config, people) for v in seen],
        "follow": follow,
    }


def indicators_json(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The command line's and the API's shape (see the module's docstring)."""
    return [{"stt": i["stt"], "name": i["name"], "unit": "; ".join(i["unit_names"]), "target": i["target"],
             "latest": i["latest"], "history": i["history"]} for i in items]


def already_reported(database_url: str, key: str) -> dict[str, Any] | None:
    """The value a report key recorded (a resubmitted form), or None."""
    from store.indicator_models import IndicatorValue

    with session_scope(database_url) as s:
        row = s.scalar(select(IndicatorValue).where(IndicatorValue.key == key))
        if row is None:
            return None
        return {"first": False, "value": row.value, "as_of": row.as_of.isoformat(), "status": row.status,
                "reason": row.reason, "cycle": row.cycle}
