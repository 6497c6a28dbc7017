"""Who may see a dashboard page: ``@page`` requires a logged-in user (the session
cookie, not a Bearer token), sends a user with a one-time password to choose their
own first, and checks every POST's CSRF token and origin before the handler runs."""
from __future__ import annotations

import functools
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse

from web import csrf
from web.pages import render
from web.users import current_user

PASSWORD_PATH = "/account/password"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


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


def cookie_secure(request: Request) -> bool:
    # Secure cookies only where the public address is https (a LAN install may be http).
    return request.app.state.settings.public_url.startswith("https://")
