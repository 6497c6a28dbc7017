"""Indicator targets (domain/targets.py): comparator, value(s), unit; raw kept."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from domain.targets import parse_target


@pytest.mark.parametrize("raw, comparator, value, value_max, unit", [
    ("≥80%", "≥", 80, None, "%"),
    ("100%", "=", 100, None, "%"),
    ("Đạt 85% dân số", "≥", 85, None, "% dân số"),
    ("9,5 người", "=", 9.5, None, "người"),
    ("Trung bình khoảng 90 ngày", "≈", 90, None, "ngày"),
    ("≥ 1-3 doanh nghiệp", "≥", 1, 3, "doanh nghiệp"),
    ("17,5%", "=", 17.5, None, "%"),
    (">= 45 %", "≥", 45, None, "%"),
    ("% ≥ 85", "≥", 85, None, "%"),                    # PDF tables put the unit first
    ("Phấn đấu ít nhất 3%", "≥", 3, None, "%"),
    ("Đạt trên 3,5%", ">", 3.5, None, "%"),
    ("Tối đa 5 ngày", "≤", 5, None, "ngày"),
    ("1.000 doanh nghiệp", "=", 1000, None, "doanh nghiệp"),
    ("1-3 doanh nghiệp", "between", 1, 3, "doanh nghiệp"),
    ("Đạt ≥ 80%", "≥", 80, None, "%"),
])
def test_parse(raw, comparator, value, value_max, unit):
    target = parse_target(raw)
    assert (target.comparator, target.value, target.value_max, target.unit) == (comparator, value, value_max, unit)
    assert target.raw == raw
    assert target.to_dict() == {"raw": raw, "comparator": comparator, "value": value,
                                "value_max": value_max, "unit": unit}


@pytest.mark.parametrize("raw", ["", "Theo kế hoạch", "- -", "Tăng so với năm trước"])
def test_unreadable_is_kept_not_guessed(raw):
    target = parse_target(raw)
    assert target.raw == raw and target.comparator is None and target.value is None and not target.parsed


@given(st.text(max_size=40))
def test_never_raises_and_keeps_raw(raw):
    assert parse_target(raw).raw == raw
