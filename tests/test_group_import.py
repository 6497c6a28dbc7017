"""Group tasks through the import, on the real dev server, with the installed ``./dondoc``.

1. The city notice (tests/fixtures/city_notice_003.txt) with the default configuration:
   every row assigned to a collective -- "Các cơ quan, đơn vị, địa phương" (15 rows, and
   row 20's "… thuộc 4 khối cơ quan"), "Cơ quan, đơn vị, địa phương" (4), "Các sở, ban,
   ngành thành phố" (5), "Các xã, phường, đặc khu" (3) -- becomes a parent with one child
   per member unit, none left with the standing office; importing it again starts
   nothing. No worker polls the queue: starting is what is checked.
2. The drill configuration, a worker running: a member removed from the group (the
   dashboard's edit) has its child cancelled with a notice on the next import, a member
   added gets its child; a third import changes nothing.
3. ``import --under``: a lower level's plan under a task of the city's plan; the task
   becomes a parent (its own workflow ended, its links revoked) and completes, late,
   when both tasks of the plan under it are confirmed.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import time
import uuid
from datetime import date, timedelta

import httpx
import pytest
from embedded import DONDOC, ROOT
from sqlalchemy import select

from config.loader import DEFAULT_CONFIG, EXAMPLES, load_config
from config.settings import load_settings
from contracts.tasks import ConfirmInput, UpdateAnswer
from services.task_views import task_view
from services.unit_groups import GroupEdit, save_group
from store.db import session_scope
from store.models import Event, LinkRecord, Task, User
from worker import build_worker

DRILL = EXAMPLES / "drill.toml"
CITY_GROUPS = {"co-quan-dia-phuong": 16 + 4, "so-ban-nganh-tp": 5, "xa-phuong-dac-khu": 3}


@pytest.fixture
def env(dev_env, tmp_path, sqlite_url, task_queue, monkeypatch, fake_zalo, fake_smtp):
    values = {"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
              "DONDOC_PUBLIC_URL": "http://dondoc.test", "DONDOC_TASK_QUEUE": task_queue,
              "DONDOC_SECRET_KEY": "group-import-secret-kkkkkkkkkkkkkkkkkkkkkkk",
              "DONDOC_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
              "DRILL_SMTP_PORT": str(fake_smtp.port)}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return load_settings(values)


def dondoc(config, *argv: str) -> tuple[int, dict | str]:
    out = subprocess.run([DONDOC, "--config", str(config), *argv], cwd=ROOT, env=dict(os.environ),
                         capture_output=True, text=True, timeout=600)
    try:
        return out.returncode, json.loads(out.stdout)
    except json.JSONDecodeError:
        return out.returncode, out.stdout + out.stderr


def rows(url: str, **where) -> list[Task]:
    with session_scope(url) as session:
        query = select(Task)
        for name, value in where.items():
            query = query.where(getattr(Task, name) == value)
        found = list(session.scalars(query))
        session.expunge_all()
        return found


def test_city_notice_collective_rows_become_parents_with_a_child_per_member(env, city_notice):
    config = load_config(DEFAULT_CONFIG)
    sizes = {k: sum(1 for u in _expand(config, k)) for k in CITY_GROUPS}
    assert sizes == {"co-quan-dia-phuong": 13, "so-ban-nganh-tp": 4, "xa-phuong-dac-khu": 5}
    expected_children = sum(CITY_GROUPS[k] * sizes[k] for k in CITY_GROUPS)        # 260 + 20 + 15

    code, first = dondoc(DEFAULT_CONFIG, "import", str(city_notice), "--plan", "TB 01-2026", "--json")
    assert code in (0, 3) and isinstance(first, dict), first
    assert first["parents"] == sum(CITY_GROUPS.values()) == 28
    assert first["children_started"] == expected_children == 295, first
    assert first["started"] == 51 - 0 and not first["failed"]

    tasks = rows(env.database_url)
    parents = [t for t in tasks if (t.raw or {}).get("parent") == "group"]
    by_group = {k: [p for p in parents if p.lead_units == [k]] for k in CITY_GROUPS}
    assert {k: len(v) for k, v in by_group.items()} == CITY_GROUPS
    assert not [p for p in parents if p.unassigned]                   # none left with the standing office
    children = [t for t in tasks if t.parent_id]
    assert len(children) == expected_children
    for group, found in by_group.items():
        for parent in found:
            mine = sorted(c.lead_units[0] for c in children if c.parent_id == parent.id)
            assert mine == sorted(_expand(config, group)), parent.stt
            assert all(c.id == f"{parent.id}/{c.lead_units[0]}" and c.due == parent.due and c.title == parent.title
                       and c.plan_id == parent.plan_id for c in children if c.parent_id == parent.id)
    view = task_view(env.database_url, by_group["xa-phuong-dac-khu"][0].id)
    assert view["rollup"]["total"] == 5 and len(view["children"]) == 5

    code, shown = dondoc(DEFAULT_CONFIG, "task", "show", by_group["xa-phuong-dac-khu"][0].id)
    assert code == 0 and "Các đơn vị: đã hoàn thành 0/5" in shown and "UBND phường Lê Chân: đang thực hiện" in shown
    code, listed = dondoc(DEFAULT_CONFIG, "task", "list")
    assert code == 0 and "Các sở, ban, ngành thành phố" in listed and "so-ban-nganh-tp" not in listed

    code, again = dondoc(DEFAULT_CONFIG, "import", str(city_notice), "--plan", "TB 01-2026", "--json")
    assert code in (0, 3), again
    assert (again["started"], again["children_started"], again["children_cancelled"]) == (0, 0, 0)
    assert again["parents"] == 28 and not again["gone"]
    assert len(rows(env.database_url)) == len(tasks)


def test_dry_run_counts_the_members_messages_not_the_standing_office(env, city_notice):
    """The preview of the first day's messages: a group's rows go to its members (and the
    lead official), never to the standing office as an unknown unit."""
    code, preview = dondoc(DEFAULT_CONFIG, "import", str(city_notice), "--plan", "TB 01-2026", "--dry-run",
                           "--json")
    assert code == 3 and isinstance(preview, dict), preview
    names = {r["name"] for r in preview["messages"]["recipients"] if r["level"] == "unit"}
    assert {"UBND phường Lê Chân", "Sở Nội vụ", "Ủy ban Kiểm tra Thành ủy"} <= names
    assert not rows(env.database_url)                    # a dry run writes nothing
    # Without the groups, the 28 collective rows would all fall to the standing office.
    from dataclasses import replace
    from datetime import datetime, timezone

    from intake import read_plan
    from services.import_preview import preview_messages

    config = load_config(DEFAULT_CONFIG)
    bare = replace(config, directory=replace(config.directory, groups=()))
    now = datetime.now(timezone.utc)
    office = lambda c: preview_messages(read_plan(city_notice, c.directory, plan="TB"), c, now).recipients[  # noqa: E731
        ("unit", "Phòng Văn hóa - Xã hội")]
    assert office(config) * 4 < office(bare)       # left with it: row 29 (universities) and part of 36


def _expand(config, key: str) -> list[str]:
    from domain.groups import fan_out_units

    return fan_out_units(config.directory, [key])


PLAN = ("STT\tTên nhiệm vụ\tĐơn vị chủ trì\tThời gian thực hiện/hoàn thành\n"
        "1\tRà soát dữ liệu dân cư trên địa bàn\tUBND các xã, phường, đặc khu\t31/12/2026\n"
        "2\tBáo cáo chuyển đổi số của đặc khu\tPhòng Văn hóa - Xã hội\t31/12/2026\n")


async def test_member_removed_is_cancelled_with_a_notice_member_added_gets_its_task(env, tmp_path, dev_env,
                                                                                    fake_zalo):
    plan = tmp_path / "ke-hoach.tsv"
    plan.write_text(PLAN, encoding="utf-8")
    name = f"KH nhóm {uuid.uuid4().hex[:6]}"
    config = load_config(DRILL)
    async with build_worker(dev_env.client, env, config):
        code, first = await asyncio.to_thread(dondoc, DRILL, "import", str(plan), "--plan", name, "--json")
        assert code == 0 and (first["parents"], first["children_started"]) == (1, 3), first
        [parent] = [t for t in rows(env.database_url, stt="1") if (t.raw or {}).get("parent")]
        assert sorted(t.lead_units[0] for t in rows(env.database_url, parent_id=parent.id)) == ["xa-a", "xa-b", "xa-c"]

        # The standing office edits the group: xã C leaves, Công an đặc khu joins.
        _, problems = save_group(env.database_url, config, GroupEdit(
            key="xa-phuong-dac-khu", name="Các xã, phường, đặc khu", aliases=["UBND các xã, phường, đặc khu"],
            members=["xa-a", "xa-b", "cong-an-dk"]), "vanphong")
        assert not problems
        code, second = await asyncio.to_thread(dondoc, DRILL, "import", str(plan), "--plan", name, "--json")
        assert code == 0 and (second["children_started"], second["children_cancelled"]) == (1, 1), second
        notice = await _wait(lambda: [t for t in fake_zalo.texts("xa-c-chat") if "Rà soát dữ liệu dân cư" in t], 30)
        assert "HỦY" in notice[0].upper() and "không còn trong nhóm «Các xã, phường, đặc khu»" in notice[0]
        assert len(notice) == 1
        states = {t.lead_units[0]: t.status for t in rows(env.database_url, parent_id=parent.id)}
        await _wait(lambda: task_view(env.database_url, f"{parent.id}/xa-c")["status"] == "cancelled", 20)
        assert set(states) == {"xa-a", "xa-b", "xa-c", "cong-an-dk"}
        view = task_view(env.database_url, parent.id)
        assert view["rollup"]["total"] == 3 and view["status"] == "open"

        # From the dashboard: the office adds Phòng Văn hóa - Xã hội, then "Tạo nhiệm vụ cho thành viên mới".
        _, problems = save_group(env.database_url, config, GroupEdit(
            key="xa-phuong-dac-khu", name="Các xã, phường, đặc khu", aliases=["UBND các xã, phường, đặc khu"],
            members=["xa-a", "xa-b", "cong-an-dk", "vhxh"]),
            "vanphong")
        assert not problems
        async with office_browser(env, config, dev_env.client) as web:
            page = await web.get(f"/dashboard/tasks/{parent.id}")
            assert "Tạo nhiệm vụ cho thành viên mới" in page.text
            done = await web.post(f"/dashboard/tasks/{parent.id}/group/sync", data={"csrf_token": _csrf(page.text)})
            assert done.status_code == 303 and done.headers["location"].endswith("members=1-0")
            shown = await web.get(done.headers["location"])
            assert "Đã tạo 1 nhiệm vụ cho đơn vị mới vào nhóm" in shown.text
        assert f"{parent.id}/vhxh" in {t.id for t in rows(env.database_url, parent_id=parent.id)}

        code, third = await asyncio.to_thread(dondoc, DRILL, "import", str(plan), "--plan", name, "--json")
        assert (third["started"], third["children_started"], third["children_cancelled"]) == (0, 0, 0), third
        assert len(fake_zalo.texts("xa-c-chat")) == 1


class _Handle:
    def __init__(self, client):
        self.client = client

    async def get(self):
        return self.client


@contextlib.asynccontextmanager
async def office_browser(settings, config, client):
    """The standing office's browser on the dashboard (the web app over ASGI, this Temporal)."""
    from web.app import create_app
    from web.passwords import hash_password

    with session_scope(settings.database_url) as session:
        if session.scalar(select(User.id).where(User.username == "vanphong")) is None:
            session.add(User(username="vanphong", password_hash=hash_password("mat-khau-2026-thu"), role="office"))
    app = create_app(settings, config)
    app.state.temporal = _Handle(client)
    public = settings.public_url
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=public,
                                 headers={"origin": public}) as web:
        token = _csrf((await web.get("/login")).text)
        done = await web.post("/login", data={"csrf_token": token, "username": "vanphong",
                                              "password": "mat-khau-2026-thu", "next": "/dashboard"})
        assert done.status_code == 303
        yield web


def _csrf(page: str) -> str:
    import html
    import re

    return html.unescape(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))


SUB_PLAN = ("STT\tTên nhiệm vụ\tĐơn vị chủ trì\tThời gian thực hiện/hoàn thành\n"
            "1\tXây dựng kho dữ liệu văn hóa số của đặc khu\tPhòng Văn hóa - Xã hội\t31/12/2026\n"
            "2\tTriển khai camera an ninh tại cảng\tCông an đặc khu\t{late}\n")


async def test_import_under_a_task_makes_it_a_parent_that_rolls_up(env, tmp_path, dev_env):
    city, sub = tmp_path / "thanh-pho.tsv", tmp_path / "dac-khu.tsv"
    city.write_text(PLAN, encoding="utf-8")
    late = (date.today() - timedelta(days=3)).strftime("%d/%m/%Y")
    sub.write_text(SUB_PLAN.format(late=late), encoding="utf-8")
    config = load_config(DRILL)
    async with build_worker(dev_env.client, env, config):
        code, out = await asyncio.to_thread(dondoc, DRILL, "import", str(city), "--plan", "TB thành phố", "--json")
        assert code == 0, out
        [task] = [t for t in rows(env.database_url, stt="2") if not t.parent_id]
        code, out = await asyncio.to_thread(dondoc, DRILL, "import", str(sub), "--plan", "KH đặc khu", "--under",
                                            task.id, "--json")
        assert code == 0 and out["started"] == 2 and out["under"] == task.id, out
        children = rows(env.database_url, parent_id=task.id)
        assert len(children) == 2 and all(c.plan_id != task.plan_id for c in children)
        description = await dev_env.client.get_workflow_handle(task.id).describe()
        assert description.workflow_type == "ParentTaskWorkflow"
        # The city's plan again: the task stays the parent of the plan under it, nothing more.
        code, out = await asyncio.to_thread(dondoc, DRILL, "import", str(city), "--plan", "TB thành phố", "--json")
        assert code == 0 and out["started"] == 0 and out["children_started"] == 0, out
        assert len(rows(env.database_url, parent_id=task.id)) == 2
        with session_scope(env.database_url) as session:
            assert session.scalar(select(Event.id).where(Event.subject_id == task.id,
                                                         Event.kind == "task_delegated")) is not None
            live = session.scalars(select(LinkRecord).where(LinkRecord.subject_id == task.id,
                                                            LinkRecord.revoked_at.is_(None))).all()
            assert not live

        for child in children:
            arg = ConfirmInput(key=f"k-{child.id}", document_number="7/BC-DK", issued_on=date.today().isoformat(),
                               summary="Báo cáo hoàn thành", confirmed_by="cli")
            await dev_env.client.get_workflow_handle(child.id).execute_update(
                "confirm", arg, id=arg.key, result_type=UpdateAnswer)
        await _wait(lambda: task_view(env.database_url, task.id)["status"] == "completed", 30)
        view = task_view(env.database_url, task.id)
        assert view["result"] == "late"                                     # the worst of early and late
        assert view["rollup"] == {"total": 2, "completed": 2, "on_time": 1, "late": 1, "open": 0, "overdue": 0}
        # Under a closed task nothing more goes: the command says why and imports nothing.
        code, out = await asyncio.to_thread(dondoc, DRILL, "import", str(sub), "--plan", "KH khác", "--under",
                                            task.id)
        assert code == 2 and "đã kết thúc" in out


async def _wait(predicate, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.3)
    raise AssertionError(f"timed out after {seconds} s")
