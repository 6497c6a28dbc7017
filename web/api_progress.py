"""The JSON API's progress report: POST /api/tasks/{task_id}/progress (the workflow's
``progress`` update), the same fields as the link page's progress form
(web/progress_form.py) and the same answer shape as the other task actions.

The key: ``key`` in the body when the caller keeps its own (a report per call), else
the task, the cycle and what was sent (the same body twice is one report and tells
the lead official and the supervisors of a difficulty once)."""
from __future__ import annotations

import asyncio

from starlette.requests import Request

from web.api_common import db, error, read_json, update_response
from web.progress_form import progress_arg, progress_key, read_progress
from web.updates import call_update

PROGRESS_BODY = {"type": "object", "required": ["percent"], "properties": {
    "percent": {"type": "integer", "minimum": 0, "maximum": 100, "description": "tiến độ, phần trăm"},
    "note": {"type": "string", "description": "kết quả đã thực hiện"},
    "difficulty": {"type": "string", "description": "khó khăn, vướng mắc (empty: cleared)"},
    "proposal": {"type": "string", "description": "đề xuất, kiến nghị"},
    "cycle": {"type": "string", "description": "the report period for a recurring task; empty for a one-off"},
    "key": {"type": "string", "description": "idempotency key; default: the task, cycle and the body's values"}}}


def _unit_names(database_url: str, config, task_id: str) -> list[str]:
    from store.db import session_scope
    from store.models import Task
    from web.names import unit_name

    with session_scope(database_url) as session:
        task = session.get(Task, task_id)
        return [unit_name(config, k) for k in (task.lead_units or [])] if task is not None else []


async def progress(request: Request):
    task_id, body = request.path_params["task_id"], await read_json(request)
    values, errors = read_progress(body)
    if errors:
        return error(422, "invalid", "Thông tin chưa hợp lệ.", fields=errors)
    cycle = str(body.get("cycle") or "")
    own = str(body.get("key") or "").strip()
    key = f"progress:{task_id}:key:{own}"[:300] if own else progress_key(task_id, cycle, values)
    user = request.state.user.username
    units = await asyncio.to_thread(_unit_names, db(request), request.app.state.config, task_id)
    arg = progress_arg(values, key, f"api:{user}", user, units, cycle)
    return update_response(await call_update(request, task_id, "progress", arg, key))
