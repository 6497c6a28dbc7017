"""The dashboard's indicator page, as data: the indicators of a plan (or all) grouped by
plan and responsible unit, ordered met first or missing first, with the totals and
every value a person must judge (``unclear``) listed with its reason."""
from __future__ import annotations

from datetime import date
from typing import Any

from domain.indicator_values import STATUS_ORDER
from domain.report_common import stt_key
from domain.text import ascii_fold

SORTS = {"met": STATUS_ORDER, "missing": tuple(reversed(STATUS_ORDER))}
NO_UNIT = "Chưa xác định cơ quan chủ trì"


def board(items: list[dict[str, Any]], *, unit: str = "", sort: str = "missing") -> dict[str, Any]:
    """Groups (plan, first unit) of indicators, each group ordered by ``sort``; the
    totals of what is shown and the unclear ones."""
    order = {s: n for n, s in enumerate(SORTS.get(sort, SORTS["missing"]))}
    shown = [i for i in items if not unit or unit in i["units"]]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for i in shown:
        groups.setdefault((i["plan"], (i["unit_names"] or [NO_UNIT])[0]), []).append(i)
    out = [{"plan": plan, "unit": name,
            "rows": sorted(rows, key=lambda i: (order[i["latest"]["status"]], stt_key(i["stt"])))}
           for (plan, name), rows in groups.items()]
    out.sort(key=lambda g: (g["plan"], ascii_fold(g["unit"])))
    totals = {"total": len(shown), **{s: sum(1 for i in shown if i["latest"]["status"] == s) for s in STATUS_ORDER}}
    unclear = [i for i in shown if i["latest"]["status"] == "unclear"]
    return {"groups": out, "totals": totals, "unclear": unclear}


def unit_choices(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(key, name) of every responsible unit named, by name."""
    found = {k: n for i in items for k, n in zip(i["units"], i["unit_names"])}
    return sorted(found.items(), key=lambda kv: ascii_fold(kv[1]))


def plan_choices(database_url: str) -> list[str]:
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Indicator, Plan

    with session_scope(database_url) as s:
        return list(s.scalars(select(Plan.name).join(Indicator, Indicator.plan_id == Plan.id).distinct()
                              .order_by(Plan.name)))


def as_of_day(text: str) -> tuple[date | None, str]:
    from domain.display import read_vn_date

    if not text:
        return None, ""
    day = read_vn_date(text)
    return day, "" if day else "Nhập ngày dạng ngày/tháng/năm, ví dụ 31/03/2026."
