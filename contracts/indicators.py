"""The data crossing the indicator workflow's boundary: its input, the ``report``
update and its answer, the query, and the indicator's own activities (the cycle,
plan and recipient lookups and the delivery are the task workflow's, in
contracts/tasks.py and contracts/delivery.py).

Dates that name a day travel as ISO text; instants as aware UTC datetimes. History
holds keys and the indicator's own words (name, target), never a channel or a link.
"""

from dataclasses import dataclass, field
from datetime import datetime

from contracts.tasks import CycleInfo, StepPlan
from domain.policy import RecurringPolicy

__all__ = ["IndicatorSpec", "IndicatorCarry", "IndicatorInput", "ReportValueInput", "ValueAnswer",
           "IndicatorStatus", "RecordValueRequest", "RecordValueResult", "IndicatorRecord", "YearRequest",
           "YearResult", "SpecRequest", "CycleInfo", "StepPlan"]


@dataclass
class IndicatorSpec:
    id: str                                  # = workflow id (domain.identity.indicator_workflow_id)
    plan: str
    stt: str
    name: str
    target: str = ""                         # the target as the plan writes it ("≥80%")
    units: list[str] = field(default_factory=list)   # responsible unit keys; unknown text → standing office
    every: str = "month"                     # month | year
    year: int = 0                            # the year the target is for: judged at its end
    reported_through: str = ""               # ISO day of the latest value known at start (the import's)


@dataclass
class ValueAnswer:
    indicator_id: str
    first: bool = True                       # False: this key was answered before; nothing new recorded
    status: str = "no_data"                  # met | not_met | no_data | unclear (the value, judged)
    reason: str = ""                         # why unclear, in Vietnamese
    value: str = ""
    as_of: str = ""
    cycle: str = ""                          # the cycle it closed ("" when it closed none)
    message: str = ""


@dataclass
class IndicatorCarry:
    """What one run (one cycle) hands the next through continue-as-new."""
    cycle: CycleInfo | None = None
    planned: bool = False
    steps: list[StepPlan] = field(default_factory=list)
    steps_sent: int = 0
    level: int = 0                           # 0 unit, 1 lead official, 2 supervisors (this cycle)
    answers: dict[str, ValueAnswer] = field(default_factory=dict)   # report key → answer (bounded)
    cycles_reported: int = 0
    cycles_missed: int = 0
    unapplied: str = ""                      # ISO day of a value that closed no cycle (kept for the next)
    year_status: str = ""                    # met | not_met | no_data | unclear, once the year is judged


@dataclass
class IndicatorInput:
    indicator: IndicatorSpec
    policy: RecurringPolicy                  # the recurring ladder, copied at start
    carry: IndicatorCarry | None = None


@dataclass
class ReportValueInput:
    key: str                                 # idempotency key (kept in workflow state and the store)
    value: str                               # "85%", "Đạt 97%", "Đang triển khai (khoảng 70 %)"
    as_of: str                               # ISO day the figure describes
    source: str = ""                         # nguồn số liệu / văn bản
    note: str = ""
    reported_by: str = ""                    # recipient key from the signed link, "cli", "api:<user>"
    cycle: str = ""                          # the cycle the link was for ("" = the open one)


@dataclass
class IndicatorStatus:
    id: str
    name: str
    period: str
    due: str
    cycle_status: str                        # open | reported | missed
    level: int
    steps_sent: int
    next_step: str | None
    next_at: datetime | None
    cycles_reported: int
    cycles_missed: int
    year: int
    year_status: str


# -- activities ------------------------------------------------------------------

@dataclass
class SpecRequest:
    spec: IndicatorSpec                      # the spec as the run knows it: refreshed from the store


@dataclass
class RecordValueRequest:
    indicator_id: str
    key: str
    value: str
    as_of: str
    reported_at: datetime
    source: str = ""
    note: str = ""
    reported_by: str = ""
    cycle: str = ""


@dataclass
class RecordValueResult:
    status: str
    reason: str = ""
    first: bool = True                       # False: the key was in the store already


@dataclass
class IndicatorRecord:
    """One timeline event of an indicator (store.models.Event), idempotent by key."""
    indicator_id: str
    kind: str
    key: str
    at: datetime
    data: dict = field(default_factory=dict)


@dataclass
class YearRequest:
    indicator_id: str
    year: int
    at: datetime


@dataclass
class YearResult:
    status: str
    value: str = ""
    as_of: str = ""
    reason: str = ""
