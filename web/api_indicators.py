"""The JSON API for indicators: the list (as `dondoc indicators --json` prints it) and a
value reported (the indicator workflow's ``report`` update, as the link page sends it)."""
from __future__ import annotations

import asyncio

from starlette.requests import Request

from domain.identity import indicator_workflow_id
from domain.indicator_values import read_value
from web.api_common import ApiResponse, db, error, read_json, update_response
from web.indicator_board import as_of_day
from web.pages import now_utc, today_vn
from web.updates import call_update

REPORT_BODY = {"type": "object", "required": ["plan", "stt", "value"], "properties": {
    "plan": {"type": "string", "description": "the plan's name"},
    "stt": {"type": "string", "description": "the indicator's number in the plan"},
    "value": {"type": "string", "description": "as the unit writes it: \"85%\", \"Đạt 97%\", "
              "\"Đang triển khai (khoảng 70 %)\""},
    "as_of": {"type": "string", "description": "the day the value describes, dd/mm/yyyy (or ISO); default today"},
    "source": {"type": "string"}, "note": {"type": "string"}}}


async def get_indicators(request: Request):
    from services.indicator_views import indicator_items, indicators_json

    day, problem = as_of_day(request.query_params.get("as_of", "").strip())
    if problem:
        return error(422, "invalid", problem, fields={"as_of": problem})
    plan = request.query_params.get("plan", "").strip() or None
    items = await asyncio.to_thread(indicator_items, db(request), request.app.state.config, plan=plan, as_of=day)
    return ApiResponse(indicators_json(items))


async def report_indicator(request: Request):
    from services.indicator_views import indicator_items
    from services.indicators import report_input

    body = await read_json(request)
    plan, stt = str(body.get("plan") or "").strip(), str(body.get("stt") or "").strip()
    values, errors = read_value(body, today_vn(now_utc()))
    if not plan or not stt:
        errors["indicator"] = "Nêu kế hoạch (plan) và số thứ tự chỉ tiêu (stt)."
    if errors:
        return error(422, "invalid", "Thông tin chưa hợp lệ.", fields=errors)
    workflow_id = indicator_workflow_id(plan, stt)
    found = await asyncio.to_thread(indicator_items, db(request), request.app.state.config, workflow_id=workflow_id)
    if not found:
        return error(404, "not_found", f"Không có chỉ tiêu số {stt} của kế hoạch «{plan}».")
    arg = report_input(workflow_id, values, f"api:{request.state.user.username}")
    return update_response(await call_update(request, workflow_id, "report", vars(arg), arg.key))
