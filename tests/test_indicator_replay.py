"""The committed indicator workflow histories (tests/histories/indicator_*.json, saved
from a real year of cycles by tests/test_indicator_workflow.py) replay against the
current code: a change that would break a running indicator fails the build. A
deliberate behaviour change must be gated with workflow.patched(...) so these keep
replaying."""
from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows.indicator import IndicatorWorkflow

HISTORIES = sorted((Path(__file__).resolve().parent / "histories").glob("indicator_*.json"))
RUNS = ("indicator_reported_cycle", "indicator_missed_cycle", "indicator_year_judged")


def test_fixtures_exist():
    assert set(RUNS) <= {p.stem for p in HISTORIES}


def test_fixtures_hold_what_they_are_named_for():
    """A reported cycle answers an update; a missed one escalates (its sends and records
    are local activities, none scheduled); the last judges the year."""
    kinds = {}
    for path in HISTORIES:
        history = WorkflowHistory.from_json(path.stem, path.read_text())
        found = set()
        for e in history.events:
            if e.HasField("workflow_execution_update_accepted_event_attributes"):
                found.add("update")
            if e.HasField("activity_task_scheduled_event_attributes"):
                found.add("scheduled")
            if e.HasField("marker_recorded_event_attributes"):
                details = e.marker_recorded_event_attributes.details
                if "data" in details:
                    found.add(details["data"].payloads[0].data.decode()[:300])
        kinds[path.stem] = found
    assert "update" in kinds["indicator_reported_cycle"]
    assert not any("scheduled" in found for found in kinds.values())
    assert any('"activity_type":"deliver"' in m for m in kinds["indicator_missed_cycle"])
    assert any('"activity_type":"indicator_year"' in m for m in kinds["indicator_year_judged"])


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await Replayer(workflows=[IndicatorWorkflow]).replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
