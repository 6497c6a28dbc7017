"""The dashboard, behind a login: tasks (overdue first), a task's timeline,
incidents, archived reports, the outbox, and plan upload with a dry-run preview.

Reads come from the SQL store (projections written by activities); the only
actions are the login itself and the plan import. Every POST checks the session's
CSRF token and the request's origin.
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import secrets
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from web import csrf
from web.pages import now_utc, render, today_vn
from web.users import SESSION_COOKIE, SESSION_MAX_AGE_S, authenticate, current_user, make_session

LOGIN_CSRF_COOKIE = "dondoc_login"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PAGE_SIZE = 500


# -- access --------------------------------------------------------------------
PASSWORD_PATH = "/account/password"


def page(handler):
    """Require a logged-in user; POSTs also need the session's CSRF token and our origin."""

    @functools.wraps(handler)
    async def wrapped(request: Request):
        user = current_user(request)
        if user is None or user.via != "session":
            target = quote(request.url.path + ("?" + request.url.query if request.url.query else ""), safe="")
            return RedirectResponse(f"/login?next={target}", status_code=303)
        request.state.user = user
        if user.must_change and request.url.path != PASSWORD_PATH:
            return RedirectResponse(PASSWORD_PATH, status_code=303)
        if request.method == "POST":
            form = await request.form(max_part_size=MAX_UPLOAD_BYTES)
            if not (csrf.same_origin(request, request.app.state.settings.public_url)
                    and csrf.check_session_token(user.csrf, form.get(csrf.FIELD))):
                return render(request, "error.html", {
                    "heading": "Yêu cầu bị từ chối",
                    "message": "Biểu mẫu đã cũ hoặc không được gửi từ trang của hệ thống. Vui lòng tải lại trang "
                               "và thử lại."}, status=403)
            request.state.form = form
        return await handler(request)

    return wrapped


def _cookie_secure(request: Request) -> bool:
    return request.app.state.settings.public_url.startswith("https://")


def _safe_next(value: str | None) -> str:
    # Only our own paths: never an open redirect to another site.
    value = value or "/dashboard"
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else "/dashboard"


async def login_page(request: Request):
    if request.method == "GET":
        token = secrets.token_urlsafe(16)
        response = render(request, "login.html", {"csrf_token": token, "next": _safe_next(request.query_params.get("next"))})
        response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
                            secure=_cookie_secure(request))
        return response
    settings, config = request.app.state.settings, request.app.state.config
    form = await request.form()
    nxt = _safe_next(form.get("next"))
    if not (csrf.same_origin(request, settings.public_url)
            and csrf.check_session_token(request.cookies.get(LOGIN_CSRF_COOKIE, ""), form.get(csrf.FIELD))):
        return render(request, "error.html", {"heading": "Yêu cầu bị từ chối", "back": "/login",
                                              "message": "Phiên đăng nhập đã cũ. Vui lòng tải lại trang đăng nhập."},
                      status=403)
    user = await asyncio.to_thread(authenticate, settings.database_url, config,
                                   str(form.get("username", "")), str(form.get("password", "")))
    if user is None:
        return render(request, "login.html", {"csrf_token": form.get(csrf.FIELD), "next": nxt,
                                              "username": form.get("username", ""),
                                              "error": "Tên đăng nhập hoặc mật khẩu không đúng."}, status=401)
    response = RedirectResponse(nxt, status_code=303)
    response.set_cookie(SESSION_COOKIE, make_session(settings.secret_key, user), max_age=SESSION_MAX_AGE_S,
                        httponly=True, samesite="lax", secure=_cookie_secure(request))
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@page
async def logout(request: Request):
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


async def home(request: Request):
    return RedirectResponse("/dashboard", status_code=303)


# -- queries (shared with the JSON API) ------------------------------------------------
def unit_name(config, key: str) -> str:
    unit = config.directory.unit(key)
    return unit.name if unit else key


def official_name(config, key: str | None) -> str:
    official = config.directory.official(key) if key else None
    return official.name if official else (key or "")


def recipient_name(config, key: str) -> str:
    directory = config.directory
    if directory.unit(key):
        return directory.unit(key).name
    if directory.official(key):
        return directory.official(key).name
    return directory.supervisors_name if key in ("supervisors", "ban-chi-dao") else key


def task_row(task, config, today: date) -> dict[str, Any]:
    overdue = task.status == "open" and task.due is not None and task.due < today
    return {
        "id": task.id, "stt": task.stt, "title": task.title, "plan": task.plan.name if task.plan else None,
        "plan_id": task.plan_id, "lead_units": list(task.lead_units or []),
        "lead_unit_names": [unit_name(config, k) for k in task.lead_units or []],
        "lead_official": task.lead_official, "lead_official_name": official_name(config, task.lead_official),
        "deadline_raw": task.deadline_raw, "deadline_kind": task.deadline_kind,
        "due": task.due.isoformat() if task.due else None, "every": task.every, "status": task.status,
        "result": task.result, "completed_on": task.completed_on.isoformat() if task.completed_on else None,
        "level": task.level, "overdue": overdue, "days_late": (today - task.due).days if overdue else 0,
        "unassigned": task.unassigned,
    }


def _sort_key(row: dict) -> tuple:
    # Overdue first (most late first), then by deadline; tasks without one last.
    return (not row["overdue"], -row["days_late"], row["due"] is None, row["due"] or "", row["stt"] or "")


def list_tasks(database_url: str, config, filters: dict[str, str], today: date) -> list[dict]:
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from store.db import session_scope
    from store.models import Task

    query = select(Task).options(selectinload(Task.plan))
    if filters.get("plan"):
        query = query.where(Task.plan_id == _int(filters["plan"]))
    if filters.get("status") in ("open", "completed", "cancelled"):
        query = query.where(Task.status == filters["status"])
    if filters.get("status") == "overdue":
        query = query.where(Task.status == "open", Task.due < today)
    if filters.get("due_before"):
        day = _day(filters["due_before"])
        if day:
            query = query.where(Task.due <= day)
    if filters.get("q"):
        query = query.where(Task.title.ilike(f"%{filters['q']}%"))
    with session_scope(database_url) as session:
        tasks = session.scalars(query).all()
        rows = [task_row(t, config, today) for t in tasks]
    if filters.get("unit"):
        rows = [r for r in rows if filters["unit"] in r["lead_units"]]  # JSON column: filter here, portably
    return sorted(rows, key=_sort_key)[:PAGE_SIZE]


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def plans(database_url: str) -> list[dict]:
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Plan

    with session_scope(database_url) as session:
        return [{"id": p.id, "name": p.name, "source": p.source, "imported_at": p.imported_at}
                for p in session.scalars(select(Plan).order_by(Plan.imported_at.desc()))]


def task_detail(database_url: str, config, task_id: str, today: date) -> dict | None:
    """The task, its cycles and its timeline: events and deliveries, oldest first."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from store.db import session_scope
    from store.models import Delivery, Event, Task

    with session_scope(database_url) as session:
        task = session.scalar(select(Task).where(Task.id == task_id)
                              .options(selectinload(Task.plan), selectinload(Task.cycles)))
        if task is None:
            return None
        row = task_row(task, config, today)
        row.update(output=task.output, notes=task.notes, section=task.section, evidence=task.evidence,
                   coordinating_units=[unit_name(config, k) for k in task.coordinating_units or []])
        row["cycles"] = [{"period": c.period, "due": c.due.isoformat() if c.due else None, "status": c.status,
                          "result": c.result, "reported_on": c.reported_on.isoformat() if c.reported_on else None,
                          "evidence": c.evidence} for c in task.cycles]
        events = session.scalars(select(Event).where(Event.subject_id == task_id)).all()
        deliveries = session.scalars(select(Delivery).where(Delivery.subject_id == task_id)).all()
        row["timeline"] = timeline(events, deliveries)
    for item in row["timeline"]:
        if item["type"] == "delivery":
            item["recipient_name"] = recipient_name(config, item["recipient"])
    return row


def timeline(events, deliveries) -> list[dict]:
    """Events and deliveries, oldest first. A delivery's log row (key subject|cycle|
    step|recipient) carries its outcome; the rows under it (key + |channel) are the
    attempts on each channel, shown with it (Zalo failed, then email worked).
    The task workflow's ``task_step`` event repeats what its deliveries say; it is
    shown only for a step that had nobody to deliver to."""
    items = [{"type": "event", "at": e.at, "kind": e.kind, "data": e.data or {}} for e in events
             if not (e.kind == "task_step" and (e.data or {}).get("deliveries"))]
    parents = {d.key: _delivery_item(d) for d in deliveries if d.key.count("|") == 3}
    for d in deliveries:
        parent = parents.get(d.key.rsplit("|", 1)[0]) if d.key.count("|") == 4 else None
        if parent is not None:
            parent["channels"].append({"channel": d.channel, "status": d.status, "attempts": d.attempts,
                                       "error": d.error})
        elif d.key not in parents:
            items.append(_delivery_item(d))
    items += parents.values()
    return sorted(items, key=lambda i: i["at"])


def _delivery_item(d) -> dict:
    return {"type": "delivery", "at": d.sent_at or d.created_at, "kind": d.step, "cycle": d.cycle,
            "recipient": d.recipient, "channel": d.channel, "status": d.status, "attempts": d.attempts,
            "error": d.error, "channels": []}


def _recent(database_url: str, model, order, limit: int = 200) -> list:
    from sqlalchemy import select

    from store.db import session_scope

    with session_scope(database_url) as session:
        return list(session.scalars(select(model).order_by(order.desc()).limit(limit)))


def incidents(database_url: str) -> list:
    from store.models import Incident

    return _recent(database_url, Incident, Incident.detected_at)


def reports(database_url: str) -> list:
    from store.models import Report

    return _recent(database_url, Report, Report.as_of)


def report(database_url: str, report_id: int):
    from store.db import session_scope
    from store.models import Report

    with session_scope(database_url) as session:
        return session.get(Report, report_id)


def outbox(database_url: str) -> list:
    from store.models import OutboxMessage

    return _recent(database_url, OutboxMessage, OutboxMessage.id)


# -- pages ---------------------------------------------------------------------------------
def _db(request: Request) -> str:
    return request.app.state.settings.database_url


@page
async def tasks_page(request: Request):
    today = today_vn(now_utc())
    config = request.app.state.config
    filters = {k: request.query_params.get(k, "").strip() for k in ("plan", "unit", "status", "due_before", "q")}
    rows = await asyncio.to_thread(list_tasks, _db(request), config, filters, today)
    return render(request, "tasks.html", {"rows": rows, "filters": filters, "today": today,
                                          "plans": await asyncio.to_thread(plans, _db(request)),
                                          "units": config.directory.units,
                                          "overdue": sum(r["overdue"] for r in rows)})


@page
async def task_page(request: Request):
    today = today_vn(now_utc())
    detail = await asyncio.to_thread(task_detail, _db(request), request.app.state.config,
                                     request.path_params["task_id"], today)
    if detail is None:
        return render(request, "error.html", {"heading": "Không tìm thấy nhiệm vụ", "back": "/dashboard",
                                              "message": "Không có nhiệm vụ với mã này."}, status=404)
    return render(request, "task.html", {"t": detail, "today": today})


@page
async def incidents_page(request: Request):
    rows = await asyncio.to_thread(incidents, _db(request))
    return render(request, "incidents.html", {"rows": rows, "config": request.app.state.config})


@page
async def reports_page(request: Request):
    return render(request, "reports.html", {"rows": await asyncio.to_thread(reports, _db(request))})


@page
async def report_page(request: Request):
    item = await asyncio.to_thread(report, _db(request), request.path_params["report_id"])
    if item is None:
        return render(request, "error.html", {"heading": "Không tìm thấy báo cáo", "back": "/dashboard/reports",
                                              "message": "Không có báo cáo với mã này."}, status=404)
    return render(request, "report.html", {"r": item})


@page
async def outbox_page(request: Request):
    return render(request, "outbox.html", {"rows": await asyncio.to_thread(outbox, _db(request))})


# -- plan upload ---------------------------------------------------------------------------
def _uploads(request: Request) -> Path:
    path = request.app.state.settings.data_dir / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def preview(config, data: bytes, filename: str | None, plan: str | None):
    """The dry run: (ImportResult, None) or (None, the reason in Vietnamese)."""
    from intake import IntakeError, read_plan

    try:
        return read_plan(data, config.directory, plan=plan or None, filename=filename), None
    except IntakeError as err:
        return None, str(err)


def import_service():
    """Stores a plan and starts its workflows (workflows/importer.py)."""
    from services.importer import import_plan

    return import_plan


@page
async def import_page(request: Request):
    if request.method == "GET":
        return render(request, "import.html", {"csrf_token": request.state.user.csrf,
                                               "ready": import_service() is not None})
    form = request.state.form
    if form.get("sha256"):
        return await _import_confirm(request, form)
    upload = form.get("file")
    data = await upload.read() if upload is not None and hasattr(upload, "read") else b""
    name = getattr(upload, "filename", None) or "plan.txt"
    if not data:
        return render(request, "import.html", {"csrf_token": request.state.user.csrf, "error": "Chưa chọn tệp.",
                                               "ready": import_service() is not None}, status=422)
    sha = hashlib.sha256(data).hexdigest()
    (_uploads(request) / sha).write_bytes(data)  # kept for the confirm step, by content
    result, error = await asyncio.to_thread(preview, request.app.state.config, data, name,
                                            str(form.get("plan", "")).strip())
    messages = None
    if result is not None:
        from services.import_preview import preview_messages

        messages = await asyncio.to_thread(preview_messages, result, request.app.state.config,
                                           datetime.now(timezone.utc))
    return render(request, "import.html", {"csrf_token": request.state.user.csrf, "result": result,
                                           "messages": messages,
                                           "error": error, "sha256": sha, "filename": name,
                                           "plan": str(form.get("plan", "")).strip(),
                                           "ready": import_service() is not None},
                  status=200 if result else 422)


async def _import_confirm(request: Request, form):
    sha = str(form.get("sha256", ""))
    path = _uploads(request) / sha
    if not request.state.user.can_act:
        return render(request, "error.html", {"heading": "Không có quyền", "back": "/dashboard/import",
                                              "message": "Tài khoản này chỉ được xem, không được nhập kế hoạch."},
                      status=403)
    if len(sha) != 64 or not all(c in "0123456789abcdef" for c in sha) or not path.exists():
        return render(request, "error.html", {"heading": "Không tìm thấy tệp đã tải lên", "back": "/dashboard/import",
                                              "message": "Vui lòng tải tệp lên lại để xem trước rồi nhập."},
                      status=409)
    result, error = await asyncio.to_thread(preview, request.app.state.config, path.read_bytes(),
                                            str(form.get("filename", "")) or None,
                                            str(form.get("plan", "")).strip())
    service = import_service()
    if result is None or service is None:
        return render(request, "error.html", {
            "heading": "Chưa nhập được kế hoạch", "back": "/dashboard/import",
            "message": error or ("Chức năng nhập từ trang web chưa sẵn sàng trên máy chủ này. Vui lòng dùng lệnh "
                                 "«./dondoc import TỆP» hoặc liên hệ quản trị hệ thống.")}, status=503)
    client = await request.app.state.temporal.get()
    if client is None:
        return render(request, "error.html", {
            "heading": "Chưa nhập được kế hoạch", "back": "/dashboard/import",
            "message": "Không kết nối được Temporal; chưa có gì thay đổi. Vui lòng thử lại sau ít phút."}, status=503)
    outcome = (await service(request.app.state.settings, request.app.state.config, result, client=client)).to_dict()
    return render(request, "message.html", {"heading": "Đã nhập kế hoạch", "ok": True, "back": "/dashboard",
                                             "message": _import_summary(result, outcome)})


def _import_summary(result, outcome: dict) -> str:
    text = (f"Kế hoạch «{result.plan}»: {len(result.tasks)} nhiệm vụ; bắt đầu theo dõi {outcome['started']}, "
            f"sửa đổi {outcome['amended']}, không đổi {outcome['unchanged']}, đã hoàn thành {outcome['completed']}.")
    if outcome["failed"]:
        text += f" {len(outcome['failed'])} nhiệm vụ chưa khởi động được: " + ", ".join(outcome["failed"])
    return text


def routes(settings, config) -> list:
    return [
        Route("/", home),
        Route("/login", login_page, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/dashboard", tasks_page),
        Route("/dashboard/tasks/{task_id:path}", task_page),
        Route("/dashboard/incidents", incidents_page),
        Route("/dashboard/reports", reports_page),
        Route("/dashboard/reports/{report_id:int}", report_page),
        Route("/dashboard/outbox", outbox_page),
        Route("/dashboard/import", import_page, methods=["GET", "POST"]),
    ]
