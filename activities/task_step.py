"""A task step in one local activity (``task_step``, contracts/steps.py): its
recipients, each message, and the step's store record.

The work is the one the workflow used to order piece by piece -- the same recipients
rule, the same ``deliver_now`` per message (delivery log, retries, the standing office
told), the same projection -- with the directory read once for the step.

Retries and idempotency. A message already sent is found in the delivery log by its
business key and not sent again; the record is keyed by its event. So when anything
fails -- one recipient's channel for now (``DeliveryFailed``), the store write after the
messages went out -- the activity raises, Temporal runs it again, and the second run
sends only what was not sent and writes the record once. A message that cannot be
rendered is recorded failed (not retried), as before. The answer is a count: nothing
of the recipients returns into history.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from temporalio.exceptions import ApplicationError

from activities.channels import with_channels
from contracts.delivery import DeliverRequest, DeliverResult
from contracts.steps import StepSend
from contracts.tasks import TaskProjection
from domain.recipients import keys_only, resolve, standing_recipient
from store.people_channels import people_directory

log = logging.getLogger("dondoc.task_step")

# The threads steps are sent from. asyncio's default pool (to_thread) has cores + 4
# threads -- 6 on 2 cores -- and a step mostly waits (the channel's answer, the store's
# write lock): in a burst of reminders six at a time left the worker idle while they
# queued. A send in flight holds a local-activity slot anyway; this only stops the
# threads from being the narrower limit.
SENDERS = ThreadPoolExecutor(max_workers=32, thread_name_prefix="dondoc-step")


def default_delivery(database_url: str, config_source: Any):
    """The delivery activities as the worker builds them (worker.py), for a caller that
    gave TaskActivities none: settings from the environment."""
    from activities.deliver import DeliveryActivities

    config = config_source() if callable(config_source) else config_source
    return DeliveryActivities(database_url, None, standing_office=standing_recipient(config.directory),
                              max_attempts=config.delivery_attempts, links=config.links, config=config_source)


def step_requests(req: StepSend, directory) -> list[DeliverRequest]:
    """One DeliverRequest per recipient of the step's levels, channels filled in."""
    task = req.task
    found = resolve(directory, list(task.lead_units), list(req.levels), official=task.lead_official,
                    unknown_unit="standing_office")
    recipients = [keys_only(r) for r in found.recipients]
    names: dict[str, Any] = {}
    units = [r.name for r in recipients if r.level == "unit"]
    leads = [r.name for r in recipients if r.level == "lead"]
    if units:
        names["units"] = units
    if leads:
        names["lead_official"] = leads[0]
    if req.list_notified:
        names["notified"] = [r.name for r in recipients]
    context = {**names, **req.context}
    office = keys_only(found.standing_office)
    return [with_channels(DeliverRequest(
        subject_id=task.id, cycle=req.cycle, step=req.step, kind=req.kind, recipient=r, context=dict(context),
        link_purpose="confirm" if r.level in req.link_levels else None,
        link_valid_from=req.link_valid_from if r.level in req.link_levels else None,
        standing_office=office), lambda: directory) for r in recipients]


def _deliver_one(delivery, request: DeliverRequest, attempt: int) -> DeliverResult | ApplicationError:
    """The message's result; a retryable failure is returned (raised after the others)."""
    try:
        return delivery.deliver_now(request, attempt)
    except ApplicationError as err:
        if not err.non_retryable:
            return err
        # Cannot be rendered: recorded failed by deliver_now, never retried.
        return DeliverResult(key=request.recipient.key, status="failed", channel="", attempts=0, error=str(err))


def send_step(delivery, database_url: str, config, req: StepSend, attempt: int,
              record: Callable[[TaskProjection], bool]) -> dict:
    """Send the step's messages and write its record; {"sent": n, "failed": n}."""
    directory = people_directory(database_url, config)
    requests = step_requests(req, directory)
    if len(requests) > 1:  # one step's messages go out side by side, as they always did
        with ThreadPoolExecutor(max_workers=min(8, len(requests))) as pool:
            outcomes = list(pool.map(lambda r: _deliver_one(delivery, r, attempt), requests))
    else:
        outcomes = [_deliver_one(delivery, r, attempt) for r in requests]
    pending = [o for o in outcomes if isinstance(o, ApplicationError)]
    if pending:  # what was sent stays sent: the next attempt sends the rest
        raise ApplicationError("; ".join(str(e) for e in pending), type="DeliveryFailed")
    results: list[DeliverResult] = outcomes  # type: ignore[assignment] (no error left)
    if req.record is not None:
        r = req.record
        data = {**r.event_data, "deliveries": [{"recipient": o.key, "status": o.status, "channel": o.channel}
                                               for o in results]}
        record(TaskProjection(task=req.task, status=r.status, result=r.result, completed_on=r.completed_on,
                              evidence=r.evidence, level=r.level, cycle=r.cycle, event_kind=r.event_kind,
                              event_key=r.event_key, event_at=r.event_at, event_data=data))
    for o in results:
        if o.status == "failed":
            log.warning("delivery failed: %s %s: %s", req.step, o.key, o.error)
    sent = sum(1 for o in results if o.status == "sent")
    return {"sent": sent, "failed": len(results) - sent}
