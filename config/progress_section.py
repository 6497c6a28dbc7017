"""The ``[progress]`` section of the configuration: when a long one-off task gets its
mid-way check-in (domain/checkin.py).

    [progress]
    checkin_min_days = 30     # tasks longer than this many days (assignment to deadline); 0: none
"""
from __future__ import annotations

from typing import Callable

from domain.checkin import CHECKIN_MIN_DAYS


def parse_progress(values: dict, err: Callable[[str, str], None]) -> int:
    """``checkin_min_days``; each problem reported through ``err(key, message)``."""
    if not isinstance(values, dict):
        err("progress", "phải là một bảng")
        return CHECKIN_MIN_DAYS
    days = values.get("checkin_min_days", CHECKIN_MIN_DAYS)
    if isinstance(days, bool) or not isinstance(days, int) or not (days == 0 or 2 <= days <= 3650):
        err("progress.checkin_min_days", "phải là số ngày từ 2 đến 3650 (0: không hỏi tiến độ giữa kỳ)")
        return CHECKIN_MIN_DAYS
    return days
