"""The dashboard, behind a login: a task's timeline and incidents; the task list and
the messages (Hộp thư đi) are web/routes_lists.py (the Reports pages are web/routes_reports_on_demand.py and
routes_report_archive.py). Read-only: the rows come from the SQL
store (projections written by activities) through web/queries.py, shared with the
JSON API. The login is in web/routes_account.py, plan upload in web/routes_import.py.
"""
from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.routing import Route

from web.access import page
from web.pages import now_utc, render, today_vn
from web.queries import incidents, task_detail


def _db(request: Request) -> str:
    return request.app.state.settings.database_url


async def task_context(request: Request, task_id: str, today) -> dict | None:
    """What task.html shows of a task (None: no such task); the action forms add theirs."""
    detail = await asyncio.to_thread(task_detail, _db(request), request.app.state.config, task_id, today)
    if detail is None:
        return None
    from web.routes_task_links import task_links

    from web.routes_task_review import review_context

    links = await asyncio.to_thread(task_links, _db(request), request.app.state.config, task_id, now_utc())
    from web.task_group_page import group_context  # a parent's units and roll-up, a child's parent

    group = await asyncio.to_thread(group_context, _db(request), request.app.state.config, task_id,
                                    request.query_params.get("members", ""))
    return {"t": detail, "today": today, "links": links, "revoked": request.query_params.get("revoked"),
            **review_context(request, detail), **group}


@page
async def task_page(request: Request):
    ctx = await task_context(request, request.path_params["task_id"], today_vn(now_utc()))
    if ctx is None:
        return render(request, "error.html", {"heading": "Không tìm thấy nhiệm vụ", "back": "/dashboard",
                                              "message": "Không có nhiệm vụ với mã này."}, status=404)
    from web.routes_task_actions import action_context
    from web.routes_task_extension import extension_context

    return render(request, "task.html", {**ctx, **action_context(request, ctx["t"]),
                                         **extension_context(request, ctx["t"])})


@page
async def incidents_page(request: Request):
    rows = await asyncio.to_thread(incidents, _db(request))
    return render(request, "incidents.html", {"rows": rows, "config": request.app.state.config})


def routes(settings, config) -> list:
    return [
        Route("/dashboard/tasks/{task_id:path}", task_page),
        Route("/dashboard/incidents", incidents_page),
    ]
