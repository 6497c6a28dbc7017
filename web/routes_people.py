"""The standing office's people directory on the dashboard: who receives messages,
whether their Zalo is linked, and their one-time sign-up codes.

  GET  /dashboard/people                    the list (``?unlinked=1``: not linked to Zalo yet)
                                            and the form to add a person
  POST /dashboard/people                    add a person, then to their page (303)
  GET  /dashboard/people/{id}               a person's details
  POST /dashboard/people/{id}/invite        a new sign-up code, shown once, with the
                                            instructions and a QR code of the bot link
  POST /dashboard/people/{id}/deactivate    stop sending to the person

The store is services/people.py (shared with ``dondoc people``). Only users who
may act add, invite or deactivate; GETs change nothing.
"""
from __future__ import annotations

import asyncio
import re

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from web.access import page
from web.pages import now_utc, render

ROLE_CHOICES = ("officer", "lead", "supervisor", "office")
_CLI_FLAG = re.compile(r"\s*\(--[a-z-]+\)")


def _db(request: Request) -> str:
    return request.app.state.settings.database_url


def _refused(request: Request, back: str):
    return render(request, "error.html", {
        "heading": "Không có quyền", "back": back,
        "message": "Tài khoản này chỉ được xem, không được thêm người, cấp mã đăng ký hay ngừng theo dõi."},
        status=403)


def _not_found(request: Request):
    return render(request, "error.html", {"heading": "Không tìm thấy người nhận tin", "back": "/dashboard/people",
                                          "message": "Không có người với mã này."}, status=404)


def qr_svg(link: str | None, title: str) -> Markup | None:
    """The bot link as an inline SVG QR code (segno escapes the title), or None."""
    if not link:
        return None
    import segno

    svg = segno.make(link, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff", title=title,
                                                 svgclass="qr")
    return Markup(svg)


def instructions(text: str, code: str) -> Markup:
    """The invite text, escaped, with the code kept on one line ("DD-" never ends a line)."""
    return Markup.escape(text).replace(Markup.escape(code), Markup('<span class="nowrap">%s</span>') % code)


def zalo_state(zalo: dict) -> dict:
    """The Zalo column in words: a label, a badge class and the day it was linked."""
    if not zalo["linked"]:
        return {"label": "Chưa liên kết", "css": "soon", "since": None}
    return {"label": "Liên kết lỗi" if zalo["broken"] else "Đã liên kết",
            "css": "late" if zalo["broken"] else "done", "since": zalo["linked_at"]}


def _list_context(request: Request, rows: list[dict], form: dict | None = None,
                  errors: dict | None = None) -> dict:
    unlinked = request.query_params.get("unlinked") == "1"
    shown = [r for r in rows if not r["zalo"]["linked"]] if unlinked else rows
    return {"rows": [dict(r, state=zalo_state(r["zalo"])) for r in shown], "total": len(rows),
            "unlinked_count": sum(not r["zalo"]["linked"] for r in rows), "unlinked": unlinked,
            "units": request.app.state.config.directory.units, "roles": _roles(),
            "form": form or {"name": "", "units": [], "role": "officer", "email": ""},
            "errors": errors or {}, "csrf_token": request.state.user.csrf}


def _roles() -> list[tuple[str, str]]:
    from domain.people import ROLE_LABELS

    return [(key, ROLE_LABELS[key]) for key in ROLE_CHOICES]


@page
async def people_page(request: Request):
    config = request.app.state.config
    if request.method == "POST":
        if not request.state.user.can_act:
            return _refused(request, "/dashboard/people")
        return await _add(request, config)
    from services.people import list_people

    rows = await asyncio.to_thread(list_people, _db(request), config)
    return render(request, "people.html", _list_context(request, rows))


def read_form(form) -> dict:
    return {"name": str(form.get("name", "")).strip(), "units": [str(u) for u in form.getlist("unit") if u],
            "role": str(form.get("role", "officer")), "email": str(form.get("email", "")).strip()}


def form_errors(values: dict, directory) -> dict:
    """What the form itself lacks, beside its field (the store checks the rest)."""
    errors = {}
    if not values["name"]:
        errors["name"] = "Chưa nhập họ tên."
    unknown = [u for u in values["units"] if directory.unit(u) is None]
    if unknown:
        errors["units"] = (f"Không thấy đơn vị «{', '.join(unknown)}» trong danh bạ; "
                           "vui lòng chọn đơn vị trong danh sách.")
    return errors


def error_field(message: str) -> str:
    """Which field a message of services/people.py is about."""
    lowered = message.lower()
    for words, field in (("email", "email"), ("đơn vị", "units"), ("vai trò", "role"), ("họ tên", "name")):
        if words in lowered:
            return field
    return "form"


async def _add(request: Request, config):
    from services.people import PeopleError, add_person, list_people

    values = read_form(request.state.form)
    errors = form_errors(values, config.directory)
    if not errors:
        try:
            person_id = await asyncio.to_thread(add_person, _db(request), values["name"], values["units"],
                                                values["role"], values["email"] or None,
                                                directory=config.directory)
            return RedirectResponse(f"/dashboard/people/{person_id}?added=1#ket-qua", status_code=303)
        except PeopleError as err:
            message = _CLI_FLAG.sub("", str(err))
            errors[error_field(message)] = message
    rows = await asyncio.to_thread(list_people, _db(request), config)
    return render(request, "people.html", _list_context(request, rows, values, errors), status=422)


async def _person(request: Request) -> dict | None:
    from services.people import person_view

    return await asyncio.to_thread(person_view, _db(request), request.app.state.config,
                                   request.path_params["person_id"])


def _person_context(request: Request, person: dict, **extra) -> dict:
    from services.people import bot_identity

    bot_name, bot_link = bot_identity(request.app.state.config)
    return {"p": dict(person, state=zalo_state(person["zalo"])), "csrf_token": request.state.user.csrf,
            "bot_name": bot_name, "bot_link": bot_link, "added": request.query_params.get("added") == "1",
            "stopped": request.query_params.get("stopped") == "1", **extra}


@page
async def person_page(request: Request):
    person = await _person(request)
    if person is None:
        return _not_found(request)
    return render(request, "person.html", _person_context(request, person))


@page
async def invite_page(request: Request):
    person_id = request.path_params["person_id"]
    if request.method == "GET":  # a reload or a bookmark: the code is never shown twice
        return RedirectResponse(f"/dashboard/people/{person_id}", status_code=303)
    if not request.state.user.can_act:
        return _refused(request, f"/dashboard/people/{person_id}")
    from services.people import PeopleError, bot_identity, invite

    bot_name, bot_link = bot_identity(request.app.state.config)
    try:
        out = await asyncio.to_thread(invite, _db(request), person_id, now_utc(),
                                      bot_name=bot_name, bot_link=bot_link)
    except PeopleError as err:
        person = await _person(request)
        if person is None:
            return _not_found(request)
        return render(request, "person.html", _person_context(request, person, error=str(err)), status=409)
    person = await _person(request)
    qr = qr_svg(bot_link, f"Mã QR mở {bot_name}")
    return render(request, "person.html", _person_context(request, person, invite=out, qr=qr,
                                                          text=instructions(out["text"], out["code"])))


@page
async def deactivate_page(request: Request):
    person_id = request.path_params["person_id"]
    if not request.state.user.can_act:
        return _refused(request, f"/dashboard/people/{person_id}")
    from services.people import deactivate

    if not await asyncio.to_thread(deactivate, _db(request), person_id, now_utc()):
        return _not_found(request)
    return RedirectResponse(f"/dashboard/people/{person_id}?stopped=1", status_code=303)


def routes(settings, config) -> list:
    return [
        Route("/dashboard/people", people_page, methods=["GET", "POST"]),
        Route("/dashboard/people/{person_id:int}", person_page),
        Route("/dashboard/people/{person_id:int}/invite", invite_page, methods=["GET", "POST"]),
        Route("/dashboard/people/{person_id:int}/deactivate", deactivate_page, methods=["POST"]),
    ]
