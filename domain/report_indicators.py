"""Whether an indicator's reported result meets its target (the period summary's
"đã hoàn thành chỉ tiêu")."""
from __future__ import annotations

import re
from typing import Any, Mapping

from domain.text import ascii_fold

__all__ = ["indicator_met"]

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_NEGATIVE = ("khong dat", "chua dat", "chua hoan thanh", "khong hoan thanh", "dang thuc hien",
             "dang trien khai", "chua thuc hien")
_POSITIVE = ("hoan thanh", "dat", "vuot")


def _number(text: str) -> float | None:
    m = _NUMBER.search(text)
    if not m:
        return None
    raw = m.group(0)
    # Vietnamese: "," decimal; "1.000" thousands; "9.5" decimal when not 3 digits after.
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    elif "." in raw and len(raw.split(".")[1]) == 3:
        raw = raw.replace(".", "")
    try:
        return float(raw)
    except ValueError:
        return None


def indicator_met(target: Mapping[str, Any] | None, result: str | None) -> bool | None:
    """True when the reported result meets the target, False when it does not, None
    when there is no result yet or it cannot be compared. Words decide first
    ("Đạt", "Hoàn thành", "Không đạt"), then numbers against the parsed target."""
    text = ascii_fold(result or "").strip()
    if not text:
        return None
    if any(neg in text for neg in _NEGATIVE):
        return False
    value = _number(text)
    target = target or {}
    goal = target.get("value")
    comparator = target.get("comparator") or "≥"
    if value is not None and goal is not None:
        goal = float(goal)
        high = float(target["value_max"]) if target.get("value_max") is not None else None
        if comparator == "≤":
            return value <= goal
        if comparator == "<":
            return value < goal
        if comparator == ">":
            return value > goal
        if comparator == "=":
            return abs(value - goal) < 1e-9
        if comparator == "≈":
            return abs(value - goal) <= 0.1 * max(abs(goal), 1)
        if comparator == "between" and high is not None:
            return value >= goal
        return value >= goal
    if any(text.startswith(p) or f" {p}" in f" {text}" for p in _POSITIVE):
        return True
    return None
