"""The account pages: the login (with its own CSRF cookie, as there is no session
yet), the logout, and /account/password. The administrator created on first run
logs in with a printed one-time password and must choose their own before anything else."""
from __future__ import annotations

import asyncio
import secrets
from dataclasses import replace

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from web import csrf
from web.access import PASSWORD_PATH, cookie_secure, page
from web.pages import render
from web.users import SESSION_COOKIE, SESSION_MAX_AGE_S, authenticate, change_password, make_session

LOGIN_CSRF_COOKIE = "dondoc_login"


def _safe_next(value: str | None) -> str:
    # Only our own paths: never an open redirect to another site.
    value = value or "/dashboard"
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else "/dashboard"


async def login_page(request: Request):
    if request.method == "GET":
        token = secrets.token_urlsafe(16)
        response = render(request, "login.html", {"csrf_token": token, "next": _safe_next(request.query_params.get("next"))})
        response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
                            secure=cookie_secure(request))
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
                        httponly=True, samesite="lax", secure=cookie_secure(request))
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@page
async def logout(request: Request):
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
    form = request.state.form
    error = await asyncio.to_thread(change_password, request.app.state.settings.database_url, user.username,
                                    str(form.get("current", "")), str(form.get("new", "")), str(form.get("repeat", "")))
    if error:
        return render(request, "password.html", {"csrf_token": user.csrf, "forced": user.must_change,
                                                 "error": error}, status=422)
    response = RedirectResponse("/dashboard", status_code=303)
    fresh = replace(user, must_change=False)
    response.set_cookie(SESSION_COOKIE, make_session(request.app.state.settings.secret_key, fresh),
                        max_age=SESSION_MAX_AGE_S, httponly=True, samesite="lax", secure=cookie_secure(request))
    return response


def routes(settings, config) -> list:
    return [
        Route("/", home),
        Route("/login", login_page, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route(PASSWORD_PATH, password_page, methods=["GET", "POST"]),
    ]
