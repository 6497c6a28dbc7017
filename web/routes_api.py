"""The JSON API under /api: the dashboard's data and actions, for scripts and
other systems. The OpenAPI description (/api/openapi.json) is generated from the
same table that builds the routes, so the two cannot drift apart.

Authentication: ``Authorization: Bearer <token>`` (a ``[[users]]`` entry's
``token_sha256``) or the dashboard's session cookie; a cookie-authenticated POST
must also send the session's CSRF token in ``X-CSRF-Token`` and come from our
origin, and a session still on its one-time password is refused until it is changed.
Actions (plan preview and import included) need the ``admin`` role. /api/openapi.json
needs a login too. JSON keys are English.

The handlers are in web/api_reads.py and web/api_actions.py, the response helpers
in web/api_common.py; this module holds the table, the access check and the OpenAPI.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from starlette.requests import Request
from starlette.routing import Route

from web import csrf
from web.api_actions import cancel, confirm, extend, open_incident, plan_import, plan_preview, report_incident
from web.api_common import ApiResponse, error
from web.api_progress import PROGRESS_BODY, progress
from web.api_task_actions import deadline, reassign, resend, review
from web.api_indicators import REPORT_BODY, get_indicators, report_indicator
from web.api_reads import (get_incident, get_incidents, get_outbox, get_plans, get_report, get_reports, get_task,
                           get_tasks, me)
from web.access import PASSWORD_PATH
from web.users import CurrentUser, current_user


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Callable
    summary: str
    action: bool = False                  # needs the admin role
    params: tuple[str, ...] = ()          # query parameters
    body: dict | None = None              # JSON schema of the request body


async def authorize(request: Request, action: bool = False):
    """The caller, or the refusal: not logged in (401), a session that must change its
    one-time password (403), a cookie POST without CSRF header or from elsewhere (403),
    a viewer asking for an action (403). Bearer tokens never need a password change."""
    user = await current_user(request)
    if user is None:
        return ApiResponse({"error": "unauthorized", "message": "Cần đăng nhập hoặc mã truy cập (Bearer)."},
                           status_code=401, headers={"WWW-Authenticate": "Bearer"})
    if user.via == "session" and user.must_change:
        return error(403, "password_change_required", "Tài khoản đang dùng mật khẩu một lần: hãy đổi mật khẩu "
                     f"tại {PASSWORD_PATH} trước khi dùng API.", location=PASSWORD_PATH)
    if request.method == "POST" and user.via == "session":
        if not (csrf.same_origin(request, request.app.state.settings.public_url)
                and csrf.check_session_token(user.csrf, request.headers.get(csrf.HEADER))):
            return error(403, "csrf", "Thiếu hoặc sai mã X-CSRF-Token, hoặc yêu cầu từ trang khác.")
    if action and not user.can_act:
        return error(403, "forbidden", "Tài khoản này chỉ được xem.")
    return user


def api(endpoint: Endpoint):
    """Authenticate, check CSRF for cookie POSTs, check the role, then call (the body
    is read by the handler, so a refused caller never gets as far as sending it)."""

    async def wrapped(request: Request):
        user = await authorize(request, endpoint.action)
        if not isinstance(user, CurrentUser):
            return user
        request.state.user = user
        return await endpoint.handler(request)

    return wrapped


# -- the table -------------------------------------------------------------------------------
_EVIDENCE = {"type": "object", "required": ["document_number", "issued_on", "summary"], "properties": {
    "document_number": {"type": "string", "description": "số, ký hiệu văn bản"},
    "issued_on": {"type": "string", "format": "date", "description": "ngày ban hành"},
    "summary": {"type": "string", "description": "trích yếu nội dung"},
    "link": {"type": "string", "format": "uri"}, "note": {"type": "string"},
    "cycle": {"type": "string", "description": "the report period for a recurring task; empty for a one-off"}}}
_EXTEND = {"type": "object", "required": ["new_due", "reason"], "properties": {
    "new_due": {"type": "string", "format": "date"}, "reason": {"type": "string"}, "cycle": {"type": "string"}}}
_CANCEL = {"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}}
_REVIEW = {"type": "object", "required": ["decision"], "properties": {
    "decision": {"type": "string", "enum": ["accept", "return"]},
    "reason": {"type": "string", "description": "why the result is returned (required to return)"},
    "key": {"type": "string", "description": "idempotency key: the same decision with the same key (or body) "
                                             "twice is one decision"}}}
_KEY = {"type": "string", "description": "idempotency key: the same key (or body, without one) twice is one action"}
_REASSIGN = {"type": "object", "required": ["lead_units"], "properties": {
    "lead_units": {"type": "array", "items": {"type": "string"}, "description": "unit keys"},
    "lead_official": {"type": "string", "description": "official key; empty: each unit's own"},
    "reason": {"type": "string"}, "key": _KEY}}
_DEADLINE = {"type": "object", "required": ["new_due", "decision_number", "decision_date", "decided_by", "summary"],
             "properties": {
    "new_due": {"type": "string", "description": "dd/mm/yyyy or ISO date"},
    "decision_number": {"type": "string", "description": "số, ký hiệu of the deciding document"},
    "decision_date": {"type": "string", "description": "its date of issue, dd/mm/yyyy or ISO"},
    "decided_by": {"type": "string", "description": "who decided"},
    "summary": {"type": "string", "description": "trích yếu nội dung"}, "key": _KEY}}
_RESEND = {"type": "object", "required": ["key"], "properties": {"key": _KEY}}
_INCIDENT = {"type": "object", "required": ["unit", "title"], "properties": {
    "unit": {"type": "string", "description": "unit key, name or alias"},
    "title": {"type": "string", "description": "what happened"},
    "detected_at": {"type": "string", "format": "date-time", "description": "ISO-8601; without an offset, Vietnam "
                    "time; default now"},
    "severity": {"type": "string"}}}
_INCIDENT_REPORT = {"type": "object", "required": ["number", "issued_on", "summary", "followed_coordination"],
                    "properties": {
    "number": {"type": "string", "description": "số, ký hiệu of the report document"},
    "issued_on": {"type": "string", "format": "date", "description": "ngày ban hành"},
    "summary": {"type": "string", "description": "trích yếu nội dung"},
    "followed_coordination": {"type": "boolean", "description": "handled under the specialised force's coordination"},
    "note": {"type": "string"},
    "key": {"type": "string", "description": "idempotency key; default: a digest of the report"}}}
_FILE = {"type": "string", "format": "binary"}
_FILTERS = ("plan", "unit", "status", "due_before", "q")

ENDPOINTS = (
    Endpoint("GET", "/api/me", me, "The caller: username and role"),
    Endpoint("GET", "/api/tasks", get_tasks, "Tasks, overdue first (filters: plan id, unit key, "
             "status open|completed|cancelled|overdue, due_before date, q text)", params=_FILTERS),
    Endpoint("POST", "/api/tasks/{task_id}/confirm", confirm, "Confirm a task (or a cycle) with its evidence",
             action=True, body=_EVIDENCE),
    Endpoint("POST", "/api/tasks/{task_id}/extend", extend, "Move a task's deadline (an approved extension)",
             action=True, body=_EXTEND),
    Endpoint("POST", "/api/tasks/{task_id}/cancel", cancel, "Cancel a task", action=True, body=_CANCEL),
    Endpoint("POST", "/api/tasks/{task_id}/progress", progress, "Report a task's progress, difficulties and "
             "proposals (a difficulty is sent to the lead official and the supervisors)", action=True,
             body=PROGRESS_BODY),
    Endpoint("POST", "/api/tasks/{task_id}/reassign", reassign, "Reassign a task's lead unit(s) or lead official",
             action=True, body=_REASSIGN),
    Endpoint("POST", "/api/tasks/{task_id}/deadline", deadline, "A new deadline decided by a document",
             action=True, body=_DEADLINE),
    Endpoint("POST", "/api/tasks/{task_id}/resend", resend, "Send the lead unit its confirmation link again, now",
             action=True, body=_RESEND),
    Endpoint("POST", "/api/tasks/{task_id}/review", review, "Accept a result awaiting review (the task closes) or "
             "return it with a reason (the unit is told; reminders resume)", action=True, body=_REVIEW),
    Endpoint("GET", "/api/tasks/{task_id}", get_task, "One task with its cycles and timeline"),
    Endpoint("GET", "/api/incidents", get_incidents, "Incidents, newest first"),
    Endpoint("POST", "/api/incidents", open_incident, "Open an incident (its 24-hour report window starts at "
             "detected_at)", action=True, body=_INCIDENT),
    Endpoint("POST", "/api/incidents/{incident_id}/report", report_incident, "Report an incident with its document",
             action=True, body=_INCIDENT_REPORT),
    Endpoint("GET", "/api/incidents/{incident_id}", get_incident, "One incident with its deliveries and events"),
    Endpoint("GET", "/api/reports", get_reports, "Archived reports, newest first"),
    Endpoint("GET", "/api/reports/{report_id}", get_report, "One archived report"),
    Endpoint("GET", "/api/outbox", get_outbox, "Messages stored by the outbox channel, newest first, a page at "
             "a time (limit 1-200, default 200; before: the previous page's next_before, null at the end)",
             params=("limit", "before")),
    Endpoint("GET", "/api/plans", get_plans, "Imported plans"),
    Endpoint("GET", "/api/indicators", get_indicators, "Indicators with their target, latest value (judged "
             "met|not_met|no_data|unclear) and history (filters: plan name, as_of dd/mm/yyyy)", params=("plan", "as_of")),
    Endpoint("POST", "/api/indicators/report", report_indicator, "Report an indicator's value (recorded, judged, "
             "ends the current cycle's reminders)", action=True, body=REPORT_BODY),
    Endpoint("POST", "/api/plans/preview", plan_preview, "Dry run of a plan file (body: the file, at most "
             "20 MiB; query: filename, plan)", action=True, params=("filename", "plan"), body=_FILE),
    Endpoint("POST", "/api/plans/import", plan_import, "Import a plan file (at most 20 MiB) and start its tasks",
             action=True, params=("filename", "plan"), body=_FILE),
)


def _route_path(path: str) -> str:
    # Task ids contain "/" (plan/number): match them whole.
    return (path.replace("{task_id}", "{task_id:path}").replace("{incident_id}", "{incident_id:path}")
            .replace("{report_id}", "{report_id:int}"))


def openapi(settings) -> dict:
    paths: dict[str, dict] = {}
    for e in ENDPOINTS:
        op: dict[str, Any] = {"summary": e.summary, "operationId": e.handler.__name__,
                              "responses": {"200": {"description": "OK"}, "401": {"description": "not authenticated"}}}
        params = [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}} for n in e.params]
        params += [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                   for n in ("task_id", "incident_id", "report_id") if "{" + n + "}" in e.path]
        if params:
            op["parameters"] = params
        if e.body is not None:
            media = "application/octet-stream" if e.body is _FILE else "application/json"
            op["requestBody"] = {"required": True, "content": {media: {"schema": e.body}}}
        if e.body is _FILE:
            op["responses"]["413"] = {"description": "body over 20 MiB: refused, nothing stored"}
        if e.action:
            op["responses"].update({"403": {"description": "viewer role, or CSRF check failed"},
                                    "422": {"description": "invalid input, or refused by the workflow"},
                                    "503": {"description": "worker away: nothing recorded, retry"}})
        paths.setdefault(e.path, {})[e.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "dondoc API", "version": "1", "description": "Đôn đốc nhiệm vụ: tasks, timeline, "
                 "incidents, reports, outbox, plan import."},
        "servers": [{"url": settings.public_url}],
        "components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "session": {"type": "apiKey", "in": "cookie", "name": "dondoc_session",
                        "description": "POSTs also need the X-CSRF-Token header"}}},
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
    }


def routes(settings, config) -> list:
    async def spec(request: Request):
        user = await authorize(request)  # the description is for callers, not for the whole network
        if not isinstance(user, CurrentUser):
            return user
        return ApiResponse(openapi(request.app.state.settings))

    found = [Route("/api/openapi.json", spec)]
    for e in ENDPOINTS:
        found.append(Route(_route_path(e.path), api(e), methods=[e.method], name=e.handler.__name__))
    return found
