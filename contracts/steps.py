"""A task step's messages and its store record in one local activity (``task_step``,
activities/task_step.py; the workflow's patch ``step-in-one``).

Before it, one reminder cost the worker a recipients lookup, one ``deliver`` per
recipient and a ``task_record``, each a local activity whose answer woke the workflow
again: four activations and their payloads per reminder. Now the workflow sends what
only it knows (the step, the template's context, the record's state) and the activity
does the rest -- recipients, each message, the record -- and answers a count. Names and
channels are looked up at send time, so history still holds keys only.
"""

from dataclasses import dataclass, field
from datetime import datetime

from contracts.tasks import CycleInfo, CycleRequest, PlanRequest, PlanResult, TaskSpec

__all__ = ["StepRecord", "StepSend", "TaskBegin", "TaskBegun"]


@dataclass
class StepRecord:
    """The store write after the step's messages: TaskProjection's fields but the task
    (StepSend.task); the activity adds the deliveries to ``event_data``."""
    status: str
    event_kind: str
    event_key: str
    event_at: datetime
    event_data: dict = field(default_factory=dict)
    level: int = 0
    result: str | None = None
    completed_on: str | None = None
    evidence: dict | None = None
    cycle: CycleInfo | None = None


@dataclass
class StepSend:
    task: TaskSpec
    cycle: str                               # the period ("" for a one-off task)
    step: str                                # the step's id, as the delivery log keys it
    kind: str                                # template kind
    levels: list[str]                        # who: unit, lead, supervisors
    context: dict = field(default_factory=dict)   # the template's context but the recipients' names
    link_levels: list[str] = field(default_factory=list)  # these levels' messages carry a link
    link_valid_from: str | None = None       # ISO: the link's life starts here (or at the send)
    list_notified: bool = True               # add ``notified`` (everyone told) to the context
    record: StepRecord | None = None         # the timeline event written after the messages


@dataclass
class TaskBegin:
    """A new task's first steps in one local activity (``task_begin``, patch
    ``begin-in-one``): its cycle (or its one deadline), the ``task_assigned`` record,
    and the first plan of its ladder -- three local activities and four workflow
    activations per start before it. The activity fills in what follows from the
    cycle: the plan's due day and instant, the record's cycle, event key and due."""
    task: TaskSpec
    cycle: CycleRequest
    plan: PlanRequest                        # its due and due_at are the cycle's
    record: StepRecord                       # event_key: "started", the cycle's period put before it


@dataclass
class TaskBegun:
    cycle: CycleInfo
    plan: PlanResult
