"""The full report page behind the signed link the report messages carry: `/r/{token}`.

No login: the token (domain/links.py, purpose "report", subject "report/<id>") is the
permission to read that one report, until it expires. A link altered, made with
another key, cut short, expired, or made for another purpose (a confirmation link
pasted under /r/) is refused with the reason in Vietnamese. GET only: nothing here
changes anything.
"""
from __future__ import annotations

import asyncio
import html
from datetime import datetime, timezone

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from notifiers.report_pages import render_page
from store.db import session_scope
from store.models import Report
from domain.links import MESSAGES, LinkError
from web.link_guard import verify_link

# The page is self-contained (inline styles, no script, no image, no form).
CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'none'; frame-ancestors 'none'; "
       "form-action 'none'; base-uri 'none'")
HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer",
           "Content-Security-Policy": CSP}
STATUS = {"forged": 403, "malformed": 400, "expired": 410}


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def _refusal(message: str, status: int) -> HTMLResponse:
    body = (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">'
        "<title>Không mở được báo cáo</title></head>"
        '<body style="font-family:Arial,Helvetica,sans-serif;max-width:640px;margin:40px auto;padding:12px">'
        f'<h1 style="font-size:20px;color:#b00">Không mở được báo cáo</h1><p>{html.escape(message)}</p>'
        "</body></html>")
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def _load(database_url: str, report_id: int) -> tuple[int, dict] | None:
    with session_scope(database_url) as s:
        row = s.get(Report, report_id)
        return (row.id, dict(row.data or {})) if row is not None else None


def routes(settings, config) -> list:
    async def report_page(request: Request) -> HTMLResponse:
        try:
            claims = verify_link(settings, request.path_params["token"], now_utc())
        except LinkError as exc:
            return _refusal(exc.message, STATUS.get(exc.reason, 403))
        kind, _, number = claims.subject_id.partition("/")
        if claims.purpose != "report" or kind != "report" or not number.isdigit():
            return _refusal(MESSAGES["forged"], 403)
        found = await asyncio.to_thread(_load, settings.database_url, int(number))
        if found is None:
            return _refusal("Không tìm thấy báo cáo này (có thể dữ liệu đã được xóa). "
                            "Vui lòng liên hệ Văn phòng (bộ phận thường trực).", 404)
        page = await asyncio.to_thread(render_page, found[1], found[0])
        return HTMLResponse(page, headers=HEADERS)

    return [Route("/r/{token}", report_page, methods=["GET"])]
