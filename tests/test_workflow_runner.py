"""The worker's workflow runner (services/workflow_runner.py): our packages pass
through the sandbox and its strings are compiled once; the fixtures replay under it
as under the strict sandbox; and since passing through lifts the sandbox's guard from
our own workflow code, a scan stands in for it: no clock, randomness, I/O or threads
in workflows/."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from services.workflow_runner import PASSTHROUGH, compiles_once, workflow_runner
from workflows.task import TaskWorkflow

ROOT = Path(__file__).resolve().parents[1]
HISTORIES = sorted((ROOT / "tests" / "histories").glob("task_*.json"))


def test_product_runner_passes_our_packages_through_and_compiles_once():
    runner = workflow_runner(environ={})
    assert isinstance(runner, SandboxedWorkflowRunner)
    assert set(PASSTHROUGH) <= set(runner.restrictions.passthrough_modules)
    # The Temporal release installed still has the private hook the runner uses.
    assert compiles_once()


def test_strict_sandbox_on_request():
    for runner in (workflow_runner(strict=True), workflow_runner(environ={"DONDOC_STRICT_SANDBOX": "1"})):
        assert not set(PASSTHROUGH) & set(runner.restrictions.passthrough_modules)


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_fixtures_replay_under_the_product_runner(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=[TaskWorkflow], workflow_runner=workflow_runner(environ={}))
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"


# What the strict sandbox would refuse in workflow code, by the name it is called through.
FORBIDDEN_CALLS = {"now", "utcnow", "today", "time", "time_ns", "monotonic", "perf_counter", "sleep",
                   "random", "randint", "choice", "shuffle", "uuid1", "uuid4", "urandom", "getenv", "open",
                   "Thread", "run_in_executor", "to_thread"}
FORBIDDEN_MODULES = {"random", "time", "uuid", "os", "threading", "socket", "subprocess", "secrets",
                     "sqlalchemy", "httpx", "apprise", "requests"}


def _problems(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in FORBIDDEN_MODULES:
                found.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = func.value if isinstance(func, ast.Attribute) else None
            # workflow.now(), workflow.sleep(), workflow.random() are the deterministic ones.
            if name in FORBIDDEN_CALLS and not (isinstance(owner, ast.Name) and owner.id == "workflow"):
                if not (isinstance(owner, ast.Call) and getattr(owner.func, "attr", "") == "random"):
                    found.append(f"{ast.unparse(func)}() at line {node.lineno}")
    return [f"{path.relative_to(root)}: {p}" for p in found]


def test_workflow_code_calls_nothing_the_sandbox_would_refuse():
    problems = [p for path in sorted((ROOT / "workflows").glob("*.py")) for p in _problems(path)]
    assert not problems, "\n".join(problems)


def test_the_scan_sees_a_forbidden_call(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import random\nfrom datetime import datetime\n\n\ndef f(workflow):\n"
                   "    return datetime.now(), workflow.now(), workflow.random().random()\n")
    assert _problems(bad, tmp_path) == ["bad.py: import random", "bad.py: datetime.now() at line 6"]
