"""A task step's messages and its store record in one local activity (``task_step``,
activities/task_step.py; the workflow's patch ``step-in-one``).

Before it, one reminder cost the worker a recipients lookup, one ``deliver`` per
recipient and a ``task_record``, each a local activity whose answer woke the workflow
again: four activations and their payloads per reminder. Now the workflow sends what
only it knows (the step, the template's context, the record's state) and the activity
does the rest -- recipients, each message, the record -- and answers a count. Names and
channels are looked up at send time, so history still holds keys only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from contracts.tasks import CycleInfo, TaskSpec

__all__ = ["StepRecord", "StepSend"]


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
