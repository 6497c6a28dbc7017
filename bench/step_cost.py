"""What one reminder step costs the store and the sender, without Temporal around it.

Runs the ``task_step`` local activity's work (activities/task_step.send_step: the
recipients, the message with its signed link, the delivery log, the task's record) N
times in this process against a scratch store (SQLite, or a schema of its own in the
PostgreSQL ``--database-url`` names) and a FakeZalo on 127.0.0.1, one step at a time
and then from ``--threads`` threads at once, as a worker's senders do in a burst.
Prints per step: this process's CPU and wall time, statements and commits, new
database connections, and (PostgreSQL) the server's own CPU read from /proc -- the
figures to look at before and after a change to the delivery path.

    python -m bench.step_cost [--database-url URL] [--steps N] [--threads T]
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from bench.database import kind, scratch_store
from bench.procfs import cpu_seconds, named
from bench.stack import fake_zalo

TOKEN = "111111:benchtoken"
NOW = datetime(2030, 3, 4, 1, 0, tzinfo=timezone.utc)


def sample_config(token: str = TOKEN):
    """One unit (Phòng Văn hóa - Xã hội) with its lead official and the supervisors, each
    on a Zalo chat of the bot ``token`` (tests/test_task_step.py uses it too)."""
    from config.loader import Config
    from domain.calendar import CalendarConfig
    from domain.directory import Directory, Official, Unit
    from domain.policy import Policies

    directory = Directory(
        units=(Unit("vhxh", "Phòng Văn hóa - Xã hội", targets=(f"zalo://{token}/unit-chat",), lead_official="dien"),),
        officials=(Official("dien", "Phan Viết Điện", "Chủ tịch UBND đặc khu", units=("vhxh",),
                            targets=(f"zalo://{token}/lead-chat",)),),
        supervisors=(f"zalo://{token}/bcd-chat",), supervisors_name="Ban Chỉ đạo", standing_office="vhxh")
    return Config(directory=directory, policies=Policies(), calendar=CalendarConfig(), schedules=())


def reminder_step(task_id: str, stt: str, levels=("unit",), step_id: str = "due"):
    """The due-day reminder of the sample unit's task to ``levels``, each with a link,
    and its record."""
    from contracts.steps import StepRecord, StepSend
    from contracts.tasks import CycleInfo, TaskSpec

    task = TaskSpec(id=task_id, title="Số hóa hồ sơ một cửa", lead_units=["vhxh"], lead_official="dien",
                    plan="KH 57", stt=stt, due="2030-03-04")
    record = StepRecord(status="open", event_kind="task_step", event_key=f"{task.id}||{step_id}", event_at=NOW,
                        event_data={"step": step_id, "kind": "reminder", "levels": list(levels)},
                        cycle=CycleInfo("", 1, "2030-03-04", NOW))
    return StepSend(task=task, cycle="", step=step_id, kind="reminder", levels=list(levels),
                    context={"title": task.title, "plan": task.plan, "stt": task.stt, "output": "",
                             "due": "2030-03-04", "task_id": task.id, "days_left": 0, "days_late": 0},
                    link_levels=list(levels), link_valid_from=NOW.isoformat(), record=record)


def postgres_cpu_seconds() -> float:
    """CPU of every postgres process on this machine, with that of its ended children
    (a connection's server process, once closed, counts in its parent's)."""
    total = 0.0
    for pid in named("postgres"):
        try:
            total += cpu_seconds(pid, ended_children=True)
        except OSError:  # ended since it was listed: its time is in its parent's now
            continue
    return total


class _Counts:
    """Statements, commits and new connections on the store's engine."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.statements = self.commits = self.connections = 0
        self._lock = threading.Lock()  # the sender threads count at once
        event.listen(engine, "before_cursor_execute", lambda *a: self._add("statements"))
        event.listen(engine, "commit", lambda *a: self._add("commits"))
        event.listen(engine, "connect", lambda *a: self._add("connections"))

    def _add(self, name: str) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)

    def snapshot(self) -> tuple[int, int, int]:
        return self.statements, self.commits, self.connections


def _round(run, steps: list[int], threads: int, counts: _Counts, postgres: bool) -> dict:
    before, server0 = counts.snapshot(), postgres_cpu_seconds() if postgres else 0.0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(run, steps))
    else:
        for i in steps:
            run(i)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    n, after = len(steps), counts.snapshot()
    out = {"threads": threads, "steps": n, "cpu_ms_per_step": round(1000 * cpu / n, 2),
           "wall_ms_per_step": round(1000 * wall / n, 2),
           "statements_per_step": round((after[0] - before[0]) / n, 2),
           "commits_per_step": round((after[1] - before[1]) / n, 2), "connections_opened": after[2] - before[2]}
    if postgres:
        out["postgres_cpu_ms_per_step"] = round(1000 * (postgres_cpu_seconds() - server0) / n, 2)
    return out


def run(database_url: str | None = None, steps: int = 300, threads: int = 32) -> dict:
    from activities.deliver import DeliveryActivities
    from activities.task_step import send_step
    from activities.tasks import TaskActivities
    from config.settings import load_settings
    from store.db import make_engine, session_factory
    from store.models import Base

    zalo = fake_zalo()
    saved = {k: os.environ.get(k) for k in ("DONDOC_ZALO_API_URL", "DONDOC_SECRET_KEY")}
    os.environ["DONDOC_ZALO_API_URL"] = zalo.start()  # the senders read the channels' address here
    os.environ.setdefault("DONDOC_SECRET_KEY", "bench-step-secret-" + "k" * 32)
    try:
        with tempfile.TemporaryDirectory() as tmp, scratch_store(database_url, Path(tmp), "steps") as url:
            Base.metadata.create_all(make_engine(url))
            settings = load_settings({"DONDOC_DATA_DIR": tmp, "DONDOC_PUBLIC_URL": "http://dondoc.test",
                                      "DONDOC_DATABASE_URL": url})
            config = sample_config()
            delivery = DeliveryActivities(url, settings, config=config)
            record = TaskActivities(url, config, delivery=delivery)._write
            one = lambda i: send_step(delivery, url, config, reminder_step(f"task/bench-step/{i}", str(i)), 1, record)  # noqa: E731
            counts, postgres = _Counts(session_factory(url).kw["bind"]), kind(database_url) == "postgresql"
            for i in range(20):  # warm: templates compiled, connections open, the first Zalo answer seen
                one(-1 - i)
            rounds = [_round(one, list(range(steps)), 1, counts, postgres),
                      _round(one, list(range(steps, 2 * steps)), threads, counts, postgres)]
            return {"database": kind(database_url), "sent": len(zalo.messages), "rounds": rounds}
    finally:
        zalo.stop()
        for k, v in saved.items():  # as it was: a caller's environment is not the bench's
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def main(argv: list[str] | None = None) -> None:
    from config.logging import configure_logging

    p = argparse.ArgumentParser(prog="python -m bench.step_cost", description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=None)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--threads", type=int, default=32)
    args = p.parse_args(argv)
    configure_logging(level="WARNING")  # a line per send (stderr) would be most of the output
    print(json.dumps(run(args.database_url, args.steps, args.threads), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
