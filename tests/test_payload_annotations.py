"""What crosses Temporal is declared with real types, not strings.

Temporal's JSON converter calls typing.get_type_hints on a dataclass for every value
it decodes (temporalio.converter.value_to_type), without caching. A string annotation
(what ``from __future__ import annotations`` makes of every annotation) is compiled and
evaluated again at each call: decoding a task workflow's input took 1.4 ms that way,
0.6 ms with real types -- paid at every start, every replay and every cold burst
(`dondoc bench`). So the modules whose dataclasses travel as payloads (contracts/ and
the domain classes they hold) do without that import.
"""
from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import typing

import contracts


def _payload_classes() -> set[type]:
    """Every dataclass of contracts/, and every dataclass their fields hold."""
    found: set[type] = set()

    def walk(tp) -> None:
        for arg in typing.get_args(tp):
            walk(arg)
        if dataclasses.is_dataclass(tp) and isinstance(tp, type) and tp not in found:
            found.add(tp)
            for hint in typing.get_type_hints(tp).values():
                walk(hint)

    for info in pkgutil.iter_modules(contracts.__path__):
        module = importlib.import_module(f"contracts.{info.name}")
        for value in vars(module).values():
            walk(value)
    return found


def test_payload_classes_are_found():
    names = {c.__name__ for c in _payload_classes()}
    # the task workflow's input and what it holds, the step's input, a policy from domain/
    assert {"TaskInput", "TaskSpec", "TaskCarry", "StepSend", "LadderPolicy", "Recipient"} <= names


def test_no_payload_class_has_string_annotations():
    stringly = sorted(f"{c.__module__}.{c.__name__}.{name}" for c in _payload_classes()
                      for name, hint in vars(c).get("__annotations__", {}).items() if isinstance(hint, str))
    assert stringly == [], ("payload classes with string annotations (drop `from __future__ import "
                            f"annotations` in their module): {stringly}")
