"""The ``[review]`` and ``[results]`` sections of the configuration (domain/review.py):

    [review]
    enabled = true              # the standing office reviews each confirmation (off by default)
    remind_after_days = 2       # working days a review may wait before the office is reminded
    remind_after_seconds = 30   # drills: seconds instead of working days

    [results]
    grace_days = 10             # a confirmation within N working days of its document's date
                                # of issue is judged by that date (0: always by the arrival)
"""
from __future__ import annotations

from typing import Callable

from domain.review import ReviewPolicy


def parse_review(review: dict, results: dict, err: Callable[[str, str], None]) -> ReviewPolicy:
    """The sections as a ReviewPolicy; each problem reported through ``err(key, message)``."""
    default = ReviewPolicy()
    if not isinstance(review, dict) or not isinstance(results, dict):
        err("review" if not isinstance(review, dict) else "results", "phải là một bảng")
        return default
    enabled = review.get("enabled", default.enabled)
    if not isinstance(enabled, bool):
        err("review.enabled", "phải là true hoặc false")
        enabled = default.enabled
    days = _number("review.remind_after_days", review.get("remind_after_days", default.remind_after_days),
                   1, 60, "phải là số ngày làm việc từ 1 đến 60", err, default.remind_after_days)
    seconds = _number("review.remind_after_seconds", review.get("remind_after_seconds", 0), 0, 86400,
                      "phải là số giây từ 0 đến 86400 (0: tính theo ngày làm việc)", err, 0)
    grace = _number("results.grace_days", results.get("grace_days", default.grace_days), 0, 60,
                    "phải là số ngày làm việc từ 0 đến 60 (0: luôn xếp loại theo ngày xác nhận)", err,
                    default.grace_days)
    return ReviewPolicy(enabled=enabled, remind_after_days=days, remind_after_seconds=seconds, grace_days=grace)


def _number(key: str, value, low: int, high: int, message: str, err, fallback: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        err(key, message)
        return fallback
    return value
