"""Each payload class's type hints worked out once per process, not once per value.

Temporal's JSON converter turns a decoded dict back into a dataclass through
``value_to_type``, which asks ``typing.get_type_hints`` for the class's fields at
every value, nested ones included, and the answer is never kept. A task workflow's
input (the task, its ladder policy and its steps, its carried state) took
0.62 ms to decode that way and 0.25 ms with the hints kept (best of 7x300, process
time) -- paid at every start, every step's input, every replay and every cold burst
(`dondoc bench`).

``install()`` hands the converter module a ``get_type_hints`` that keeps the plain
one-argument answer per class (weakly: a class the strict test sandbox imports
afresh for one workflow goes when that workflow does). A class's fields cannot change
after it is made, so the kept answer is the answer. Anything else (a function, extra
arguments) is passed to ``typing.get_type_hints`` untouched. If a Temporal release
stops looking the function up in that module, nothing breaks: decoding is only slower
again, and tests/test_type_hints.py says so.
"""
from __future__ import annotations

import typing
import weakref
from typing import Any

_KEPT: "weakref.WeakKeyDictionary[type, dict[str, Any]]" = weakref.WeakKeyDictionary()
_PLAIN = typing.get_type_hints


def kept_type_hints(obj: Any, globalns=None, localns=None, include_extras: bool = False) -> dict[str, Any]:
    """``typing.get_type_hints``, the one-argument answer for a class kept."""
    if globalns is not None or localns is not None or include_extras or not isinstance(obj, type):
        return _PLAIN(obj, globalns, localns, include_extras)
    hints = _KEPT.get(obj)
    if hints is None:
        hints = _KEPT[obj] = _PLAIN(obj)
    return hints


def install() -> bool:
    """Give Temporal's payload converter the kept hints; False when it has no such hook."""
    from temporalio.converter import _payload_converter as converter

    if getattr(converter, "get_type_hints", None) is None:
        return False
    converter.get_type_hints = kept_type_hints
    return True
