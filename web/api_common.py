"""What every JSON API handler answers with: UTF-8 JSON (dates as ISO text, Vietnamese
unescaped), errors as ``{"error": code, "message": ...}``, a workflow update's outcome
as a status code; and the request's body read leniently (not JSON, or over 1 MiB: an
empty object)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from web.limits import FORM_MAX_BYTES, BodyTooLarge, read_body


def _default(value: Any):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return str(value)


class ApiResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, default=_default).encode("utf-8")


def error(status: int, code: str, message: str, headers: dict | None = None, **extra) -> ApiResponse:
    return ApiResponse({"error": code, "message": message, **extra}, status_code=status, headers=headers)


def db(request: Request) -> str:
    return request.app.state.settings.database_url


async def read_json(request: Request) -> dict:
    try:
        await read_body(request, FORM_MAX_BYTES)  # a few fields of text: never megabytes
        body = await request.json()
    except (ValueError, UnicodeDecodeError, BodyTooLarge):
        return {}
    return body if isinstance(body, dict) else {}


_STATUS = {"rejected": 422, "closed": 409, "unavailable": 503}
_MESSAGES = {"rejected": "Quy trình nhiệm vụ không chấp nhận yêu cầu.",
             "closed": "Nhiệm vụ đã kết thúc hoặc không tồn tại trong Temporal.",
             "unavailable": "Chưa ghi nhận: hệ thống xử lý (worker) đang vắng. Chưa có gì thay đổi; hãy thử lại."}


@dataclass
class Failed:
    """An update that did not happen, in web.updates.UpdateOutcome's shape."""
    state: str
    detail: str


def update_response(outcome) -> ApiResponse:
    if outcome.state == "ok":
        return ApiResponse({"status": "ok", "result": outcome.result})
    headers = {"Retry-After": "60"} if outcome.state == "unavailable" else None
    return ApiResponse({"error": outcome.state, "message": _MESSAGES[outcome.state], "detail": outcome.detail},
                       status_code=_STATUS[outcome.state], headers=headers)
