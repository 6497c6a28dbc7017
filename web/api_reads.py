"""The JSON API's reads: the caller, tasks, incidents, reports, the outbox and plans,
from the same queries as the dashboard (web/queries.py). Message texts keep their
signed links for an administrator only (web/masking.py).

REPORT_MASKED: the report fields that may hold a signed /r/ link."""
from __future__ import annotations

import asyncio

from starlette.requests import Request

from web.api_common import ApiResponse, db, error
from web.masking import visible_rows, without_bodies
from web.pages import now_utc, today_vn
from web.queries import OUTBOX_PAGE, incidents, list_tasks, outbox, plans, report, reports, task_detail

REPORT_MASKED = ("short_text", "html")


async def me(request: Request):
    user = request.state.user
    return ApiResponse({"username": user.username, "role": user.role, "via": user.via})


async def get_tasks(request: Request):
    filters = {k: request.query_params.get(k, "").strip() for k in ("plan", "unit", "status", "due_before", "q")}
    rows = await asyncio.to_thread(list_tasks, db(request), request.app.state.config, filters,
                                   today_vn(now_utc()))
    return ApiResponse({"tasks": rows})


async def get_task(request: Request):
    detail = await asyncio.to_thread(task_detail, db(request), request.app.state.config,
                                     request.path_params["task_id"], today_vn(now_utc()))
    if detail is None:
        return error(404, "not_found", "Không có nhiệm vụ với mã này.")
    return ApiResponse(detail)


def _rows(items, fields: tuple[str, ...]) -> list[dict]:
    return [{f: getattr(i, f) for f in fields} for i in items]


async def get_incidents(request: Request):
    rows = await asyncio.to_thread(incidents, db(request))
    return ApiResponse({"incidents": _rows(rows, ("id", "unit", "title", "severity", "detected_at", "due_at",
                                                  "status", "result", "reported_at"))})


async def get_incident(request: Request):
    from services.incident_views import incident_view

    view = await asyncio.to_thread(incident_view, db(request), request.app.state.config,
                                   request.path_params["incident_id"], now_utc())
    if view is None:
        return error(404, "not_found", "Không có sự cố với mã này.")
    return ApiResponse(view)


async def get_reports(request: Request):
    rows = await asyncio.to_thread(reports, db(request))
    return ApiResponse({"reports": visible_rows(request.state.user, rows, ("id", "kind", "as_of", "created_at",
                                                                           "short_text"), REPORT_MASKED)})


async def get_report(request: Request):
    item = await asyncio.to_thread(report, db(request), request.path_params["report_id"])
    if item is None:
        return error(404, "not_found", "Không có báo cáo với mã này.")
    fields = ("id", "kind", "as_of", "created_at", "short_text", "data", "html")
    return ApiResponse(visible_rows(request.state.user, [item], fields, REPORT_MASKED)[0])


def _page_args(request: Request) -> tuple[int | None, int] | None:
    """``before`` (a message id) and ``limit`` (1..OUTBOX_PAGE) from the query; None if unreadable."""
    try:
        before = request.query_params.get("before")
        limit = int(request.query_params.get("limit") or OUTBOX_PAGE)
        before = int(before) if before not in (None, "") else None
    except ValueError:
        return None
    if not 1 <= limit <= OUTBOX_PAGE or (before is not None and before < 1):
        return None
    return before, limit


async def get_outbox(request: Request):
    """The stored messages newest first, a page at a time (``limit``, at most 200, and
    ``before``: the ``next_before`` of the previous page; null when there is no more):
    whole for an administrator, the links' tokens masked for others, no texts (body
    null) for a viewer."""
    args = _page_args(request)
    if args is None:
        return error(400, "bad_request", f"Tham số không hợp lệ: before là mã tin nhắn (số nguyên dương), "
                                         f"limit từ 1 đến {OUTBOX_PAGE}.")
    before, limit = args
    rows = await asyncio.to_thread(outbox, db(request), before, limit + 1)  # one more: is there a next page?
    more, rows = len(rows) > limit, rows[:limit]
    user = request.state.user
    return ApiResponse({"messages": [without_bodies(user, r) for r in visible_rows(
        user, rows, ("id", "created_at", "recipient", "title", "body"), ("title", "body"))],
        "next_before": rows[-1].id if more else None})


async def get_plans(request: Request):
    return ApiResponse({"plans": await asyncio.to_thread(plans, db(request))})
