"""Where a burst's time goes: for a sample of its workflows (spread over the burst),
the histories read back from the server, each reminder's way from the due instant to
the FakeZalo cut at the events every history has:

  timer_s            the due instant -> TimerFired            (the server's timer)
  to_worker_s        TimerFired -> the next WorkflowTaskStarted  (queued: the worker
                     processes busy, or a task sent to a stopped worker's sticky queue
                     and timed out: ``task_timeouts`` counts WorkflowTaskTimedOut,
                     ``sticky_timeouts`` those of them that were schedule-to-start)
  worker_to_send_s   that WorkflowTaskStarted -> the message at the FakeZalo (the
                     worker's decision, the send activity queued and run, the HTTP call)

with the sampled workflows still not taken up, or whose message had not arrived, when
the histories were read (after the burst's wait) counted apart; and, where the send
is an activity of its own (dondoc's `deliver`), the part of the
last stage spent waiting for an activity slot (``activity_queue_s``: scheduled ->
started). Each stage as p50 and p99 over the sample (nearest rank); ``per_process``:
how many of the sample each worker process took up when the timer fired.
"""
from __future__ import annotations

from collections import Counter

from bench.reminder_lag import percentile

SAMPLE = 60
STAGES = ("timer_s", "to_worker_s", "worker_to_send_s", "activity_queue_s")


def _ts(event) -> float:
    return event.event_time.seconds + event.event_time.nanos / 1e9


def timeline(events, due_ts: float) -> dict | None:
    """Stage times of one history after its timer for the due instant fired."""
    from temporalio.api.enums.v1 import EventType as E
    from temporalio.api.enums.v1 import TimeoutType

    fired = next((e for e in events if e.event_type == E.EVENT_TYPE_TIMER_FIRED and _ts(e) >= due_ts - 1), None)
    if fired is None:
        return None
    after = [e for e in events if e.event_id > fired.event_id]
    first = lambda kind: next((e for e in after if e.event_type == kind), None)  # noqa: E731
    picked = first(E.EVENT_TYPE_WORKFLOW_TASK_STARTED)
    scheduled = first(E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    started = first(E.EVENT_TYPE_ACTIVITY_TASK_STARTED)
    timeouts = [e.workflow_task_timed_out_event_attributes.timeout_type for e in after
                if e.event_type == E.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT]
    out = {"timer_s": _ts(fired) - due_ts, "fired": _ts(fired), "task_timeouts": len(timeouts),
           # schedule-to-start: a task left on a (stopped or busy) worker's sticky queue
           "sticky_timeouts": sum(1 for t in timeouts if t == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START),
           # a workflow task the worker failed (a replay that no longer matches its history...)
           "task_failures": sum(1 for e in after if e.event_type == E.EVENT_TYPE_WORKFLOW_TASK_FAILED)}
    if picked is not None:
        out["to_worker_s"] = _ts(picked) - _ts(fired)
        out["picked"] = _ts(picked)
        out["by"] = picked.workflow_task_started_event_attributes.identity
    if scheduled is not None and started is not None:
        out["activity_queue_s"] = _ts(started) - _ts(scheduled)
    return out


async def breakdown(client, burst: dict, sample: int = SAMPLE) -> dict:
    """The burst's stages over a sample of its workflows (see the module's docstring)."""
    ids, arrivals, due_ts = burst["_ids"], burst["_arrivals"], burst["_due_ts"]
    step = max(1, len(ids) // sample)
    rows = []
    for i in range(0, len(ids), step):
        try:
            history = await client.get_workflow_handle(ids[i]).fetch_history()
        except Exception:  # noqa: BLE001 - a history that cannot be read is left out of the sample
            continue
        row = timeline(history.events, due_ts)
        if row is None:
            continue
        if i in arrivals and "picked" in row:
            row["worker_to_send_s"] = arrivals[i] - row["picked"]
        rows.append(row)
    out: dict = {"sampled": len(rows), "task_timeouts": sum(r["task_timeouts"] for r in rows),
                 "sticky_timeouts": sum(r["sticky_timeouts"] for r in rows),
                 "with_timeouts": sum(1 for r in rows if r["task_timeouts"]),
                 "task_failures": sum(r["task_failures"] for r in rows),
                 # when the histories were read: still not taken up by a worker / not arrived
                 "not_picked": sum(1 for r in rows if "picked" not in r),
                 "not_arrived": sum(1 for r in rows if "worker_to_send_s" not in r),
                 # how the sample's reminders fell on the worker processes (sticky tasks go
                 # to the process that ran the workflow last): most first
                 "per_process": sorted(Counter(r["by"] for r in rows if "by" in r).values(), reverse=True)}
    for stage in STAGES:
        values = [r[stage] for r in rows if stage in r]
        if values:
            out[stage] = {"p50": round(percentile(values, 50), 2), "p99": round(percentile(values, 99), 2)}
    return out


def public(burst: dict) -> dict:
    """The burst's figures without the breakdown's working data."""
    return {k: v for k, v in burst.items() if not k.startswith("_")}
