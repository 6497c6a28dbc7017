"""How the worker runs workflow code: Temporal's sandbox, made cheaper.

Two costs of the stock ``SandboxedWorkflowRunner`` showed in the profile of a burst
of reminders and of an import (`dondoc bench`; figures in the README's Hiệu năng):

1. **Re-imports.** The sandbox imports a workflow's module, and every module of ours
   it imports, afresh for each workflow instance it creates (each start, each replay
   after an eviction) and keeps those copies while the instance is cached: 3.5 ms of
   CPU and 57 KiB per task workflow, most of the worker's memory with thousands of
   tasks open. Here our packages (``workflows``, ``contracts``, ``domain``) pass
   through: imported once, shared by every instance (0.25 ms, 12 KiB). They hold no
   state that changes (constants, pure functions, classes whose state is per
   instance), so nothing leaks from one workflow to another.
2. **Compiling.** The sandbox runs each activation (and each payload's serialization
   context) as a small source string through ``exec``, compiled anew every time. The
   runner here compiles each distinct string once per process.

What passing through gives up: the sandbox no longer stops *our* workflow code from
calling ``datetime.now()``, ``random`` and the like (it still guards third-party code
a workflow imports in the sandbox). That net stays in the tests: the replay tests
(tests/test_replay.py) and the workflow tests run the same code in the strict, stock
sandbox -- `workflow_runner(strict=True)`, and Temporal's default -- where such a
call fails the test, and tests/test_workflow_runner.py scans the workflow modules for
such calls. ``DONDOC_STRICT_SANDBOX=1`` gives a worker the strict sandbox too.
"""
from __future__ import annotations

import os
from typing import Any

from temporalio.worker import WorkflowRunner
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


def workflow_runner(strict: bool | None = None, environ=None) -> WorkflowRunner:
    """The product worker's runner: our packages passed through (unless ``strict``,
    or DONDOC_STRICT_SANDBOX=1), the sandbox's strings compiled once."""
    env = os.environ if environ is None else environ
    if strict is None:
        strict = (env.get("DONDOC_STRICT_SANDBOX") or "").strip().lower() in ("1", "true", "yes")
    restrictions = SandboxRestrictions.default
    if not strict:
        restrictions = restrictions.with_passthrough_modules(*PASSTHROUGH)
    return CheaperSandboxRunner(restrictions=restrictions)
