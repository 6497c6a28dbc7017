"""Unknown addresses and server errors answered in Vietnamese: a page for people, JSON
for the API (the same shape as its other refusals). A server error shows no detail
(it is in the log) and says that nothing was lost by trying again later."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

NOT_FOUND = ("Không tìm thấy trang", "Địa chỉ này không có trong hệ thống. Vui lòng kiểm tra lại đường dẫn, "
             "hoặc quay về bảng điều khiển.")
SERVER_ERROR = ("Hệ thống gặp lỗi", "Đã có lỗi khi xử lý yêu cầu; lỗi đã được ghi lại để bộ phận quản trị kiểm "
                "tra. Vui lòng thử lại sau ít phút; nếu vẫn lỗi, liên hệ Văn phòng (bộ phận thường trực).")


def _answer(request: Request, status: int, heading: str, message: str):
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": "not_found" if status == 404 else "server_error", "message": message},
                            status_code=status)
    from web.pages import render

    return render(request, "error.html", {"heading": heading, "message": message, "back": "/dashboard"},
                  status=status)


async def not_found(request: Request, exc) -> object:
    return _answer(request, 404, *NOT_FOUND)


async def server_error(request: Request, exc) -> object:
    return _answer(request, 500, *SERVER_ERROR)


HANDLERS = {404: not_found, 500: server_error}
