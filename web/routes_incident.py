"""Incident pages.

  GET  /i/{token}                       the incident behind a signed link, and the report form
  POST /i/{token}                       report it (the workflow's ``report`` update)
  GET  /dashboard/incidents/new         (login) the form to open an incident
  POST /dashboard/incidents/new         (login, admin) open it: row + workflow
  GET  /dashboard/incidents/{id:path}   (login) one incident: window, report, every delivery

GET shows, POST acts: chat previews and mail scanners open links. The store is
read for showing; the workflow decides on POST, through an update with a bounded
RPC timeout. When the worker is away the officer is told plainly that nothing was
recorded yet -- never a success we did not get. A second submission (a colleague
with the same link, a second tab) changes nothing and shows the first report.
"""
from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime

from domain.calendar import VN_TZ
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from web import csrf
from web.access import page
from web.pages import now_utc, render, today_vn
from domain.display import read_vn_date, read_vn_datetime
from domain.evidence import document_errors
from web.forms import DATE_HINT, iso_day
from web.link_guard import Refusal, check_link, guard_post, link_form, refusal_page

UPDATE_TIMEOUT_S = 8          # the update's RPC timeout; the page answers within ~10 s
_NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


# -- the incident, as the store sees it --------------------------------------------------
def load_incident(database_url: str, config, incident_id: str, now: datetime) -> dict[str, Any] | None:
    from services.incident_views import incident_view

    return incident_view(database_url, config, incident_id, now=now)


def _facts(view: dict) -> dict:
    """Display extras: the window in words."""
    from domain.text import duration_words

    left = view.get("seconds_left") or 0
    overdue = view.get("seconds_overdue") or 0
    return {"left": duration_words(left) if left else "", "overdue": duration_words(overdue) if overdue else ""}


# -- the report form --------------------------------------------------------------------
def read_report(form, today) -> tuple[dict, dict]:
    """The report's fields and the errors, field by field, in Vietnamese."""
    values = {k: str(form.get(k, "")).strip() for k in ("number", "issued_on", "summary", "followed", "note")}
    values["issued_on"] = iso_day(values["issued_on"])  # dd/mm/yyyy as typed, ISO from here on
    errors = document_errors(values["number"], values["issued_on"], values["summary"], today=today,
                             note=values["note"], asked="văn bản báo cáo (ví dụ 12/BC-CA)", summary_of="báo cáo")
    if "issued_on" in errors and values["issued_on"] and read_vn_date(values["issued_on"]) is None:
        errors["issued_on"] = f"Ngày ban hành không hợp lệ: {DATE_HINT}."
    if values["followed"] not in ("yes", "no"):
        errors["followed"] = "Cho biết việc xử lý có theo điều phối của lực lượng chuyên trách hay không."
    return values, errors


def _ctx(request: Request, token: str, view: dict, now: datetime, **extra) -> dict:
    secret = request.app.state.settings.secret_key
    ctx = {"token": token, "csrf_token": csrf.link_token(secret, token), "i": view, "w": _facts(view),
           "today": today_vn(now), "values": {}, "errors": {}, "nonce": uuid.uuid4().hex}
    ctx.update(extra)
    return ctx


async def _open(request: Request, now: datetime) -> tuple[str, Any, dict]:
    settings, config = request.app.state.settings, request.app.state.config
    token = request.path_params["token"]
    claims = check_link(settings, token, "incident", now)
    view = await asyncio.to_thread(load_incident, settings.database_url, config, claims.subject_id, now)
    if view is None:
        raise Refusal(404, "Không tìm thấy sự cố",
                      "Không tìm thấy sự cố của đường dẫn này (có thể đường dẫn thuộc hệ thống khác). "
                      "Vui lòng liên hệ Văn phòng (bộ phận thường trực).")
    return token, claims, view


async def report_page(request: Request):
    now = now_utc()
    try:
        token, claims, view = await _open(request, now)
        if request.method == "POST":
            form = await link_form(request)
            guard_post(request, token, form, page="trang báo cáo sự cố")
            return await _report(request, token, claims, view, form, now)
    except Refusal as refusal:
        return refusal_page(request, refusal)
    if view["status"] == "reported":
        return render(request, "incident_reported.html", _ctx(request, token, view, now, already=True))
    return render(request, "incident_report.html", _ctx(request, token, view, now))


async def _report(request: Request, token: str, claims, view: dict, form, now: datetime):
    if view["status"] == "reported":  # the store already has it: show the first, change nothing
        return render(request, "incident_reported.html", _ctx(request, token, view, now, already=True))
    values, errors = read_report(form, today_vn(now))
    nonce = str(form.get("nonce", ""))
    if errors:
        return render(request, "incident_report.html", _ctx(request, token, view, now, values=values,
                                                             errors=errors, nonce=nonce or uuid.uuid4().hex),
                      status=422)
    outcome, failure, detail, status = await _submit(request, claims, values, nonce)
    if outcome is not None:
        done = _reported_view(view, outcome)
        return render(request, "incident_reported.html", _ctx(request, token, done, now, already=not outcome.first,
                                                              just_now=outcome.first))
    if failure == "closed":  # the workflow is gone: show what the store knows now
        fresh = await asyncio.to_thread(load_incident, request.app.state.settings.database_url,
                                        request.app.state.config, claims.subject_id, now)
        if fresh and fresh["status"] == "reported":
            return render(request, "incident_reported.html", _ctx(request, token, fresh, now, already=True))
    return render(request, "incident_report.html", _ctx(request, token, view, now, values=values, nonce=nonce,
                                                         failure=failure, failure_detail=detail),
                  status=status, headers={"Retry-After": "60"} if status == 503 else None)


async def _submit(request: Request, claims, values: dict, nonce: str) -> tuple[Any, str | None, str, int]:
    """The workflow's ``report`` update: (its outcome, None, "", 200), or (None, the
    failure, its detail, the page's status)."""
    from contracts.incidents import IncidentReport
    from services.incidents import ReportRejected, ReportUnavailable, report_incident

    # The key is this form's submission: a double click is one report; another
    # person's submission is a second one, answered with the first.
    key = f"web:{nonce}" if _NONCE.match(nonce) else f"web:{uuid.uuid4().hex}"
    report = IncidentReport(key=key, number=values["number"], issued_on=values["issued_on"],
                            summary=values["summary"], followed_coordination=values["followed"] == "yes",
                            reporter=claims.recipient, note=values["note"])
    client = await request.app.state.temporal.get()
    if client is None:
        return None, "unavailable", "", 503
    try:
        return await report_incident(client, claims.subject_id, report, timeout_s=UPDATE_TIMEOUT_S), None, "", 200
    except ReportRejected as err:
        return None, "rejected", str(err), 422
    except ReportUnavailable:
        return None, "unavailable", "", 503
    except LookupError:
        return None, "closed", "", 409


def _reported_view(view: dict, outcome) -> dict:
    """The incident as the workflow answered: reported, with the first report."""
    first = outcome.report
    return dict(view, status="reported", result=outcome.result, reported_at=outcome.reported_at.isoformat(),
                report={"number": first.number, "issued_on": first.issued_on, "summary": first.summary,
                        "followed_coordination": first.followed_coordination, "note": first.note})


# -- dashboard: open an incident, see one ------------------------------------------------------
def _local_input(moment: datetime) -> str:
    """A moment as the form shows it and people type it: HH:MM dd/mm/yyyy, Vietnam time."""
    return moment.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")


def _detected_at(typed: str) -> str | None:
    """The typed moment as ISO (Vietnam time) for services/incidents.py; "" for none;
    None when it is not a moment."""
    if not typed:
        return ""
    moment = read_vn_datetime(typed)
    return moment.isoformat() if moment else None


async def new_incident_page(request: Request):
    from services.incidents import IncidentInputError, open_incident

    config, settings = request.app.state.config, request.app.state.settings
    now = now_utc()
    ctx = {"units": config.directory.units, "values": {"detected_at": _local_input(now)}, "errors": {},
           "now_local": _local_input(now), "window_hours": config.policies.incident.window_seconds / 3600}
    if request.method == "GET":
        return render(request, "incident_new.html", ctx)
    user = request.state.user
    if not user.can_act:
        return render(request, "error.html", {"heading": "Không có quyền", "back": "/dashboard/incidents",
                                              "message": "Tài khoản chỉ được xem, không được mở sự cố."}, status=403)
    form = request.state.form
    values = {k: str(form.get(k, "")).strip() for k in ("unit", "title", "detected_at", "severity")}
    ctx["values"] = values
    detected_at = _detected_at(values["detected_at"])
    if detected_at is None:
        ctx["errors"] = {"detected_at": "Thời điểm phát hiện không hợp lệ: nhập giờ:phút ngày/tháng/năm, "
                                        "ví dụ 08:30 01/06/2026."}
        return render(request, "incident_new.html", ctx, status=422)

    async def client():
        c = await request.app.state.temporal.get()
        if c is None:
            raise ConnectionError("temporal not connected")
        return c

    try:
        opened = await open_incident(client, settings, config, unit=values["unit"], title=values["title"],
                                     detected_at=detected_at or None, severity=values["severity"],
                                     opened_by=f"web:{user.username}", now=now)
    except IncidentInputError as err:
        ctx["errors"] = {"form": str(err)}
        return render(request, "incident_new.html", ctx, status=422)
    except Exception as err:  # noqa: BLE001 - Temporal away or refusing: say so, record nothing
        ctx["errors"] = {"form": "Chưa mở được sự cố: hệ thống xử lý (Temporal) không phản hồi "
                                 f"({err.__class__.__name__}). Chưa có gì được ghi; vui lòng thử lại sau ít phút."}
        return render(request, "incident_new.html", ctx, status=503)
    return RedirectResponse(f"/dashboard/incidents/{opened.id}", status_code=303)


async def incident_detail_page(request: Request):
    config, settings = request.app.state.config, request.app.state.settings
    now = now_utc()
    view = await asyncio.to_thread(load_incident, settings.database_url, config,
                                   request.path_params["incident_id"], now)
    if view is None:
        return render(request, "error.html", {"heading": "Không tìm thấy sự cố", "back": "/dashboard/incidents",
                                              "message": "Không có sự cố với mã này."}, status=404)
    return render(request, "incident_detail.html", {"i": view, "w": _facts(view)})


def routes(settings, config) -> list:
    return [
        Route("/i/{token}", report_page, methods=["GET", "POST"]),
        Route("/dashboard/incidents/new", page(new_incident_page), methods=["GET", "POST"]),
        Route("/dashboard/incidents/{incident_id:path}", page(incident_detail_page)),
    ]
