"""Group commit of the task rows a burst of starts writes (services/write_batcher.py,
used by services/tasks.start_or_amend): writes that arrive together go in one
transaction, each caller gets its own answer, and a bad row fails only its caller."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from contracts.tasks import TaskSpec
from services.tasks import _ROWS
from services.write_batcher import WriteBatcher
from store.db import session_scope
from store.models import Task


async def test_writes_arriving_together_share_a_batch():
    batches: list[list[int]] = []

    def many(url, items):
        batches.append(list(items))
        return [i * 10 for i in items]

    batcher = WriteBatcher(many, lambda url, i: i * 10)
    results = await asyncio.gather(*(batcher.write("db", i) for i in range(16)))
    assert results == [i * 10 for i in range(16)]
    assert batches == [list(range(16))]
    # Later writes, one at a time, still get theirs.
    assert await batcher.write("db", 7) == 70 and batches[-1] == [7]


async def test_a_bad_item_fails_only_its_caller():
    def many(url, items):
        if 3 in items:
            raise ValueError("one bad row")
        return list(items)

    def one(url, item):
        if item == 3:
            raise ValueError(f"bad row {item}")
        return item

    batcher = WriteBatcher(many, one)
    results = await asyncio.gather(*(batcher.write("db", i) for i in range(6)), return_exceptions=True)
    assert results[:3] == [0, 1, 2] and results[4:] == [4, 5]
    assert isinstance(results[3], ValueError) and "bad row 3" in str(results[3])


async def test_task_rows_of_a_burst_of_starts_are_written_with_what_each_row_was(sqlite_url):
    specs = [TaskSpec(id=f"task/kh/{i}", title=f"Nhiệm vụ {i}", lead_units=["vhxh"], due="2031-06-30")
             for i in range(20)]
    first = await asyncio.gather(*(_ROWS.write(sqlite_url, s) for s in specs))
    assert first == [(None, "open")] * 20
    changed = [TaskSpec(id=s.id, title=s.title + " (sửa)", lead_units=["vhxh"], due="2031-06-30") for s in specs]
    again = await asyncio.gather(*(_ROWS.write(sqlite_url, s) for s in changed))
    assert [old.title for old, _ in again] == [s.title for s in specs]
    with session_scope(sqlite_url) as session:
        assert session.scalar(select(func.count()).select_from(Task)) == 20
        assert session.get(Task, "task/kh/5").title == "Nhiệm vụ 5 (sửa)"


@pytest.mark.parametrize("n", [1, 40])
async def test_every_caller_is_answered(sqlite_url, n):
    specs = [TaskSpec(id=f"task/n/{i}", title="x", lead_units=["vhxh"], due="2031-01-01") for i in range(n)]
    assert len(await asyncio.gather(*(_ROWS.write(sqlite_url, s) for s in specs))) == n
