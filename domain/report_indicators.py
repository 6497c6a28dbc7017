"""Whether an indicator's reported result meets its target (the period summary's
"đã hoàn thành chỉ tiêu"): the judging rule of domain/indicator_judging.py, as
True / False / None (no data, or unclear: a person judges)."""
from __future__ import annotations

from typing import Any, Mapping

from domain.indicator_judging import judge

__all__ = ["indicator_met"]

_MET = {"met": True, "not_met": False}


def indicator_met(target: Mapping[str, Any] | None, result: str | None) -> bool | None:
    """True when the reported result meets the target, False when it does not, None
    when there is no result yet or it cannot be read against the target."""
    return _MET.get(judge(target, result).status)
