"""The unit's progress report from its link page (the page's second form):

  POST /c/{token}/progress   the workflow's ``progress`` update

The same checks as every link page first (web/link_guard.py: the link, its task, the
origin and the form token bound to the link); the form is read by
web/progress_form.py, the update sent by web/updates.py with a bounded RPC timeout:
when the worker is away the page says plainly that nothing was recorded yet. The key
is the task, the cycle, the reports the page had seen and what was submitted, so the
same form sent twice is one report and tells the lead official and the supervisors
of a difficulty once. The page that answers says what was recorded.
"""
from __future__ import annotations

import asyncio
from datetime import datetime

from starlette.requests import Request
from starlette.routing import Route

from domain.links import LinkClaims
from web.link_guard import Refusal, Subject, guard_post, link_form, open_link, page_context, refusal_page
from web.pages import now_utc, render
from web.progress_form import progress_arg, progress_key, read_progress, reporter_name
from web.updates import call_update


async def progress_context(request: Request, claims: LinkClaims) -> dict:
    """What the progress form shows: the last report and how many the task has had."""
    from store.progress import task_progress

    latest, count = await asyncio.to_thread(task_progress, request.app.state.settings.database_url,
                                            claims.subject_id)
    return {"progress": latest, "progress_seq": str(count)}


async def progress_post(request: Request):
    now = now_utc()
    try:
        token, claims, subject = await open_link(request, "confirm", now)
        form = await link_form(request)
        guard_post(request, token, form)
    except Refusal as refusal:
        return refusal_page(request, refusal)
    if subject.done:  # confirmed already: the page says so, nothing is recorded
        return render(request, "confirmed.html", page_context(request, token, subject, claims, now,
                                                              outcome=subject.done, already=True))
    values, errors = read_progress(form)
    if errors:
        return await _again(request, token, claims, subject, now, values, status=422, prog_errors=errors)
    settings, config = request.app.state.settings, request.app.state.config
    key = progress_key(claims.subject_id, claims.cycle, values, str(form.get("seq", "")))
    name = await asyncio.to_thread(reporter_name, settings.database_url, config, claims.recipient)
    arg = progress_arg(values, key, claims.recipient, name, subject.unit_names, claims.cycle)
    outcome = await call_update(request, claims.subject_id, "progress", arg, key)
    if outcome.state != "ok":
        status = {"rejected": 422, "closed": 409}.get(outcome.state, 503)
        return await _again(request, token, claims, subject, now, values, status=status,
                            prog_failure=outcome.state, prog_detail=outcome.detail)
    result = outcome.result if isinstance(outcome.result, dict) else {}
    message = result.get("message") or ""
    return render(request, "progress_done.html", page_context(
        request, token, subject, claims, now, values=values, at=now,
        told=message == "told", cleared=message == "cleared"))


async def _again(request: Request, token: str, claims: LinkClaims, subject: Subject, now: datetime, values: dict,
                 status: int, **extra):
    """The link page again, the progress form holding what was typed and what went wrong."""
    ctx = page_context(request, token, subject, claims, now, prog_values=values, **extra)
    ctx.update(await progress_context(request, claims))
    return render(request, "confirm.html", ctx, status=status, headers={"Retry-After": "60"} if status == 503 else None)


def routes(settings, config) -> list:
    return [Route("/c/{token}/progress", progress_post, methods=["POST"])]
