"""What the reports say of the units' progress reports (the task workflow's ``progress``
update, stored as ``task_progress`` events) and of the standing office's review.

Pure, like the other builders: rows in, a dict out (``data["progress"]`` of the daily
report and of the period summary).

Definitions:

* **awaiting_review** / **returned**: tasks whose store status is ``awaiting_review``
  (a confirmation the standing office has not yet accepted) or ``returned`` (sent back:
  not done). Counted beside the totals, not in them: such a task is open for every
  other figure (domain.report_common.task_state), so the totals keep adding up.
* **open tasks**: not cancelled and not completed as of the report's day (task_state).
* **with_difficulty**: open tasks whose latest progress report (as of the moment) names
  a difficulty; a later report with none clears it, and a task that closes leaves the
  list. Each is listed with its lead units.
* **open_with_progress** / **open_without_progress**: the open one-off and recurring
  tasks with / without any progress report; **average_percent** the mean of the latest
  percents of the first (None when there are none).
* The period summary's paragraphs ("Khó khăn, vướng mắc", "Đề xuất, kiến nghị") are
  written from the reports recorded within the period (Vietnamese days), grouped by
  the task's first lead unit as the quarterly reports write them: each unit once, its
  tasks under it, each distinct text once.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Mapping

from domain.report_common import COMPLETED_STATES, known_state, local_day, stt_key, task_ref, units
from domain.text import ascii_fold

__all__ = ["ProgressRow", "REVIEW_STATUSES", "NO_UNIT", "daily_progress", "period_progress", "progress_counts",
           "difficulty_prose", "proposal_prose"]

REVIEW_STATUSES = ("awaiting_review", "returned")
NO_UNIT = "(chưa xác định đơn vị)"


@dataclass(frozen=True)
class ProgressRow:
    """One progress report of a task (a ``task_progress`` event)."""
    task_id: str
    at: datetime
    percent: int | None = None
    note: str = ""
    difficulty: str = ""
    proposal: str = ""
    by: str = ""
    cycle: str = ""


def _is_open(task: Any, today: date, states: Mapping[str, str]) -> bool:
    state = known_state(task, today, states)
    return state != "cancelled" and state not in COMPLETED_STATES


def progress_counts(tasks: Iterable[Any], latest: Mapping[str, ProgressRow], as_of: datetime,
                    unit_names: Mapping[str, str] | None = None,
                    states: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The counts and lists of the daily report's progress part (module docstring);
    ``states``: task_state by task id where the report already has it."""
    unit_names, states = unit_names or {}, states or {}
    today = local_day(as_of)
    review: Counter[str] = Counter()
    reported, difficulties, without = [], [], 0
    for t in tasks:
        if getattr(t, "status", "open") in REVIEW_STATUSES:
            review[t.status] += 1
        if not _is_open(t, today, states):
            continue
        row = latest.get(t.id)
        if row is None or row.at > as_of:
            without += 1
            continue
        ref = task_ref(t, unit_names)
        ref.update(percent=row.percent, at=row.at.isoformat(), by=row.by)
        reported.append(ref)
        if row.difficulty:
            difficulties.append(dict(ref, difficulty=row.difficulty, proposal=row.proposal))
    percents = [r["percent"] for r in reported if isinstance(r["percent"], int)]
    counts = {"awaiting_review": review["awaiting_review"], "returned": review["returned"],
              "with_difficulty": len(difficulties), "open_with_progress": len(reported),
              "open_without_progress": without,
              "average_percent": round(sum(percents) / len(percents)) if percents else None}
    return {"counts": counts, "difficulties": sorted(difficulties, key=_unit_order),
            "open_progress": sorted(reported, key=lambda r: (r["percent"] if r["percent"] is not None else -1,
                                                              r["plan"], stt_key(r["stt"])))}


def _unit_order(ref: dict[str, Any]) -> tuple:
    """By the first lead unit's name, tasks without a unit last."""
    names = ref["lead_unit_names"]
    return not names, ascii_fold(names[0] if names else ""), ref["plan"], stt_key(ref["stt"])


def daily_progress(tasks: Iterable[Any], latest: Mapping[str, ProgressRow], as_of: datetime,
                   unit_names: Mapping[str, str] | None = None,
                   states: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``data["progress"]`` of the daily report (``states``: progress_counts')."""
    return progress_counts(tasks, latest, as_of, unit_names, states)


# -- the period summary's paragraphs ------------------------------------------------------

def _sentence(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".;:!?…" else text + "."


def _add_text(texts: list[str], text: str) -> None:
    """A text once: one that a later report restates at more length gives way to it."""
    folded = ascii_fold(text.rstrip(".;:!?…"))
    if any(folded in ascii_fold(t) for t in texts):
        return
    texts[:] = [t for t in texts if ascii_fold(t.rstrip(".;:!?…")) not in folded] + [text]


def _by_unit(tasks: Mapping[str, Any], rows: Iterable[ProgressRow], field: str,
             unit_names: Mapping[str, str]) -> list[dict[str, Any]]:
    """[{unit, name, tasks: [{title, stt, plan, texts}]}], units in name order, each
    distinct text of a task once, in the order reported (a text a later report restates
    at more length gives way to the longer one)."""
    groups: dict[str, dict[str, list[str]]] = {}
    for row in sorted(rows, key=lambda r: r.at):
        task, text = tasks.get(row.task_id), _sentence(getattr(row, field))
        if task is None or not text:
            continue
        lead = units(getattr(task, "lead_units", ()))
        texts = groups.setdefault(lead[0] if lead else NO_UNIT, {}).setdefault(row.task_id, [])
        _add_text(texts, text)
    out = []
    for unit, by_task in groups.items():
        items = [{"title": tasks[tid].title, "stt": getattr(tasks[tid], "stt", "") or "",
                  "plan": getattr(tasks[tid], "plan", "") or "", "texts": texts} for tid, texts in by_task.items()]
        items.sort(key=lambda i: (i["plan"], stt_key(i["stt"])))
        out.append({"unit": unit, "name": unit_names.get(unit, unit), "tasks": items})
    out.sort(key=lambda g: (g["unit"] == NO_UNIT, ascii_fold(g["name"])))
    return out


def _paragraph(opening: str, empty: str, groups: list[dict[str, Any]]) -> str:
    if not groups:
        return empty
    lines = [opening]
    for g in groups:
        lines.append(f"- {g['name']}:")
        for item in g["tasks"]:
            lines.append(f"+ Nhiệm vụ \"{' '.join(item['title'].split())}\": {' '.join(item['texts'])}")
    return "\n".join(lines)


def difficulty_prose(label: str, groups: list[dict[str, Any]]) -> str:
    """The "khó khăn, vướng mắc" paragraph of the period summary."""
    return _paragraph(f"Bên cạnh những kết quả đạt được, trong {label} các cơ quan, đơn vị báo cáo một số khó "
                      "khăn, vướng mắc cụ thể:",
                      f"Trong {label}, các cơ quan, đơn vị chưa báo cáo khó khăn, vướng mắc.", groups)


def proposal_prose(label: str, groups: list[dict[str, Any]]) -> str:
    """The "đề xuất, kiến nghị" paragraph of the period summary."""
    return _paragraph(f"Trong {label}, các cơ quan, đơn vị đề xuất, kiến nghị:",
                      f"Trong {label}, các cơ quan, đơn vị chưa có đề xuất, kiến nghị.", groups)


def period_progress(tasks: Iterable[Any], rows: Iterable[ProgressRow], start: date, end: date, as_of: datetime,
                    *, label: str, unit_names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``data["progress"]`` of the period summary: the counts as of ``as_of`` (like the
    daily report) and the two paragraphs from the reports recorded in [start, end]."""
    unit_names = unit_names or {}
    tasks = [t for t in tasks if getattr(t, "status", "open") != "cancelled"]
    by_id = {t.id: t for t in tasks}
    rows = [r for r in rows if r.at <= as_of]
    latest: dict[str, ProgressRow] = {}
    for r in sorted(rows, key=lambda r: r.at):
        latest[r.task_id] = r
    within = [r for r in rows if start <= local_day(r.at) <= end]
    difficulties = _by_unit(by_id, within, "difficulty", unit_names)
    proposals = _by_unit(by_id, within, "proposal", unit_names)
    data = progress_counts(tasks, latest, as_of, unit_names)
    data.update(reports=len([r for r in within if r.task_id in by_id]), difficulties_by_unit=difficulties,
                proposals_by_unit=proposals, difficulties_prose=difficulty_prose(label, difficulties),
                proposals_prose=proposal_prose(label, proposals))
    return data
