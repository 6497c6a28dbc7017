"""Importing a plan end to end: the seed table into the store and one workflow per
task on a real dev server; a re-import starts nothing twice; an edited copy amends
exactly the edited tasks; rows gone are listed, and cancelled only with prune."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config.loader import load_config
from config.settings import load_settings
from intake import read_plan
from store.db import session_scope
from store.models import Event, Indicator, Task
from worker import build_worker
from services.importer import import_plan

ROOT = Path(__file__).resolve().parents[1]
DONDOC = str(Path(sys.prefix) / "bin" / "dondoc")


@pytest.fixture
def settings(sqlite_url, tmp_path, monkeypatch, task_queue):
    monkeypatch.setenv("DONDOC_SECRET_KEY", "import-secret-kkkkkkkkkkkkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    return load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                          "DONDOC_TASK_QUEUE": task_queue})


@pytest.fixture
def config():
    return load_config()  # the shipped default: every target is the outbox


def seed_text(city_notice: Path) -> str:
    return city_notice.read_text(encoding="utf-8")


def tracked(result) -> int:
    """Tasks that get a workflow: open, with a readable deadline or a report cycle."""
    return sum(1 for t in result.tasks if t.status == "open" and t.deadline.kind in ("once", "recurring"))


async def running_ids(client, task_queue_ids: set[str]) -> set[str]:
    found = set()
    for wid in task_queue_ids:
        desc = await client.get_workflow_handle(wid).describe()
        if desc.status.name == "RUNNING":
            found.add(wid)
    return found


async def test_seed_imports_once_and_reimport_changes_nothing(dev_env, settings, config, city_notice, task_queue):
    # Workflow ids come from plan + STT: a plan name per test keeps tests on the shared server apart.
    plan = f"TB-2026 {task_queue}"
    result = read_plan(seed_text(city_notice).encode(), config.directory, plan=plan)
    assert len(result.tasks) == 51 and len(result.indicators) == 21
    async with build_worker(dev_env.client, settings, config):
        first = await import_plan(settings, config, result, client=dev_env.client)
        assert first.failed == {}
        assert first.started == tracked(result) > 30
        assert first.started + first.completed + len(first.untracked) == 51
        with session_scope(settings.database_url) as s:
            # The default directory's groups: the 28 collective rows have one task per member unit
            # under them (tests/test_group_import.py counts those); the plan's own rows are 51.
            everything = s.scalars(select(Task)).all()
            rows = [r for r in everything if r.parent_id is None]
            assert len(everything) - len(rows) == first.children_started > 0
            assert len(rows) == 51 and {r.plan.name for r in rows} == {plan}
            assert s.scalar(select(func.count()).select_from(Indicator)) == 21
            task9 = s.get(Task, rows[0].id.rsplit("/", 1)[0] + "/9")
            assert task9.due.isoformat() == "2026-06-30" and task9.section.startswith("II")
        ids = {r.id for r in rows}
        assert len(await running_ids(dev_env.client, ids)) == first.started

        again = await import_plan(settings, config, result, client=dev_env.client)
        assert (again.started, again.amended, again.unchanged, again.gone) == (0, 0, 51, [])


async def test_edited_copy_amends_exactly_the_edited_rows(dev_env, settings, config, city_notice, task_queue):
    text = seed_text(city_notice)
    plan = f"TB-2026 {task_queue}"
    original = read_plan(text.encode(), config.directory, plan=plan)
    t9 = next(t for t in original.tasks if t.stt == "9")
    t13 = next(t for t in original.tasks if t.stt == "13")
    assert t9.deadline.due.isoformat() == "2026-06-30" and t13.deadline.due.isoformat() == "2026-03-31"
    edited = read_plan(text.encode(), config.directory, plan=plan)
    edited.tasks = [t for t in edited.tasks if t.stt != "51"]            # a row gone
    e9 = next(t for t in edited.tasks if t.stt == "9")
    from domain.deadlines import parse_deadline

    e9.deadline = parse_deadline("Quý III/2026")                          # a new deadline
    e13 = next(t for t in edited.tasks if t.stt == "13")
    e13.title = e13.title + " (sửa đổi)"                                  # a new title
    async with build_worker(dev_env.client, settings, config):
        await import_plan(settings, config, original, client=dev_env.client)
        out = await import_plan(settings, config, edited, client=dev_env.client)
        assert out.amended == 2 and out.started == 0
        assert len(out.gone) == 1 and out.gone[0].endswith("/51") and not out.pruned
        with session_scope(settings.database_url) as s:
            row9 = s.get(Task, e9_id(original, "9"))
            assert row9.due.isoformat() == "2026-09-30"
            assert s.get(Task, e9_id(original, "13")).title.endswith("(sửa đổi)")
            assert s.get(Task, e9_id(original, "51")).status == "open"  # not pruned
        # The amendment is visible in the workflow's own history.
        history = await dev_env.client.get_workflow_handle(e9_id(original, "9")).fetch_history()
        updates = [e for e in history.events if e.HasField("workflow_execution_update_accepted_event_attributes")]
        assert len(updates) == 1

        pruned = await import_plan(settings, config, edited, client=dev_env.client, prune=True)
        assert pruned.pruned and pruned.amended == 0
        with session_scope(settings.database_url) as s:
            assert s.get(Task, e9_id(original, "51")).status == "cancelled"


def e9_id(result, stt: str) -> str:
    from domain.identity import task_workflow_id

    return task_workflow_id(result.plan, stt)


def run_cli(*args, env=None):
    return subprocess.run([DONDOC, *args], capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)


def test_dry_run_json_changes_nothing_and_exit_codes(city_notice, tmp_path):
    import os

    env = {**os.environ, "DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    out = run_cli("import", str(city_notice), "--dry-run", "--json", env=env)
    assert out.returncode == 3, out.stderr  # imported with warnings to look at (unknown units)
    data = json.loads(out.stdout)
    assert set(data) == {"plan", "tasks", "indicators", "problems", "messages"}
    # Most rows of the notice are past their deadlines by now: a calm start tells units
    # and leads, never the supervisors, on the import day.
    messages = data["messages"]
    assert messages["by_kind"]["assigned_overdue"] > 0 and messages["by_level"]["supervisors"] == 0
    assert messages["total"] == sum(messages["by_kind"].values()) == sum(messages["by_level"].values())
    assert len(data["tasks"]) == 51 and len(data["indicators"]) == 21
    assert set(data["tasks"][0]) == {"stt", "section", "title", "lead_units", "coordinating_units", "lead_official",
                                     "advisers", "output", "deadline", "status", "notes"}
    assert set(data["problems"][0]) == {"row", "stt", "severity", "message"}
    assert not (tmp_path / "x.db").exists()  # a dry run touches no database

    broken = run_cli("import", str(city_notice.parent / "pdf_text_appendices_001.txt"), "--dry-run", env=env)
    assert broken.returncode == 2 and "PHỤ LỤC" in broken.stderr

    missing = run_cli("import", str(tmp_path / "nope.xlsx"), "--dry-run", env=env)
    assert missing.returncode == 2 and "Không tìm thấy tệp" in missing.stderr


async def test_dashboard_upload_preview_then_import(dev_env, sqlite_url, tmp_path, monkeypatch, task_queue, city_notice):
    """The standing office's path: upload, see the dry run, confirm; workflows start."""
    import asyncio
    import re

    from starlette.testclient import TestClient

    from web.app import create_app
    from web.users import change_password, ensure_admin

    monkeypatch.setenv("DONDOC_SECRET_KEY", "import-secret-kkkkkkkkkkkkkkkkkkkkkkkkkk")
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    address = dev_env.client.service_client.config.target_host
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_TASK_QUEUE": task_queue, "DONDOC_TEMPORAL_ADDRESS": address})
    config = load_config()
    data = city_notice.read_bytes()
    plan = f"Thông báo {task_queue}"

    def office_imports() -> str:
        client = TestClient(create_app(settings, config), base_url=settings.public_url)
        first = ensure_admin(sqlite_url, config)
        password = "mat-khau-rieng-2026"
        assert change_password(sqlite_url, "admin", first, password, password) is None
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        client.post("/login", data={"csrf_token": token, "username": "admin", "password": password, "next": "/dashboard"})
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/dashboard/import").text).group(1)
        preview = client.post("/dashboard/import", data={"csrf_token": token, "plan": plan},
                              files={"file": ("003.txt", data, "text/plain")})
        assert preview.status_code == 200
        assert "Tin nhắn sẽ gửi khi nhập" in preview.text and "Khi nhập sẽ gửi" in preview.text
        sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', preview.text).group(1)
        done = client.post("/dashboard/import", data={"csrf_token": token, "sha256": sha, "plan": plan,
                                                      "filename": "003.txt"})
        assert done.status_code == 200, done.text[:3000]
        return done.text

    async with build_worker(dev_env.client, settings, config):
        page = await asyncio.to_thread(office_imports)
    assert "Đã nhập kế hoạch" in page and "51 nhiệm vụ" in page
    with session_scope(sqlite_url) as s:  # the plan's rows; the groups' members' tasks are under theirs
        assert s.scalar(select(func.count()).select_from(Task).where(Task.parent_id.is_(None))) == 51
