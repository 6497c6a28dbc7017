"""What the security tests share: an app on the test's database (SQLite or
PostgreSQL through ``db_url``), users of each role, a login, and a raw ASGI call
that shows how much of a request body the app actually read. The ``site`` fixture
is in conftest.py."""
from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass, replace

from starlette.testclient import TestClient

from config.loader import DEFAULT_CONFIG, load_config
from config.settings import load_settings
from store.db import session_scope
from store.models import User
from web.app import create_app
from web.passwords import hash_password

ADMIN_PW, VIEWER_PW = "mat-khau-quan-tri-2026", "mat-khau-chi-xem-2026"
ADMIN_TOKEN, VIEWER_TOKEN = "sec-admin-token-0123456789", "sec-viewer-token-0123456789"
MIB = 1024 * 1024


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Site:
    """One application on one database, and how to reach it."""
    app: object
    settings: object
    config: object
    url: str

    def client(self, address: str = "testclient") -> TestClient:
        client = TestClient(self.app, base_url=self.settings.public_url, client=(address, 50000))
        client.site = self
        return client


def add_user(url: str, username: str, password: str, role: str, **extra) -> None:
    with session_scope(url) as s:
        s.add(User(username=username, password_hash=extra.pop("password_hash", None) or hash_password(password),
                   role=role, **extra))


def build_site(tmp_path, url: str, monkeypatch, env: dict | None = None, users: tuple = ()) -> Site:
    monkeypatch.delenv("DONDOC_SECRET_KEY", raising=False)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path / "data"), "DONDOC_DATABASE_URL": url, **(env or {})})
    config = replace(load_config(DEFAULT_CONFIG), users=users)
    return Site(create_app(settings, config), settings, config, url)


def csrf_field(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client: TestClient, username: str, password: str):
    token = csrf_field(client.get("/login").text)
    return client.post("/login", data={"csrf_token": token, "username": username, "password": password,
                                       "next": "/dashboard"}, follow_redirects=False)


def logged_in(site: Site, username: str, password: str, address: str = "testclient") -> TestClient:
    client = site.client(address)
    page = login(client, username, password)
    assert page.status_code == 303, page.text[:500]
    return client


def bearer(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


def raw_post(app, path: str, headers: dict, chunks: int, chunk_size: int = MIB, query: str = "") -> tuple:
    """POST ``chunks`` chunks of ``chunk_size`` bytes straight through ASGI (no Content-Length
    unless given): (status, headers, body, chunks the app asked for)."""
    asked, sent = [0], []

    async def receive():
        if asked[0] >= chunks:
            return {"type": "http.disconnect"}
        asked[0] += 1
        return {"type": "http.request", "body": b"x" * chunk_size, "more_body": asked[0] < chunks}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
             "root_path": "", "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
             "headers": [(k.lower().encode(), str(v).encode()) for k, v in headers.items()]}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body, asked[0]
