"""Request bodies read with a hard limit: Content-Length is checked first (a lie
only gets as far as the limit), then the body is read chunk by chunk with a running
count, and refused as soon as it passes the limit. Nothing is parsed or stored
before the whole body is known to be within it.

The body read is kept on the request, so ``request.form()`` and ``request.json()``
parse it afterwards as usual.
"""
from __future__ import annotations

from starlette.requests import Request

MAX_UPLOAD_BYTES = 20 * 1024 * 1024     # a plan file (TSV/CSV/XLSX/DOCX)
MULTIPART_OVERHEAD = 64 * 1024          # boundaries and the small fields beside the file
FORM_MAX_BYTES = 1024 * 1024            # any other form: a few fields of text


class BodyTooLarge(Exception):
    """The body passed ``limit`` bytes; ``message`` says so in Vietnamese."""

    def __init__(self, limit: int):
        self.limit = limit
        self.message = too_large_message(limit)
        super().__init__(self.message)


def too_large_message(limit: int) -> str:
    return (f"Tệp hoặc nội dung gửi lên quá lớn: tối đa {_size_words(limit)}. Không có gì được lưu. "
            "Vui lòng chia nhỏ tệp hoặc bỏ bớt phần không cần thiết rồi gửi lại.")


def _size_words(limit: int) -> str:
    # Whole megabytes: the room left for a form's own fields is not worth naming.
    mib = limit // (1024 * 1024)
    return f"{mib} MB" if mib >= 1 else f"{limit // 1024} KB"


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or BodyTooLarge as soon as it passes ``limit`` bytes."""
    if hasattr(request, "_body"):
        if len(request._body) > limit:
            raise BodyTooLarge(limit)
        return request._body
    declared = request.headers.get("content-length", "")
    if declared.strip().isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # what Starlette keeps after request.body(): form() and json() read it
    return body


async def read_form(request: Request, limit: int = FORM_MAX_BYTES, part_limit: int = FORM_MAX_BYTES):
    """The form of a body within ``limit`` bytes (BodyTooLarge otherwise)."""
    await read_body(request, limit)
    return await request.form(max_part_size=part_limit)
