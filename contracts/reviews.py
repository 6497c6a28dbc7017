"""The data of the standing office's review of a task's result, crossing the task
workflow's boundary (workflows/task_review.py): the ``review`` update, the review
state carried through continue-as-new, and the activities that judge a confirmation
(``task_judge``), time the office's reminder (``task_review_wait``) and name the
people a review notice reaches with their channel groups (``task_review_recipients``).

Imports nothing with I/O (see contracts/tasks.py). Dates that name a day are ISO text,
instants aware UTC datetimes.
"""

from dataclasses import dataclass, field
from datetime import datetime

from domain.recipients import Recipient

__all__ = ["ReviewInput", "PendingReview", "ReviewCarry", "JudgeRequest", "Judgement", "ReviewWaitRequest",
           "ReviewWait", "ReviewRecipientsRequest", "ReviewRecipients"]


@dataclass
class ReviewInput:
    """The standing office accepts a confirmation awaiting review, or returns it."""
    key: str                                 # idempotency key (kept in workflow state)
    decision: str                            # accept | return
    reason: str = ""                         # why it is returned (required to return)
    reviewer: str = ""                       # the account (dashboard, "cli")


@dataclass
class PendingReview:
    """One confirmation awaiting review (or just decided, until the run has told everyone)."""
    round: int                               # 1, 2, ... per task: names its steps and events
    key: str                                 # the confirmation's key
    evidence: dict                           # as confirmed, with judged_by, judged_on, confirmed_at
    judged_by: str                           # issued_on | arrival
    judged_on: str                           # ISO day the result is judged by
    arrived_at: datetime                     # when the confirmation reached the workflow
    remind_at: datetime | None = None        # the next reminder to the standing office
    reminders: int = 0
    announced: bool = False                  # on the timeline (the run writes it)
    decision: str = ""                       # accepted | returned
    by: str = ""
    reason: str = ""
    decided_at: datetime | None = None


@dataclass
class ReviewCarry:
    round: int = 0                           # confirmations reviewed so far (names the next)
    pending: PendingReview | None = None     # awaiting the office
    decided: list[PendingReview] = field(default_factory=list)  # decided, not yet on the timeline


@dataclass
class JudgeRequest:
    task_id: str
    issued_on: str                           # the cited document's date of issue (ISO)
    arrived_at: datetime


@dataclass
class Judgement:
    judged_by: str                           # issued_on | arrival
    judged_on: str                           # ISO day the result is judged by
    review: bool = False                     # the deployment reviews confirmations
    remind_at: datetime | None = None        # when a review waiting from now reminds the office
    grace_days: int = 0


@dataclass
class ReviewWaitRequest:
    task_id: str
    since: datetime


@dataclass
class ReviewWait:
    at: datetime


@dataclass
class ReviewRecipientsRequest:
    task_id: str
    lead_units: list[str]
    lead_official: str | None
    levels: list[str]


@dataclass
class ReviewRecipients:
    """Keys only (history holds no channel) and the channel groups each has."""
    recipients: list[Recipient]
    groups: dict[str, list[str]] = field(default_factory=dict)   # recipient key → ["chat", "email"]
    unit_names: list[str] = field(default_factory=list)          # the task's lead units, by name
