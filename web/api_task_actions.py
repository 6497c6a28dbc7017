"""The task page's actions in the JSON API (admin and office): reassign the lead unit(s)
or official, a new deadline decided by a document, the unit's link resent, the review
of a result awaiting it (accept, or return with a reason). The same
readers as the page (services/task_actions.py), the same updates, the same follow-up
(the old units' links revoked); confirm and cancel are in web/api_actions.py.

``key`` in the body is the idempotency key: the same key (or, without one, the same
body) twice is one action. A resend needs a new key each time it is meant."""
from __future__ import annotations

import asyncio

from starlette.requests import Request

from services.task_actions import read_deadline, read_reassign, read_resend
from services.task_review import WAITING, read_review
from web.api_common import error, read_json, update_response
from web.pages import now_utc, today_vn
from web.updates import call_update


class _Body(dict):
    """A JSON body read like a form: ``key`` is the form's one-time id, lists stay lists."""

    def getlist(self, name: str) -> list:
        value = self.get(name)
        return value if isinstance(value, list) else ([value] if value else [])


def _task(database_url: str, task_id: str) -> dict | None:
    from services.task_views import task_view

    view = task_view(database_url, task_id)
    if view is None:
        return None
    return {"id": view["id"], "lead_units": view["lead_units"], "lead_official": view["lead_official"],
            "deadline_kind": view["deadline"]["kind"], "due": view["deadline"]["due"], "status": view["status"],
            "evidence": view["evidence"]}


async def _act(request: Request, action: str):
    from web.routes_task_actions import follow_up

    task_id = request.path_params["task_id"]
    body = _Body(await read_json(request))
    body["form_id"] = str(body.get("key") or "")[:200]
    task = await asyncio.to_thread(_task, request.app.state.settings.database_url, task_id)
    if task is None:
        return error(404, "not_found", "Không có nhiệm vụ với mã này.")
    actor = request.state.user.username
    if action == "reassign":
        req = read_reassign(body, task, request.app.state.config.directory, actor)
    elif action == "deadline":
        req = read_deadline(body, task, today_vn(now_utc()), actor)
    else:
        req = read_resend(body, task, actor)
        if not body["form_id"]:
            req.errors["key"] = "Cần khóa chống gửi trùng (key), mỗi lần gửi lại một khóa mới."
    if req.errors:
        return error(422, "invalid", "Thông tin chưa hợp lệ.", fields=req.errors)
    outcome = await call_update(request, task_id, req.update, req.arg, req.key)
    if outcome.state == "ok":
        await follow_up(request, action, task, req)
    return update_response(outcome)


async def reassign(request: Request):
    return await _act(request, "reassign")


async def deadline(request: Request):
    return await _act(request, "deadline")


async def resend(request: Request):
    return await _act(request, "resend")


async def review(request: Request):
    """Accept the result awaiting review (the task closes) or return it with a reason (the
    unit is told, reminders resume): the page's reader and the workflow's ``review`` update."""
    task_id = request.path_params["task_id"]
    body = await read_json(request)
    task = await asyncio.to_thread(_task, request.app.state.settings.database_url, task_id)
    if task is None:
        return error(404, "not_found", "Không có nhiệm vụ với mã này.")
    req = read_review(str(body.get("decision") or ""), str(body.get("reason") or ""), task,
                      request.state.user.username, str(body.get("key") or "")[:200])
    if req.errors:
        status = 409 if task["status"] != WAITING else 422
        return error(status, "invalid", "Thông tin chưa hợp lệ.", fields=req.errors)
    return update_response(await call_update(request, task_id, "review", req.arg, req.key))
