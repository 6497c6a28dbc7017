"""Several worker processes: `dondoc worker --workers N` (and `dondoc up --workers N`).

Each worker is a separate OS process with its own Temporal runtime, started as
``python -m cli.main worker --one --slot I --of N`` (the one-process worker with its
share of the budget). The supervising process imports no Temporal and holds no
workflow: it starts the N children, restarts one that dies (at once; after a quick
death, with a back-off, and it gives up after several quick deaths in a row, so a
worker that cannot start is reported instead of spun), and on SIGTERM or Ctrl-C
stops them all together, each finishing its in-flight work (worker.py's graceful
shutdown), then SIGKILL for one that does not.

The activity slots of one process are divided among the N, so they run as many
activities at once as one did. The workflow cache (what grows a worker's memory with
the open workflows) is divided too, from a smaller total (POOL_CACHE_BUDGET): each
process brings its own interpreter, imports and Temporal runtime (about 100 MiB idle,
`dondoc bench` measures it), paid for out of the cache. DONDOC_WORKFLOW_CACHE sets the
total where memory or replays matter more.
"""
from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from services.processes import die_with_parent

MAX_DEFAULT_WORKERS = 4
CACHE_BUDGET = 1000      # Temporal's max_cached_workflows for one process alone
# For several processes, in all: each process brings its own ~100 MiB (interpreter,
# imports, Temporal runtime), paid for out of the cache. Measured (`dondoc bench
# --workers 2`, 2,000 open tasks): on SQLite 1,000 cached in all held 325 MiB, 600
# held 302 MiB; on PostgreSQL (psycopg: ~10 MiB more a process) 600 held 305 MiB and
# 500 held 297 MiB (~85 KiB a cached workflow). A workflow not cached is replayed from
# its history at its next step, and that costs little now: the burst with every
# workflow replayed (bench's reminder_lag_cold_ratio) stays within ~1.1-1.3x bare
# Temporal, so the smaller cache costs little punctuality.
POOL_CACHE_BUDGET = 500
ACTIVITY_BUDGET = 100    # Temporal's default activity (and local activity) slots for one process
WORKFLOW_TASK_SLOTS = 100
STOP_TIMEOUT_S = 25      # above worker.GRACEFUL_SHUTDOWN (20 s), below processes.STOP_TIMEOUT_S (30 s)
QUICK_EXIT_S = 10        # a child that dies sooner than this did not really start
MAX_QUICK_EXITS = 5      # in a row, for one slot: the pool gives up
MAX_BACKOFF_S = 30


def worker_count(value: int | None = None, environ: dict | None = None) -> int:
    """N: the value given (--workers), else DONDOC_WORKERS, else one per core, at most 4."""
    env = os.environ if environ is None else environ
    if value is None and (env.get("DONDOC_WORKERS") or "").strip():
        value = int(env["DONDOC_WORKERS"])
    if value is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        value = min(cores, MAX_DEFAULT_WORKERS)
    if value < 1:
        raise ValueError(f"workers must be at least 1, not {value}")
    return value


def share_options(n: int, environ: dict | None = None) -> dict:
    """Worker options for one of N processes: its share of one process's budget (the
    cache's: DONDOC_WORKFLOW_CACHE workflows in all, else Temporal's 1000 for one
    process and POOL_CACHE_BUDGET for several)."""
    env = os.environ if environ is None else environ
    total = int(env.get("DONDOC_WORKFLOW_CACHE") or (CACHE_BUDGET if n == 1 else POOL_CACHE_BUDGET))
    cache = max(1, total // n)
    slots = max(1, math.ceil(ACTIVITY_BUDGET / n))
    return {"max_cached_workflows": cache, "max_concurrent_activities": slots,
            "max_concurrent_local_activities": slots,
            # Temporal wants no more workflow tasks in flight than workflows cached.
            "max_concurrent_workflow_tasks": min(WORKFLOW_TASK_SLOTS, cache)}


class _Log:
    """The supervisor's few lines, in the format of the other processes' logs
    (DONDOC_LOG_FORMAT: console, or json), without structlog: it stays ~15 MiB."""

    def __init__(self, **bound) -> None:
        self.bound = bound

    def _emit(self, level: str, event: str, **kv) -> None:
        import json
        from datetime import datetime, timezone

        now = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
        fields = {**self.bound, **kv}
        if os.environ.get("DONDOC_LOG_FORMAT", "console") == "json":
            line = json.dumps({"event": event, "level": level, "timestamp": now, **fields}, ensure_ascii=False)
        else:
            line = f"{now} [{level:<9}] {event:<30} " + " ".join(f"{k}={v}" for k, v in sorted(fields.items()))
        print(line, file=sys.stderr, flush=True)

    def info(self, event: str, **kv) -> None:
        self._emit("info", event, **kv)

    def warning(self, event: str, **kv) -> None:
        self._emit("warning", event, **kv)

    def error(self, event: str, **kv) -> None:
        self._emit("error", event, **kv)


@dataclass
class Slot:
    index: int
    proc: subprocess.Popen | None = None
    started: float = 0.0
    quick_exits: int = 0
    restart_at: float | None = None
    restarts: int = 0
    pids: list[int] = field(default_factory=list)  # every pid this slot has had


class WorkerPool:
    """N child processes, each `argv(index)`, kept running until `stop()`."""

    def __init__(self, n: int, argv: Callable[[int], list[str]], env: dict | None = None,
                 log: Path | None = None) -> None:
        self.argv = argv
        self.env = env
        self.log_path = log
        self.slots = [Slot(i) for i in range(n)]
        self.stopping = False
        self.failed: str | None = None  # why the pool gave up
        self.log = _Log(pool_size=n)

    def start(self) -> "WorkerPool":
        for slot in self.slots:
            self._spawn(slot)
        return self

    def _spawn(self, slot: Slot) -> None:
        out = open(self.log_path, "ab") if self.log_path else None
        slot.proc = subprocess.Popen(
            self.argv(slot.index), stdout=out, stderr=subprocess.STDOUT if out else None,
            start_new_session=True, preexec_fn=die_with_parent, env=self.env)
        if out is not None:
            out.close()  # the child holds its own copy
        slot.started, slot.restart_at = time.monotonic(), None
        slot.pids.append(slot.proc.pid)
        self.log.info("worker_pool.child_started", slot=slot.index, pid=slot.proc.pid)

    def pids(self) -> list[int]:
        """The children running now."""
        return [s.proc.pid for s in self.slots if s.proc is not None and s.proc.poll() is None]

    def check(self) -> bool:
        """Restart children that died (when their back-off is over); False once the pool
        gave up on a child that keeps dying as it starts."""
        now = time.monotonic()
        for slot in self.slots:
            if self.stopping or slot.proc is None or slot.proc.poll() is None:
                continue
            if slot.restart_at is None:
                self._schedule_restart(slot, now)
                if self.failed:
                    return False
            if slot.restart_at is not None and now >= slot.restart_at:
                slot.restarts += 1
                self._spawn(slot)
        return not self.failed

    def _schedule_restart(self, slot: Slot, now: float) -> None:
        lived = now - slot.started
        slot.quick_exits = slot.quick_exits + 1 if lived < QUICK_EXIT_S else 0
        code = slot.proc.returncode
        if slot.quick_exits >= MAX_QUICK_EXITS:
            self.failed = f"worker {slot.index} exited {slot.quick_exits} times in a row as it started (code {code})"
            self.log.error("worker_pool.gave_up", slot=slot.index, code=code, quick_exits=slot.quick_exits)
            return
        delay = 0.0 if slot.quick_exits == 0 else min(MAX_BACKOFF_S, 2.0 ** (slot.quick_exits - 1))
        slot.restart_at = now + delay
        self.log.warning("worker_pool.child_died", slot=slot.index, pid=slot.proc.pid, code=code,
                         lived_s=round(lived, 1), restart_in_s=delay)

    def request_stop(self) -> None:
        self.stopping = True

    def run(self, poll_s: float = 0.5) -> int:
        """Start, supervise until `request_stop()` (a signal handler) or a give-up, stop all."""
        self.start()
        try:
            while not self.stopping and self.check():
                time.sleep(poll_s)
        finally:
            self.stop()
        return 1 if self.failed else 0

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM to every child at once (they shut down gracefully side by side), then
        SIGKILL for any still running after `timeout`."""
        self.stopping = True
        running = [s.proc for s in self.slots if s.proc is not None and s.proc.poll() is None]
        for proc in running:
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in running:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def child_argv(n: int) -> Callable[[int], list[str]]:
    """The command of slot I of N: the one-process worker with its share."""
    return lambda slot: [sys.executable, "-m", "cli.main", "worker", "--one", "--slot", str(slot), "--of", str(n)]


def main(argv: list[str]) -> int:
    """``python -m services.worker_pool N``: the supervisor alone, in a fresh interpreter
    (`dondoc worker --workers N` execs into it once its checks have passed), so it holds
    ~15 MiB, not the command line's imports."""
    n = int(argv[0])
    pool = WorkerPool(n, child_argv(n))
    signal.signal(signal.SIGTERM, lambda *_: pool.request_stop())
    signal.signal(signal.SIGINT, lambda *_: pool.request_stop())
    pool.log.info("worker_pool.start", workers=n)
    code = pool.run()
    pool.log.info("worker_pool.stop", workers=n, gave_up=pool.failed or "")
    if pool.failed:
        print(f"Một tiến trình worker không khởi động được nhiều lần liên tiếp; đã dừng cả nhóm ({pool.failed}).",
              file=sys.stderr, flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
