"""The ``[indicators]`` section of the configuration: how often each indicator's unit
reports its value (domain/indicator_follow.py), for all, per plan and per indicator.

    [indicators]
    every = "month"
    [indicators.plans."TB 01-2026"]
    every = "year"
    stt = { "3" = "month" }
"""
from __future__ import annotations

from typing import Callable

from domain.cycles import normalise_every
from domain.indicator_follow import IndicatorFollowUp

_EVERY_HELP = "phải là \"month\" (hằng tháng) hoặc \"year\" (hằng năm)"


def parse_indicators(values: dict, err: Callable[[str, str], None]) -> IndicatorFollowUp:
    """The section as an IndicatorFollowUp; each problem reported through ``err(key, message)``."""
    if not isinstance(values, dict):
        err("indicators", "phải là một bảng")
        return IndicatorFollowUp()
    every = _every("indicators.every", values.get("every", "month"), err) or "month"
    plans, indicators = [], []
    for plan, table in (values.get("plans") or {}).items():
        key = f'indicators.plans."{plan}"'
        if not isinstance(table, dict):
            err(key, "phải là một bảng (every, stt)")
            continue
        if "every" in table and (found := _every(f"{key}.every", table["every"], err)):
            plans.append((plan, found))
        for stt, value in (table.get("stt") or {}).items():
            if found := _every(f'{key}.stt."{stt}"', value, err):
                indicators.append((plan, str(stt).strip(), found))
    return IndicatorFollowUp(every, tuple(plans), tuple(indicators))


def _every(key: str, value, err) -> str | None:
    try:
        return normalise_every(str(value))
    except ValueError:
        err(key, _EVERY_HELP)
        return None
