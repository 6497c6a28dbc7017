"""`dondoc test [PYTEST ARGS]`: the project's test suite (what .ci/run calls)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def register(sub) -> None:
    p = sub.add_parser("test", help="chạy bộ kiểm thử (pytest)", add_help=False)
    p.add_argument("pytest_args", nargs="*")
    p.set_defaults(func=run)


def run(args) -> int:
    exec_pytest(args.pytest_args)
    return 0  # not reached


def exec_pytest(pytest_args: list[str]) -> None:
    # Replace this process with pytest: its exit code (made safe by tests/conftest.py's
    # os._exit hook) is the command's own.
    os.chdir(ROOT)
    os.execv(sys.executable, [sys.executable, "-m", "pytest", *pytest_args])
