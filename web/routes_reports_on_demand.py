"""The dashboard's Reports page: the schedules, a report made now, the archive.

  GET  /dashboard/reports           the schedules (next runs, days that send nothing, the
                                    Temporal Schedule's state when the server answers), the
                                    forms to make a report now, the appendix download, the archive
  GET  /dashboard/reports/preview   a daily report or a period summary (quarter, month, range
                                    of days) computed now and shown as it would be sent;
                                    nothing is written
  POST /dashboard/reports/make      the previewed report sent to the supervisors, or only
                                    archived, through the report workflow (services/report_on_demand.py)

Admin and office make, send and archive; a leader previews and downloads; a viewer reads
the archive (a POST of anyone but admin and office is refused before its body is read).
"""
from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from services import report_on_demand as on_demand
from services.report_files import plans
from services.schedule_views import server_states, upcoming
from store.report_archive import archive_rows
from web import pages
from web.access import page
from web.health import check_worker
from web.pages import render
from web.report_views import (
    appendix_links, archive_view, headline_figures, may_preview, period_suggestions, refused, today_text,
)

FORM_FIELDS = ("kind", "period", "from", "to")
log = logging.getLogger("dondoc.web.reports")


def _db(request: Request) -> str:
    return request.app.state.settings.database_url


async def _schedules(request: Request, now) -> tuple[list[dict], dict | None]:
    items = upcoming(request.app.state.config, 7, now)
    try:
        client = await asyncio.wait_for(request.app.state.temporal.get(), 4)
    except Exception:  # noqa: BLE001 - Temporal unreachable: the page says so
        client = None
    states = await server_states(client, [s["schedule_id"] for s in items])
    return items, states


async def _home(request: Request, status: int = 200, **extra):
    now = pages.now_utc()
    config, user = request.app.state.config, request.state.user
    rows = await asyncio.to_thread(archive_rows, _db(request))
    schedules, states = await _schedules(request, now)
    context = {"schedules": schedules, "states": states,
               "rows": await asyncio.to_thread(archive_view, _db(request), config, rows, user),
               "plans": await asyncio.to_thread(plans, _db(request)), "may_preview": may_preview(user),
               "suggestions": period_suggestions(pages.today_vn(now)), "today": today_text(now),
               "form": {k: "" for k in FORM_FIELDS}, **extra}
    return render(request, "reports.html", context, status=status)


@page
async def reports_home(request: Request):
    return await _home(request)


@page
async def preview_page(request: Request):
    if not may_preview(request.state.user):
        return refused(request)
    form = {k: request.query_params.get(k, "").strip() for k in FORM_FIELDS}
    now = pages.now_utc()
    try:
        order = on_demand.new_order(form["kind"], form["period"], form["from"], form["to"], now)
    except on_demand.OrderError as err:
        return await _home(request, status=422, error=str(err), form=form)
    return await _show_preview(request, order)


async def _show_preview(request: Request, order: on_demand.Order):
    settings, config = request.app.state.settings, request.app.state.config
    shown = await asyncio.to_thread(on_demand.preview, settings, config, order)
    links = appendix_links(await asyncio.to_thread(plans, _db(request)), order.as_of)
    return render(request, "report_preview.html", {
        "p": shown, "order": order, "as_of": order.as_of.isoformat(), "appendix": links,
        "figures": headline_figures(shown["data"]),
        "can_act": request.state.user.can_act, "csrf_token": request.state.user.csrf})


@page(act=True)
async def make_report(request: Request):
    form = request.state.form
    action = str(form.get("action", ""))
    try:
        order = on_demand.order_from(str(form.get("kind", "")), str(form.get("period", "")),
                                     str(form.get("as_of", "")), pages.now_utc())
        if action not in ("send", "archive"):
            raise on_demand.OrderError("Chọn «Gửi Ban Chỉ đạo» hoặc «Chỉ lưu trữ».")
    except on_demand.OrderError as err:
        return _failed(request, str(err), 422)
    client, refusal = await _engine(request)
    if refusal:
        return _failed(request, refusal, 503)
    try:
        outcome = await on_demand.make(client, request.app.state.settings, order, send=action == "send",
                                       by=request.state.user.username)
    except asyncio.TimeoutError:
        return _failed(request, "Báo cáo đang được xử lý lâu hơn thường lệ (bộ xử lý có đang chạy không?). "
                                "Xem lại danh sách báo cáo sau ít phút; bấm lại không gửi trùng.", 504)
    except Exception:  # noqa: BLE001 - the workflow failed: said plainly, the detail in the log
        log.exception("report on demand failed")
        return _failed(request, "Lập báo cáo không thành công. Vui lòng thử lại; nếu vẫn lỗi, báo quản trị hệ thống.",
                       502)
    done = "sent" if action == "send" else "archived"
    return RedirectResponse(f"/dashboard/reports/{outcome.id}?done={done}#ket-qua", status_code=303)


async def _engine(request: Request):
    """(the Temporal client, None) when a report can be made now, else (None, why not)."""
    settings = request.app.state.settings
    client = await request.app.state.temporal.get()
    if client is None:
        return None, ("Không kết nối được máy chủ quy trình (Temporal): báo cáo chưa được lưu, chưa gửi. "
                      "Vui lòng thử lại sau ít phút hoặc báo quản trị hệ thống.")
    working, _ = await check_worker(client, settings.namespace, settings.task_queue)
    if not working:
        return None, ("Bộ xử lý của hệ thống (worker) đang không chạy: báo cáo chưa được lưu, chưa gửi. "
                      "Vui lòng báo quản trị hệ thống khởi động lại («./dondoc up»).")
    return client, None


def _failed(request: Request, message: str, status: int):
    return render(request, "error.html", {"heading": "Chưa lập được báo cáo", "back": "/dashboard/reports",
                                          "message": message}, status=status)


def routes(settings, config) -> list:
    return [
        Route("/dashboard/reports", reports_home),
        Route("/dashboard/reports/preview", preview_page),
        Route("/dashboard/reports/make", make_report, methods=["POST"]),
    ]
