"""How fast the daily report builds and renders over a large store.

Fills a temporary SQLite store with N tasks (one-off tasks spread over a year, a third
of them done, some overdue, recurring tasks with their cycles, tasks without a
deadline, a few incidents and failed deliveries), then times what the 16:00 report
does: load the rows, build the data, render the full page and the short (Zalo) text.
Goal: 10,000 tasks in under 2 seconds.

    python -m bench.report_bench [TASKS]
"""
from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

VN = timezone(timedelta(hours=7))
AS_OF = datetime(2026, 6, 15, 16, 0, tzinfo=VN)
START = date(2026, 1, 1)  # the one-off tasks fall due in the year from here
UNITS = ["so-khcn", "so-tai-chinh", "so-noi-vu", "cong-an-tp", "vhxh", "kinh-te", "Các xã, phường, đặc khu"]


def fill(url: str, tasks: int, seed: int = 57) -> None:
    from sqlalchemy import insert

    from store.db import make_engine
    from store.models import Base, Cycle, Delivery, Incident, Plan, Task

    rnd = random.Random(seed)
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    now = datetime.now(timezone.utc)
    task_rows, cycle_rows = [], []
    for n in range(1, tasks + 1):
        row = task_row(rnd, n, now)
        task_rows.append(row)
        if row["deadline_kind"] == "recurring":
            cycle_rows += recurring_cycles(rnd, row["id"])
    with engine.begin() as conn:
        conn.execute(insert(Plan), [dict(id=i, name=f"Kế hoạch thử {i}", source="bench", imported_at=now)
                                    for i in range(1, 6)])
        conn.execute(insert(Task), task_rows)
        if cycle_rows:
            conn.execute(insert(Cycle), cycle_rows)
        conn.execute(insert(Incident), [dict(id=f"incident/{i}", unit="vhxh", title=f"Sự cố {i}", severity="",
                                             detected_at=AS_OF - timedelta(hours=i * 7),
                                             due_at=AS_OF - timedelta(hours=i * 7) + timedelta(hours=24),
                                             status="open") for i in range(1, 6)])
        conn.execute(insert(Delivery), [dict(key=f"task/bench/{i}||after-1|vhxh", subject_id=f"task/bench/{i}",
                                             cycle="", step="after-1", recipient="vhxh", channel="none",
                                             status="failed", error="zalo: HTTP 500", attempts=4,
                                             created_at=AS_OF - timedelta(hours=i), target="")
                                        for i in range(1, 11)])


def task_row(rnd: random.Random, n: int, now: datetime) -> dict:
    """Task number n: one-off (due within 2026, a third of those done), recurring or no deadline."""
    kind = rnd.choices(["once", "recurring", "unknown"], [75, 20, 5])[0]
    due = START + timedelta(days=rnd.randrange(365)) if kind == "once" else None
    row = dict(id=f"task/bench/{n}", plan_id=1 + n % 5, stt=str(n), section="", title=f"Nhiệm vụ thử số {n} "
               "về chuyển đổi số, đổi mới sáng tạo và phát triển khoa học công nghệ",
               lead_units=[rnd.choice(UNITS)], coordinating_units=[], advisers=[], raw={},
               lead_official=None, output="", notes="", deadline_raw="", deadline_kind=kind, due=due,
               every="month" if kind == "recurring" else None, status="open", result=None, completed_on=None,
               level=0, unassigned=False, created_at=now, updated_at=now)
    if due is not None and rnd.random() < 0.35:
        row["status"] = "completed"
        row["completed_on"] = due + timedelta(days=rnd.randint(-20, 15))
    return row


def recurring_cycles(rnd: random.Random, task_id: str) -> list[dict]:
    """A recurring task's cycles January to May: most reported, the rest missed."""
    rows = []
    for m in range(1, 6):
        reported = rnd.random() < 0.8
        rows.append(dict(task_id=task_id, period=f"2026-{m:02d}", due=date(2026, m, 28),
                         status="reported" if reported else "missed",
                         reported_on=date(2026, m, 27) if reported else None))
    return rows


def run(tasks: int = 10000, database_url: str | None = None) -> dict:
    """Fill a temporary store with `tasks` tasks (SQLite, or a schema of its own in the
    PostgreSQL `database_url` names: bench/database.py); time load + build + render of
    the daily report. Returns {"tasks", "seconds", ...}."""
    from bench.database import scratch_store
    from config.loader import load_config
    from domain.calendar import _package_year
    from notifiers.report_pages import render_page, short_text
    from store.report_loading import daily_data

    config = load_config()
    with tempfile.TemporaryDirectory() as tmp, scratch_store(database_url, Path(tmp), "bench") as url:
        fill(url, tasks)
        _package_year(AS_OF.year)  # the holiday table is read once per process; not the report's cost
        t0 = time.perf_counter()
        data = daily_data(url, config, AS_OF)
        t1 = time.perf_counter()
        page = render_page(data, 1)
        text = short_text(data, "http://127.0.0.1:8000/r/" + "x" * 120)
        t2 = time.perf_counter()
    return {"tasks": tasks, "seconds": round(t2 - t0, 3), "build_seconds": round(t1 - t0, 3),
            "render_seconds": round(t2 - t1, 3), "overdue": data["totals"]["overdue"],
            "page_bytes": len(page.encode()), "short_chars": len(text)}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 10000
    result = run(n)
    ok = result["seconds"] < 2.0 or n > 10000
    print(f"daily report over {result['tasks']} tasks: {result['seconds']:.3f} s "
          f"(load+build {result['build_seconds']:.3f} s, render {result['render_seconds']:.3f} s; "
          f"{result['overdue']} overdue, page {result['page_bytes'] // 1024} KiB, "
          f"Zalo text {result['short_chars']} chars) — goal < 2 s: {'OK' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
