"""The dashboard's accounts, for administrators only (anyone else gets a 403 page).

  GET  /dashboard/users              the accounts in the database and a form to create one
  POST /dashboard/users              create one; the one-time password is shown once, in the answer
  POST /dashboard/users/reset        a new one-time password (shown once); the user's sessions end
  POST /dashboard/users/deactivate   no more logins; the user's sessions end

The store is web/accounts.py (shared with ``dondoc users``). GETs change nothing; every
POST passes the ``page`` decorator's role, size, CSRF and origin checks first.
"""
from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.routing import Route

from web.access import page
from web.accounts import ROLE_LABELS, ROLES, AccountError, create_user, deactivate, list_users, reset_password
from web.pages import render

BACK = "/dashboard/users"


def _db(request: Request) -> str:
    return request.app.state.settings.database_url


def _refused(request: Request):
    return render(request, "error.html", {
        "heading": "Không có quyền", "back": "/dashboard",
        "message": "Chỉ tài khoản Quản trị mới được xem và quản lý tài khoản đăng nhập."}, status=403)


async def _show(request: Request, status: int = 200, **extra):
    rows = await asyncio.to_thread(list_users, _db(request))
    context = {"rows": rows, "roles": [(key, ROLE_LABELS[key]) for key in ROLES],
               "csrf_token": request.state.user.csrf, "form": {"username": "", "role": "viewer"}, **extra}
    return render(request, "users.html", context, status=status)


def _configured(request: Request) -> tuple:
    users = getattr(request.app.state.config, "users", ()) or ()
    return tuple(str(u.get("username")) for u in users if isinstance(u, dict))


@page(act=True)
async def users_page(request: Request):
    if not request.state.user.can_manage_accounts:
        return _refused(request)
    if request.method == "GET":
        return await _show(request)
    form = request.state.form
    values = {"username": str(form.get("username", "")).strip(), "role": str(form.get("role", ""))}
    try:
        password = await asyncio.to_thread(create_user, _db(request), values["username"], values["role"],
                                           _configured(request))
    except AccountError as err:
        return await _show(request, status=422, error=str(err), form=values)
    return await _show(request, issued={"username": values["username"], "password": password, "created": True})


def _target(request: Request) -> str:
    return str(request.state.form.get("username", "")).strip()


async def _own_account(request: Request, username: str):
    return await _show(request, status=409, error="Không thể cấp lại mật khẩu hay khóa chính tài khoản đang "
                                                  "dùng; hãy đổi mật khẩu ở trang Đổi mật khẩu.")


@page(act=True)
async def reset_page(request: Request):
    if not request.state.user.can_manage_accounts:
        return _refused(request)
    username = _target(request)
    if username == request.state.user.username:
        return await _own_account(request, username)
    password = await asyncio.to_thread(reset_password, _db(request), username)
    if password is None:
        return await _show(request, status=404, error=f"Không có tài khoản «{username}» trong cơ sở dữ liệu.")
    return await _show(request, issued={"username": username, "password": password, "created": False})


@page(act=True)
async def deactivate_page(request: Request):
    if not request.state.user.can_manage_accounts:
        return _refused(request)
    username = _target(request)
    if username == request.state.user.username:
        return await _own_account(request, username)
    if not await asyncio.to_thread(deactivate, _db(request), username):
        return await _show(request, status=404, error=f"Không có tài khoản «{username}» trong cơ sở dữ liệu.")
    return await _show(request, done=f"Đã khóa tài khoản «{username}»; các phiên đăng nhập của tài khoản "
                                     "này đã kết thúc.")


def routes(settings, config) -> list:
    return [
        Route(BACK, users_page, methods=["GET", "POST"]),
        Route(BACK + "/reset", reset_page, methods=["POST"]),
        Route(BACK + "/deactivate", deactivate_page, methods=["POST"]),
    ]
