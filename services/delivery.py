"""One message sent now, from outside a workflow (the link pages' extension
messages), through the delivery activity's own code: the same fallback from one
channel to the next (Zalo, then email), the same delivery-log rows and keys
(``subject|cycle|step|recipient`` and one row per channel, ``|zalo``, ``|email``...)
and the same notice to the standing office when no channel works.

Temporal retries the activity for the workflows; here the retry is a short loop
in the caller's thread, because a person is waiting for the page: a few attempts
a second or so apart, then the delivery is recorded failed and the standing office
told (the activity does both on its last attempt). Blocking: call it through
``asyncio.to_thread`` from an async handler.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from temporalio.exceptions import ApplicationError

from activities.deliver import DeliveryActivities
from contracts.delivery import DeliverRequest, DeliverResult
from domain.recipients import standing_recipient

__all__ = ["ATTEMPTS", "DeliverRequest", "DeliverResult", "deliver"]

ATTEMPTS = 3                 # a page waits for these: fewer than the workflows' DELIVER_ATTEMPTS
BACKOFF_S = (0.5, 1.0)       # the pause after attempt 1, then after every later one


def deliver(settings, config, request: DeliverRequest, *, max_attempts: int = ATTEMPTS,
            sleep: Callable[[float], None] = time.sleep) -> DeliverResult:
    """Deliver ``request`` now; its result once sent, or once recorded failed (and the
    standing office told). A bad request (a template that cannot render) raises."""
    activities = DeliveryActivities(settings.database_url, settings, max_attempts=max_attempts,
                                    standing_office=standing_recipient(config.directory), links=config.links,
                                    config=config)
    for attempt in range(1, max_attempts + 1):
        try:
            return activities.deliver_now(request, attempt)
        except ApplicationError as err:
            # DeliveryFailed is raised only while attempts remain: the last one returns.
            if err.type != "DeliveryFailed" or attempt >= max_attempts:
                raise
            sleep(BACKOFF_S[min(attempt, len(BACKOFF_S)) - 1])
    raise AssertionError("unreachable: the last attempt returns or raises")
