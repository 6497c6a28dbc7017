"""Extension requests (gia hạn), from the unit's link to the lead official's decision.

  POST /c/{token}/extend   the unit asks the lead official for more time
  GET  /g/{token}          the lead official's view of pending extension requests
  POST /g/{token}          approve (the workflow's ``extend`` update) or decline

A request changes no deadline: it is a timeline event and a message to the lead
official (web/extension_messages.py). An approval is the workflow's ``extend``
update (the workflow then tells the unit); a decline is an event and a message
to the unit. A decision is keyed by its request, so a second click changes nothing.
"""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

from starlette.requests import Request
from starlette.routing import Route

from domain.links import LinkClaims
from web.extension_messages import notify_lead, notify_requester
from web.forms import read_extension
from web.link_guard import Refusal, Subject, due_of, guard_post, link_form, open_link, page_context, refusal_page
from web.pages import now_utc, render, today_vn, vn_date
from web.queries import official_name
from web.updates import call_update


# -- the timeline --------------------------------------------------------------------------
def pending_requests(database_url: str, task_id: str, cycle: str) -> list[dict]:
    """Extension requests for this task and cycle that nobody has decided yet."""
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Event

    with session_scope(database_url) as session:
        events = session.scalars(select(Event).where(Event.subject_id == task_id, Event.kind.in_(
            ("extension_requested", "extension_approved", "extension_declined"))).order_by(Event.at)).all()
        decided = {e.data.get("request_id") for e in events if e.kind != "extension_requested"}
        return [dict(e.data, at=e.at) for e in events
                if e.kind == "extension_requested" and e.data.get("cycle") == cycle
                and e.data.get("request_id") not in decided]


def record_event(database_url: str, subject_id: str, kind: str, key: str, data: dict, at: datetime) -> bool:
    """Write one timeline event; False when an event with this key exists (a repeat)."""
    from sqlalchemy.exc import IntegrityError

    from store.db import session_scope
    from store.models import Event

    try:
        with session_scope(database_url) as session:
            session.add(Event(subject_id=subject_id, kind=kind, key=key, data=data, at=at))
        return True
    except IntegrityError:
        return False


# -- the unit's request ----------------------------------------------------------------------
async def extension_request(request: Request):
    now = now_utc()
    settings, config = request.app.state.settings, request.app.state.config
    try:
        token, claims, subject = await open_link(request, "confirm", now)
        form = await link_form(request)
        guard_post(request, token, form)
    except Refusal as refusal:
        return refusal_page(request, refusal)
    if subject.done:
        return render(request, "confirmed.html", page_context(request, token, subject, claims, now,
                                                              outcome=subject.done, already=True))
    values, errors = read_extension(form, today_vn(now), due_of(subject))
    if errors:
        return render(request, "confirm.html", page_context(request, token, subject, claims, now, ext_values=values,
                                                            ext_errors=errors, open_extension=True), status=422)
    request_id = uuid.uuid4().hex[:16]
    data = {"request_id": request_id, "cycle": claims.cycle, "new_due": values["new_due"],
            "reason": values["reason"], "requested_by": claims.recipient,
            "old_due": due_of(subject).isoformat() if due_of(subject) else None}
    if not await asyncio.to_thread(record_request, settings.database_url, claims.subject_id, claims.cycle, data, now):
        return _already_pending(request, token, settings.database_url, claims)
    sent = await asyncio.to_thread(notify_lead, settings, config, subject, claims, data, now)
    return render(request, "message.html", {
        "heading": "Đã gửi đề nghị gia hạn",
        "message": (f"Đề nghị gia hạn đến ngày {vn_date(values['new_due'])} đã được ghi nhận và "
                    + (f"đã gửi tới {sent} để xem xét. " if sent else
                       "chưa gửi được tới lãnh đạo phụ trách; Văn phòng (bộ phận thường trực) sẽ xử lý. ")
                    + "Thời hạn hiện tại vẫn giữ nguyên cho đến khi đề nghị được đồng ý."),
        "back": f"/c/{token}"})


def record_request(database_url: str, task_id: str, cycle: str, data: dict, at: datetime) -> bool:
    """Record a request unless one for this task and cycle is still waiting: one pending
    request at a time, so a link cannot flood the lead official with approval links.
    The event key names the round (how many were decided before), so two requests sent
    at the same moment cannot both be recorded."""
    if pending_requests(database_url, task_id, cycle):
        return False
    round_ = decided_count(database_url, task_id, cycle)
    return record_event(database_url, task_id, "extension_requested",
                        f"extension_requested:{task_id}|{cycle}|{round_}", data, at)


def decided_count(database_url: str, task_id: str, cycle: str) -> int:
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Event

    with session_scope(database_url) as session:
        events = session.scalars(select(Event).where(Event.subject_id == task_id, Event.kind.in_(
            ("extension_approved", "extension_declined")))).all()
        return sum(1 for e in events if (e.data or {}).get("cycle") == cycle)


def _already_pending(request: Request, token: str, database_url: str, claims: LinkClaims):
    waiting = pending_requests(database_url, claims.subject_id, claims.cycle)
    day = f" (đến ngày {vn_date(waiting[0]['new_due'])})" if waiting else ""
    return render(request, "message.html", {
        "heading": "Đề nghị gia hạn đang chờ xem xét",
        "message": (f"Đã có một đề nghị gia hạn{day} đang chờ lãnh đạo phụ trách xem xét; chưa thể gửi thêm "
                    "đề nghị mới cho đến khi đề nghị đó được quyết định. Nếu cần, vui lòng liên hệ Văn phòng "
                    "(bộ phận thường trực)."),
        "back": f"/c/{token}"}, status=409)


# -- the lead official's decision ---------------------------------------------------------
async def review_page(request: Request):
    now = now_utc()
    settings = request.app.state.settings
    try:
        token, claims, subject = await open_link(request, "extend", now)
        if request.method == "POST":
            form = await link_form(request)
            guard_post(request, token, form)
            return await _decide(request, token, claims, subject, form, now)
    except Refusal as refusal:
        return refusal_page(request, refusal)
    pending = await asyncio.to_thread(pending_requests, settings.database_url, claims.subject_id, claims.cycle)
    return render(request, "extend_review.html", page_context(request, token, subject, claims, now,
                                                              pending=pending))


async def _decide(request: Request, token: str, claims: LinkClaims, subject: Subject, form, now: datetime):
    settings, config = request.app.state.settings, request.app.state.config
    pending = await asyncio.to_thread(pending_requests, settings.database_url, claims.subject_id, claims.cycle)
    chosen = next((p for p in pending if p["request_id"] == form.get("request_id")), None)
    if chosen is None:
        raise Refusal(409, "Đề nghị đã được xử lý",
                      "Đề nghị gia hạn này đã được đồng ý hoặc từ chối trước đó, hoặc không thuộc nhiệm vụ này. "
                      "Không có gì thay đổi.")
    approve = form.get("decision") == "approve"
    who = official_name(config, claims.recipient)
    if approve:
        arg = {"key": f"extend:{chosen['request_id']}", "new_due": chosen["new_due"], "reason": chosen["reason"],
               "approved_by": who, "cycle": claims.cycle}
        outcome = await call_update(request, claims.subject_id, "extend", arg, arg["key"])
        if outcome.state != "ok":
            return render(request, "extend_review.html", page_context(
                request, token, subject, claims, now, pending=pending, failure=outcome.state,
                failure_detail=outcome.detail), status={"rejected": 422, "closed": 409}.get(outcome.state, 503))
    kind = "extension_approved" if approve else "extension_declined"
    data = {"request_id": chosen["request_id"], "cycle": claims.cycle, "new_due": chosen["new_due"],
            "decided_by": who, "note": str(form.get("note", "")).strip()[:2000]}
    await asyncio.to_thread(record_event, settings.database_url, claims.subject_id, kind,
                            f"extension_decision:{chosen['request_id']}", data, now)
    if not approve:  # no workflow change, so no workflow notice: tell the unit here
        await asyncio.to_thread(notify_requester, settings, config, subject, claims, chosen, data)
    heading = "Đã đồng ý gia hạn" if approve else "Đã từ chối đề nghị gia hạn"
    message = (f"Thời hạn mới của nhiệm vụ là ngày {vn_date(chosen['new_due'])}; đơn vị chủ trì được thông báo."
               if approve else "Thời hạn của nhiệm vụ giữ nguyên. Đã ghi nhận quyết định.")
    return render(request, "message.html", {"heading": heading, "message": message, "ok": True})


def routes(settings, config) -> list:
    return [
        Route("/c/{token}/extend", extension_request, methods=["POST"]),
        Route("/g/{token}", review_page, methods=["GET", "POST"]),
    ]
