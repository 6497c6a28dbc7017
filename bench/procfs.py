"""What the bench reads of its processes from /proc (Linux): resident memory, CPU
time, children; the CPU each part of the stack spent over a measurement; the machine."""
from __future__ import annotations

import os
import sys
import time


def rss_mb(pid: int) -> float:
    """Resident memory of one process (VmRSS), in MiB."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def pss_mb(pid: int) -> float:
    """Proportional set size (shared pages divided among the processes sharing them), in MiB."""
    with open(f"/proc/{pid}/smaps_rollup") as fh:
        for line in fh:
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no Pss for pid {pid}")


def cpu_seconds(pid: int | None = None, *, ended_children: bool = False) -> float:
    """User + system CPU time of a process (this one when pid is None); with
    ``ended_children``, also that of its children which have ended (a server's closed
    connections, for one)."""
    if pid is None:
        t = os.times()
        return t.user + t.system + (t.children_user + t.children_system if ended_children else 0)
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15 if ended_children else 13]) / os.sysconf("SC_CLK_TCK")


def named(prefix: str) -> list[int]:
    """Live processes whose name (/proc/PID/comm) starts with ``prefix``."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/comm") as fh:
                if fh.read().startswith(prefix):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def children(pid: int) -> list[int]:
    """Live child processes of `pid`, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return sorted(found)


def _cpu(pids: list[int | None]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid)
        except OSError:  # gone since (a restarted worker): its time is not counted
            pass
    return total


class CpuMeter:
    """CPU seconds each part of the stack spent between start() and stop(): Temporal,
    the worker processes (all of them), the bare-Temporal workers, the bench itself."""

    def __init__(self, stack) -> None:
        self.pids = {"temporal": [stack.temporal_pid], "worker": stack.worker_pids(),
                     "bare_worker": stack.empty_pids, "bench": [None]}
        self.t0: dict[str, float] = {}
        self.wall0 = 0.0

    def start(self) -> "CpuMeter":
        self.t0 = {k: _cpu(p) for k, p in self.pids.items()}
        self.wall0 = time.monotonic()
        return self

    def stop(self) -> dict:
        wall = time.monotonic() - self.wall0
        used = {k: round(_cpu(p) - self.t0[k], 1) for k, p in self.pids.items()}
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
