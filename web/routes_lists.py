"""The dashboard's long lists, cut into pages by the database: the tasks (overdue
first, web/task_list.py) and the messages (Hộp thư đi, web/outbox_list.py). Each page
says how many rows match, and its page links keep the filters. A date filter is typed
dd/mm/yyyy (domain.display.read_vn_date) whatever the browser's language; one that is
not a date is refused in Vietnamese beside its box, the typed text kept.
Message texts hold signed links: whole for an administrator, masked for everyone else
(web/masking.py)."""
from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.routing import Route

from domain.display import read_vn_date
from web.access import page
from web.masking import sees_bodies, sees_links, visible, without_bodies
from web.outbox_list import CHANNELS, FILTERS, message_page, recipients
from web.pages import now_utc, render, today_vn
from web.paging import page_links, page_number
from web.queries import plans
from web.task_list import task_page

TASK_FILTERS = ("plan", "unit", "status", "due_before", "q")


def _db(request: Request) -> str:
    return request.app.state.settings.database_url


def _filters(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    return {k: request.query_params.get(k, "").strip() for k in names}


@page
async def tasks_page(request: Request):
    today = today_vn(now_utc())
    config = request.app.state.config
    filters = _filters(request, TASK_FILTERS)
    errors = {}
    if filters["due_before"] and read_vn_date(filters["due_before"]) is None:
        errors["due_before"] = "Ngày không hợp lệ: nhập theo dạng ngày/tháng/năm, ví dụ 31/12/2026."
    asked = dict(filters, due_before="" if errors else filters["due_before"])
    found = await asyncio.to_thread(task_page, _db(request), config, asked, today, page_number(
        request.query_params.get("page")))
    return render(request, "tasks.html", {
        "rows": found.rows, "found": found, "filters": filters, "errors": errors, "today": today,
        "plans": await asyncio.to_thread(plans, _db(request)), "units": config.directory.units,
        "overdue": found.overdue,
        "pages": page_links("/dashboard", filters, found.page, found.pages) if found.pages > 1 else []},
        status=422 if errors else 200)


@page
async def outbox_page(request: Request):
    """The messages; their signed links work for an administrator only, and a viewer
    reads who was told what and when, not the texts (web/masking.py)."""
    config = request.app.state.config
    filters = _filters(request, FILTERS)
    found = await asyncio.to_thread(message_page, _db(request), config, filters,
                                    page_number(request.query_params.get("page")))
    user = request.state.user
    return render(request, "outbox.html", {
        "rows": [without_bodies(user, visible(user, r, ("title", "body"))) for r in found.rows], "found": found,
        "filters": filters, "masked": not sees_links(user), "bodies": sees_bodies(user), "channels": CHANNELS,
        "recipients": await asyncio.to_thread(recipients, _db(request), config),
        "pages": page_links("/dashboard/outbox", filters, found.page, found.pages) if found.pages > 1 else []})


def routes(settings, config) -> list:
    return [Route("/dashboard", tasks_page), Route("/dashboard/outbox", outbox_page)]
