"""Reading a user's file in a child process: `python -m intake.isolated`.

The file's bytes, the directory and the plan name go to the child on stdin (a
pickle); the child limits its own address space (RLIMIT_AS) and CPU time, calls
`read_plan` and answers on stdout: the ImportResult, or the IntakeError message.
A file that still outgrows the limits (whatever the checks of intake/archive.py and
intake/limits.py missed) ends the child, not the server: the caller gets an
IntakeError saying the file is too large or damaged. The parent reads the answer
with an unpickler that builds nothing but intake/domain records and dates.
"""
from __future__ import annotations

import io
import logging
import os
import pickle
import subprocess
import sys
from pathlib import Path

from intake.limits import CHILD_CPU_SECONDS, CHILD_MEMORY, CHILD_TIMEOUT
from intake.records import ImportResult, IntakeError

__all__ = ["run_isolated", "FAILED"]

FAILED = ("Tệp quá lớn hoặc hỏng; không đọc được nội dung trong giới hạn cho phép. "
          "Hãy mở tệp, xóa dữ liệu thừa (hoặc chia nhỏ) và lưu lại rồi nhập lại.")
_ROOT = Path(__file__).resolve().parents[1]
_ALLOWED = ("intake", "domain", "datetime")
log = logging.getLogger(__name__)


def run_isolated(data: bytes, directory, plan: str | None, filename: str | None, *,
                 memory: int = CHILD_MEMORY, cpu_seconds: int = CHILD_CPU_SECONDS,
                 timeout: float = CHILD_TIMEOUT) -> ImportResult:
    """`read_plan(data, directory, plan, filename)` run by a child process."""
    request = pickle.dumps((data, directory, plan, filename), protocol=pickle.HIGHEST_PROTOCOL)
    command = [sys.executable, "-m", "intake.isolated", str(memory), str(cpu_seconds)]
    path = os.pathsep.join(p for p in (str(_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    try:
        done = subprocess.run(command, input=request, capture_output=True, timeout=timeout,
                              cwd=_ROOT, env={**os.environ, "PYTHONPATH": path})
    except subprocess.TimeoutExpired:
        log.warning("intake child timed out after %ss reading %r", timeout, filename)
        raise IntakeError(FAILED) from None
    try:
        kind, value = _Answer(io.BytesIO(done.stdout)).load() if done.returncode == 0 else (None, None)
    except Exception:   # a truncated or foreign answer: the child did not finish
        kind, value = None, None
    if kind == "result" and isinstance(value, ImportResult):
        return value
    if kind == "error" and isinstance(value, str):
        raise IntakeError(value)
    log.warning("intake child failed (exit %s) reading %r: %s", done.returncode, filename,
                done.stderr.decode("utf-8", "replace")[-2000:])
    raise IntakeError(FAILED)


class _Answer(pickle.Unpickler):
    """Only classes of intake/, domain/ and datetime: the answer describes records."""

    def find_class(self, module: str, name: str):
        if module.split(".")[0] in _ALLOWED:
            found = super().find_class(module, name)
            if isinstance(found, type) and not issubclass(found, BaseException):
                return found
        raise pickle.UnpicklingError(f"not allowed in an intake answer: {module}.{name}")


def _limit(memory: int, cpu_seconds: int) -> None:
    try:
        import resource
    except ImportError:    # not on POSIX: the caps of intake/limits.py still hold
        return
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))


def main(argv: list[str]) -> int:
    _limit(int(argv[0]), int(argv[1]))
    answer_to = sys.stdout.buffer
    sys.stdout = sys.stderr          # a stray print must not garble the answer
    try:
        from intake import read_plan

        data, directory, plan, filename = pickle.load(sys.stdin.buffer)
        answer = ("result", read_plan(data, directory, plan=plan, filename=filename))
    except IntakeError as exc:
        answer = ("error", str(exc))
    except MemoryError:
        os._exit(3)                  # nothing more can be trusted to allocate
    answer_to.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
    answer_to.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
