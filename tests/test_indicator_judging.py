"""Indicator values judged against parsed targets (domain/indicator_judging.py), as a
careful reader of the office's tables would: table-driven, target phrase as the
importer parses it (domain/targets.parse_target), value as the unit wrote it."""
from __future__ import annotations

import pytest

from domain.indicator_judging import judge
from domain.targets import parse_target

CASES = [
    # target, value, status
    ("≥80%", "85%", "met"),
    ("≥80%", "Đạt 97%", "met"),
    ("≥80%", "79,5%", "not_met"),
    ("≥80%", "80%", "met"),
    ("95%", "95", "met"),                       # a bare percent target means "at least"
    ("95%", "94%", "not_met"),
    ("100%", "100%", "met"),
    ("100%", "Đạt 99,8%", "not_met"),
    ("Đạt 85% dân số", "Đạt 86% dân số", "met"),
    ("Đạt 85% dân số", "70%", "not_met"),
    ("9,5 người", "9,7 người", "met"),
    ("9,5 người", "9.2", "not_met"),
    ("≤ 5 ngày", "3 ngày", "met"),
    ("≤ 5 ngày", "7 ngày", "not_met"),
    ("Trung bình khoảng 90 ngày", "95 ngày", "met"),
    ("Trung bình khoảng 90 ngày", "150 ngày", "not_met"),
    ("1-3 doanh nghiệp", "2 doanh nghiệp", "met"),
    ("1-3 doanh nghiệp", "0", "not_met"),
    ("≥ 1-3 doanh nghiệp", "1", "met"),
    ("≥80%", "Đang triển khai", "not_met"),      # says only that the work is under way
    ("≥80%", "Chưa thực hiện", "not_met"),
    ("≥80%", "Đang triển khai (khoảng 70 %)", "not_met"),
    ("≥70%", "Đang triển khai (khoảng 70 %)", "met"),
    ("≥50%", "trên 60%", "met"),
    ("≥80%", "trên 60%", "unclear"),            # could be 61 or 95: a person judges
    ("≥80%", "dưới 50%", "not_met"),
    ("≥80%", "", "no_data"),
    ("≥80%", "   ", "no_data"),
    ("≥80%", "Hoàn thành", "met"),              # the unit's own verdict
    ("100%", "Đạt", "met"),
    ("100%", "Đã hoàn thành.", "met"),
    ("≥80%", "xem báo cáo riêng", "unclear"),   # neither a number nor a verdict: never guessed
    ("≥80%", "Hoàn thành giai đoạn 1", "unclear"),
    ("≥80%", "120/124 xã (96,8%)", "unclear"),  # two numbers
    ("≥80%", "12 doanh nghiệp", "unclear"),     # another unit
    ("Triển khai có hiệu quả", "90%", "unclear"),  # a target that is not a number
    ("Triển khai có hiệu quả", "Hoàn thành", "met"),  # words against words
    ("Triển khai có hiệu quả", "Đã đạt", "met"),
    ("1.000 người", "1.200 người", "met"),
    ("100%", "Chưa có số liệu", "no_data"),     # no figure yet: nothing to judge, as an empty cell
    ("95%", "Đang tổng hợp", "no_data"),
    ("≥80%", "Chưa có kết quả", "no_data"),
    ("≥80%", "Chưa có số liệu, đang triển khai", "no_data"),
    ("≥80%", "Chưa có văn bản", "not_met"),     # "chưa có" something else: not done
    ("≥ 36%", "Vượt chỉ tiêu (40%)", "met"),
    ("≥ 1-3 doanh nghiệp", "02 doanh nghiệp", "met"),
]


@pytest.mark.parametrize("target, value, status", CASES)
def test_value_judged_against_target(target: str, value: str, status: str) -> None:
    found = judge(parse_target(target).to_dict(), value)
    assert found.status == status, (target, value, found)
    if status == "unclear":
        assert found.reason  # a person is told why


def test_interval_of_a_value() -> None:
    assert judge(parse_target("≥80%").to_dict(), "Đạt 97%").to_dict()["low"] == 97
    above = judge(parse_target("≥50%").to_dict(), "trên 60%").to_dict()
    assert above["low"] == 60 and above["high"] is None and above["status"] == "met"
