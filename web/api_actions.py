"""The JSON API's actions (admin role): a task's confirmation, extension and
cancellation (the task workflow's updates), an incident opened and reported, a plan
previewed and imported. Each reads the same fields as the pages (web/forms.py,
web/routes_incident.read_report) and answers what the workflow answered."""
from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import datetime, timezone

from starlette.requests import Request

from services.task_review import times_returned
from web.api_common import ApiResponse, Failed, error, read_json, update_response
from web.forms import read_confirmation, read_extension
from web.limits import MAX_UPLOAD_BYTES, BodyTooLarge, read_body
from web.pages import now_utc, today_vn
from web.routes_import import import_service, preview
from web.routes_incident import UPDATE_TIMEOUT_S as INCIDENT_TIMEOUT_S
from web.routes_incident import read_report
from web.updates import call_update, confirm_key


async def confirm(request: Request):
    task_id, body = request.path_params["task_id"], await read_json(request)
    values, errors = read_confirmation(body, today_vn(now_utc()))
    if errors:
        return error(422, "invalid", "Thông tin chưa hợp lệ.", fields=errors)
    cycle = str(body.get("cycle", ""))
    returned = await asyncio.to_thread(times_returned, request.app.state.settings.database_url, task_id)
    key = confirm_key(task_id, cycle, values, returned)
    arg = dict(values, key=key, confirmed_by=request.state.user.username, cycle=cycle)
    return update_response(await call_update(request, task_id, "confirm", arg, key))


async def extend(request: Request):
    task_id, body = request.path_params["task_id"], await read_json(request)
    values, errors = read_extension(body, today_vn(now_utc()), None)
    if errors:
        return error(422, "invalid", "Thông tin chưa hợp lệ.", fields=errors)
    cycle = str(body.get("cycle", ""))
    key = str(body.get("key") or f"extend:{task_id}:{cycle}:{values['new_due']}")
    arg = dict(values, key=key, approved_by=request.state.user.username, cycle=cycle)
    return update_response(await call_update(request, task_id, "extend", arg, key))


async def cancel(request: Request):
    task_id, body = request.path_params["task_id"], await read_json(request)
    reason = str(body.get("reason", "")).strip()
    if not reason:
        return error(422, "invalid", "Nêu lý do hủy nhiệm vụ.", fields={"reason": "Nêu lý do hủy nhiệm vụ."})
    key = f"cancel:{task_id}"
    arg = {"key": key, "reason": reason[:2000], "cancelled_by": request.state.user.username}
    return update_response(await call_update(request, task_id, "cancel", arg, key))


async def open_incident(request: Request):
    """Open an incident: the row and its workflow (activities.incidents.open_incident)."""
    from services.incidents import IncidentInputError
    from services.incidents import open_incident as open_one

    body = await read_json(request)
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

    incident_id, body = request.path_params["incident_id"], await read_json(request)
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
        return update_response(Failed("unavailable", "temporal not connected"))
    try:
        outcome = await report_one(client, incident_id, report, timeout_s=INCIDENT_TIMEOUT_S)
    except ReportRejected as err:
        return update_response(Failed("rejected", str(err)))
    except ReportUnavailable as err:
        return update_response(Failed("unavailable", str(err)))
    except LookupError as err:
        return update_response(Failed("closed", str(err)))
    return ApiResponse({"status": "ok", "result": outcome_dict(outcome)})


async def plan_preview(request: Request):
    from services.import_preview import preview_messages

    result, refusal = await _read_upload(request)
    if refusal is not None:
        return refusal
    messages = await asyncio.to_thread(preview_messages, result, request.app.state.config, datetime.now(timezone.utc))
    return ApiResponse({**result.to_dict(), "messages": messages.to_dict()})


async def plan_import(request: Request):
    result, refusal = await _read_upload(request)
    if refusal is not None:
        return refusal
    service = import_service()
    if service is None:
        return error(503, "not_available", "Chức năng nhập qua web chưa sẵn sàng; dùng «./dondoc import».")
    outcome = await service(request.app.state.settings, request.app.state.config, result)
    return ApiResponse({"plan": result.plan, "tasks": len(result.tasks), "outcome": outcome})


async def _read_upload(request: Request):
    """(the dry run, None) or (None, the refusal): the body is read with a hard limit
    (413 past it) and kept in memory only; the API stores no file."""
    try:
        data = await read_body(request, MAX_UPLOAD_BYTES)
    except BodyTooLarge as err:
        return None, error(413, "too_large", err.message, limit=err.limit, headers={"Connection": "close"})
    if not data:
        return None, error(422, "unreadable", "Thân yêu cầu trống: gửi nội dung tệp (TSV/CSV/XLSX/DOCX).")
    result, problem = await asyncio.to_thread(preview, request.app.state.config, data,
                                              request.query_params.get("filename"), request.query_params.get("plan"))
    return (result, None) if result is not None else (None, error(422, "unreadable", problem))
