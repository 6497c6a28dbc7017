"""The account pages: the login (with its own CSRF cookie, as there is no session
yet, and a back-off after repeated failures, web/throttle.py), the logout, and
/account/password. The administrator created on first run logs in with a printed
one-time password and must choose their own before anything else.

A logout and a new password end every session of the user (web/accounts.py): the
session cookie stolen from another machine stops working too."""
from __future__ import annotations

import asyncio
import math
import secrets
from dataclasses import replace

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from web import csrf, throttle
from web.access import PASSWORD_PATH, cookie_secure, page, too_large_page
from web.accounts import end_sessions, session_version
from web.limits import BodyTooLarge, read_form
from web.pages import render
from web.users import SESSION_COOKIE, SESSION_MAX_AGE_S, authenticate, change_password, make_session

LOGIN_CSRF_COOKIE = "dondoc_login"
WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."


def _safe_next(value: str | None) -> str:
    # Only our own paths: never an open redirect to another site.
    value = value or "/dashboard"
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else "/dashboard"


def _set_session(request: Request, response, user) -> None:
    response.set_cookie(SESSION_COOKIE, make_session(request.app.state.settings.session_key, user),
                        max_age=SESSION_MAX_AGE_S, httponly=True, samesite="lax", secure=cookie_secure(request))


async def login_page(request: Request):
    if request.method == "GET":
        token = secrets.token_urlsafe(16)
        response = render(request, "login.html", {"csrf_token": token,
                                                  "next": _safe_next(request.query_params.get("next"))})
        response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
                            secure=cookie_secure(request))
        return response
    settings = request.app.state.settings
    try:
        form = await read_form(request)
    except BodyTooLarge as err:
        return too_large_page(request, err, back="/login")
    if not (csrf.same_origin(request, settings.public_url)
            and csrf.check_session_token(request.cookies.get(LOGIN_CSRF_COOKIE, ""), form.get(csrf.FIELD))):
        return render(request, "error.html", {"heading": "Yêu cầu bị từ chối", "back": "/login",
                                              "message": "Phiên đăng nhập đã cũ. Vui lòng tải lại trang đăng nhập."},
                      status=403)
    return await _log_in(request, form)


async def _log_in(request: Request, form):
    """The back-off first (no password is checked while it lasts), then the password."""
    settings, config = request.app.state.settings, request.app.state.config
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    address = request.client.host if request.client else ""
    guard: throttle.Throttle = request.app.state.throttle
    wait = await asyncio.to_thread(guard.begin, settings.database_url, address, username, throttle.clock())
    if wait:
        return _login_again(request, form, status=429, headers={"Retry-After": str(math.ceil(wait))},
                            error=f"Đăng nhập sai quá nhiều lần. Vui lòng đợi {throttle.wait_words(wait)} rồi "
                                  "thử lại (kể cả khi nhập đúng mật khẩu trong lúc này).")
    user = await asyncio.to_thread(authenticate, settings.database_url, config, username, password)
    if user is None:
        return _login_again(request, form, status=401, error=WRONG)
    await asyncio.to_thread(guard.succeeded, settings.database_url, address, username)
    response = RedirectResponse(_safe_next(form.get("next")), status_code=303)
    _set_session(request, response, user)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


def _login_again(request: Request, form, status: int, error: str, headers: dict | None = None):
    return render(request, "login.html", {"csrf_token": form.get(csrf.FIELD), "next": _safe_next(form.get("next")),
                                          "username": form.get("username", ""), "error": error},
                  status=status, headers=headers)


@page
async def logout(request: Request):
    # Every session of this user ends, not only this browser's cookie.
    await asyncio.to_thread(end_sessions, request.app.state.settings.database_url, request.state.user.username)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


async def home(request: Request):
    return RedirectResponse("/dashboard", status_code=303)


@page
async def password_page(request: Request):
    user = request.state.user
    if request.method == "GET":
        return render(request, "password.html", {"csrf_token": user.csrf, "forced": user.must_change})
    form, url = request.state.form, request.app.state.settings.database_url
    error = await asyncio.to_thread(change_password, url, user.username, str(form.get("current", "")),
                                    str(form.get("new", "")), str(form.get("repeat", "")))
    if error:
        return render(request, "password.html", {"csrf_token": user.csrf, "forced": user.must_change,
                                                 "error": error}, status=422)
    # The other sessions ended with the change; this one carries on with the new version.
    version = await asyncio.to_thread(session_version, url, user.username)
    response = RedirectResponse("/dashboard", status_code=303)
    _set_session(request, response, replace(user, must_change=False, version=str(version)))
    return response


def routes(settings, config) -> list:
    return [
        Route("/", home),
        Route("/login", login_page, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route(PASSWORD_PATH, password_page, methods=["GET", "POST"]),
    ]
