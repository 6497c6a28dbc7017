"""Run `dondoc up` as a person would, in a temporary data folder on free ports."""
from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing
from pathlib import Path

from cli.up import port_free  # the same check `up` makes before starting

ROOT = Path(__file__).resolve().parents[1]
DONDOC = str(Path(sys.prefix) / "bin" / "dondoc")


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


_PICK = random.SystemRandom()


def free_port() -> int:
    """A port free now, below the kernel's ephemeral range. A drill restarts its stack on
    the same ports (links already sent must stay valid); a port from the ephemeral range
    could meanwhile become the local end of any outgoing connection on the machine --
    once, another test's, and the restarted web could not bind."""
    low = min(_ephemeral_low(), 32768)
    for _ in range(200 if low > 10000 else 0):
        port = _PICK.randrange(10000, low)
        if port_free(port):  # the check `up` makes before it binds
            return port
    with closing(socket.socket()) as s:  # a crowded range: any free port will do
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """One `dondoc up` process tree; its children die with it (PR_SET_PDEATHSIG)."""

    def __init__(self, data_dir: Path, config: str | None = None, extra_env: dict | None = None,
                 ports_of: "Stack | None" = None):
        self.data_dir = data_dir
        if ports_of is not None:  # a restart on the same ports: links already sent stay valid
            self.web_port, self.temporal_port, self.ui_port = ports_of.web_port, ports_of.temporal_port, ports_of.ui_port
        else:
            self.web_port, self.temporal_port, self.ui_port = free_port(), free_port(), free_port()
        self.env = {
            **os.environ,
            "DONDOC_DATA_DIR": str(data_dir),
            "DONDOC_WEB_PORT": str(self.web_port),
            "DONDOC_TEMPORAL_PORT": str(self.temporal_port),
            "DONDOC_TEMPORAL_UI_PORT": str(self.ui_port),
            **(extra_env or {}),
        }
        for var in ("DONDOC_TEMPORAL_ADDRESS", "DONDOC_DATABASE_URL", "DONDOC_PUBLIC_URL"):
            if var not in (extra_env or {}):
                self.env.pop(var, None)
        self.config = config
        self.proc: subprocess.Popen | None = None
        # One log per run: a restart reads only its own.
        self.log = data_dir.parent / f"up-{self.web_port}-{int(time.time() * 1000)}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def temporal_address(self) -> str:
        return f"127.0.0.1:{self.temporal_port}"

    def start(self) -> "Stack":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [DONDOC] + (["--config", self.config] if self.config else []) + ["up"]
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=open(self.log, "ab"),
                                     stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"dondoc up exited {self.proc.returncode}:\n{self.output()}")
            if "sẵn sàng" in self.output():
                return
            time.sleep(0.3)
        raise AssertionError(f"dondoc up not ready in {timeout}s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def health(self) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=5) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else 0

    def kill9(self) -> None:
        self.stop(signal.SIGKILL)


def wait_ports_free(ports: list[int], timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(port_free(p) for p in ports):
            return True
        time.sleep(0.2)
    return False
