"""Whether a reported indicator value meets its target: `met`, `not_met`, `no_data`
or `unclear` -- the one rule for the CLI, the pages, the daily report and the
period summary.

A value is read as an interval: "Đạt 97%" and "khoảng 70 %" are the point 97 / 70,
"trên 60%" is (60, ∞), "tối đa 5" is (−∞, 5]. The target (domain/targets.py) is
the set of values that meet it; a bare number ("95%", "100%", "9,5 người") means
"at least", as offices write their targets. The value meets the target when its
whole interval lies inside that set, misses it when none of it does, and is
`unclear` otherwise -- "trên 60%" against "≥ 80%" could be either, so a person
judges it. A value with two numbers ("120/124 xã (96,8%)"), a number in another
unit, or words that neither give a number nor state the verdict ("xem báo cáo
riêng", "Hoàn thành 3 hạng mục") are `unclear` too: shown to a person, never guessed.
A value that is the verdict itself ("Đạt", "Đã hoàn thành", "Vượt chỉ tiêu") is
`met`: the unit states it, as offices write their result columns. Words that only say the work is under way or not done
("Đang triển khai", "Chưa đạt") are `not_met`; words that say there is no figure yet
("Chưa có số liệu", "Đang tổng hợp") are `no_data`, as an empty cell. Pure, no I/O.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

from domain.text import ascii_fold

__all__ = ["Judgement", "judge", "STATUS_WORDS"]

STATUS_WORDS = {"met": "Đạt", "not_met": "Chưa đạt", "no_data": "Chưa báo cáo", "unclear": "Cần xem xét"}

_NUM = r"\d+(?:[.,]\d+)*"
_NUMBER = re.compile(rf"(?<![\w.,]){_NUM}(?:\s*(?:-|–|—|den|toi)\s*{_NUM})?")
_NOT_DONE = ("dang trien khai", "dang thuc hien", "dang xay dung", "dang hoan thien", "chua thuc hien",
             "chua trien khai", "chua dat", "khong dat", "chua hoan thanh", "khong hoan thanh", "chua co")
_DONE = ("hoan thanh", "dat", "vuot")
# Words that say there is no figure yet ("Chưa có số liệu", "Đang tổng hợp"): nothing to judge.
_NO_FIGURE = ("chua co so lieu", "khong co so lieu", "chua co ket qua", "dang tong hop", "chua tong hop",
              "chua thong ke", "chua bao cao")
# A value that is the verdict itself: "Đạt", "Đã hoàn thành", "Vượt chỉ tiêu".
_VERDICT = re.compile(r"(da )?(dat|hoan thanh|vuot)( chi tieu)?[.!]?")
# A value's leading words, as bounds of what it says (ascii-folded, longest first).
_BOUNDS = (("khong duoi", "ge"), ("it nhat", "ge"), ("toi thieu", "ge"), ("tren", "gt"), ("hon", "gt"),
           ("vuot", "gt"), ("khong qua", "le"), ("toi da", "le"), ("chua den", "lt"), ("duoi", "lt"))
# What may stand before a bare number (no unit after it) for it to be the value itself.
_LEAD = re.compile(r"((da|dat|dat duoc|khoang|trung binh|xap xi|uoc|uoc dat|ket qua|"
                   r"khong duoi|it nhat|toi thieu|tren|hon|vuot|khong qua|toi da|chua den|duoi|"
                   r"dang trien khai|dang thuc hien|[(:≥≤<>=~]|>=|<=)\s*)*")
_SYMBOL_BOUNDS = {"≥": "ge", ">=": "ge", ">": "gt", "≤": "le", "<=": "le", "<": "lt"}
_EPS = 1e-9


@dataclass(frozen=True)
class Judgement:
    status: str                     # met | not_met | no_data | unclear
    low: float | None = None        # what the value says, as an interval
    high: float | None = None
    reason: str = ""                # why unclear, in Vietnamese

    @property
    def words(self) -> str:
        return STATUS_WORDS[self.status]

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "low": _plain(self.low), "high": _plain(self.high), "reason": self.reason}


def judge(target: Mapping[str, Any] | None, value: str | None) -> Judgement:
    """Judge one reported value (the text the unit wrote) against a parsed target
    (Target.to_dict())."""
    text = ascii_fold(value or "")
    if not text:
        return Judgement("no_data")
    numbers = _NUMBER.findall(text)
    if not numbers:
        if any(phrase in text for phrase in _NO_FIGURE):
            return Judgement("no_data")
        if any(phrase in text for phrase in _NOT_DONE):
            return Judgement("not_met")
        if _VERDICT.fullmatch(text) or ((target or {}).get("value") is None
                                        and any(re.search(rf"\b{w}\b", text) for w in _DONE)):
            return Judgement("met")  # the unit's own verdict ("Đạt"), or words against a target in words
        return Judgement("unclear", reason="Giá trị không có số để so với chỉ tiêu.")
    if len(numbers) > 1:
        return Judgement("unclear", reason="Giá trị có nhiều số; cần người xem xét.")
    low, high = _interval(text, numbers[0])
    target = target or {}
    if target.get("value") is None:
        return Judgement("unclear", low, high, "Chỉ tiêu chưa đọc được thành số.")
    value_unit = _unit_after(text, numbers[0])
    if not value_unit and not _LEAD.fullmatch(text[:text.find(numbers[0])].strip()):
        return Judgement("unclear", low, high, "Không rõ số trong giá trị đo điều gì.")  # "giai đoạn 1"
    if not _same_unit(target.get("unit") or "", value_unit):
        return Judgement("unclear", low, high, "Đơn vị của giá trị khác đơn vị của chỉ tiêu.")
    goal_low, goal_high = _target_set(target)
    if goal_low - _EPS <= low and high <= goal_high + _EPS:
        return Judgement("met", low, high)
    if high < goal_low - _EPS or low > goal_high + _EPS:
        return Judgement("not_met", low, high)
    return Judgement("unclear", low, high, "Giá trị chưa đủ rõ để biết đạt hay chưa.")


def _interval(text: str, number: str) -> tuple[float, float]:
    """The interval a value's number says, from the words or symbol just before it."""
    parts = re.split(r"\s*(?:-|–|—|den|toi)\s*", number.strip())
    low, high = _number(parts[0]), _number(parts[-1])
    before = text[:text.find(number)].rstrip()
    bound = next((b for s, b in _SYMBOL_BOUNDS.items() if before.endswith(s)), None)
    if bound is None:
        bound = next((b for phrase, b in _BOUNDS if before.endswith(phrase)), None)
    if bound in ("ge", "gt"):
        return (low + (_EPS * 10 if bound == "gt" else 0.0), math.inf)
    if bound in ("le", "lt"):
        return (-math.inf, high - (_EPS * 10 if bound == "lt" else 0.0))
    return (low, high)


def _target_set(target: Mapping[str, Any]) -> tuple[float, float]:
    """The values that meet a target; a bare number means "at least"."""
    goal = float(target["value"])
    top = float(target["value_max"]) if target.get("value_max") is not None else None
    comparator = target.get("comparator") or "="
    if comparator == "between" and top is not None:
        return (goal, top)
    if comparator == "≈":
        return (goal - 0.1 * abs(goal), goal + 0.1 * abs(goal))
    if comparator == "≤":
        return (-math.inf, goal)
    if comparator == "<":
        return (-math.inf, goal - _EPS * 10)
    if comparator == ">":
        return (goal + _EPS * 10, math.inf)
    return (goal, math.inf)  # "≥", "=" (a bare target) and "≥ 1-3" (at least its lower end)


def _unit_after(text: str, number: str) -> str:
    rest = text[text.find(number) + len(number):].strip()
    return rest.split("(")[0].strip(" .,;:)")


def _same_unit(target_unit: str, value_unit: str) -> bool:
    """A value without a unit is in the target's (and a target without one takes any);
    a percent must meet a percent."""
    target_unit, value_unit = ascii_fold(target_unit), ascii_fold(value_unit)
    if not value_unit or not target_unit:
        return True
    if target_unit.startswith("%") or value_unit.startswith("%"):
        return target_unit.startswith("%") and value_unit.startswith("%")
    return target_unit.split()[0] == value_unit.split()[0]


def _number(s: str) -> float:
    if "," in s:
        s = s.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s):
        s = s.replace(".", "")
    return float(s)


def _plain(x: float | None) -> float | int | None:
    if x is None or math.isinf(x):
        return None
    return int(x) if float(x).is_integer() else round(x, 6)
