"""The rows the reports read: store models or these plain dataclasses (anything with
the same attributes will do; the reports only read attributes)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Mapping

__all__ = ["TaskRow", "CycleRow", "IncidentRow", "DeliveryRow", "IndicatorRow"]


@dataclass(frozen=True)
class TaskRow:
    id: str
    title: str
    plan: str = ""
    stt: str = ""
    section: str = ""
    lead_units: tuple[str, ...] = ()
    lead_official: str | None = None
    due: date | None = None
    deadline_kind: str = "unknown"          # once | recurring | unknown
    deadline_raw: str = ""
    every: str | None = None                # month | year (recurring)
    status: str = "open"                    # open | completed | cancelled
    result: str | None = None
    completed_on: date | None = None
    evidence: Mapping[str, Any] | None = None
    coordinating_units: tuple[str, ...] = ()
    output: str = ""
    notes: str = ""
    seen_at: datetime | None = None         # a reminder acknowledged in Zalo ("đã nhận"), latest
    parent_id: str | None = None            # a group task's unit task, or a task of a plan under another


@dataclass(frozen=True)
class CycleRow:
    task_id: str
    period: str
    due: date | None
    status: str = "open"                    # open | reported | missed
    result: str | None = None
    reported_on: date | None = None


@dataclass(frozen=True)
class IncidentRow:
    id: str
    unit: str
    title: str
    detected_at: datetime
    due_at: datetime
    status: str = "open"
    severity: str = ""
    result: str | None = None
    reported_at: datetime | None = None


@dataclass(frozen=True)
class DeliveryRow:
    subject_id: str
    step: str
    recipient: str
    channel: str
    status: str
    created_at: datetime
    cycle: str = ""
    error: str = ""
    key: str = ""


@dataclass(frozen=True)
class IndicatorRow:
    stt: str
    name: str
    target: Mapping[str, Any] = field(default_factory=dict)
    responsible: tuple[str, ...] = ()
    result: str = ""
    plan: str = ""
    as_of: date | None = None               # the day the result describes (None: the imported column, undated)
