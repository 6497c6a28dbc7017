"""The committed task workflow histories (tests/histories/task_*.json, saved from
real runs by tests/test_task_workflow.py) replay against the current code: a
change that would break running tasks fails the build. A deliberate behaviour
change must be gated with workflow.patched(...) so these keep replaying."""
from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows.task import TaskWorkflow

HISTORIES = sorted((Path(__file__).resolve().parent / "histories").glob("task_*.json"))


def test_fixtures_exist():
    names = {p.stem for p in HISTORIES}
    assert {"task_once_overdue", "task_drill_confirmed", "task_recurring_first_cycle"} <= names


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await Replayer(workflows=[TaskWorkflow]).replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
