"""The pages behind the signed links in reminders.

  GET  /c/{token}          the task, its deadline and expected output, and the forms
  POST /c/{token}          confirm completion (the workflow's ``confirm`` update)
  POST /c/{token}/extend   ask the lead official for more time (gia hạn)
  GET  /g/{token}          the lead official's view of pending extension requests
  POST /g/{token}          approve (the ``extend`` update) or decline

GET shows, POST acts: chat previews and mail scanners open links. The store is
read for showing (a query would need a worker); the workflow decides on POST,
through an update with a bounded RPC timeout: when the worker is away we say
plainly that nothing was recorded yet, and never claim a success we did not get.
Confirmation keys are the task and cycle, so a second submission (a double click,
a colleague with the same link) changes nothing and shows the first one.
"""
from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from web import csrf
from domain.evidence import document_errors, parse_day, text_errors
from domain.links import LinkClaims, LinkError, make_link, verify
from web.pages import now_utc, render, today_vn, vn_date

UPDATE_TIMEOUT_S = 8          # the update's RPC timeout; the page answers within ~10 s
EXTEND_LINK_DAYS = 30         # the lead official's approval link lives this long
ONCE_CYCLES = ("", "once")    # the cycle a one-off task's links name


class Refusal(Exception):
    """A link we cannot honour: status, heading, and what the officer should do."""

    def __init__(self, status: int, heading: str, message: str):
        self.status, self.heading, self.message = status, heading, message
        super().__init__(message)


# -- claims, task and cycle ------------------------------------------------------
_LINK_STATUS = {"forged": 403, "malformed": 400, "expired": 410}
_LINK_HEADING = {"forged": "Đường dẫn không hợp lệ", "malformed": "Đường dẫn không đầy đủ",
                 "expired": "Đường dẫn đã hết hạn"}


def check_link(secret: str, token: str, purpose: str, now: datetime) -> LinkClaims:
    try:
        claims = verify(secret, token, now)
    except LinkError as err:
        raise Refusal(_LINK_STATUS[err.reason], _LINK_HEADING[err.reason], err.message) from None
    if claims.purpose != purpose:
        raise Refusal(400, "Đường dẫn dùng cho việc khác",
                      "Đường dẫn này không dùng để xác nhận ở trang này. Vui lòng mở đúng đường dẫn "
                      "trong tin nhắn nhắc việc, hoặc liên hệ Văn phòng (bộ phận thường trực).")
    return claims


@dataclass
class Subject:
    """What a link points at, as the store sees it now."""
    task: Any                 # store.models.Task (detached)
    cycle: Any | None         # store.models.Cycle for a recurring task's period
    unit_names: list[str]
    official_name: str
    done: dict | None         # the first confirmation, when there is one


def load_subject(database_url: str, config, claims: LinkClaims) -> Subject:
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Cycle, Task

    with session_scope(database_url) as session:
        task = session.get(Task, claims.subject_id)
        if task is None:
            raise Refusal(404, "Không tìm thấy nhiệm vụ",
                          "Không tìm thấy nhiệm vụ của đường dẫn này (có thể nhiệm vụ đã bị xóa hoặc "
                          "đường dẫn thuộc hệ thống khác). Vui lòng liên hệ Văn phòng (bộ phận thường trực).")
        cycles = session.scalars(select(Cycle).where(Cycle.task_id == task.id)).all()
    cycle = _cycle_of(task, cycles, claims.cycle)
    return Subject(task, cycle, unit_names(config, task.lead_units), official_name(config, task.lead_official),
                   _first_confirmation(task, cycle))


def _cycle_of(task, cycles, name: str):
    if task.deadline_kind != "recurring" or not cycles:
        if name in ONCE_CYCLES:
            return None
    else:
        for cycle in cycles:
            if cycle.period == name:
                return cycle
    raise Refusal(409, "Đường dẫn thuộc kỳ báo cáo khác",
                  "Đường dẫn này thuộc một kỳ báo cáo không còn mở của nhiệm vụ. Vui lòng dùng đường dẫn "
                  "trong tin nhắn nhắc việc mới nhất, hoặc liên hệ Văn phòng (bộ phận thường trực).")


def _first_confirmation(task, cycle) -> dict | None:
    if cycle is not None:
        if cycle.status == "reported":
            return {"result": cycle.result, "on": cycle.reported_on, "evidence": cycle.evidence or {}}
        return None
    if task.status == "completed":
        return {"result": task.result, "on": task.completed_on, "evidence": task.evidence or {}}
    return None


def unit_names(config, keys) -> list[str]:
    directory = config.directory
    return [(directory.unit(k).name if directory.unit(k) else k) for k in keys or []]


def official_name(config, key: str | None) -> str:
    official = config.directory.official(key) if key else None
    return official.name if official else (key or "")


def due_of(subject: Subject):
    return subject.cycle.due if subject.cycle is not None else subject.task.due


# -- the workflow ------------------------------------------------------------------
@dataclass
class UpdateOutcome:
    state: str                 # ok | rejected | unavailable | closed
    result: Any = None
    detail: str = ""


async def call_update(request: Request, workflow_id: str, name: str, arg: dict, update_id: str,
                      timeout_s: float | None = None) -> UpdateOutcome:
    """Send one update and say what happened, within ``timeout_s`` (plus connecting)."""
    timeout_s = timeout_s or UPDATE_TIMEOUT_S
    from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
    from temporalio.service import RPCError, RPCStatusCode

    client = await request.app.state.temporal.get()
    if client is None:
        return UpdateOutcome("unavailable", detail="temporal not connected")
    handle = client.get_workflow_handle(workflow_id)
    try:
        result = await asyncio.wait_for(
            handle.execute_update(name, arg, id=update_id, rpc_timeout=timedelta(seconds=timeout_s)),
            timeout_s + 2)
    except WorkflowUpdateFailedError as err:
        cause = err.cause or err
        return UpdateOutcome("rejected", detail=str(getattr(cause, "message", "") or cause))
    except (WorkflowUpdateRPCTimeoutOrCancelledError, asyncio.TimeoutError):
        return UpdateOutcome("unavailable", detail="timeout")
    except RPCError as err:
        if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            return UpdateOutcome("closed", detail=err.message)
        return UpdateOutcome("unavailable", detail=f"{err.status.name}: {err.message}")
    return UpdateOutcome("ok", result=result)


def confirm_key(subject_id: str, cycle: str, values: dict) -> str:
    """The update's idempotency key: the task, the cycle and what was submitted.
    Resending the same evidence (a retry after "not recorded") is the same
    confirmation; different evidence after the first is a second submission, which
    the workflow answers with the first one and records nothing."""
    fields = "|".join(str(values.get(k, "")) for k in ("document_number", "issued_on", "summary", "link", "note"))
    return f"confirm:{subject_id}:{cycle}:{hashlib.sha256(fields.encode()).hexdigest()[:16]}"


def was_first(result: dict) -> bool:
    """Whether an update's answer says this submission is the one that counted."""
    if "first" in result:
        return bool(result["first"])
    return not (result.get("duplicate") or result.get("already"))


# -- forms -----------------------------------------------------------------------------
def read_confirmation(form, today: date) -> tuple[dict, dict]:
    """The evidence fields and the errors, field by field, in Vietnamese."""
    values = {k: str(form.get(k, "")).strip() for k in ("document_number", "issued_on", "summary", "link", "note")}
    errors = document_errors(values["document_number"], values["issued_on"], values["summary"], today=today,
                             link=values["link"], note=values["note"])
    if "number" in errors:
        errors["document_number"] = errors.pop("number")
    if "issued_on" not in errors:
        values["issued_on"] = parse_day(values["issued_on"]).isoformat()
    return values, errors


def read_extension(form, today: date, due: date | None) -> tuple[dict, dict]:
    values = {"new_due": str(form.get("new_due", "")).strip(), "reason": str(form.get("reason", "")).strip()}
    errors = {}
    new_due = parse_day(values["new_due"])
    if new_due is None:
        errors["new_due"] = "Nhập thời hạn mới đề nghị (ngày/tháng/năm)."
    elif new_due <= today or (due is not None and new_due <= due):
        errors["new_due"] = "Thời hạn mới phải sau hôm nay và sau thời hạn hiện tại."
    else:
        values["new_due"] = new_due.isoformat()
    if not values["reason"]:
        errors["reason"] = "Nêu lý do đề nghị gia hạn."
    else:
        errors.update(text_errors(reason=values["reason"]))
    return values, errors


# -- pages: confirmation -------------------------------------------------------------
def _ctx(request: Request, token: str, subject: Subject, claims: LinkClaims, now: datetime, **extra) -> dict:
    secret = request.app.state.settings.secret_key
    ctx = {"token": token, "csrf_token": csrf.link_token(secret, token), "s": subject, "claims": claims,
           "due": due_of(subject), "today": today_vn(now), "values": {}, "errors": {},
           "ext_values": {}, "ext_errors": {}, "pending": []}
    ctx.update(extra)
    return ctx


def refusal_page(request: Request, refusal: Refusal):
    return render(request, "error.html", {"heading": refusal.heading, "message": refusal.message},
                  status=refusal.status)


def guard_post(request: Request, token: str, form, page: str = "trang xác nhận") -> None:
    """A link page's POST: from our own origin, with the form token bound to this link."""
    settings = request.app.state.settings
    if not csrf.same_origin(request, settings.public_url):
        raise Refusal(403, "Yêu cầu bị từ chối",
                      f"Biểu mẫu này phải được gửi từ chính {page}. Vui lòng mở lại đường dẫn "
                      "trong tin nhắn và gửi lại.")
    if not csrf.check_link_token(settings.secret_key, token, form.get(csrf.FIELD)):
        raise Refusal(403, "Biểu mẫu không hợp lệ",
                      "Biểu mẫu thiếu mã bảo vệ hoặc đã bị sửa. Vui lòng mở lại đường dẫn trong tin nhắn, "
                      "điền lại và gửi.")


async def _open(request: Request, purpose: str, now: datetime) -> tuple[str, LinkClaims, Subject]:
    settings, config = request.app.state.settings, request.app.state.config
    token = request.path_params["token"]
    claims = check_link(settings.secret_key, token, purpose, now)
    subject = await asyncio.to_thread(load_subject, settings.database_url, config, claims)
    return token, claims, subject


async def confirm_page(request: Request):
    now = now_utc()
    try:
        token, claims, subject = await _open(request, "confirm", now)
        if request.method == "POST":
            form = await request.form()
            guard_post(request, token, form)
            return await _confirm(request, token, claims, subject, form, now)
    except Refusal as refusal:
        return refusal_page(request, refusal)
    template = "confirmed.html" if subject.done else "confirm.html"
    ctx = _ctx(request, token, subject, claims, now, outcome=subject.done, already=True)
    if not subject.done:
        ctx["pending"] = await asyncio.to_thread(pending_requests, request.app.state.settings.database_url,
                                                 claims.subject_id, claims.cycle)
    return render(request, template, ctx)


async def _confirm(request: Request, token: str, claims: LinkClaims, subject: Subject, form, now: datetime):
    if subject.done:  # the store already has it: show the first, change nothing
        return render(request, "confirmed.html", _ctx(request, token, subject, claims, now,
                                                      outcome=subject.done, already=True))
    values, errors = read_confirmation(form, today_vn(now))
    if errors:
        return render(request, "confirm.html", _ctx(request, token, subject, claims, now, values=values,
                                                    errors=errors), status=422)
    key = confirm_key(claims.subject_id, claims.cycle, values)
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
        return render(request, "confirmed.html", _ctx(request, token, subject, claims, now, outcome=done,
                                                      already=already, just_now=not already, state=state))
    page = {"rejected": 422, "closed": 409, "unavailable": 503}[outcome.state]
    return render(request, "confirm.html", _ctx(request, token, subject, claims, now, values=values,
                                                failure=outcome.state, failure_detail=outcome.detail),
                  status=page, headers={"Retry-After": "60"} if page == 503 else None)


# -- extension requests ------------------------------------------------------------------
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


async def extension_request(request: Request):
    now = now_utc()
    settings, config = request.app.state.settings, request.app.state.config
    try:
        token, claims, subject = await _open(request, "confirm", now)
        form = await request.form()
        guard_post(request, token, form)
    except Refusal as refusal:
        return refusal_page(request, refusal)
    if subject.done:
        return render(request, "confirmed.html", _ctx(request, token, subject, claims, now,
                                                      outcome=subject.done, already=True))
    values, errors = read_extension(form, today_vn(now), due_of(subject))
    if errors:
        return render(request, "confirm.html", _ctx(request, token, subject, claims, now, ext_values=values,
                                                    ext_errors=errors, open_extension=True), status=422)
    request_id = uuid.uuid4().hex[:16]
    data = {"request_id": request_id, "cycle": claims.cycle, "new_due": values["new_due"],
            "reason": values["reason"], "requested_by": claims.recipient,
            "old_due": due_of(subject).isoformat() if due_of(subject) else None}
    await asyncio.to_thread(record_event, settings.database_url, claims.subject_id, "extension_requested",
                            f"extension_requested:{request_id}", data, now)
    sent = await asyncio.to_thread(notify_lead, settings, config, subject, claims, data, now)
    return render(request, "message.html", {
        "heading": "Đã gửi đề nghị gia hạn",
        "message": (f"Đề nghị gia hạn đến ngày {vn_date(values['new_due'])} đã được ghi nhận và "
                    + (f"đã gửi tới {sent} để xem xét. " if sent else
                       "chưa gửi được tới lãnh đạo phụ trách; Văn phòng (bộ phận thường trực) sẽ xử lý. ")
                    + "Thời hạn hiện tại vẫn giữ nguyên cho đến khi đề nghị được đồng ý."),
        "back": f"/c/{token}"})


def _lead_of(config, task):
    directory = config.directory
    official = directory.official(task.lead_official) if task.lead_official else None
    for key in task.lead_units or []:
        unit = directory.unit(key)
        if official is None and unit is not None and unit.lead_official:
            official = directory.official(unit.lead_official)
    return official


def notify_lead(settings, config, subject: Subject, claims: LinkClaims, data: dict, now: datetime) -> str:
    """Send the lead official an approve/decline link, one delivery per target, each
    logged; returns the official's name when at least one went out, else ''."""
    from notifiers.transport import send
    from web.pages import ENV

    official = _lead_of(config, subject.task)
    if official is None or not official.targets:
        return ""
    link = make_link(settings.secret_key, settings.public_url, claims.subject_id, claims.cycle, official.key,
                     "extend", expires_at=now + timedelta(days=EXTEND_LINK_DAYS))
    text = ENV.get_template("msg_extension_request.txt").render(
        s=subject, data=data, official=official, link=link, vn_date=vn_date)
    title = "Đề nghị gia hạn nhiệm vụ"
    outcomes = [(url, send(url, title, text)) for url in official.targets]
    _log_delivery(settings.database_url, claims, f"extension_request/{data['request_id']}", official.key,
                  outcomes, now)
    return official.name if any(o.ok for _, o in outcomes) else ""


def notify_requester(settings, config, subject: Subject, claims: LinkClaims, request: dict, decision: dict,
                     now: datetime) -> None:
    """Tell the unit that asked that the lead official declined its extension."""
    from notifiers.transport import send
    from web.pages import ENV

    unit = config.directory.unit(request.get("requested_by", ""))
    if unit is None or not unit.targets:
        return
    text = ENV.get_template("msg_extension_declined.txt").render(s=subject, data=request, decision=decision,
                                                                  unit=unit, vn_date=vn_date)
    outcomes = [(url, send(url, "Đề nghị gia hạn không được đồng ý", text)) for url in unit.targets]
    _log_delivery(settings.database_url, claims, f"extension_declined/{request['request_id']}", unit.key,
                  outcomes, now)


def _log_delivery(database_url, claims, step, recipient, outcomes, now) -> None:
    """The delivery log in the delivery activity's shape: one row for the delivery
    (subject|cycle|step|recipient) and one per channel tried (+ |channel)."""
    from notifiers.transport import channel_of, channel_suffixes, mask
    from store.db import session_scope
    from store.models import Delivery

    key = f"{claims.subject_id}|{claims.cycle}|{step}|{recipient}"
    won = next(((url, o) for url, o in outcomes if o.ok), None)
    common = dict(subject_id=claims.subject_id, cycle=claims.cycle, step=step[:60], recipient=recipient,
                  created_at=now)
    with session_scope(database_url) as session:
        session.add(Delivery(key=key, channel=channel_of(won[0]) if won else "", target=mask(won[0]) if won else "",
                             status="sent" if won else "failed", attempts=len(outcomes), sent_at=now if won else None,
                             error="; ".join(o.error for _, o in outcomes if o.error)[:2000], **common))
        for (url, outcome), suffix in zip(outcomes, channel_suffixes([url for url, _ in outcomes])):
            session.add(Delivery(key=f"{key}|{suffix}", channel=channel_of(url), target=mask(url),
                                 status="sent" if outcome.ok else "failed", attempts=1, error=outcome.error,
                                 sent_at=now if outcome.ok else None, **common))


# -- the lead official's decision ---------------------------------------------------------
async def review_page(request: Request):
    now = now_utc()
    settings = request.app.state.settings
    try:
        token, claims, subject = await _open(request, "extend", now)
        if request.method == "POST":
            form = await request.form()
            guard_post(request, token, form)
            return await _decide(request, token, claims, subject, form, now)
    except Refusal as refusal:
        return refusal_page(request, refusal)
    pending = await asyncio.to_thread(pending_requests, settings.database_url, claims.subject_id, claims.cycle)
    return render(request, "extend_review.html", _ctx(request, token, subject, claims, now, pending=pending))


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
            return render(request, "extend_review.html", _ctx(
                request, token, subject, claims, now, pending=pending, failure=outcome.state,
                failure_detail=outcome.detail), status={"rejected": 422, "closed": 409}.get(outcome.state, 503))
    kind = "extension_approved" if approve else "extension_declined"
    data = {"request_id": chosen["request_id"], "cycle": claims.cycle, "new_due": chosen["new_due"],
            "decided_by": who, "note": str(form.get("note", "")).strip()[:2000]}
    await asyncio.to_thread(record_event, settings.database_url, claims.subject_id, kind,
                            f"extension_decision:{chosen['request_id']}", data, now)
    if not approve:  # no workflow change, so no workflow notice: tell the requester here
        await asyncio.to_thread(notify_requester, settings, config, subject, claims, chosen, data, now)
    heading = "Đã đồng ý gia hạn" if approve else "Đã từ chối đề nghị gia hạn"
    message = (f"Thời hạn mới của nhiệm vụ là ngày {vn_date(chosen['new_due'])}; đơn vị chủ trì được thông báo."
               if approve else "Thời hạn của nhiệm vụ giữ nguyên. Đã ghi nhận quyết định.")
    return render(request, "message.html", {"heading": heading, "message": message, "ok": True})


def routes(settings, config) -> list:
    return [
        Route("/c/{token}", confirm_page, methods=["GET", "POST"]),
        Route("/c/{token}/extend", extension_request, methods=["POST"]),
        Route("/g/{token}", review_page, methods=["GET", "POST"]),
    ]
