"""The data crossing the task workflow's boundary: one dataclass in and out of the
workflow, each update, the query and each activity.

Kept out of workflows/ on purpose: the workflow sandbox re-imports workflow modules
with a restricted ``datetime``, which the payload converter cannot use as a field
type, so the workflow imports this module passed through. It imports nothing with I/O.

Dates that name a day travel as ISO text ("2026-06-30"); instants as aware UTC
datetimes. The web app and the CLI may send updates as plain dicts with these
field names (unknown keys are ignored by the converter).
"""

from dataclasses import dataclass, field
from datetime import datetime

from contracts.delivery import Recipient
from contracts.reviews import ReviewCarry
from domain.policy import LadderPolicy, RecurringPolicy

__all__ = [
    "TaskSpec", "CycleInfo", "StepPlan", "TaskCarry", "TaskInput", "ConfirmInput", "ExtendInput",
    "AmendInput", "CancelInput", "ResendInput", "UpdateAnswer", "TaskStatus", "PlanRequest", "PlanResult",
    "CycleRequest", "RecipientsRequest", "TaskRecipients", "TaskProjection", "Recipient",
]


# -- the task ----------------------------------------------------------------

@dataclass
class TaskSpec:
    """What the task is, as the store row says at start (or after an amendment)."""
    id: str                                  # = workflow id (domain.identity.task_workflow_id)
    title: str
    lead_units: list[str] = field(default_factory=list)   # unit keys; unknown text → standing office
    lead_official: str | None = None         # official key (or name as written)
    plan: str = ""
    stt: str = ""
    output: str = ""
    deadline_raw: str = ""
    deadline_kind: str = "once"              # once | recurring
    due: str | None = None                   # ISO date: the day the deadline names
    due_at: datetime | None = None           # an exact instant (drills, --due with a time)
    every: str | None = None                 # month | year (recurring)


@dataclass
class CycleInfo:
    """One report period of a recurring task, or the one deadline of a one-off."""
    period: str                              # "2026-05" | "2026" | "c3"; "" for a one-off task
    index: int
    due: str                                 # ISO date (Vietnam)
    due_at: datetime                         # the instant it falls due
    status: str = "open"                     # open | reported | missed
    result: str | None = None                # early | on_time | late
    reported_on: str | None = None           # ISO date (Vietnam)
    evidence: dict | None = None
    first_key: str | None = None             # the confirmation that counted


@dataclass
class StepPlan:
    name: str                                # before-7 | due | after-1 | repeat-4 | assigned
    at: datetime
    levels: list[str]
    kind: str                                # assigned | reminder | escalation | cycle_*
    days: int = 0                            # working days left (> 0), 0 on the day, late (< 0)
    context: dict = field(default_factory=dict)   # extra template context (amended notices)


@dataclass
class UpdateAnswer:
    task_id: str
    action: str                              # confirm | extend | amend | cancel | resend_link
    first: bool = True                       # False: another key after the first counted; nothing changed
    status: str = "open"                     # open | completed | cancelled (the task)
    result: str | None = None                # early | on_time | late (the task or the cycle)
    completed_on: str | None = None
    cycle: str = ""
    due: str | None = None
    due_at: datetime | None = None
    evidence: dict | None = None
    message: str = ""


@dataclass
class TaskCarry:
    """The state one run hands the next through continue-as-new."""
    status: str = "open"
    result: str | None = None
    completed_on: str | None = None
    evidence: dict | None = None
    revision: int = 0                        # deadline changes (extend/amend); names the steps anew
    cycle: CycleInfo | None = None
    recent_cycles: list[CycleInfo] = field(default_factory=list)   # closed, newest last (bounded)
    planned: bool = False                    # the current cycle's ladder has been planned
    steps: list[StepPlan] = field(default_factory=list)            # planned, not yet sent
    last_planned: str | None = None          # the last ladder step planned (lazy repeats follow it)
    steps_sent: int = 0
    level: int = 0                           # 0 unit, 1 lead official, 2 supervisors
    reached: list[str] = field(default_factory=list)   # levels told in this cycle (completion notice)
    answers: dict[str, UpdateAnswer] = field(default_factory=dict)  # update key → answer (bounded)
    unwritten: list[str] = field(default_factory=list)  # periods whose late report awaits the store
    resends: int = 0                         # links resent this cycle (names the steps resend-N)
    difficulty: str = ""                     # the difficulty the unit reported last (told once; "" cleared)
    review: ReviewCarry | None = None        # the standing office's review (contracts/reviews.py)


@dataclass
class TaskInput:
    task: TaskSpec
    ladder: LadderPolicy | None = None       # one-off tasks: the policy copied at assignment
    recurring: RecurringPolicy | None = None  # recurring tasks: the policy copied at assignment
    carry: TaskCarry | None = None           # set by continue-as-new
    assigned_at: datetime | None = None      # default: the first run's workflow.now()


# -- updates -----------------------------------------------------------------

@dataclass
class ConfirmInput:
    key: str                                 # idempotency key (kept in workflow state)
    document_number: str                     # số ký hiệu văn bản
    issued_on: str                           # ngày ban hành, ISO date
    summary: str                             # trích yếu nội dung
    link: str = ""
    note: str = ""
    confirmed_by: str = ""                   # recipient key from the signed link, "cli", "api:<user>"
    cycle: str = ""                          # the report period (recurring); "" = the current one
    recorded_by: str = ""                    # the dashboard account recording a completion received on paper


@dataclass
class ExtendInput:
    key: str
    new_due: str                             # ISO date
    reason: str
    approved_by: str
    cycle: str = ""
    new_due_at: datetime | None = None       # drills: an exact instant instead of a day


@dataclass
class AmendInput:
    """A re-import changed the row, or the standing office reassigned the task or moved
    its deadline from the dashboard: only the fields given change."""
    key: str
    title: str | None = None
    lead_units: list[str] | None = None
    lead_official: str | None = None
    output: str | None = None
    due: str | None = None
    due_at: datetime | None = None
    reason: str = ""                         # a decision: its summary (trích yếu)
    actor: str = ""                          # the dashboard account that made the change ("" = a re-import)
    decision_number: str = ""                # the document deciding a new deadline (số ký hiệu) …
    decision_date: str = ""                  # … its date of issue (ISO) …
    decided_by: str = ""                     # … and who decided (a person or body, as written)


@dataclass
class CancelInput:
    key: str
    reason: str
    cancelled_by: str = ""                   # the account (dashboard, API) that cancelled


@dataclass
class ResendInput:
    """Send the unit its confirmation link again, now (the dashboard's "gửi lại")."""
    key: str
    actor: str = ""                          # the dashboard account that asked


@dataclass
class TaskStatus:
    id: str
    title: str
    kind: str                                # once | recurring
    status: str
    result: str | None
    level: int
    due: str | None
    due_at: datetime | None
    cycle: CycleInfo | None
    recent_cycles: list[CycleInfo]
    revision: int
    steps_sent: int
    next_step: str | None
    next_at: datetime | None
    reached: list[str]


# -- activities --------------------------------------------------------------

@dataclass
class PlanRequest:
    task_id: str
    mode: str                                # start | replan | more
    due: str                                 # ISO date
    due_at: datetime
    now: datetime
    ladder: LadderPolicy | None = None
    recurring: RecurringPolicy | None = None
    after: str | None = None                 # mode "more": the last step planned
    repeats: int = 3


@dataclass
class PlanResult:
    steps: list[StepPlan]
    notice_at: datetime                      # when a notice "now" may go out (office hours)


@dataclass
class CycleRequest:
    task_id: str
    every: str | None
    recurring: RecurringPolicy | None        # None: a one-off task's deadline
    now: datetime
    previous: CycleInfo | None = None
    due: str | None = None                   # a one-off: its deadline day …
    due_at: datetime | None = None           # … or instant → CycleInfo("")


@dataclass
class RecipientsRequest:
    task_id: str
    lead_units: list[str]
    lead_official: str | None
    levels: list[str]


@dataclass
class TaskRecipients:
    recipients: list[Recipient]
    missing: list[str] = field(default_factory=list)
    standing_office: Recipient | None = None


@dataclass
class TaskProjection:
    """One write to the store: the task row's state, its cycle, one timeline event."""
    task: TaskSpec
    status: str
    result: str | None = None
    completed_on: str | None = None
    evidence: dict | None = None
    level: int = 0
    cycle: CycleInfo | None = None
    event_kind: str = ""
    event_key: str = ""                      # idempotency: a retried activity logs once
    event_at: datetime | None = None         # workflow time of the event
    event_data: dict = field(default_factory=dict)
