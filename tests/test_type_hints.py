"""services/type_hints.py: Temporal's converter works out a payload class's hints once,
and decodes exactly what it decoded before."""
from __future__ import annotations

import json
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.converter import _payload_converter as converter

from contracts.steps import StepSend
from contracts.tasks import TaskInput
from services import type_hints

HISTORY = Path(__file__).parent / "histories" / "task_once_overdue__step-in-one.json"


def _task_input_payloads():
    history = WorkflowHistory.from_json("task", json.loads(HISTORY.read_text()))
    return list(history.events[0].workflow_execution_started_event_attributes.input.payloads)


def test_the_converter_takes_the_kept_hints():
    assert type_hints.install() is True
    assert converter.get_type_hints is type_hints.kept_type_hints


def test_hints_are_worked_out_once_per_class(monkeypatch):
    calls: list = []

    def counting(obj, *args):
        calls.append(obj)
        return plain(obj, *args)

    plain = type_hints._PLAIN
    monkeypatch.setattr(type_hints, "_PLAIN", counting)
    monkeypatch.setattr(type_hints, "_KEPT", type(type_hints._KEPT)())
    type_hints.install()
    payloads = _task_input_payloads()
    first = DataConverter.default.payload_converter.from_payloads(payloads, [TaskInput])[0]
    classes = len(calls)
    again = DataConverter.default.payload_converter.from_payloads(payloads, [TaskInput])[0]
    assert classes >= 3 and len(calls) == classes  # the second decode asked for nothing new
    assert first == again and isinstance(first, TaskInput) and first.task.id


def test_decoding_is_unchanged():
    """The same values come out with and without the kept hints."""
    payloads = _task_input_payloads()
    converter.get_type_hints = type_hints._PLAIN
    try:
        plain = DataConverter.default.payload_converter.from_payloads(payloads, [TaskInput])[0]
    finally:
        type_hints.install()
    kept = DataConverter.default.payload_converter.from_payloads(payloads, [TaskInput])[0]
    assert kept == plain
    step = StepSend(task=kept.task, cycle="", step="after-1", kind="escalation", levels=["unit", "lead"])
    encoded = DataConverter.default.payload_converter.to_payloads([step])
    assert DataConverter.default.payload_converter.from_payloads(encoded, [StepSend])[0] == step


def test_other_calls_pass_through():
    def f(x: int) -> str:
        return str(x)

    assert type_hints.kept_type_hints(f) == {"x": int, "return": str}
    assert type_hints.kept_type_hints(TaskInput, include_extras=True) == type_hints._PLAIN(TaskInput, None, None, True)
