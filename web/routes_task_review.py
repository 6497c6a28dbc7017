"""The standing office's review on the task page (/dashboard/tasks/{id}): a result the
unit confirmed waits ("Chờ duyệt") where the deployment reviews results ([review]);
the office accepts it -- the task closes, classified by the confirmation's moment --
or returns it with a reason -- the unit is told why and the reminders resume:

  POST /dashboard/tasks/{id}/review     decision=accept | return, reason

Through the task workflow's ``review`` update (services/task_review.py reads the form).
Only admin and office act (``page(act=True)``: 403 otherwise). A refused or failed
decision shows the page again with what was typed and what is wrong, in Vietnamese;
a done one redirects (303) to the page with a notice, once the store shows it.
The form and the result's two dates are web/templates/_task_review.html.
"""
from __future__ import annotations

import asyncio
import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from domain.review import JUDGED_WORDS
from services.task_review import WAITING, ReviewRequest, confirmed_day, not_waiting, read_review
from web.access import page
from web.pages import now_utc, render, task_href, today_vn
from web.updates import call_update

DONE = {"accept": "Đã chấp nhận kết quả: nhiệm vụ hoàn thành; những người đã được nhắc được báo.",
        "return": "Đã trả lại kết quả: đơn vị được báo lý do (Zalo và thư điện tử, kèm đường dẫn báo cáo lại); "
                  "hệ thống tiếp tục nhắc việc."}
FAILED = {"closed": "Nhiệm vụ đã kết thúc; không còn kết quả chờ duyệt.",
          "unavailable": "Chưa nhận được trả lời của hệ thống xử lý nhiệm vụ, nên chưa thể khẳng định đã ghi nhận. "
                         "Hãy tải lại trang sau ít phút; gửi lại đúng biểu mẫu này không tạo thêm quyết định."}
WAITING_EVENT = "task_review_waiting"


def review_context(request: Request, detail: dict, state: dict | None = None) -> dict:
    """What web/templates/_task_review.html needs (``state``: values, errors, failure after a refusal)."""
    state = state or {}
    ev = detail.get("evidence") or {}
    waiting = detail.get("status") == WAITING
    return {"rev": {
        "waiting": waiting, "evidence": ev, "confirmed_on": confirmed_day(ev),
        "judged_words": JUDGED_WORDS.get(ev.get("judged_by") or "", ""),
        "proposed": _proposed(detail) if waiting else None,
        "form_id": state.get("form_id") or secrets.token_urlsafe(9), "typed": state.get("values", {}),
        "problems": state.get("errors", {}), "failure": state.get("failure", ""),
        "done": DONE.get(request.query_params.get("reviewed", ""), ""),
        "action": task_href(detail['id']) + "/review",
    }}


def _proposed(detail: dict) -> str | None:
    """The result if accepted, as the workflow judged the confirmation (its timeline entry)."""
    waiting = [i for i in detail.get("timeline", []) if i.get("type") == "event" and i.get("kind") == WAITING_EVENT]
    return (waiting[-1].get("data") or {}).get("result") if waiting else None


@page(act=True)
async def review_task(request: Request):
    task_id = request.path_params["task_id"]
    from web.routes_dashboard import task_context

    ctx = await task_context(request, task_id, today_vn(now_utc()))
    if ctx is None:
        return render(request, "error.html", {"heading": "Không tìm thấy", "back": "/dashboard",
                                              "message": "Không có nhiệm vụ này."}, status=404)
    form = request.state.form
    req = read_review(str(form.get("decision", "")), str(form.get("reason", "")), ctx["t"],
                      request.state.user.username, str(form.get("form_id", "")))
    if req.errors:
        return _again(request, ctx, req, "", 409 if ctx["t"].get("status") != WAITING else 422)
    outcome = await call_update(request, task_id, "review", req.arg, req.key)
    if outcome.state == "rejected":
        return _again(request, ctx, req, outcome.detail or not_waiting(ctx["t"].get("status")), 422)
    if outcome.state != "ok":
        return _again(request, ctx, req, FAILED[outcome.state], 409 if outcome.state == "closed" else 503)
    await _shown(request, task_id)
    back = task_href(task_id) + f"?reviewed={req.arg['decision']}#duyet-ket-qua"
    return RedirectResponse(back, status_code=303)


async def _shown(request: Request, task_id: str) -> None:
    """The workflow writes the row's new status a moment after answering: wait for it."""
    from services.task_actions import task_status

    for _ in range(50):
        if await asyncio.to_thread(task_status, request.app.state.settings.database_url, task_id) != WAITING:
            return
        await asyncio.sleep(0.1)


def _again(request: Request, ctx: dict, req: ReviewRequest, failure: str, status: int):
    from web.routes_task_actions import action_context

    state = {"values": req.values, "errors": req.errors, "failure": failure, "form_id": req.values.get("form_id")}
    return render(request, "task.html", {**ctx, **action_context(request, ctx["t"]),
                                         **review_context(request, ctx["t"], state)},
                  status=status, headers={"Retry-After": "60"} if status == 503 else None)


def routes(settings, config) -> list[Route]:
    return [Route("/dashboard/tasks/{task_id:path}/review", review_task, methods=["POST"])]
