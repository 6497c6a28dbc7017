"""A leader decides a unit's extension request from the task page (issue 16, part 1:
"leader: approve extensions"), beside the lead official's signed /g/ link:

  POST /dashboard/tasks/{id}/extension   approve (the workflow's ``extend`` update) or decline

The same decision as the link's (web/routes_extension.py), keyed by the request: the
update's id ``extend:<request>`` and the timeline event ``extension_decision:<request>``
are the link's own, so a request is decided once, whichever way it comes. A decline
tells the unit (the link's message). Leaders and administrators decide; anyone else
is refused (403) whatever the page showed them. The page's part is
web/templates/_task_extension.html, fed by ``extension_context`` from the timeline.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from domain.links import LinkClaims
from web.access import page
from web.accounts import ROLE_LABELS
from web.pages import now_utc, render, task_href
from web.routes_extension import pending_requests, record_event
from web.updates import call_update

DECIDERS = ("admin", "leader")
DONE = {"approved": "Đã đồng ý gia hạn; thời hạn mới đã được ghi nhận và đơn vị chủ trì được thông báo.",
        "declined": "Đã từ chối đề nghị gia hạn; thời hạn giữ nguyên và đơn vị chủ trì được thông báo."}
FAILED = {"closed": "Nhiệm vụ đã kết thúc (hoàn thành hoặc đã hủy); không gia hạn được.",
          "unavailable": "Chưa nhận được trả lời của hệ thống xử lý nhiệm vụ, nên chưa thể khẳng định đã gia hạn. "
                         "Hãy tải lại trang sau ít phút; bấm lại không gia hạn hai lần."}


def may_decide(user) -> bool:
    return user is not None and user.role in DECIDERS


def extension_context(request: Request, detail: dict) -> dict:
    """The requests on this task's timeline nobody has decided yet, for the page."""
    events = [i for i in detail.get("timeline", []) if i.get("type") == "event"]
    decided = {(i["data"] or {}).get("request_id") for i in events
               if i["kind"] in ("extension_approved", "extension_declined")}
    waiting = [dict(i["data"], at=i["at"]) for i in events
               if i["kind"] == "extension_requested" and (i["data"] or {}).get("request_id") not in decided]
    done = DONE.get(request.query_params.get("extension", ""), "")
    return {"ext": {"pending": waiting if detail.get("status") == "open" else [], "done": done,
                    "can": may_decide(getattr(request.state, "user", None)),
                    "action": task_href(detail['id']) + "/extension"}}


def _refused(request: Request, task_id: str, heading: str, message: str, status: int):
    return render(request, "error.html", {"heading": heading, "message": message, "back": task_href(task_id)},
                  status=status)


@page
async def decide(request: Request):
    task_id, user = request.path_params["task_id"], request.state.user
    if not may_decide(user):
        return _refused(request, task_id, "Không có quyền", "Chỉ tài khoản Lãnh đạo hoặc Quản trị mới được "
                                                             "quyết định gia hạn.", 403)
    form, settings = request.state.form, request.app.state.settings
    cycle = str(form.get("cycle", ""))
    pending = await asyncio.to_thread(pending_requests, settings.database_url, task_id, cycle)
    chosen = next((p for p in pending if p["request_id"] == form.get("request_id")), None)
    if chosen is None:
        return _refused(request, task_id, "Đề nghị đã được xử lý", "Đề nghị gia hạn này đã được đồng ý hoặc từ chối "
                                                                   "trước đó. Không có gì thay đổi.", 409)
    approve = form.get("decision") == "approve"
    who = f"{user.username} ({ROLE_LABELS.get(user.role, user.role)})"
    if approve:
        arg = {"key": f"extend:{chosen['request_id']}", "new_due": chosen["new_due"], "reason": chosen["reason"],
               "approved_by": who, "cycle": cycle}
        outcome = await call_update(request, task_id, "extend", arg, arg["key"])
        if outcome.state != "ok":
            return _refused(request, task_id, "Chưa gia hạn được", FAILED.get(outcome.state, outcome.detail),
                            {"rejected": 422, "closed": 409}.get(outcome.state, 503))
    data = {"request_id": chosen["request_id"], "cycle": cycle, "new_due": chosen["new_due"], "decided_by": who,
            "note": str(form.get("note", "")).strip()[:2000]}
    await asyncio.to_thread(record_event, settings.database_url, task_id,
                            "extension_approved" if approve else "extension_declined",
                            f"extension_decision:{chosen['request_id']}", data, now_utc())
    if not approve:  # no workflow change, so no workflow notice: tell the unit here, as the link does
        await asyncio.to_thread(_tell_unit, settings, request.app.state.config, task_id, cycle, chosen, data)
    word = "approved" if approve else "declined"
    return RedirectResponse(f"{task_href(task_id)}?extension={word}#gia-han", status_code=303)


def _tell_unit(settings, config, task_id: str, cycle: str, chosen: dict, data: dict) -> None:
    from web.extension_messages import notify_requester
    from web.link_guard import load_subject

    claims = LinkClaims(task_id, cycle, chosen.get("requested_by") or "", "extend", datetime.now(timezone.utc))
    notify_requester(settings, config, load_subject(settings.database_url, config, claims), claims, chosen, data)


def routes(settings, config) -> list:
    return [Route("/dashboard/tasks/{task_id:path}/extension", decide, methods=["POST"])]
