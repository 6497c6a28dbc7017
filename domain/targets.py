"""Indicator targets ("chỉ tiêu"): "≥80%", "100%", "Đạt 85% dân số", "9,5 người",
"Trung bình khoảng 90 ngày", "≥ 1-3 doanh nghiệp".

Parsed into comparator, value(s) and unit where the phrase allows; the raw text is
always kept, and a phrase we cannot read is returned with comparator None rather
than guessed. Pure, no I/O.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from domain.text import ascii_fold, nfc

__all__ = ["Target", "parse_target"]

# Word comparators, matched on ascii-folded text at the start of the phrase.
# Order matters: longer phrases first.
_WORD_COMPARATORS = (
    ("phan dau dat tren", ">"), ("phan dau it nhat", "≥"), ("phan dau toi thieu", "≥"),
    ("phan dau dat", "≥"), ("phan dau", "≥"),
    ("trung binh khoang", "≈"), ("trung binh", "≈"), ("khoang", "≈"), ("xap xi", "≈"),
    ("dat tren", ">"), ("dat toi thieu", "≥"), ("dat it nhat", "≥"), ("dat", "≥"),
    ("it nhat", "≥"), ("toi thieu", "≥"), ("khong duoi", "≥"), ("tren", ">"),
    ("toi da", "≤"), ("khong qua", "≤"), ("duoi", "<"), ("bang", "="),
)
_SYMBOLS = {"≥": "≥", ">=": "≥", "=>": "≥", "≤": "≤", "<=": "≤", "=<": "≤",
            ">": ">", "<": "<", "=": "=", "≈": "≈", "~": "≈"}
_SYMBOL = re.compile(r"^\s*(>=|=>|<=|=<|[≥≤><=≈~])\s*")
# A number in Vietnamese style: "," decimal, "." thousands ("1.000"), or "." decimal.
_NUM = r"\d+(?:[.,]\d+)*"
_VALUE = re.compile(rf"^\s*({_NUM})(?:\s*(?:-|–|—|đến|den|tới|toi)\s*({_NUM}))?\s*(.*)$", re.S)
_LEADING_UNIT = re.compile(r"^\s*(%)\s+(?=[≥≤><=≈~\d])")


@dataclass(frozen=True)
class Target:
    raw: str
    comparator: str | None = None      # "≥", "≤", ">", "<", "=", "≈", "between"; None: unread
    value: float | int | None = None
    value_max: float | int | None = None
    unit: str = ""

    @property
    def parsed(self) -> bool:
        return self.value is not None

    def to_dict(self) -> dict[str, Any]:
        return {"raw": self.raw, "comparator": self.comparator, "value": self.value,
                "value_max": self.value_max, "unit": self.unit}


def parse_target(raw: str | None) -> Target:
    """Read a target phrase; unknown phrases keep raw with comparator None."""
    raw = raw or ""
    text = " ".join(nfc(raw).split())
    lead_unit = ""
    m = _LEADING_UNIT.match(text)            # PDF tables: "% ≥ 85"
    if m:
        lead_unit, text = m.group(1), text[m.end():]
    comparator, text = _comparator(text)
    m = _VALUE.match(text)
    if not m:
        return Target(raw=raw)
    value, value_max = _number(m.group(1)), _number(m.group(2)) if m.group(2) else None
    unit = _unit(m.group(3), lead_unit)
    if value_max is not None and comparator is None:
        comparator = "between"
    return Target(raw=raw, comparator=comparator or "=", value=value, value_max=value_max, unit=unit)


def _comparator(text: str) -> tuple[str | None, str]:
    """Strip and return a leading comparator, symbolic or in words (possibly both:
    "Đạt ≥ 80%")."""
    found = None
    for _ in range(2):
        m = _SYMBOL.match(text)
        if m:
            found = _SYMBOLS[m.group(1)]
            text = text[m.end():]
            continue
        folded = ascii_fold(text)
        for phrase, symbol in _WORD_COMPARATORS:
            if folded.startswith(phrase) and (len(folded) == len(phrase) or not folded[len(phrase)].isalpha()):
                # ascii_fold keeps the word count, so cut the same number of words.
                words = len(phrase.split())
                text = " ".join(text.split(" ")[words:])
                # A symbol after the words is more precise ("Đạt ≥ 80%").
                found = found if found and found != "≥" else symbol
                break
        else:
            break
    return found, text


def _number(s: str) -> float | int:
    if "," in s:
        s = s.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s):
        s = s.replace(".", "")
    value = float(s)
    return int(value) if value.is_integer() else value


def _unit(rest: str, lead_unit: str) -> str:
    rest = rest.strip().rstrip(".;").strip()
    if lead_unit and not rest.startswith("%"):
        rest = f"{lead_unit} {rest}".strip()
    return rest
