"""The worker's workflow runner (services/workflow_runner.py): no sandbox by
default, the sandbox (ours passed through, or strict) on request; the fixtures replay
under every mode; and since the product worker runs without the sandbox's guard, a
scan stands in for it beside the strict-sandbox tests: no clock, randomness, I/O or
threads in workflows/."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from services.workflow_runner import MODES, PASSTHROUGH, compiles_once, sandbox_mode, workflow_runner
from workflows.task import TaskWorkflow

ROOT = Path(__file__).resolve().parents[1]
HISTORIES = sorted((ROOT / "tests" / "histories").glob("task_*.json"))


def test_product_runner_has_no_sandbox():
    assert sandbox_mode({}) == "off"
    assert isinstance(workflow_runner(environ={}), UnsandboxedWorkflowRunner)


@pytest.mark.parametrize("environ, mode", [
    ({"DONDOC_WORKFLOW_SANDBOX": "shared"}, "shared"),
    ({"DONDOC_WORKFLOW_SANDBOX": " Strict "}, "strict"),
    ({"DONDOC_WORKFLOW_SANDBOX": "off", "DONDOC_STRICT_SANDBOX": "1"}, "off"),
    ({"DONDOC_STRICT_SANDBOX": "1"}, "strict"),
    ({"DONDOC_STRICT_SANDBOX": "0"}, "off"),
])
def test_sandbox_on_request(environ, mode):
    assert sandbox_mode(environ) == mode


def test_shared_sandbox_passes_our_packages_through_and_compiles_once():
    runner = workflow_runner("shared")
    assert isinstance(runner, SandboxedWorkflowRunner)
    assert set(PASSTHROUGH) <= set(runner.restrictions.passthrough_modules)
    # The Temporal release installed still has the private hook the runner uses.
    assert compiles_once()


def test_strict_sandbox_passes_nothing_of_ours_through():
    runner = workflow_runner("strict")
    assert isinstance(runner, SandboxedWorkflowRunner)
    assert not set(PASSTHROUGH) & set(runner.restrictions.passthrough_modules)


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="DONDOC_WORKFLOW_SANDBOX"):
        sandbox_mode({"DONDOC_WORKFLOW_SANDBOX": "loose"})


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_fixtures_replay_under_every_mode(path: Path, mode: str):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=[TaskWorkflow], workflow_runner=workflow_runner(mode))
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
