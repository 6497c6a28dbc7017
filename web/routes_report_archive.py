"""An archived report on the dashboard, and the plan's appendix as a file.

  GET /dashboard/reports/{id}         the report: kind, moment, sent or only archived, its
                                      messages (to whom, on which channel, with what outcome),
                                      its text and page, the appendix as of its moment, and
                                      (admin, office) a button to send it or resend what failed
  GET /dashboard/reports/appendix     ?plan=<id>&format=xlsx|docx and report=<id> (as of that
                                      report), as_of=<ISO instant> (a preview's moment) or
                                      day=<dd/mm/yyyy>: the file, with a Vietnamese name

Message texts hold the report's signed link: whole for an administrator only (web/masking.py).
"""
from __future__ import annotations

import asyncio
from datetime import datetime, time, timezone
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.calendar import VN_TZ
from domain.display import read_vn_date
from notifiers.report_pages import report_title
from services.report_files import CONTENT_TYPES, appendix_file, plans
from store.report_archive import archive_rows, report_deliveries
from web import pages
from web.access import page
from web.masking import visible_rows
from web.pages import render
from web.queries import report
from web.report_views import appendix_links, archive_view, deliveries_view, kind_words, may_preview, refused

REPORT_FIELDS, REPORT_MASKED = ("id", "kind", "as_of", "created_at", "short_text", "html", "data"), ("short_text", "html")
DONE = {"sent": "Đã gửi báo cáo tới Ban Chỉ đạo.", "archived": "Đã lưu báo cáo vào danh sách, không gửi cho ai."}


def _db(request: Request) -> str:
    return request.app.state.settings.database_url


def _status(database_url: str, config, report_id: int) -> dict | None:
    """The archive's row of this report (state, recipients, who asked for it)."""
    rows = archive_rows(database_url, report_id=report_id)
    return archive_view(database_url, config, rows)[0] if rows else None


@page
async def report_page(request: Request):
    report_id = request.path_params["report_id"]
    item = await asyncio.to_thread(report, _db(request), report_id)
    if item is None:
        return render(request, "error.html", {"heading": "Không tìm thấy báo cáo", "back": "/dashboard/reports",
                                              "message": "Không có báo cáo với số này."}, status=404)
    config, user = request.app.state.config, request.state.user
    row = visible_rows(user, [item], REPORT_FIELDS, REPORT_MASKED)[0]
    data = row.pop("data") or {}
    state = await asyncio.to_thread(_status, _db(request), config, report_id)
    sends = await asyncio.to_thread(report_deliveries, _db(request), report_id)
    links = appendix_links(await asyncio.to_thread(plans, _db(request)), item.as_of, report_id) \
        if may_preview(user) else []
    words = kind_words({"kind": item.kind, "label": data.get("label"), "report_kind": data.get("report_kind")})
    return render(request, "report.html", {
        "r": row, "state": state, "kind_words": words,
        "title": report_title(data) if data.get("as_of") else f"Báo cáo ({words.lower()})",
        "period": data.get("period") or "", "deliveries": deliveries_view(_db(request), config, sends),
        "appendix": links, "done": DONE.get(request.query_params.get("done", "")), "csrf_token": user.csrf,
        "can_act": user.can_act})


def _moment(request: Request, database_url: str) -> tuple[datetime, str] | None:
    """(as of, period label) the download asks for: an archived report's, a preview's, or a day's."""
    q = request.query_params
    if q.get("report", "").isdigit():
        item = report(database_url, int(q["report"]))
        return (item.as_of, (item.data or {}).get("label", "") if item.kind != "daily" else "") if item else None
    if q.get("as_of"):
        try:
            return datetime.fromisoformat(q["as_of"]).astimezone(timezone.utc), ""
        except ValueError:
            return None
    day = read_vn_date(q.get("day")) or pages.today_vn(pages.now_utc())
    return datetime.combine(day, time(16, 0), VN_TZ).astimezone(timezone.utc), ""


@page
async def appendix_download(request: Request):
    if not may_preview(request.state.user):
        return refused(request, "Tài khoản này không được tải phụ lục; hãy liên hệ Văn phòng thường trực.")
    fmt, plan = request.query_params.get("format", ""), request.query_params.get("plan", "")
    found = await asyncio.to_thread(_moment, request, _db(request))
    if fmt not in CONTENT_TYPES or not plan.isdigit() or found is None:
        return _missing(request, "Yêu cầu tải phụ lục không hợp lệ: chọn kế hoạch, ngày và định dạng (XLSX hoặc DOCX).",
                        400)
    made = await asyncio.to_thread(appendix_file, _db(request), request.app.state.config, int(plan), found[0], fmt,
                                   found[1])
    if made is None:
        return _missing(request, "Không có kế hoạch này trong cơ sở dữ liệu.", 404)
    body, name, plain = made
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(body, media_type=CONTENT_TYPES[fmt],
                    headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


def _missing(request: Request, message: str, status: int):
    return render(request, "error.html", {"heading": "Không tải được phụ lục", "back": "/dashboard/reports",
                                          "message": message}, status=status)


def routes(settings, config) -> list:
    return [
        Route("/dashboard/reports/{report_id:int}", report_page),
        Route("/dashboard/reports/appendix", appendix_download),
    ]
