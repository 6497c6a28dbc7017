"""The task workflow's lookups for the standing office's review (workflows/task_review.py),
each pure or read-only and run as a local activity, its answer recorded in history:

  - ``task_judge``: the moment a confirmation is judged by (domain/review.py: the
    document's date of issue within the grace window, else the arrival) under the
    working calendar and the configuration as they are now; whether this deployment
    reviews confirmations, and when a review waiting from now reminds the office;
  - ``task_review_wait``: the next reminder of a review still waiting;
  - ``task_review_recipients``: the people a review notice reaches (the one rule,
    domain/recipients.py), by key, with the channel groups each has (a returned
    result is told on chat and by email both).

Registered with the task activities (activities/tasks.py ``TaskActivities.activities``).
"""
from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from temporalio import activity

from contracts.reviews import (
    JudgeRequest, Judgement, ReviewRecipients, ReviewRecipientsRequest, ReviewWait, ReviewWaitRequest,
)
from domain.calendar import WorkingCalendar
from domain.recipients import channel_group, keys_only, resolve
from domain.review import ReviewPolicy, judge, remind_at
from store.people_channels import people_directory


def judgement(cal: WorkingCalendar, policy: ReviewPolicy, req: JudgeRequest) -> Judgement:
    judged_by, judged_on = judge(cal, policy, date.fromisoformat(req.issued_on), req.arrived_at)
    return Judgement(judged_by, judged_on.isoformat(), review=policy.enabled,
                     remind_at=remind_at(cal, policy, req.arrived_at) if policy.enabled else None,
                     grace_days=policy.grace_days)


def review_recipients(directory, req: ReviewRecipientsRequest) -> ReviewRecipients:
    found = resolve(directory, list(req.lead_units), list(req.levels), official=req.lead_official,
                    unknown_unit="standing_office")
    groups = {r.key: sorted({channel_group(t) for t in r.targets}) for r in found.recipients}
    units = [directory.unit(k) for k in req.lead_units]
    names = [u.name if u is not None else k for u, k in zip(units, req.lead_units)]
    return ReviewRecipients([keys_only(r) for r in found.recipients], groups, names)


class TaskReviewActivities:
    """The review lookups, reading the configuration through the task activities
    (``owner``: a TaskActivities, with ``config()``, ``calendar()`` and ``database_url``)."""

    def __init__(self, owner: Any) -> None:
        self.owner = owner

    def _policy(self) -> ReviewPolicy:
        return getattr(self.owner.config(), "review", ReviewPolicy())

    @activity.defn(name="task_judge")
    async def judge(self, req: JudgeRequest) -> Judgement:
        return judgement(self.owner.calendar(), self._policy(), req)

    @activity.defn(name="task_review_wait")
    async def wait(self, req: ReviewWaitRequest) -> ReviewWait:
        return ReviewWait(remind_at(self.owner.calendar(), self._policy(), req.since))

    @activity.defn(name="task_review_recipients")
    async def recipients(self, req: ReviewRecipientsRequest) -> ReviewRecipients:
        directory = await asyncio.to_thread(people_directory, self.owner.database_url, self.owner.config())
        return review_recipients(directory, req)

    def activities(self) -> list:
        return [self.judge, self.wait, self.recipients]
