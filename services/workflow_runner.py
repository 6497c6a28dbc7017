"""How the worker runs workflow code: without Temporal's sandbox in production, in
the strict sandbox in the tests.

What the sandbox costs, measured on a burst of reminders and on an import (`dondoc
bench`; figures in the README's Hiệu năng):

1. **Re-imports.** The sandbox imports a workflow's module, and every module of ours
   it imports, afresh for each workflow instance it creates (each start, each replay
   after an eviction) and keeps those copies while the instance is cached: 3.5 ms of
   CPU and 57 KiB per task workflow. Passing our packages (``workflows``,
   ``contracts``, ``domain``) through took that away ("shared" below): they hold no
   state that changes (constants, pure functions, classes whose state is per
   instance), so nothing leaks from one workflow to another.
2. **Each activation.** Even with everything passed through, the sandbox runs every
   activation as a source string through ``exec`` inside its restricted importer and
   proxies: replaying a 52-event task history cost 20-23 ms of CPU in the "shared"
   sandbox against 13-18 ms without it (tests/histories, `Replayer`, 100 replays).

Passing our packages through had already lifted the sandbox's guard from *our*
workflow code (it no longer stopped a ``datetime.now()`` there); what it still
guarded was third-party code imported inside workflows, and ours imports none beyond
the standard library and temporalio. So the product worker runs workflows without
the sandbox ("off", the default), and the guard lives in the tests instead: the
replay fixtures and the workflow tests run the same code in the strict, stock sandbox
(`workflow_runner("strict")`, and Temporal's default for a plain ``Worker``), where
such a call fails the test, and tests/test_workflow_runner.py scans workflows/ for
clocks, randomness, I/O and threads. ``DONDOC_WORKFLOW_SANDBOX=shared`` or
``strict`` (or the older ``DONDOC_STRICT_SANDBOX=1``) puts a worker back in the
sandbox.
"""
from __future__ import annotations

import os
from typing import Any

from temporalio.worker import UnsandboxedWorkflowRunner, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

# Ours, side-effect free and stateless at module level: shared by every instance.
PASSTHROUGH = ("workflows", "contracts", "domain")

try:  # the sandbox's per-instance class (private: checked, with a fallback)
    from temporalio.worker.workflow_sandbox._runner import _Instance
except ImportError:  # pragma: no cover - a Temporal release that moved it
    _Instance = None


if _Instance is not None and callable(getattr(_Instance, "_run_code", None)):
    class _CompiledOnce(_Instance):
        """The sandbox's instance, its ``exec`` strings compiled once per process."""

        _codes: dict[str, Any] = {}

        def _run_code(self, code, **extra_globals: Any) -> None:
            if isinstance(code, str):
                compiled = self._codes.get(code)
                if compiled is None:
                    compiled = self._codes[code] = compile(code, "<workflow sandbox>", "exec")
                code = compiled
            super()._run_code(code, **extra_globals)
else:  # pragma: no cover
    _CompiledOnce = None


class CheaperSandboxRunner(SandboxedWorkflowRunner):
    """``SandboxedWorkflowRunner`` whose instances compile their ``exec`` strings once."""

    def create_instance(self, det):
        if _CompiledOnce is None:  # pragma: no cover - fall back to the stock instance
            return super().create_instance(det)
        return _CompiledOnce(det, self.runner_class, self.restrictions)


def compiles_once() -> bool:
    """Whether this Temporal release lets the runner cache its compiled strings."""
    return _CompiledOnce is not None


MODES = ("off", "shared", "strict")


def sandbox_mode(environ=None) -> str:
    """DONDOC_WORKFLOW_SANDBOX (off, shared, strict), else strict for
    DONDOC_STRICT_SANDBOX=1, else off."""
    env = os.environ if environ is None else environ
    mode = (env.get("DONDOC_WORKFLOW_SANDBOX") or "").strip().lower()
    if mode:
        if mode not in MODES:
            raise ValueError(f"DONDOC_WORKFLOW_SANDBOX must be one of {', '.join(MODES)}, not {mode!r}")
        return mode
    if (env.get("DONDOC_STRICT_SANDBOX") or "").strip().lower() in ("1", "true", "yes"):
        return "strict"
    return "off"


def workflow_runner(mode: str | None = None, environ=None) -> WorkflowRunner:
    """The product worker's runner: no sandbox ("off"); or the sandbox with our
    packages passed through and its strings compiled once ("shared"); or the stock
    sandbox's restrictions ("strict")."""
    mode = mode or sandbox_mode(environ)
    if mode == "off":
        return UnsandboxedWorkflowRunner()
    restrictions = SandboxRestrictions.default
    if mode == "shared":
        restrictions = restrictions.with_passthrough_modules(*PASSTHROUGH)
    return CheaperSandboxRunner(restrictions=restrictions)
