"""Unit groups on the dashboard, and a group task's members:

  GET  /dashboard/groups                  the groups (name, the names documents use, members,
                                          the units they come to) and, for admin and office,
                                          a form to edit each and to add one
  POST /dashboard/groups                  save a group (new: no ``key``), then back (303)
  POST /dashboard/groups/reset            drop the dashboard's edit of a configured group
  POST /dashboard/tasks/{id}/group/sync   "tạo nhiệm vụ cho thành viên mới": the task's
                                          children brought in line with its group now --
                                          a new member gets its task, a member removed has
                                          its task cancelled with a notice

Groups as they stand are the configuration's with the edits (services/unit_groups.py);
after an edit this process's configuration is merged again, so the import, ``task add``
and the pages see it. Only admin and office act (``@page(act=True)``).
"""
from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from web.access import page
from web.pages import render, task_href

DONE = {"saved": "Đã lưu nhóm. Lần nhập kế hoạch tới (hoặc nút «Tạo nhiệm vụ cho thành viên mới» trên trang "
                 "nhiệm vụ) tạo nhiệm vụ cho đơn vị mới vào nhóm và hủy nhiệm vụ của đơn vị đã rời nhóm.",
        "reset": "Nhóm đã trở về như trong tệp cấu hình."}


def _db(request: Request) -> str:
    return request.app.state.settings.database_url


def _base_config(request: Request):
    """The configuration as loaded (its groups before the dashboard's edits)."""
    state = request.app.state
    if not hasattr(state, "configured"):
        from config.loader import load_config

        state.configured = load_config(state.config.source) if state.config.source else state.config
    return state.configured


def _refresh(request: Request) -> None:
    from services.unit_groups import with_edited_groups

    request.app.state.config = with_edited_groups(_db(request), _base_config(request))


def _context(request: Request, views: list[dict], edit: dict | None = None, errors: dict | None = None) -> dict:
    directory = request.app.state.config.directory
    return {"groups": views, "units": [(u.key, u.name) for u in directory.units],
            "all_groups": [(g.key, g.name) for g in directory.groups], "edit": edit or {}, "errors": errors or {},
            "done": DONE.get(request.query_params.get("done", ""), ""), "csrf_token": request.state.user.csrf}


@page(act=True)
async def groups_page(request: Request):
    from services.unit_groups import group_views, read_edit, save_group

    base = _base_config(request)
    if request.method == "GET":
        views = await asyncio.to_thread(group_views, _db(request), base)
        return render(request, "groups.html", _context(request, views))
    form = request.state.form
    edit, errors = read_edit(form, request.app.state.config.directory)
    if not errors:
        _, errors = await asyncio.to_thread(save_group, _db(request), base, edit, request.state.user.username)
    if errors:
        views = await asyncio.to_thread(group_views, _db(request), base)
        typed = {"key": edit.key, "name": edit.name, "aliases": "\n".join(edit.aliases), "members": edit.members}
        return render(request, "groups.html", _context(request, views, typed, errors), status=422)
    _refresh(request)
    return RedirectResponse("/dashboard/groups?done=saved", status_code=303)


@page(act=True)
async def reset_page(request: Request):
    from services.unit_groups import reset_group

    await asyncio.to_thread(reset_group, _db(request), str(request.state.form.get("key", "")))
    _refresh(request)
    return RedirectResponse("/dashboard/groups?done=reset", status_code=303)


@page(act=True)
async def sync_page(request: Request):
    """A group task's children in line with its group now (the page's button)."""
    from services.task_groups import GroupOutcome, sync_children
    from services.task_views import task_view
    from services.tasks import spec_of

    task_id = request.path_params["task_id"]
    back = task_href(task_id)
    view = await asyncio.to_thread(task_view, _db(request), task_id)
    client = await request.app.state.temporal.get()
    if view is None or view["status"] != "open" or client is None:
        message = ("Không kết nối được hệ thống xử lý nhiệm vụ; chưa có gì thay đổi. Vui lòng thử lại sau ít phút."
                   if view is not None and view["status"] == "open" else
                   "Nhiệm vụ không còn mở; không tạo thêm nhiệm vụ cho đơn vị.")
        return render(request, "error.html", {"heading": "Chưa cập nhật được các đơn vị", "back": back,
                                              "message": message}, status=409 if client else 503)
    spec = await asyncio.to_thread(_spec, _db(request), task_id, spec_of)
    if spec is None:  # a plan delegated under it has no members to follow
        return RedirectResponse(back, status_code=303)
    out = await sync_children(client, request.app.state.settings, request.app.state.config, spec,
                              GroupOutcome(task_id, parent=True))
    return RedirectResponse(f"{back}?members={out.children_started}-{out.children_cancelled}", status_code=303)


def _spec(database_url: str, task_id: str, spec_of):
    """The group task's spec; None for a task that is not a group's."""
    from store.db import session_scope
    from store.models import Task
    from store.task_children import parent_kind

    with session_scope(database_url) as session:
        row = session.get(Task, task_id)
        return spec_of(row, row.plan.name if row.plan else "") if parent_kind(session, task_id) == "group" else None


def routes(settings, config) -> list:
    return [
        Route("/dashboard/groups", groups_page, methods=["GET", "POST"]),
        Route("/dashboard/groups/reset", reset_page, methods=["POST"]),
        Route("/dashboard/tasks/{task_id:path}/group/sync", sync_page, methods=["POST"]),
    ]
