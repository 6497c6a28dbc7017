"""The data crossing the parent task workflow's boundary (workflows/task_group.py): its
input and carried state, the roll-up it reads from the store, the escalation it sends.

A parent is a task led by a group of units (one child task per member unit) or a task
a lower level turned into its own plan (``import --under``). Nobody confirms it: it
completes when every child has, and it runs one escalation ladder for the lead
official and the supervisors naming the overdue units, instead of one per child.
Like contracts/tasks.py, no I/O; history holds keys, never names or channels.
"""

from dataclasses import dataclass, field
from datetime import datetime

from contracts.tasks import CycleInfo, StepPlan, TaskSpec, UpdateAnswer
from domain.policy import LadderPolicy, RecurringPolicy

__all__ = ["ParentCarry", "ParentInput", "RollupRequest", "RollupResult", "GroupStepSend", "ChildrenCancel"]


@dataclass
class ParentCarry:
    status: str = "open"                     # open | completed | cancelled
    result: str | None = None                # the worst of the children's
    completed_on: str | None = None          # ISO: the last child's completion day
    revision: int = 0                        # deadline changes; names the steps anew
    cycle: CycleInfo | None = None
    recent_cycles: list[CycleInfo] = field(default_factory=list)
    planned: bool = False
    steps: list[StepPlan] = field(default_factory=list)   # the parent's ladder: lead and supervisors only
    last_planned: str | None = None
    level: int = 0                           # 1 the lead official, 2 the supervisors (reached)
    reached: list[str] = field(default_factory=list)      # levels told: they hear of the completion
    answers: dict[str, UpdateAnswer] = field(default_factory=dict)
    polls: int = 0                           # store reads this run (continue-as-new bound)
    rollup: dict = field(default_factory=dict)            # the last counts read (the status query)


@dataclass
class ParentInput:
    task: TaskSpec
    ladder: LadderPolicy | None = None       # one-off: the policy copied at assignment, unit level removed
    recurring: RecurringPolicy | None = None  # recurring: likewise
    poll_seconds: int = 3600                 # how often the children's state is read between steps
    carry: ParentCarry | None = None         # set by continue-as-new


@dataclass
class RollupRequest:
    task_id: str
    now: datetime
    period: str = ""                         # a recurring parent: its current report period


@dataclass
class RollupResult:
    total: int = 0
    completed: int = 0
    on_time: int = 0
    late: int = 0
    open: int = 0
    overdue: int = 0
    overdue_units: list[str] = field(default_factory=list)   # unit keys
    result: str | None = None                # the worst result once all have completed
    completed_on: str | None = None          # ISO day, then

    @property
    def done(self) -> bool:
        return self.total > 0 and self.open == 0

    def counts(self) -> dict:
        return {"total": self.total, "completed": self.completed, "on_time": self.on_time, "late": self.late,
                "open": self.open, "overdue": self.overdue}


@dataclass
class GroupStepSend:
    """One escalation of the parent: the step's levels (lead, supervisors), the overdue
    units it names (keys; the activity words them), the store record after it."""
    task: TaskSpec
    cycle: str
    step: str
    kind: str                                # group_escalation | group_completed
    levels: list[str]
    units: list[str] = field(default_factory=list)   # overdue units (escalation) or every child's unit
    context: dict = field(default_factory=dict)
    event_kind: str = ""
    event_key: str = ""
    event_at: datetime | None = None
    event_data: dict = field(default_factory=dict)
    status: str = "open"
    result: str | None = None
    completed_on: str | None = None
    level: int = 0
    record_cycle: CycleInfo | None = None


@dataclass
class ChildrenCancel:
    """A cancelled parent cancels its open children, each with a notice (their own cancel update)."""
    task_id: str
    key: str
    reason: str
    cancelled_by: str = ""
