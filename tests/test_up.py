"""`dondoc up`: the whole embedded stack starts, answers /healthz, stops cleanly and restarts."""
import os
import socket
import subprocess

from embedded import DONDOC, ROOT, Stack, wait_ports_free

from services.worker_pool import worker_count


def worker_processes(root: int) -> list[int]:
    """Descendants of `root` that run one Temporal worker: `worker --one` (a pool's
    child) or `worker --workers 1` (the worker itself)."""
    parent, argv = {}, {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            parent[int(entry)] = int(open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1])
            argv[int(entry)] = open(f"/proc/{entry}/cmdline").read().rstrip("\0").split("\0")
        except (OSError, ValueError, IndexError):
            continue

    def descends(pid: int) -> bool:
        while pid in parent and pid != root:
            pid = parent[pid]
        return pid == root

    return [p for p, a in argv.items() if descends(p) and "worker" in a
            and ("--one" in a or a[a.index("worker") + 1:] == ["--workers", "1"])]


def test_up_starts_everything_and_stops_on_sigterm(tmp_path):
    stack = Stack(tmp_path / "data").start()
    try:
        stack.wait_ready()
        status, body = stack.health()
        assert status == 200, body
        assert body["database"]["ok"] and body["temporal"]["ok"] and body["worker"]["ok"]
        out = stack.output()
        assert stack.url in out and f"127.0.0.1:{stack.ui_port}" in out
        # As many worker processes as DONDOC_WORKERS says (run the suite with DONDOC_WORKERS=2).
        assert f"Khởi động {worker_count()} tiến trình worker" in out
        assert len(worker_processes(stack.proc.pid)) == worker_count()
        assert (tmp_path / "data" / "temporal.sqlite3").exists()
        assert (tmp_path / "data" / "secret_key").exists()
    finally:
        code = stack.stop()
    assert code == 0, stack.output()
    # Every child went with it: the ports are free again.
    assert wait_ports_free([stack.web_port, stack.temporal_port, stack.ui_port]), stack.output()

    # A restart on the same data folder comes up again with the same key.
    key = (tmp_path / "data" / "secret_key").read_text()
    again = Stack(tmp_path / "data").start()
    try:
        again.wait_ready()
        assert again.health()[0] == 200
        assert (tmp_path / "data" / "secret_key").read_text() == key
    finally:
        assert again.stop() == 0


def test_port_in_use_is_one_clear_line(tmp_path):
    stack = Stack(tmp_path / "data")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", stack.web_port))
        busy.listen()
        out = subprocess.run([DONDOC, "up"], cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert str(stack.web_port) in out.stderr and "DONDOC_WEB_PORT" in out.stderr


def test_bad_config_stops_before_starting_anything(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('standing_office = "x"\n', encoding="utf-8")
    stack = Stack(tmp_path / "data", config=str(bad))
    out = subprocess.run([DONDOC, "--config", str(bad), "up"], cwd=ROOT, env=stack.env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "standing_office" in out.stderr
    assert not (tmp_path / "data" / "temporal.sqlite3").exists()
