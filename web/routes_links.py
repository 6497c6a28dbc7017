"""The pages behind the signed links in reminders: the task and its confirmation.

  GET  /c/{token}          the task, its deadline and expected output, and the forms
  POST /c/{token}          confirm completion (the workflow's ``confirm`` update)

The extension request (POST /c/{token}/extend) and the lead official's decision
(/g/{token}) are in web/routes_extension.py; the checks every link page makes
first are in web/link_guard.py, the update call in web/updates.py.

GET shows, POST acts: chat previews and mail scanners open links. The store is
read for showing (a query would need a worker); the workflow decides on POST,
through an update with a bounded RPC timeout: when the worker is away we say
plainly that nothing was recorded yet, and never claim a success we did not get.
Confirmation keys are the task and cycle, so a second submission (a double click,
a colleague with the same link) changes nothing and shows the first one.
"""
from __future__ import annotations

import asyncio
from datetime import datetime

from starlette.requests import Request
from starlette.routing import Route

from domain.links import LinkClaims
from services.task_review import times_returned
from web.forms import read_confirmation
from web.link_guard import Refusal, Subject, guard_post, link_form, open_link, page_context, refusal_page
from web.pages import now_utc, render, today_vn
from web.routes_extension import pending_requests
from web.routes_progress import progress_context
from web.updates import UpdateOutcome, call_update, confirm_key, was_first


async def confirm_page(request: Request):
    now = now_utc()
    try:
        token, claims, subject = await open_link(request, "confirm", now)
        if request.method == "POST":
            form = await link_form(request)
            guard_post(request, token, form)
            return await _confirm(request, token, claims, subject, form, now)
    except Refusal as refusal:
        return refusal_page(request, refusal)
    template = "confirmed.html" if subject.done else "confirm.html"
    ctx = page_context(request, token, subject, claims, now, outcome=subject.done, already=True)
    if not subject.done:
        ctx["pending"] = await asyncio.to_thread(pending_requests, request.app.state.settings.database_url,
                                                 claims.subject_id, claims.cycle)
        ctx.update(await progress_context(request, claims))  # the second form: progress (routes_progress.py)
    return render(request, template, ctx)


async def _confirm(request: Request, token: str, claims: LinkClaims, subject: Subject, form, now: datetime):
    if subject.done:  # the store already has it: show the first, change nothing
        return render(request, "confirmed.html", page_context(request, token, subject, claims, now,
                                                              outcome=subject.done, already=True))
    values, errors = read_confirmation(form, today_vn(now))
    if errors:
        return render(request, "confirm.html", page_context(request, token, subject, claims, now, values=values,
                                                            errors=errors), status=422)
    returned = await asyncio.to_thread(times_returned, request.app.state.settings.database_url, claims.subject_id)
    key = confirm_key(claims.subject_id, claims.cycle, values, returned)
    arg = dict(values, key=key, confirmed_by=claims.recipient, cycle=claims.cycle)
    outcome = await call_update(request, claims.subject_id, "confirm", arg, key)
    return _confirm_outcome(request, token, claims, subject, values, outcome, now)


def _confirm_outcome(request, token, claims, subject, values, outcome: UpdateOutcome, now):
    if outcome.state == "ok":
        result = outcome.result if isinstance(outcome.result, dict) else {}
        done = {"result": result.get("result"), "on": result.get("completed_on") or today_vn(now),
                "evidence": result.get("evidence") or result.get("confirmation") or values}
        already = not was_first(result)
        # The store row is written by the workflow a moment later: show the state the
        # workflow answered, not the row read before the update.
        state = "reported" if subject.cycle is not None else (result.get("status") or "completed")
        return render(request, "confirmed.html", page_context(request, token, subject, claims, now, outcome=done,
                                                              already=already, just_now=not already, state=state))
    page = {"rejected": 422, "closed": 409, "unavailable": 503}[outcome.state]
    return render(request, "confirm.html", page_context(request, token, subject, claims, now, values=values,
                                                        failure=outcome.state, failure_detail=outcome.detail),
                  status=page, headers={"Retry-After": "60"} if page == 503 else None)


def routes(settings, config) -> list:
    return [Route("/c/{token}", confirm_page, methods=["GET", "POST"])]
