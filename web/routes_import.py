"""Plan upload on the dashboard: the file is read and shown as a dry run (its
tasks, the problems found, the messages of the import day), then imported on a
second POST that names the upload by its SHA-256, so what is imported is exactly
what was previewed. Uploading and importing need the admin role (a viewer is
refused before the body is read) and importing a connected Temporal.

The body is read with a hard limit (MAX_UPLOAD_BYTES for the file, web/limits.py):
past it the answer is 413 and nothing is kept. Only a file that previews is kept
(data/uploads/<sha256>), until its import; files older than a day are removed
whenever a new one is kept.

  GET  /dashboard/import   the upload form
  POST /dashboard/import   a file: the preview; ``sha256``: the import
"""
from __future__ import annotations

import asyncio
import hashlib
import time
from datetime import datetime, timezone
from pathlib import Path

from starlette.requests import Request
from starlette.routing import Route

from web.access import page, too_large_page
from web.limits import MAX_UPLOAD_BYTES, MULTIPART_OVERHEAD, BodyTooLarge
from web.pages import render

UPLOAD_KEPT_S = 24 * 3600


def _uploads(request: Request) -> Path:
    return request.app.state.settings.data_dir / "uploads"


def keep_upload(folder: Path, sha: str, data: bytes, now: float | None = None) -> None:
    """Keep a previewed file for its confirm step, removing those older than a day."""
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = (time.time() if now is None else now) - UPLOAD_KEPT_S
    for old in folder.iterdir():
        try:
            if old.is_file() and old.stat().st_mtime < cutoff:
                old.unlink()
        except FileNotFoundError:  # another request removed it first
            pass
    (folder / sha).write_bytes(data)


def preview(config, data: bytes, filename: str | None, plan: str | None):
    """The dry run: (ImportResult, None) or (None, the reason in Vietnamese)."""
    from intake import IntakeError, read_plan_isolated

    try:
        return read_plan_isolated(data, config.directory, plan=plan or None, filename=filename), None
    except IntakeError as err:
        return None, str(err)


def import_service():
    """Stores a plan and starts its workflows (workflows/importer.py)."""
    from services.importer import import_plan

    return import_plan


def _under(request: Request, task_id: str) -> dict:
    """The task a lower level's plan goes under (``?under=`` from its page): its title, or why not."""
    if not task_id:
        return {}
    from services.delegation import DelegationError, check_parent

    try:
        return {"under": task_id, "under_title": check_parent(request.app.state.settings.database_url, task_id)}
    except DelegationError as err:
        return {"under": "", "error": str(err)}


@page(act=True, max_body=MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD)
async def import_page(request: Request):
    if request.method == "GET":
        under = await asyncio.to_thread(_under, request, request.query_params.get("under", ""))
        return render(request, "import.html", {"csrf_token": request.state.user.csrf,
                                               "ready": import_service() is not None, **under})
    form = request.state.form
    if form.get("sha256"):
        return await _import_confirm(request, form)
    upload = form.get("file")
    if getattr(upload, "size", None) is not None and upload.size > MAX_UPLOAD_BYTES:
        return too_large_page(request, BodyTooLarge(MAX_UPLOAD_BYTES))
    data = await upload.read() if upload is not None and hasattr(upload, "read") else b""
    name = getattr(upload, "filename", None) or "plan.txt"
    if not data:
        return render(request, "import.html", {"csrf_token": request.state.user.csrf, "error": "Chưa chọn tệp.",
                                               "ready": import_service() is not None}, status=422)
    if len(data) > MAX_UPLOAD_BYTES:
        return too_large_page(request, BodyTooLarge(MAX_UPLOAD_BYTES))
    sha = hashlib.sha256(data).hexdigest()
    plan = str(form.get("plan", "")).strip()
    result, error = await asyncio.to_thread(preview, request.app.state.config, data, name, plan)
    messages = None
    if result is not None:
        from services.import_preview import preview_messages

        await asyncio.to_thread(keep_upload, _uploads(request), sha, data)  # for the confirm step
        messages = await asyncio.to_thread(preview_messages, result, request.app.state.config,
                                           datetime.now(timezone.utc))
    under = await asyncio.to_thread(_under, request, str(form.get("under", "")))  # a lower level's plan
    return render(request, "import.html", {"csrf_token": request.state.user.csrf, "result": result,
                                           "messages": messages, "error": error, "sha256": sha, "filename": name,
                                           "plan": plan, "ready": import_service() is not None, **under,
                                           **({"error": error} if error else {})},
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
    under = await asyncio.to_thread(_under, request, str(form.get("under", "")))
    if under.get("error"):
        return render(request, "error.html", {"heading": "Chưa nhập được kế hoạch", "back": "/dashboard/import",
                                              "message": under["error"]}, status=409)
    outcome = (await service(request.app.state.settings, request.app.state.config, result, client=client,
                             **({"under": under["under"]} if under else {}))).to_dict()
    path.unlink(missing_ok=True)  # imported: the file is no longer needed
    return render(request, "message.html", {"heading": "Đã nhập kế hoạch", "ok": True, "back": "/dashboard",
                                             "message": _import_summary(result, outcome)})


def _import_summary(result, outcome: dict) -> str:
    text = (f"Kế hoạch «{result.plan}»: {len(result.tasks)} nhiệm vụ; bắt đầu theo dõi {outcome['started']}, "
            f"sửa đổi {outcome['amended']}, không đổi {outcome['unchanged']}, đã hoàn thành {outcome['completed']}.")
    if outcome.get("parents"):
        text += (f" {outcome['parents']} nhiệm vụ giao cho nhóm đơn vị: {outcome['children_started']} nhiệm vụ mới "
                 f"của đơn vị thành viên, {outcome['children_cancelled']} hủy (đơn vị đã rời nhóm).")
    if outcome.get("under"):
        text += " Các nhiệm vụ là nhiệm vụ con của nhiệm vụ đã chọn: nhiệm vụ đó hoàn thành khi mọi nhiệm vụ con hoàn thành."
    if outcome["failed"]:
        text += f" {len(outcome['failed'])} nhiệm vụ chưa khởi động được: " + ", ".join(outcome["failed"])
    return text


def routes(settings, config) -> list:
    return [Route("/dashboard/import", import_page, methods=["GET", "POST"])]
