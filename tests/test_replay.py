"""The committed task workflow histories (tests/histories/task_*.json, saved from
real runs by tests/test_task_workflow.py) replay against the current code: a
change that would break running tasks fails the build. A deliberate behaviour
change must be gated with workflow.patched(...) so these keep replaying."""
from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows.task import LOCAL_LOOKUPS, LOCAL_SENDS, TaskWorkflow

HISTORIES = sorted((Path(__file__).resolve().parent / "histories").glob("task_*.json"))


RUNS = ("task_once_overdue", "task_drill_confirmed", "task_recurring_first_cycle")


def test_fixtures_exist():
    # Each run twice: recorded before the patches (plain names) and with them.
    names = {p.stem for p in HISTORIES}
    assert set(RUNS) | {f"{run}__{LOCAL_SENDS}" for run in RUNS} <= names


@pytest.mark.parametrize("run", RUNS)
def test_patched_fixtures_take_the_patched_path(run: str):
    """The newer fixtures really exercise the patches: their markers are there and
    their sends and records are local activities (markers), not scheduled ones."""
    history = WorkflowHistory.from_json(run, (HISTORIES[0].parent / f"{run}__{LOCAL_SENDS}.json").read_text())
    patches, scheduled = set(), set()
    for e in history.events:
        if e.HasField("marker_recorded_event_attributes"):
            details = e.marker_recorded_event_attributes.details
            if "patch-data" in details:
                patches.add(details["patch-data"].payloads[0].data.decode())
        if e.HasField("activity_task_scheduled_event_attributes"):
            scheduled.add(e.activity_task_scheduled_event_attributes.activity_type.name)
    assert any(LOCAL_SENDS in p for p in patches) and any(LOCAL_LOOKUPS in p for p in patches)
    assert not scheduled & {"deliver", "task_record", "task_plan", "task_cycle", "task_recipients"}


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await Replayer(workflows=[TaskWorkflow]).replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
