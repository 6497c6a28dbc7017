"""The standing office's actions on the task page (/dashboard/tasks/{id}), each a POST
form through the task workflow's updates (services/task_actions.py reads the forms):

  POST /dashboard/tasks/{id}/actions/reassign   new lead unit(s) / lead official (amend)
  POST /dashboard/tasks/{id}/actions/deadline   a new deadline, with the deciding document (amend)
  POST /dashboard/tasks/{id}/actions/cancel     cancel, with the reason (cancel)
  POST /dashboard/tasks/{id}/actions/paper      a completion received on paper (confirm)
  POST /dashboard/tasks/{id}/actions/resend     the unit's link again, now (resend_link)

Revoking a link is web/routes_task_links.py; its list sits in the same action area
(web/templates/_task_actions.html). Only admin and office act: ``@page(act=True)``
refuses anyone else (403) before the body is read, whatever the page showed them.
A refused or failed action shows the page again with what was typed and what is
wrong, in Vietnamese; a done one redirects (303) to the page with a notice.
"""
from __future__ import annotations

import asyncio
import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from domain.display import read_vn_date
from services.task_actions import (
    ACTIONS, ActionRequest, read_cancel, read_deadline, read_reassign, read_resend, revoke_links_of, task_status,
)
from web.access import page
from web.forms import read_confirmation
from web.pages import now_utc, render, task_href, today_vn
from web.queries import official_name, unit_name
from web.updates import UpdateOutcome, call_update, confirm_key, was_first

DONE = {
    "reassign": "Đã đổi đơn vị chủ trì, lãnh đạo phụ trách; đơn vị và những người đã được nhắc được báo ngay.",
    "deadline": "Đã ghi nhận thời hạn mới theo văn bản quyết định; đơn vị và những người đã được nhắc được báo.",
    "cancel": "Đã hủy nhiệm vụ; đơn vị và những người đã được nhắc được báo một lần.",
    "paper": "Đã ghi nhận hoàn thành theo văn bản giấy của đơn vị.",
    "resend": "Đã gửi lại đường dẫn cho đơn vị chủ trì; kết quả gửi hiện trong phần Diễn biến.",
}
FAILED = {
    "closed": "Nhiệm vụ đã kết thúc (hoàn thành hoặc đã hủy); không thực hiện được thao tác này.",
    "unavailable": "Chưa nhận được trả lời của hệ thống xử lý nhiệm vụ, nên chưa thể khẳng định thao tác đã được "
                   "ghi nhận. Hãy tải lại trang sau ít phút và xem phần Diễn biến; gửi lại đúng biểu mẫu này "
                   "không tạo thêm thao tác.",
}
CLOSING = ("cancel", "paper")     # the workflow writes the row's new status a moment after answering


def action_context(request: Request, detail: dict, state: dict | None = None) -> dict:
    """What web/templates/_task_actions.html needs, for the page shown by GET and again
    after a refused POST (``state``: action, values, errors, failure, form_id)."""
    config, state = request.app.state.config, state or {}
    directory = config.directory
    _name_people(detail, config)
    current = detail.get("lead_official") or ""
    officials = [(o.key, f"{o.name} ({o.title})" if o.title else o.name) for o in directory.officials]
    if current and directory.official(current) is None:
        officials.insert(0, (current, current))  # as the document wrote it
    form_id = secrets.token_urlsafe(9)
    ids = {a: (state.get("form_id") if a == state.get("action") else None) or form_id for a in ACTIONS}
    done = DONE.get(request.query_params.get("done", ""), "")
    revoked = request.query_params.get("n", "")
    if done and revoked.isdigit() and int(revoked) > 0:
        done += f" Đã thu hồi {revoked} đường dẫn của đơn vị không còn chủ trì."
    return {"act": {
        "open_task": detail.get("status") in ("open", "awaiting_review"), "recurring": detail.get("deadline_kind") == "recurring",
        "units": [(u.key, u.name) for u in directory.units], "officials": officials, "current_official": current,
        "ids": ids, "open": state.get("action", ""), "typed": {state.get("action", ""): state.get("values", {})},
        "problems": {state.get("action", ""): state.get("errors", {})}, "failure": state.get("failure", ""),
        "done": done, "base": task_href(detail['id']) + "/actions",
    }}


def _name_people(detail: dict, config) -> None:
    """The units and officials a change named, by name on the timeline."""
    for item in detail.get("timeline", []):
        data = item.get("data")
        if item.get("type") != "event" or not isinstance(data, dict):
            continue
        if isinstance(data.get("lead_units"), list):
            data["lead_units"] = [unit_name(config, k) for k in data["lead_units"]]
        if isinstance(data.get("lead_official"), str) and data["lead_official"]:
            data["lead_official"] = official_name(config, data["lead_official"])


def _read(action: str, form, detail: dict, request: Request, today) -> ActionRequest:
    actor = request.state.user.username
    if action == "reassign":
        return read_reassign(form, detail, request.app.state.config.directory, actor)
    if action == "deadline":
        return read_deadline(form, detail, today, actor)
    if action == "cancel":
        return read_cancel(form, detail, actor)
    if action == "resend":
        return read_resend(form, detail, actor)
    return _read_paper(form, detail, today, actor)


def _read_paper(form, detail: dict, today, actor: str) -> ActionRequest:
    """The link's own confirmation (web/forms.py: domain/evidence.py's rule), recorded by the office."""
    typed = {k: str(form.get(k, "") or "").strip() for k in ("document_number", "issued_on", "summary", "note")}
    day = read_vn_date(typed["issued_on"])
    values, errors = read_confirmation({**typed, "issued_on": day.isoformat() if day else typed["issued_on"]},
                                       today)
    shown = dict(values, issued_on=typed["issued_on"], form_id=str(form.get("form_id", "")))
    if errors:
        return ActionRequest("confirm", {}, shown, errors)
    returned = sum(1 for i in detail.get("timeline", []) if i.get("kind") == "task_returned")
    key = confirm_key(detail["id"], "", values, returned)
    return ActionRequest("confirm", dict(values, key=key, confirmed_by=actor, recorded_by=actor), shown, {})


@page(act=True)
async def task_action(request: Request):
    task_id, action = request.path_params["task_id"], request.path_params["action"]
    now = now_utc()
    from web.routes_dashboard import task_context

    ctx = await task_context(request, task_id, today_vn(now)) if action in ACTIONS else None
    if ctx is None:
        return render(request, "error.html", {"heading": "Không tìm thấy", "back": "/dashboard",
                                              "message": "Không có nhiệm vụ hoặc thao tác này."}, status=404)
    req = _read(action, request.state.form, ctx["t"], request, today_vn(now))
    if req.errors:
        return _again(request, ctx, action, req, "", 422)
    outcome = await call_update(request, task_id, req.update, req.arg, req.key)
    if outcome.state == "closed" and await asyncio.to_thread(_already_done, request, action, req, task_id):
        outcome = UpdateOutcome("ok", result={"first": True})  # the same submission again, after it closed the task
    refusal = _refusal(action, outcome)
    if refusal is not None:
        return _again(request, ctx, action, req, *refusal)
    revoked = await follow_up(request, action, ctx["t"], req)
    back = task_href(task_id) + f"?done={action}" + (f"&n={revoked}" if revoked else "")
    return RedirectResponse(back + "#thao-tac", status_code=303)


def _refusal(action: str, outcome: UpdateOutcome) -> tuple[str, int] | None:
    if outcome.state == "rejected":
        return outcome.detail or "Hệ thống không chấp nhận thao tác này.", 422
    if outcome.state != "ok":
        return FAILED[outcome.state], 409 if outcome.state == "closed" else 503
    result = outcome.result if isinstance(outcome.result, dict) else {}
    if action == "paper" and result.get("status") == "awaiting_review":
        return "Đơn vị đã báo cáo kết quả; kết quả đang chờ duyệt ở mục «Duyệt kết quả» phía trên.", 409
    if action == "paper" and not was_first(result):
        evidence = (result.get("evidence") or {}).get("document_number", "")
        return f"Nhiệm vụ đã được xác nhận hoàn thành trước đó (văn bản {evidence}); không ghi nhận thêm.", 409
    return None


def _already_done(request: Request, action: str, req: ActionRequest, task_id: str) -> bool:
    """A cancellation or paper completion sent again once the task closed: was it this one?"""
    from services.task_views import task_view

    view = task_view(request.app.state.settings.database_url, task_id) or {}
    if action == "cancel":
        return view.get("status") == "cancelled"
    evidence = view.get("evidence") or {}
    return action == "paper" and view.get("status") == "completed" and \
        evidence.get("document_number") == req.arg.get("document_number") and \
        evidence.get("recorded_by") == req.arg.get("recorded_by")


async def follow_up(request: Request, action: str, detail: dict, req: ActionRequest) -> int:
    """What follows a done action: the old units' links revoked (reassign, how many), or
    the row's new status awaited a moment (cancel, paper) so the page shows it."""
    db = request.app.state.settings.database_url
    if action == "reassign" and "lead_units" in req.arg:
        gone = [u for u in detail.get("lead_units") or [] if u not in req.arg["lead_units"]]
        return await asyncio.to_thread(revoke_links_of, db, detail["id"], gone, request.state.user.username,
                                       now_utc()) if gone else 0
    if action in CLOSING:
        for _ in range(50):
            if await asyncio.to_thread(task_status, db, detail["id"]) != "open":
                break
            await asyncio.sleep(0.1)
    return 0


def _again(request: Request, ctx: dict, action: str, req: ActionRequest, failure: str, status: int):
    state = {"action": action, "values": req.values, "errors": req.errors, "failure": failure,
             "form_id": req.values.get("form_id")}
    return render(request, "task.html", {**ctx, **action_context(request, ctx["t"], state)}, status=status,
                  headers={"Retry-After": "60"} if status == 503 else None)


def routes(settings, config) -> list[Route]:
    return [Route("/dashboard/tasks/{task_id:path}/actions/{action}", task_action, methods=["POST"])]
