"""What every signed-link page checks before it shows or does anything: the link
(signature, expiry, purpose), the task and cycle it names as the store sees them
now, and for a POST the origin and the form token bound to the link. Anything we
cannot honour is a Refusal, shown as a page saying what the officer should do.
Used by the confirmation, extension and incident pages.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request

from domain.links import LinkClaims, LinkError, verify
from web import csrf
from web.limits import BodyTooLarge, read_form
from web.pages import render, today_vn
from web.queries import extended_from, extensions, official_name

ONCE_CYCLES = ("", "once")    # the cycle a one-off task's links name


class Refusal(Exception):
    """A link we cannot honour: status, heading, and what the officer should do."""

    def __init__(self, status: int, heading: str, message: str):
        self.status, self.heading, self.message = status, heading, message
        super().__init__(message)


# -- claims, task and cycle ------------------------------------------------------
_LINK_STATUS = {"forged": 403, "malformed": 400, "expired": 410, "revoked": 410}
_LINK_HEADING = {"forged": "Đường dẫn không hợp lệ", "malformed": "Đường dẫn không đầy đủ",
                 "expired": "Đường dẫn đã hết hạn", "revoked": "Đường dẫn đã bị thu hồi"}


def verify_link(settings, token: str, now: datetime) -> LinkClaims:
    """The claims of a link: an opaque one issued with the link key and not revoked
    (store/links.py), or, until they expire, one sent before opaque ids, signed with
    the link key or (before the keys were split) with the raw secret; else LinkError."""
    from store.links import resolve

    try:
        return resolve(settings.database_url, settings.link_key, token, now)
    except LinkError as err:
        if err.reason != "forged" or (token or "").startswith("v2."):
            raise
    return verify(settings.secret_key, token, now)


def check_link(settings, token: str, purpose: str, now: datetime) -> LinkClaims:
    try:
        claims = verify_link(settings, token, now)
    except LinkError as err:
        raise Refusal(_LINK_STATUS.get(err.reason, 403), _LINK_HEADING.get(err.reason, _LINK_HEADING["forged"]),
                      err.message) from None
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
    extended_from: str | None = None  # a one-off deadline before approved extensions (ISO day)


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
        moves = extensions(session, [task.id]).get(task.id)
    cycle = _cycle_of(task, cycles, claims.cycle)
    moved_from = extended_from(task.due.isoformat(), moves) if cycle is None and task.due else None
    return Subject(task, cycle, unit_names(config, task.lead_units), official_name(config, task.lead_official),
                   _first_confirmation(task, cycle), moved_from)


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
    if task.status == "awaiting_review":  # sent, the standing office has not decided yet
        return {"result": None, "on": None, "evidence": task.evidence or {}, "awaiting": True}
    return None


def unit_names(config, keys) -> list[str]:
    directory = config.directory
    return [(directory.unit(k).name if directory.unit(k) else k) for k in keys or []]


def due_of(subject: Subject):
    return subject.cycle.due if subject.cycle is not None else subject.task.due


# -- requests and pages ----------------------------------------------------------------
async def open_link(request: Request, purpose: str, now: datetime) -> tuple[str, LinkClaims, Subject]:
    """The token, its claims and its task: what a task link page starts from."""
    settings, config = request.app.state.settings, request.app.state.config
    token = request.path_params["token"]
    claims = check_link(settings, token, purpose, now)
    subject = await asyncio.to_thread(load_subject, settings.database_url, config, claims)
    return token, claims, subject


async def link_form(request: Request):
    """A link page's form, its body read with a limit (a few fields of text)."""
    try:
        return await read_form(request)
    except BodyTooLarge as err:
        raise Refusal(413, "Nội dung quá lớn", err.message) from None


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


def refusal_page(request: Request, refusal: Refusal):
    return render(request, "error.html", {"heading": refusal.heading, "message": refusal.message},
                  status=refusal.status)


def page_context(request: Request, token: str, subject: Subject, claims: LinkClaims, now: datetime,
                 **extra) -> dict:
    """What the task link templates (confirm, confirmed, extend_review) expect."""
    secret = request.app.state.settings.secret_key
    ctx = {"token": token, "csrf_token": csrf.link_token(secret, token), "s": subject, "claims": claims,
           "due": due_of(subject), "today": today_vn(now), "values": {}, "errors": {},
           "ext_values": {}, "ext_errors": {}, "pending": []}
    ctx.update(extra)
    return ctx
