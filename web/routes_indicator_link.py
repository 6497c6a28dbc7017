"""The page behind an indicator reminder's signed link: the indicator, its target and
its history, and the form to report a value.

  GET  /k/{token}    the indicator, the cycle the reminder was for, the values so far
  POST /k/{token}    report a value (the indicator workflow's ``report`` update)

The checks every link page makes first are web/link_guard.py's (signature, expiry,
revocation, purpose; for a POST the origin and the form token bound to the link). GET
shows, POST acts: the workflow records and judges the value, idempotent by a key made
of what was submitted, so a double click records it once. When the worker is away the
page says plainly that nothing was recorded yet.
"""
from __future__ import annotations

import asyncio
from datetime import datetime

from starlette.requests import Request
from starlette.routing import Route

from domain.indicator_values import read_value, status_words
from web import csrf
from web.link_guard import Refusal, check_link, guard_post, link_form, refusal_page
from web.pages import now_utc, render, today_vn
from web.updates import UpdateOutcome, call_update

PURPOSE = "indicator"
GONE = Refusal(404, "Không tìm thấy chỉ tiêu",
               "Không tìm thấy chỉ tiêu của đường dẫn này (có thể kế hoạch đã được nhập lại khác đi). "
               "Vui lòng liên hệ Văn phòng (bộ phận thường trực).")


def load_indicator(database_url: str, config, workflow_id: str) -> dict:
    from services.indicator_views import indicator_items

    found = indicator_items(database_url, config, workflow_id=workflow_id)
    if not found:
        raise GONE
    return found[0]


async def indicator_page(request: Request):
    now = now_utc()
    settings = request.app.state.settings
    try:
        token = request.path_params["token"]
        claims = check_link(settings, token, PURPOSE, now)
        item = await asyncio.to_thread(load_indicator, settings.database_url, request.app.state.config,
                                       claims.subject_id)
        if request.method == "POST":
            form = await link_form(request)
            guard_post(request, token, form, page="trang báo cáo chỉ tiêu")
            return await _report(request, token, claims, item, form, now)
    except Refusal as refusal:
        return refusal_page(request, refusal)
    return render(request, "indicator_report.html", _context(request, token, claims, item, now))


def _context(request: Request, token: str, claims, item: dict, now: datetime, **extra) -> dict:
    secret = request.app.state.settings.secret_key
    ctx = {"token": token, "csrf_token": csrf.link_token(secret, token), "i": item, "cycle": claims.cycle,
           "today": today_vn(now), "values": {}, "errors": {}, "status_words": status_words}
    ctx.update(extra)
    return ctx


async def _report(request: Request, token: str, claims, item: dict, form, now: datetime):
    from services.indicator_views import already_reported
    from services.indicators import report_input

    values, errors = read_value(form, today_vn(now))
    if errors:
        return render(request, "indicator_report.html", _context(request, token, claims, item, now,
                                                                 values=values, errors=errors), status=422)
    arg = report_input(claims.subject_id, values, claims.recipient, claims.cycle)
    before = await asyncio.to_thread(already_reported, request.app.state.settings.database_url, arg.key)
    if before is not None:  # the same form again (a double click, a retry): shown, nothing changes
        return render(request, "indicator_reported.html", _context(request, token, claims, item, now,
                                                                   answer=before, values=values))
    outcome = await call_update(request, claims.subject_id, "report", vars(arg), arg.key)
    return await _outcome(request, token, claims, item, values, outcome, now)


async def _outcome(request: Request, token: str, claims, item: dict, values: dict, outcome: UpdateOutcome,
                   now: datetime):
    if outcome.state == "ok":
        answer = outcome.result if isinstance(outcome.result, dict) else {}
        settings = request.app.state.settings
        fresh = await asyncio.to_thread(load_indicator, settings.database_url, request.app.state.config,
                                        claims.subject_id)
        return render(request, "indicator_reported.html", _context(request, token, claims, fresh, now,
                                                                   answer=answer, values=values))
    status = {"rejected": 422, "closed": 409, "unavailable": 503}[outcome.state]
    return render(request, "indicator_report.html", _context(request, token, claims, item, now, values=values,
                                                             failure=outcome.state, failure_detail=outcome.detail),
                  status=status, headers={"Retry-After": "60"} if status == 503 else None)


def routes(settings, config) -> list:
    return [Route("/k/{token}", indicator_page, methods=["GET", "POST"])]
