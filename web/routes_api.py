"""The JSON API under /api: the dashboard's data and actions, for scripts and
other systems. The OpenAPI description (/api/openapi.json) is generated from the
same table that builds the routes, so the two cannot drift apart.

Authentication: ``Authorization: Bearer <token>`` (a ``[[users]]`` entry's
``token_sha256``) or the dashboard's session cookie; a cookie-authenticated POST
must also send the session's CSRF token in ``X-CSRF-Token`` and come from our
origin. Actions need the ``admin`` role. JSON keys are English.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from web import csrf
from web.pages import now_utc, today_vn
from web.routes_dashboard import (import_service, incidents, list_tasks, outbox, plans, preview, report, reports,
                                  task_detail)
from web.routes_incident import UPDATE_TIMEOUT_S as INCIDENT_TIMEOUT_S
from web.routes_incident import read_report
from web.routes_links import call_update, confirm_key, read_confirmation, read_extension
from web.users import current_user


def _default(value: Any):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return str(value)


class ApiResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, default=_default).encode("utf-8")


def error(status: int, code: str, message: str, headers: dict | None = None, **extra) -> ApiResponse:
    return ApiResponse({"error": code, "message": message, **extra}, status_code=status, headers=headers)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Callable
    summary: str
    action: bool = False                  # needs the admin role
    params: tuple[str, ...] = ()          # query parameters
    body: dict | None = None              # JSON schema of the request body


def api(endpoint: Endpoint):
    """Authenticate, check CSRF for cookie POSTs, check the role, then call."""

    async def wrapped(request: Request):
        user = current_user(request)
        if user is None:
            return ApiResponse({"error": "unauthorized", "message": "Cần đăng nhập hoặc mã truy cập (Bearer)."},
                               status_code=401, headers={"WWW-Authenticate": "Bearer"})
        if request.method == "POST" and user.via == "session":
            if not (csrf.same_origin(request, request.app.state.settings.public_url)
                    and csrf.check_session_token(user.csrf, request.headers.get(csrf.HEADER))):
                return error(403, "csrf", "Thiếu hoặc sai mã X-CSRF-Token, hoặc yêu cầu từ trang khác.")
        if endpoint.action and not user.can_act:
            return error(403, "forbidden", "Tài khoản này chỉ được xem.")
        request.state.user = user
        return await endpoint.handler(request)

    return wrapped


def _db(request: Request) -> str:
    return request.app.state.settings.database_url


async def _json(request: Request) -> dict:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


# -- reads ----------------------------------------------------------------------------
async def me(request: Request):
    user = request.state.user
    return ApiResponse({"username": user.username, "role": user.role, "via": user.via})


async def get_tasks(request: Request):
    filters = {k: request.query_params.get(k, "").strip() for k in ("plan", "unit", "status", "due_before", "q")}
    rows = await asyncio.to_thread(list_tasks, _db(request), request.app.state.config, filters,
                                   today_vn(now_utc()))
    return ApiResponse({"tasks": rows})


async def get_task(request: Request):
    detail = await asyncio.to_thread(task_detail, _db(request), request.app.state.config,
                                     request.path_params["task_id"], today_vn(now_utc()))
    if detail is None:
        return error(404, "not_found", "Không có nhiệm vụ với mã này.")
    return ApiResponse(detail)


def _rows(items, fields: tuple[str, ...]) -> list[dict]:
    return [{f: getattr(i, f) for f in fields} for i in items]


async def get_incidents(request: Request):
    rows = await asyncio.to_thread(incidents, _db(request))
    return ApiResponse({"incidents": _rows(rows, ("id", "unit", "title", "severity", "detected_at", "due_at",
                                                  "status", "result", "reported_at"))})


async def get_reports(request: Request):
    rows = await asyncio.to_thread(reports, _db(request))
    return ApiResponse({"reports": _rows(rows, ("id", "kind", "as_of", "created_at", "short_text"))})


async def get_report(request: Request):
    item = await asyncio.to_thread(report, _db(request), request.path_params["report_id"])
    if item is None:
        return error(404, "not_found", "Không có báo cáo với mã này.")
    return ApiResponse(_rows([item], ("id", "kind", "as_of", "created_at", "short_text", "data", "html"))[0])


async def get_outbox(request: Request):
    rows = await asyncio.to_thread(outbox, _db(request))
    return ApiResponse({"messages": _rows(rows, ("id", "created_at", "recipient", "title", "body"))})


async def get_plans(request: Request):
    return ApiResponse({"plans": await asyncio.to_thread(plans, _db(request))})


# -- actions ------------------------------------------------------------------------------
_STATUS = {"rejected": 422, "closed": 409, "unavailable": 503}
_MESSAGES = {"rejected": "Quy trình nhiệm vụ không chấp nhận yêu cầu.",
             "closed": "Nhiệm vụ đã kết thúc hoặc không tồn tại trong Temporal.",
             "unavailable": "Chưa ghi nhận: hệ thống xử lý (worker) đang vắng. Chưa có gì thay đổi; hãy thử lại."}


def _update_response(outcome) -> ApiResponse:
    if outcome.state == "ok":
        return ApiResponse({"status": "ok", "result": outcome.result})
    headers = {"Retry-After": "60"} if outcome.state == "unavailable" else None
    return ApiResponse({"error": outcome.state, "message": _MESSAGES[outcome.state], "detail": outcome.detail},
                       status_code=_STATUS[outcome.state], headers=headers)


async def confirm(request: Request):
    task_id, body = request.path_params["task_id"], await _json(request)
    values, errors = read_confirmation(body, today_vn(now_utc()))
    if errors:
        return error(422, "invalid", "Thông tin chưa hợp lệ.", fields=errors)
    cycle = str(body.get("cycle", ""))
    key = confirm_key(task_id, cycle, values)
    arg = dict(values, key=key, confirmed_by=request.state.user.username, cycle=cycle)
    return _update_response(await call_update(request, task_id, "confirm", arg, key))


async def extend(request: Request):
    task_id, body = request.path_params["task_id"], await _json(request)
    values, errors = read_extension(body, today_vn(now_utc()), None)
    if errors:
        return error(422, "invalid", "Thông tin chưa hợp lệ.", fields=errors)
    cycle = str(body.get("cycle", ""))
    key = str(body.get("key") or f"extend:{task_id}:{cycle}:{values['new_due']}")
    arg = dict(values, key=key, approved_by=request.state.user.username, cycle=cycle)
    return _update_response(await call_update(request, task_id, "extend", arg, key))


async def cancel(request: Request):
    task_id, body = request.path_params["task_id"], await _json(request)
    reason = str(body.get("reason", "")).strip()
    if not reason:
        return error(422, "invalid", "Nêu lý do hủy nhiệm vụ.", fields={"reason": "Nêu lý do hủy nhiệm vụ."})
    key = f"cancel:{task_id}"
    arg = {"key": key, "reason": reason[:2000], "cancelled_by": request.state.user.username}
    return _update_response(await call_update(request, task_id, "cancel", arg, key))


async def get_incident(request: Request):
    from services.incident_views import incident_view

    view = await asyncio.to_thread(incident_view, _db(request), request.app.state.config,
                                   request.path_params["incident_id"], now_utc())
    if view is None:
        return error(404, "not_found", "Không có sự cố với mã này.")
    return ApiResponse(view)


async def open_incident(request: Request):
    """Open an incident: the row and its workflow (activities.incidents.open_incident)."""
    from services.incidents import IncidentInputError
    from services.incidents import open_incident as open_one

    body = await _json(request)
    fields = {k: str(body.get(k) or "").strip() for k in ("unit", "title", "detected_at", "severity")}

    async def client():
        found = await request.app.state.temporal.get()
        if found is None:
            raise ConnectionError("temporal not connected")
        return found

    try:
        opened = await open_one(client, request.app.state.settings, request.app.state.config, unit=fields["unit"],
                                title=fields["title"], detected_at=fields["detected_at"] or None,
                                severity=fields["severity"], opened_by=f"api:{request.state.user.username}")
    except IncidentInputError as err:
        return error(422, "invalid", str(err))
    except Exception as err:  # noqa: BLE001 - Temporal away or refusing: nothing was recorded
        return error(503, "unavailable", "Chưa mở được sự cố: Temporal không phản hồi. Chưa có gì được ghi; "
                     "hãy thử lại.", detail=type(err).__name__, headers={"Retry-After": "60"})
    return ApiResponse({"id": opened.id, "unit": opened.unit_key, "unit_name": opened.unit_name,
                        "detected_at": opened.detected_at, "due_at": opened.due_at}, status_code=201)


async def report_incident(request: Request):
    """Report an incident (the workflow's ``report`` update). The same body twice is one
    report; a different one after the first is answered with the first (``first``: false)."""
    from contracts.incidents import IncidentReport
    from services.incidents import ReportRejected, ReportUnavailable, outcome_dict
    from services.incidents import report_incident as report_one

    incident_id, body = request.path_params["incident_id"], await _json(request)
    form = dict(body)
    followed = body.get("followed_coordination")
    if isinstance(followed, bool):
        form["followed"] = "yes" if followed else "no"
    values, errors = read_report(form, today_vn(now_utc()))
    if errors:
        return error(422, "invalid", "Thông tin chưa hợp lệ.", fields=errors)
    digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]
    key = str(body.get("key") or f"api:{digest}")[:200]
    report = IncidentReport(key=key, number=values["number"], issued_on=values["issued_on"], summary=values["summary"],
                            followed_coordination=values["followed"] == "yes",
                            reporter=f"api:{request.state.user.username}", note=values["note"])
    client = await request.app.state.temporal.get()
    if client is None:
        return _update_response(_Failed("unavailable", "temporal not connected"))
    try:
        outcome = await report_one(client, incident_id, report, timeout_s=INCIDENT_TIMEOUT_S)
    except ReportRejected as err:
        return _update_response(_Failed("rejected", str(err)))
    except ReportUnavailable as err:
        return _update_response(_Failed("unavailable", str(err)))
    except LookupError as err:
        return _update_response(_Failed("closed", str(err)))
    return ApiResponse({"status": "ok", "result": outcome_dict(outcome)})


@dataclass
class _Failed:
    state: str
    detail: str


async def plan_preview(request: Request):
    from services.import_preview import preview_messages

    result, problem = await _read_upload(request)
    if result is None:
        return error(422, "unreadable", problem)
    messages = await asyncio.to_thread(preview_messages, result, request.app.state.config, datetime.now(timezone.utc))
    return ApiResponse({**result.to_dict(), "messages": messages.to_dict()})


async def plan_import(request: Request):
    result, problem = await _read_upload(request)
    if result is None:
        return error(422, "unreadable", problem)
    service = import_service()
    if service is None:
        return error(503, "not_available", "Chức năng nhập qua web chưa sẵn sàng; dùng «./dondoc import».")
    outcome = await service(request.app.state.settings, request.app.state.config, result)
    return ApiResponse({"plan": result.plan, "tasks": len(result.tasks), "outcome": outcome})


async def _read_upload(request: Request):
    data = await request.body()
    if not data:
        return None, "Thân yêu cầu trống: gửi nội dung tệp (TSV/CSV/XLSX/DOCX)."
    return await asyncio.to_thread(preview, request.app.state.config, data,
                                   request.query_params.get("filename"), request.query_params.get("plan"))


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
    Endpoint("GET", "/api/tasks/{task_id}", get_task, "One task with its cycles and timeline"),
    Endpoint("GET", "/api/incidents", get_incidents, "Incidents, newest first"),
    Endpoint("POST", "/api/incidents", open_incident, "Open an incident (its 24-hour report window starts at "
             "detected_at)", action=True, body=_INCIDENT),
    Endpoint("POST", "/api/incidents/{incident_id}/report", report_incident, "Report an incident with its document",
             action=True, body=_INCIDENT_REPORT),
    Endpoint("GET", "/api/incidents/{incident_id}", get_incident, "One incident with its deliveries and events"),
    Endpoint("GET", "/api/reports", get_reports, "Archived reports, newest first"),
    Endpoint("GET", "/api/reports/{report_id}", get_report, "One archived report"),
    Endpoint("GET", "/api/outbox", get_outbox, "Messages stored by the outbox channel, newest first"),
    Endpoint("GET", "/api/plans", get_plans, "Imported plans"),
    Endpoint("POST", "/api/plans/preview", plan_preview, "Dry run of a plan file (body: the file; "
             "query: filename, plan)", params=("filename", "plan"), body=_FILE),
    Endpoint("POST", "/api/plans/import", plan_import, "Import a plan file and start its tasks",
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
        return ApiResponse(openapi(request.app.state.settings))

    found = [Route("/api/openapi.json", spec)]
    for e in ENDPOINTS:
        found.append(Route(_route_path(e.path), api(e), methods=[e.method], name=e.handler.__name__))
    return found
