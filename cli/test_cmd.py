"""`dondoc test [PYTEST ARGS]`: the project's test suite (what .ci/run calls)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def register(sub) -> None:
    p = sub.add_parser("test", help="chạy bộ kiểm thử (pytest)", add_help=False)
    p.add_argument("pytest_args", nargs="*", help="tham số chuyển nguyên cho pytest (ví dụ -x -q -k tên)")
    p.set_defaults(func=run)


def run(args) -> int:
    exec_pytest(args.pytest_args)
    return 0  # not reached


def exec_pytest(pytest_args: list[str]) -> None:
    # Replace this process with pytest: its exit code (made safe by tests/conftest.py's
    # os._exit hook) is the command's own.
    os.chdir(ROOT)
    ensure_chromium()
    os.execv(sys.executable, [sys.executable, "-m", "pytest", *parallel_args(pytest_args), *pytest_args])


MAX_TEST_PROCESSES = 4


def parallel_args(pytest_args: list[str], environ: dict | None = None) -> list[str]:
    """Run the suite on one pytest process per core (at most 4; DONDOC_TEST_PROCESSES
    overrides, 1 = one process): most of its time is drills waiting on deadlines in
    seconds, which overlap well. Whole files go to one process each (their module
    fixtures are built once), the slowest first (tests/conftest.py). ``-n`` given by
    the caller wins."""
    env = os.environ if environ is None else environ
    if any(a == "-n" or a.startswith("-n") and a[2:].isdigit() or a.startswith("--numprocesses")
           or a in ("no:xdist", "-pno:xdist") for a in pytest_args):
        return []
    wanted = (env.get("DONDOC_TEST_PROCESSES") or "").strip()
    if wanted:
        count = int(wanted)
    else:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        count = min(cores, MAX_TEST_PROCESSES)
    # --no-loadscope-reorder: xdist would otherwise start the files with most tests first,
    # leaving the drills (few tests, minutes each) to run alone at the end.
    return ["-n", str(count), "--dist", "loadfile", "--no-loadscope-reorder"] if count > 1 else []


CHROMIUM = "/usr/bin/chromium"


def ensure_chromium() -> None:
    """The browser test drives Debian's Chromium (never a downloaded browser). Install it
    once with apt when we can (root, apt-get present), so `./dondoc test` stays the one
    command a newcomer needs; otherwise say how, and let that test fail plainly."""
    import shutil
    import subprocess

    if os.path.exists(CHROMIUM):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(f"dondoc: thiếu {CHROMIUM} cho kiểm thử trình duyệt: sudo apt-get install chromium", file=sys.stderr)
        return
    print("dondoc: cài Chromium của Debian cho kiểm thử trình duyệt (chỉ lần đầu) ...", file=sys.stderr, flush=True)
    quiet = {"stdout": subprocess.DEVNULL}
    subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False, **quiet,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
