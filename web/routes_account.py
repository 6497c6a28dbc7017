"""/account/password: change one's password. The administrator created on first run
logs in with a printed one-time password and must choose their own before anything else."""
from __future__ import annotations

import asyncio
from dataclasses import replace

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from web.pages import render
from web.routes_dashboard import PASSWORD_PATH, _cookie_secure, page
from web.users import SESSION_COOKIE, SESSION_MAX_AGE_S, change_password, make_session


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
                        max_age=SESSION_MAX_AGE_S, httponly=True, samesite="lax", secure=_cookie_secure(request))
    return response


def routes(settings, config) -> list:
    return [Route(PASSWORD_PATH, password_page, methods=["GET", "POST"])]
