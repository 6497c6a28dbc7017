"""How the workflows call their activities: timeouts and retries, in one place.

Store writes and lookups are quick and always retried. A send retries transient
failures inside the delivery activity's own attempts (``[delivery] attempts`` in the
configuration, 4 by default) before it tells the standing office; the workflow's
retry policy allows more attempts than that (the configuration refuses more than
SEND_ATTEMPTS - 1), or Temporal would give up before the standing office is told.
"""
from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

SEND_ATTEMPTS = 8

STORE = dict(start_to_close_timeout=timedelta(seconds=30),
             retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)))
SEND = dict(start_to_close_timeout=timedelta(minutes=2),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=1),
                                     maximum_attempts=SEND_ATTEMPTS))
# Reading the calendar and building a report: bounded, so a broken store is reported.
SHORT = dict(start_to_close_timeout=timedelta(seconds=30),
             retry_policy=RetryPolicy(initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=1),
                                      maximum_attempts=10))
BUILD = dict(start_to_close_timeout=timedelta(minutes=5),
             retry_policy=RetryPolicy(initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=1),
                                      maximum_attempts=10))
