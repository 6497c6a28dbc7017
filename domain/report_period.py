"""Period (month / quarter) summaries as the quarterly reports write them.

Every figure is the sum of the figures under it, and `period_figures` is that tree:
the CLI's table prints it and the tests check each row against its sub-rows.

`build_period` counts:

* "nhiệm vụ theo tiến độ" (scheduled): one-off tasks due within the period, each in
  one class: *completed on time* = completed by the due day (early + on the due
  day); *completed, moment unknown* (hoàn thành, chưa rõ thời điểm: done, no day,
  no result); *behind schedule* (chậm tiến độ) = completed after the due day, or not
  completed and the due day passed by `as_of`; *in progress* = not completed, due
  day not yet passed at `as_of`. The four make the total.
* "nhiệm vụ triển khai thường xuyên" (recurring): recurring tasks not cancelled;
  their cycles due in the period counted reported on time / late / reported with
  no day / not reported (the four make the cycles due).
* carried over: one-off tasks due before the period, still open at its start;
  completed since + still open make the total.
* indicators: all indicators of the plan(s), each by its latest value describing a day
  up to the period's end (store/indicator_values.indicator_rows), judged by
  domain/indicator_judging: met / not met / no result yet (nothing, or a value a
  person must judge).
Completion is read as of `as_of`, like the daily report.
"""
from __future__ import annotations

import calendar as _calendar
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Iterable, Mapping

from domain.calendar import WorkingCalendar
from domain.report_common import (
    completed_state,
    completion,
    cycle_state,
    local_day,
    stt_key,
    units,
)
from domain.report_indicators import indicator_met

__all__ = ["build_period", "period_bounds", "period_prose", "period_figures", "ROMAN"]

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.I)
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def period_bounds(quarter: str | None = None, month: str | None = None) -> tuple[date, date, str, str]:
    """(first day, last day, key, Vietnamese label) of "2026Q1" or "2026-05"."""
    if quarter:
        m = _QUARTER.match(quarter)
        if not m:
            raise ValueError(f"quý không hợp lệ {quarter!r}: dùng dạng 2026Q1")
        year, q = int(m.group(1)), int(m.group(2))
        start = date(year, 3 * q - 2, 1)
        end = date(year, 3 * q, _calendar.monthrange(year, 3 * q)[1])
        return start, end, f"{year}Q{q}", f"Quý {ROMAN[q]}/{year}"
    if month:
        m = _MONTH.match(month)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError(f"tháng không hợp lệ {month!r}: dùng dạng 2026-05")
        year, mo = int(m.group(1)), int(m.group(2))
        return (date(year, mo, 1), date(year, mo, _calendar.monthrange(year, mo)[1]),
                f"{year}-{mo:02d}", f"Tháng {mo:02d}/{year}")
    raise ValueError("cần --quarter hoặc --month")


@dataclass
class _Split:
    scheduled: list[Any] = field(default_factory=list)   # one-off, due within the period
    recurring: list[Any] = field(default_factory=list)
    carried: list[tuple[Any, bool]] = field(default_factory=list)   # (task, done as of as_of)
    unknown: list[Any] = field(default_factory=list)


def _split(tasks: Iterable[Any], start: date, end: date, today: date) -> _Split:
    out = _Split()
    for t in tasks:
        if t.status == "cancelled":
            continue
        kind = t.deadline_kind
        if kind == "recurring":
            out.recurring.append(t)
        elif kind == "once" and t.due is not None:
            if start <= t.due <= end:
                out.scheduled.append(t)
            elif t.due < start:
                done = completion(t, today)[0]
                if not (done and (t.completed_on is None or t.completed_on < start)):
                    out.carried.append((t, done))
        else:
            out.unknown.append(t)
    return out


def _scheduled_state(t: Any, today: date) -> str:
    """early | on_time | late | unclassified (completed) | overdue | in_progress."""
    done, result = completion(t, today)
    if done:
        return completed_state(result)
    return "overdue" if t.due < today else "in_progress"


def _scheduled(tasks: list[Any], today: date, unit_names: Mapping[str, str]) -> tuple[dict, list]:
    ordered = sorted(tasks, key=lambda t: (t.plan, stt_key(t.stt)))
    states = [_scheduled_state(t, today) for t in ordered]
    n = Counter(states)
    counts = {"total": len(states), "completed_on_time": n["early"] + n["on_time"],
              "completed_early": n["early"], "completed_on_due_day": n["on_time"],
              "behind": n["late"] + n["overdue"], "completed_late": n["late"], "overdue_open": n["overdue"],
              "in_progress": n["in_progress"], "completed_unclassified": n["unclassified"]}
    rows = [_period_row(t, _ROW_STATE.get(s, s), unit_names) for t, s in zip(ordered, states)]
    return counts, rows


_CYCLE_KEYS = {"on_time": "reported_on_time", "late": "reported_late", "undated": "reported_undated",
               "not_reported": "not_reported"}


def _cycles(cycles: Iterable[Any], task_ids: set[str], start: date, end: date, today: date) -> dict[str, int]:
    """The recurring tasks' report cycles due in the period, each in one class."""
    n = Counter(cycle_state(c, today) for c in cycles
                if c.task_id in task_ids and c.due is not None and start <= c.due <= end)
    return {"due": sum(n.values()), **{key: n[state] for state, key in _CYCLE_KEYS.items()}}


def _indicators(indicators: Iterable[Any], unit_names: Mapping[str, str]) -> dict[str, Any]:
    rows, met = [], Counter()
    for i in sorted(indicators, key=lambda i: (getattr(i, "plan", ""), stt_key(i.stt))):
        target = i.target or {}
        ok = indicator_met(target, i.result)
        met[ok] += 1
        rows.append({"stt": i.stt, "name": i.name, "target": target.get("raw", ""),
                     "result": i.result or "", "met": ok,
                     "responsible": [unit_names.get(u, u) for u in units(i.responsible)]})
    return {"total": len(rows), "met": met[True], "not_met": met[False], "pending": met[None], "rows": rows}


def build_period(
    tasks: Iterable[Any],
    start: date,
    end: date,
    as_of: datetime,
    cal: WorkingCalendar,
    *,
    label: str,
    key: str = "",
    cycles: Iterable[Any] = (),
    indicators: Iterable[Any] = (),
    unit_names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Counts for a month or quarter as the quarterly reports write them (each
    figure is defined in this module's docstring)."""
    unit_names = unit_names or {}
    today = local_day(as_of)
    split = _split(tasks, start, end, today)
    scheduled, rows = _scheduled(split.scheduled, today, unit_names)
    carried_done = sum(1 for _, done in split.carried if done)
    data = {
        "kind": "period", "period": key, "label": label,
        "start": start.isoformat(), "end": end.isoformat(),
        "as_of": as_of.astimezone(timezone.utc).isoformat(),
        "indicators": _indicators(indicators, unit_names),
        "scheduled": scheduled,
        "recurring": {"total": len(split.recurring),
                      "cycles": _cycles(cycles, {t.id for t in split.recurring}, start, end, today)},
        "carried_over": {"total": len(split.carried), "completed": carried_done,
                         "open": len(split.carried) - carried_done},
        "unknown_deadline": len(split.unknown),
        "rows": rows,
        "recurring_rows": [_period_row(t, "recurring", unit_names)
                           for t in sorted(split.recurring, key=lambda t: (t.plan, stt_key(t.stt)))],
    }
    data["prose"] = period_prose(data)
    return data


# The row state of a completed task without a known moment stays "completed" (the
# JSON's existing value); its label says what it is.
_ROW_STATE = {"unclassified": "completed"}
_STATE_VI = {"early": "Hoàn thành trước hạn", "on_time": "Hoàn thành đúng hạn", "late": "Hoàn thành quá hạn",
             "completed": "Hoàn thành, chưa rõ thời điểm", "overdue": "Chưa hoàn thành (quá hạn)",
             "in_progress": "Đang thực hiện", "recurring": "Triển khai thường xuyên"}


def _period_row(t: Any, state: str, unit_names: Mapping[str, str]) -> dict[str, Any]:
    ev = dict(getattr(t, "evidence", None) or {})
    return {
        "plan": t.plan, "stt": t.stt, "title": t.title,
        "lead_units": [unit_names.get(u, u) for u in units(t.lead_units)],
        "due": t.due.isoformat() if t.due else None, "deadline_raw": getattr(t, "deadline_raw", "") or "",
        "state": state, "state_vi": _STATE_VI[state],
        "completed_on": t.completed_on.isoformat() if getattr(t, "completed_on", None) else None,
        "document_number": ev.get("document_number", ""), "issued_on": ev.get("issued_on", ""),
        "summary": ev.get("summary", ""),
    }


def period_figures(data: Mapping[str, Any]) -> list[tuple[int, str, int]]:
    """(depth, label, value) rows: each row at depth d+1 under a row at depth d is one
    of its parts, and the parts always sum to it."""
    i, s, r, co = data["indicators"], data["scheduled"], data["recurring"], data["carried_over"]
    c = r["cycles"]
    return [
        (0, "Chỉ tiêu", i["total"]), (1, "Đã đạt", i["met"]), (1, "Chưa đạt", i["not_met"]),
        (1, "Chưa có kết quả", i["pending"]),
        (0, "Nhiệm vụ theo tiến độ", s["total"]),
        (1, "Hoàn thành đúng hạn", s["completed_on_time"]),
        (2, "hoàn thành trước hạn", s["completed_early"]),
        (2, "hoàn thành vào ngày đến hạn", s["completed_on_due_day"]),
        (1, "Hoàn thành, chưa rõ thời điểm", s["completed_unclassified"]),
        (1, "Chậm tiến độ", s["behind"]),
        (2, "hoàn thành quá hạn", s["completed_late"]), (2, "chưa hoàn thành, quá hạn", s["overdue_open"]),
        (1, "Đang thực hiện, chưa đến hạn", s["in_progress"]),
        (0, "Nhiệm vụ triển khai thường xuyên", r["total"]),
        (0, "Kỳ báo cáo thường xuyên đến hạn", c["due"]),
        (1, "Báo cáo đúng hạn", c["reported_on_time"]), (1, "Báo cáo muộn", c["reported_late"]),
        (1, "Đã báo cáo, chưa rõ ngày", c["reported_undated"]), (1, "Chưa báo cáo", c["not_reported"]),
        (0, "Nhiệm vụ chuyển tiếp từ kỳ trước", co["total"]),
        (1, "Đã hoàn thành", co["completed"]), (1, "Chưa hoàn thành", co["open"]),
        (0, "Nhiệm vụ chưa xác định thời hạn", data["unknown_deadline"]),
    ]


def _two(n: int) -> str:
    """Counts as the documents write them: 08, 17, 120 (and 0)."""
    return f"{n:02d}" if n else "0"


def _scheduled_lines(label: str, sch: Mapping[str, int]) -> list[str]:
    """The "+" lines under the scheduled total: together they make it (a part that is
    zero is left out, as the documents do, except the two they always write)."""
    lines = [f"- Tổng số nhiệm vụ được giao trong {label}: {_two(sch['total'])} nhiệm vụ;",
             f"+ Đã hoàn thành đúng hạn: {_two(sch['completed_on_time'])} nhiệm vụ;"]
    if sch["completed_early"]:
        lines.append(f"  (trong đó hoàn thành trước hạn: {_two(sch['completed_early'])} nhiệm vụ)")
    if sch["completed_unclassified"]:
        lines.append(f"+ Hoàn thành, chưa rõ thời điểm: {_two(sch['completed_unclassified'])} nhiệm vụ;")
    lines.append(f"+ Chậm tiến độ: {_two(sch['behind'])} nhiệm vụ.")
    if sch["completed_late"] and sch["overdue_open"]:
        lines.append(f"  (đã hoàn thành quá hạn: {_two(sch['completed_late'])}; "
                     f"chưa hoàn thành: {_two(sch['overdue_open'])})")
    if sch["in_progress"]:
        lines.append(f"+ Đang thực hiện, chưa đến hạn: {_two(sch['in_progress'])} nhiệm vụ.")
    return lines


def _other_lines(data: Mapping[str, Any]) -> list[str]:
    label, rec, lines = data["label"], data["recurring"], []
    cyc = rec["cycles"]
    if rec["total"]:
        undated = (f"đã báo cáo, chưa rõ ngày: {_two(cyc['reported_undated'])}, "
                   if cyc["reported_undated"] else "")
        lines.append(
            f"- Nhiệm vụ triển khai thường xuyên: {_two(rec['total'])} nhiệm vụ; kỳ báo cáo đến hạn trong "
            f"{label}: {_two(cyc['due'])}, đã báo cáo đúng hạn: {_two(cyc['reported_on_time'])}, "
            f"báo cáo muộn: {_two(cyc['reported_late'])}, {undated}chưa báo cáo: {_two(cyc['not_reported'])}.")
    co = data["carried_over"]
    if co["total"]:
        lines.append(f"- Nhiệm vụ chuyển tiếp từ kỳ trước: {_two(co['total'])} nhiệm vụ, "
                     f"đã hoàn thành: {_two(co['completed'])}, chưa hoàn thành: {_two(co['open'])}.")
    if data["unknown_deadline"]:
        lines.append(f"- Nhiệm vụ chưa xác định thời hạn: {_two(data['unknown_deadline'])} nhiệm vụ.")
    return lines


def period_prose(data: Mapping[str, Any]) -> str:
    """The paragraph the quarterly report writes (seed 004, part II.1)."""
    label, ind, sch, rec = data["label"], data["indicators"], data["scheduled"], data["recurring"]
    lines = [
        f"{label} có {_two(ind['total'])} chỉ tiêu, {_two(sch['total'])} nhiệm vụ theo tiến độ và "
        f"{_two(rec['total'])} nhiệm vụ triển khai thường xuyên.",
        f"* Kết quả thực hiện trong {label} như sau:",
        f"- Tổng số chỉ tiêu được giao trong {label}: {_two(ind['total'])} chỉ tiêu;",
        f"+ Đã hoàn thành chỉ tiêu: {_two(ind['met'])}/{_two(ind['total'])} chỉ tiêu.",
    ]
    lines += _scheduled_lines(label, sch)
    lines += _other_lines(data)
    lines.append("(Theo chi tiết phụ lục gửi kèm)")
    return "\n".join(lines)
