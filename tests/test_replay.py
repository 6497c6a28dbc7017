"""The committed task workflow histories (tests/histories/task_*.json, saved from
real runs by tests/test_task_workflow.py) replay against the current code: a
change that would break running tasks fails the build. A deliberate behaviour
change must be gated with workflow.patched(...) so these keep replaying."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows.task import BEGIN_IN_ONE, LOCAL_LOOKUPS, LOCAL_SENDS, STEP_IN_ONE, TaskWorkflow

HISTORIES = sorted((Path(__file__).resolve().parent / "histories").glob("task_*.json"))


RUNS = ("task_once_overdue", "task_drill_confirmed", "task_recurring_first_cycle")


def test_fixtures_exist():
    # Each run four times: recorded before the patches (plain names), with the local
    # sends, with the step in one local activity, and with the start in one.
    names = {p.stem for p in HISTORIES}
    patches = (LOCAL_SENDS, STEP_IN_ONE, BEGIN_IN_ONE)
    assert set(RUNS) | {f"{run}__{patch}" for run in RUNS for patch in patches} <= names


def _patches_and_activities(path: Path) -> tuple[set[str], set[str], list[str]]:
    """(patch markers, scheduled activity types, local activity types in order) of a fixture."""
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    patches, scheduled, local = set(), set(), []
    for e in history.events:
        if e.HasField("marker_recorded_event_attributes"):
            details = e.marker_recorded_event_attributes.details
            if "patch-data" in details:
                patches.add(json.loads(details["patch-data"].payloads[0].data)["id"])
            elif "data" in details:
                local.append(json.loads(details["data"].payloads[0].data).get("activity_type"))
        if e.HasField("activity_task_scheduled_event_attributes"):
            scheduled.add(e.activity_task_scheduled_event_attributes.activity_type.name)
    return patches, scheduled, local


@pytest.mark.parametrize("run", ("task_once_overdue", "task_drill_confirmed"))
def test_step_in_one_fixtures_send_each_step_in_one_activity(run: str):
    """A step is one task_step local activity: no lookup, deliver or record of its own."""
    patches, scheduled, local = _patches_and_activities(HISTORIES[0].parent / f"{run}__{STEP_IN_ONE}.json")
    assert STEP_IN_ONE in patches and not scheduled
    assert local.count("task_step") >= 5
    assert not {"deliver", "task_recipients"} & set(local)
    # What is left of task_record: the start's projection and the closing one(s).
    assert local.count("task_record") <= 2


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


GROUP_HISTORIES = sorted((Path(__file__).resolve().parent / "histories").glob("group_*.json"))


def test_group_fixtures_exist():
    """The parent task workflow's runs (tests/test_task_group_workflow.py): two escalations and the
    completion of a one-off group task; a monthly one's period closed from its units' reports."""
    assert {"group_once_rollup", "group_recurring_period"} <= {p.stem for p in GROUP_HISTORIES}


@pytest.mark.parametrize("path", GROUP_HISTORIES, ids=[p.stem for p in GROUP_HISTORIES])
async def test_group_history_replays(path: Path):
    from workflows.task_group import ParentTaskWorkflow

    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await Replayer(workflows=[ParentTaskWorkflow]).replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"


@pytest.mark.parametrize("run", RUNS)
def test_begin_in_one_fixtures_start_with_one_activity(run: str):
    """A new task's cycle, record and first plan are one task_begin local activity."""
    patches, scheduled, local = _patches_and_activities(HISTORIES[0].parent / f"{run}__{BEGIN_IN_ONE}.json")
    assert BEGIN_IN_ONE in patches and not scheduled
    assert local[0] == "task_begin" and local.count("task_begin") == 1
    assert "task_plan" not in local[:2] and "task_cycle" not in local[:2]
