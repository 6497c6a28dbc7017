"""start_rate_ratio: task workflows started per second through the import path ÷
trivial workflows started per second, on the same server, in the same run.

The import path is `services.importer.import_plan` as `dondoc import` calls it: the
catalogue written to the store, then one `start_or_amend` per task (its store row and
its workflow start) with the importer's bounded concurrency. The table is read
before the clock starts (reading is `import_rows_per_s`'s business). Its tasks have
deadlines in the coming year, so no message is due while they start; the worker
child runs each new workflow's first steps (cycle, store projection, plan) meanwhile,
as it would during a real import.

The yardstick starts `BenchEmpty` (bench/empty.py) through the same client with the
same concurrency; its own worker process completes them. It is measured before and
after the import and averaged, so a machine that gets busier or quieter during the
run moves both sides.
"""
from __future__ import annotations

import asyncio
import time
import uuid
from datetime import date

from bench.empty import EMPTY_WORKFLOW
from bench.stack import EMPTY_QUEUE

HEADER = ("STT\tTên nhiệm vụ\tChủ trì chỉ đạo\tĐơn vị chủ trì\tĐơn vị phối hợp\t"
          "Sản phẩm đầu ra\tThời gian thực hiện/hoàn thành\tGhi chú")
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
UNITS = ["Sở Khoa học và Công nghệ", "Sở Tài chính", "Sở Nội vụ", "Công an thành phố"]


def future_deadlines(year: int) -> list[str]:
    return [f"Quý II/{year}", f"Quý IV/{year}", f"Tháng 6/{year}", f"Tháng 09/{year}", f"31/12/{year}",
            f"30/06/{year}", f"Năm {year}", f"10/{year}"]


def table(rows: int, year: int | None = None) -> str:
    """A task table shaped like seed 003's appendix, every deadline in `year` (next year)."""
    year = year or date.today().year + 1
    deadlines = future_deadlines(year)
    lines = ["## KẾ HOẠCH", "", "### thử tải khởi động nhiệm vụ", "", HEADER]
    for n in range(1, rows + 1):
        if n % 250 == 1:
            section = ROMAN[(n // 250) % len(ROMAN)]
            lines.append(f"<b>{section}</b>\t<b>Nhóm nhiệm vụ {section}</b>\t\t\t\t\t\t")
        lines.append("\t".join([
            f"{n}.", f"Nhiệm vụ {n}: rà soát, <i>hoàn thiện</i> quy trình và dữ liệu phục vụ chuyển đổi số",
            "Đồng chí Hoàng Minh Cường, Phó Chủ tịch UBND thành phố", UNITS[n % len(UNITS)],
            "Các sở, ngành liên quan", "Báo cáo kết quả", deadlines[n % len(deadlines)], ""]))
    return "\n".join(lines) + "\n"


async def empty_rate(client, n: int, concurrency: int) -> dict:
    """Start n trivial workflows with `concurrency` starts in flight; starts per second."""
    gate = asyncio.Semaphore(concurrency)
    prefix = f"bench-empty/{uuid.uuid4().hex[:8]}"

    async def one(i: int) -> None:
        async with gate:
            await client.start_workflow(EMPTY_WORKFLOW, id=f"{prefix}/{i}", task_queue=EMPTY_QUEUE)

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    seconds = time.perf_counter() - t0
    return {"n": n, "seconds": round(seconds, 3), "per_s": round(n / seconds, 1)}


async def empty_backlog_done(client, timeout: float = 300) -> float:
    """Seconds until no BenchEmpty workflow is running any more."""
    t0 = time.perf_counter()
    while (await client.count_workflows(
            f"WorkflowType = '{EMPTY_WORKFLOW}' AND ExecutionStatus = 'Running'")).count:
        if time.perf_counter() - t0 > timeout:
            break
        await asyncio.sleep(0.25)
    return time.perf_counter() - t0


async def import_rate(client, settings, config, n: int, plan: str) -> dict:
    """Import an n-task table through import_plan; tasks started per second."""
    from intake import read_plan
    from services.importer import import_plan

    result = read_plan(table(n).encode("utf-8"), config.directory, plan=plan, filename="bench.tsv")
    assert len(result.tasks) == n, (len(result.tasks), n)
    t0 = time.perf_counter()
    summary = await import_plan(settings, config, result, client=client)
    seconds = time.perf_counter() - t0
    if summary.failed or summary.started != n:
        raise RuntimeError(f"import started {summary.started} of {n}; failed: {list(summary.failed.items())[:3]}")
    return {"n": n, "seconds": round(seconds, 3), "per_s": round(n / seconds, 1)}


async def measure(stack, client, n: int, plan: str, say=print) -> dict:
    from bench.worker_rss import assigned_count, task_rows
    from services.importer import START_CONCURRENCY

    settings, config = stack.settings, stack.config
    before = await empty_rate(client, n, START_CONCURRENCY)
    say(f"  empty workflows: {before['per_s']}/s")
    # The import on a quiet stack too: the empty workflows just started are still being
    # run by their worker for several seconds, and an import started at once shared
    # the server with that backlog (0.39 where a quiet start gave ~1.0, same code).
    waited = await empty_backlog_done(client)
    say(f"  their worker ran the last of them {waited:.1f} s later")
    tasks = await import_rate(client, settings, config, n, plan)
    say(f"  task workflows through the import: {tasks['per_s']}/s")
    # The yardstick again on a quiet stack: once the worker has run every new
    # workflow's first steps (measuring while it still works would flatter the ratio).
    t0 = time.perf_counter()
    expected = task_rows(settings.database_url)
    while assigned_count(settings.database_url) < expected:
        await asyncio.sleep(0.25)
    catch_up = time.perf_counter() - t0
    say(f"  the worker took up the last of them {catch_up:.1f} s after the import returned")
    after = await empty_rate(client, n, START_CONCURRENCY)
    say(f"  empty workflows again: {after['per_s']}/s")
    empty = (before["per_s"] + after["per_s"]) / 2
    return {"n": n, "concurrency": START_CONCURRENCY, "empty_per_s": round(empty, 1),
            "empty_before_per_s": before["per_s"], "empty_after_per_s": after["per_s"],
            "task_per_s": tasks["per_s"], "import_seconds": tasks["seconds"],
            "worker_catch_up_s": round(catch_up, 1),
            "ratio": round(tasks["per_s"] / empty, 3)}
