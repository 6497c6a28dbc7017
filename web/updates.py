"""A task workflow's update, sent from a request (the link pages and the JSON API).

The workflow decides; the page only says what happened, within a bounded time:
when the worker is away we say plainly that nothing was recorded yet, and never
claim a success we did not get.
"""
from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.requests import Request

UPDATE_TIMEOUT_S = 8          # the update's RPC timeout; the page answers within ~10 s


@dataclass
class UpdateOutcome:
    state: str                 # ok | rejected | unavailable | closed
    result: Any = None
    detail: str = ""


async def call_update(request: Request, workflow_id: str, name: str, arg: dict, update_id: str,
                      timeout_s: float | None = None) -> UpdateOutcome:
    """Send one update and say what happened, within ``timeout_s`` (plus connecting)."""
    timeout_s = timeout_s or UPDATE_TIMEOUT_S
    from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
    from temporalio.service import RPCError, RPCStatusCode

    client = await request.app.state.temporal.get()
    if client is None:
        return UpdateOutcome("unavailable", detail="temporal not connected")
    handle = client.get_workflow_handle(workflow_id)
    try:
        result = await asyncio.wait_for(
            handle.execute_update(name, arg, id=update_id, rpc_timeout=timedelta(seconds=timeout_s)),
            timeout_s + 2)
    except WorkflowUpdateFailedError as err:
        cause = err.cause or err
        return UpdateOutcome("rejected", detail=str(getattr(cause, "message", "") or cause))
    except (WorkflowUpdateRPCTimeoutOrCancelledError, asyncio.TimeoutError):
        return UpdateOutcome("unavailable", detail="timeout")
    except RPCError as err:
        if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            return UpdateOutcome("closed", detail=err.message)
        return UpdateOutcome("unavailable", detail=f"{err.status.name}: {err.message}")
    return UpdateOutcome("ok", result=result)


def confirm_key(subject_id: str, cycle: str, values: dict, returned: int = 0) -> str:
    """The update's idempotency key: the task, the cycle and what was submitted.
    Resending the same evidence (a retry after "not recorded") is the same
    confirmation; different evidence after the first is a second submission, which
    the workflow answers with the first one and records nothing. After the standing
    office returned a result (``returned`` times: services.task_review.times_returned),
    the same evidence again is a new confirmation: the key says which round it is."""
    fields = "|".join(str(values.get(k, "")) for k in ("document_number", "issued_on", "summary", "link", "note"))
    key = f"confirm:{subject_id}:{cycle}:{hashlib.sha256(fields.encode()).hexdigest()[:16]}"
    return f"{key}:r{returned}" if returned else key


def was_first(result: dict) -> bool:
    """Whether an update's answer says this submission is the one that counted."""
    if "first" in result:
        return bool(result["first"])
    return not (result.get("duplicate") or result.get("already"))
