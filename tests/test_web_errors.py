"""Unknown addresses and server errors get a Vietnamese answer: a page for people, JSON
for the API; a server error shows no internal detail."""
from __future__ import annotations

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from config.loader import load_config
from config.settings import load_settings
from web.app import create_app


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("DONDOC_SECRET_KEY", "errors-" + "k" * 40)
    app = create_app(load_settings({"DONDOC_DATA_DIR": str(tmp_path)}), load_config())

    async def broken(request):
        raise RuntimeError("chi tiết nội bộ: postgresql://user:secret@db")

    app.router.routes.append(Route("/dashboard/hong", broken))
    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("path, status, words", [
    ("/khong-co-trang-nay", 404, "Không tìm thấy trang"),
    ("/dashboard/hong", 500, "Hệ thống gặp lỗi"),
])
def test_pages_answer_in_vietnamese(client, path, status, words):
    page = client.get(path)
    assert page.status_code == status and page.headers["content-type"].startswith("text/html")
    assert words in page.text and '<html lang="vi">' in page.text
    assert "secret" not in page.text and "RuntimeError" not in page.text
    assert page.headers["x-content-type-options"] == "nosniff"


def test_the_api_answers_json(client):
    answer = client.get("/api/khong-co")
    assert answer.status_code == 404 and answer.json()["error"] == "not_found"
    assert "Địa chỉ này không có" in answer.json()["message"]
