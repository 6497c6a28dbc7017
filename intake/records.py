"""What an import produces: task and indicator records, problems, the result.

Records keep the raw cell text beside the cleaned values so a user can always see
what the document said, and `row` so every problem points at a place in the file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from domain.deadlines import Deadline
from domain.targets import Target

Severity = Literal["error", "warning"]


@dataclass
class TaskRecord:
    stt: str
    section: str
    title: str
    lead_units: list[str]              # unit keys when matched; the cleaned text when not
    lead_units_raw: list[str]          # the cleaned names as split from the cell
    coordinating_units: list[str]
    lead_official: str | None          # official key when matched, else the name as written
    advisers: list[str]
    output: str
    deadline: Deadline
    status: Literal["open", "completed"] = "open"
    completed_on: date | None = None
    result_raw: str = ""
    notes: str = ""
    row: int = 0                       # 1-based line (text) or row (sheet/table) in the source
    raw: dict[str, str] = field(default_factory=dict)
    unassigned: bool = False           # no lead unit matched: the standing office holds it
    co_leads: list[str] = field(default_factory=list)  # further officials named as leads

    def to_dict(self) -> dict[str, Any]:
        return {
            "stt": self.stt,
            "section": self.section,
            "title": self.title,
            "lead_units": list(self.lead_units),
            "coordinating_units": list(self.coordinating_units),
            "lead_official": self.lead_official,
            "advisers": list(self.advisers),
            "output": self.output,
            "deadline": self.deadline.to_dict(),
            "status": self.status,
            "notes": self.notes,
        }


@dataclass
class IndicatorRecord:
    stt: str
    name: str
    target: Target
    responsible: list[str]
    result: str = ""
    row: int = 0
    raw: dict[str, str] = field(default_factory=dict)
    section: str = ""
    notes: str = ""
    result_as_of: str = ""      # ISO day the result column's header names, "" when it names none
    target_year: int = 0        # the year the target column's header names ("Chỉ tiêu năm 2026"), 0 when none

    def to_dict(self) -> dict[str, Any]:
        return {
            "stt": self.stt,
            "name": self.name,
            "target": self.target.to_dict(),
            "responsible": list(self.responsible),
            "result": self.result,
        }


@dataclass
class Problem:
    row: int | None                    # in a PDF: the row of the table on its page
    stt: str | None
    severity: Severity
    message: str
    page: int | None = None            # the page, for a PDF

    def to_dict(self) -> dict[str, Any]:
        out = {"row": self.row, "stt": self.stt, "severity": self.severity, "message": self.message}
        if self.page is not None:
            out["page"] = self.page
        return out


@dataclass
class ImportResult:
    plan: str
    tasks: list[TaskRecord] = field(default_factory=list)
    indicators: list[IndicatorRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """The shape `./dondoc import --dry-run --json` prints."""
        return {
            "plan": self.plan,
            "tasks": [t.to_dict() for t in self.tasks],
            "indicators": [i.to_dict() for i in self.indicators],
            "problems": [p.to_dict() for p in self.problems],
        }


class IntakeError(Exception):
    """Nothing importable (unreadable file, no task table). The message, in
    Vietnamese, says why."""
