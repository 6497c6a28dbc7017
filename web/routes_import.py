"""Plan upload on the dashboard: the file is read and shown as a dry run (its
tasks, the problems found, the messages of the import day), then imported on a
second POST that names the upload by its SHA-256, so what is imported is exactly
what was previewed. Importing needs the admin role and a connected Temporal.

  GET  /dashboard/import   the upload form
  POST /dashboard/import   a file: the preview; ``sha256``: the import
"""
from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime, timezone
from pathlib import Path

from starlette.requests import Request
from starlette.routing import Route

from web.access import page
from web.pages import render


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
    return [Route("/dashboard/import", import_page, methods=["GET", "POST"])]
