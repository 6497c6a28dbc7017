"""Who may see a dashboard page: ``@page`` requires a logged-in user (the session
cookie, not a Bearer token), sends a user with a one-time password to choose their
own first, and checks every POST before the handler runs: the role first when the
page acts (``@page(act=True)``: a viewer is refused before the body is read), then the
body's size (read with a limit, web/limits.py), then the CSRF token and the origin."""
from __future__ import annotations

import functools
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse

from web import csrf
from web.limits import FORM_MAX_BYTES, MAX_UPLOAD_BYTES, BodyTooLarge, read_form  # noqa: F401
from web.pages import render
from web.users import current_user

PASSWORD_PATH = "/account/password"


def page(handler=None, *, act: bool = False, max_body: int = FORM_MAX_BYTES):
    """Require a logged-in user; POSTs also need the role (``act``), a body within
    ``max_body`` bytes, the session's CSRF token and our origin."""
    if handler is None:
        return functools.partial(page, act=act, max_body=max_body)

    @functools.wraps(handler)
    async def wrapped(request: Request):
        user = await current_user(request)
        if user is None or user.via != "session":
            target = quote(request.url.path + ("?" + request.url.query if request.url.query else ""), safe="")
            return RedirectResponse(f"/login?next={target}", status_code=303)
        request.state.user = user
        if user.must_change and request.url.path != PASSWORD_PATH:
            return RedirectResponse(PASSWORD_PATH, status_code=303)
        if request.method == "POST":
            refused = await _check_post(request, user, act, max_body)
            if refused is not None:
                return refused
        return await handler(request)

    return wrapped


async def _check_post(request: Request, user, act: bool, max_body: int):
    """None when the POST may go on (its form in ``request.state.form``), else the refusal page."""
    if act and not user.can_act:
        return render(request, "error.html", {"heading": "Không có quyền", "back": "/dashboard",
                                              "message": "Tài khoản này chỉ được xem, không được thực hiện "
                                                         "thao tác này."}, status=403)
    try:
        form = await read_form(request, max_body)
    except BodyTooLarge as err:
        return too_large_page(request, err)
    if not (csrf.same_origin(request, request.app.state.settings.public_url)
            and csrf.check_session_token(user.csrf, form.get(csrf.FIELD))):
        return render(request, "error.html", {
            "heading": "Yêu cầu bị từ chối",
            "message": "Biểu mẫu đã cũ hoặc không được gửi từ trang của hệ thống. Vui lòng tải lại trang "
                       "và thử lại."}, status=403)
    request.state.form = form
    return None


def too_large_page(request: Request, err: BodyTooLarge, back: str | None = None):
    return render(request, "error.html", {"heading": "Tệp quá lớn", "message": err.message,
                                          "back": back or request.url.path}, status=413,
                  headers={"Connection": "close"})


def cookie_secure(request: Request) -> bool:
    # Secure cookies only where the public address is https (a LAN install may be http).
    return request.app.state.settings.public_url.startswith("https://")
