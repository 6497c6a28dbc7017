"""The embedded stack's child processes, for `dondoc up` and the benchmark alike:
the Temporal dev server with its arguments, the worker and web commands, the child
environment; children in a session of their own that die with their parent
(PR_SET_PDEATHSIG, even on kill -9), stopped in reverse order (web and workers
finish in-flight work, Temporal last) with SIGTERM, then SIGKILL.
"""
from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the worker pool's supervisor imports this module: it stays light
    from config.settings import Settings

READY_TIMEOUT_S = 120
STOP_TIMEOUT_S = 30  # more than the worker's graceful shutdown (worker.py)


def die_with_parent() -> None:
    # Linux: deliver SIGKILL to the child when its parent dies, even by kill -9.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Processes:
    """Children of one parent process (`up`, the benchmark)."""

    def __init__(self, settings: "Settings", config_path: str | None):
        self.s = settings
        self.config_path = config_path
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.stopping = False

    def request_stop(self) -> None:
        self.stopping = True

    def spawn(self, name: str, argv: list[str], log: Path | None = None) -> subprocess.Popen:
        out = open(log, "ab") if log else None
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT if out else None,
            start_new_session=True, preexec_fn=die_with_parent, env=self.child_env(),
        )
        self.children.append((name, proc))
        return proc

    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["DONDOC_DATA_DIR"] = str(self.s.data_dir)
        env["DONDOC_DATABASE_URL"] = self.s.database_url
        env["DONDOC_TEMPORAL_ADDRESS"] = self.s.temporal_address
        env["DONDOC_PUBLIC_URL"] = self.s.public_url
        env["DONDOC_WEB_PORT"] = str(self.s.web_port)
        if self.config_path:
            env["DONDOC_CONFIG"] = str(Path(self.config_path).resolve())
        return env

    def dondoc(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "cli.main", *args]

    def temporal_argv(self) -> list[str]:
        from config.binaries import temporal_cli

        return [
            temporal_cli(), "server", "start-dev",
            "--db-filename", str(self.s.data_dir / "temporal.sqlite3"),
            "--ip", "127.0.0.1",
            "--port", str(self.s.temporal_port),
            "--ui-port", str(self.s.temporal_ui_port),
            "--sqlite-pragma", "journal_mode=wal",
            "--sqlite-pragma", "synchronous=normal",
            "--log-level", "warn",
        ]

    def wait_temporal(self) -> bool:
        host, port = self.s.temporal_address.rsplit(":", 1)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline and not self.stopping:
            if self.dead_child():
                return False
            try:
                with socket.create_connection((host, int(port)), timeout=1):
                    return True
            except OSError:
                time.sleep(0.3)
        print(f"Temporal không sẵn sàng tại {self.s.temporal_address} (xem {self.s.data_dir}/logs/temporal.log)", file=sys.stderr)
        return False

    def dead_child(self) -> str | None:
        for name, proc in self.children:
            if proc.poll() is not None:
                print(f"Tiến trình '{name}' đã dừng bất ngờ (mã {proc.returncode}).", file=sys.stderr)
                return name
        return None

    def stop_all(self) -> None:
        # Web and workers first (they finish in-flight work), Temporal last.
        for _name, proc in reversed(self.children):
            _stop(proc)
        self.children.clear()

    def stop_child(self, name: str) -> None:
        """Stop one child (the bench restarts the workers) and forget it."""
        for entry in [c for c in self.children if c[0] == name]:
            _stop(entry[1])
            self.children.remove(entry)


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after STOP_TIMEOUT_S."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
