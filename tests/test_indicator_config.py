"""How often an indicator is reported ([indicators]: all, per plan, per indicator), which
days a cycle covers, and the year a target is for (domain/indicator_follow.py)."""
from __future__ import annotations

from datetime import date

import pytest

from config.loader import ConfigError, DEFAULT_CONFIG, load_config
from domain.indicator_follow import IndicatorFollowUp, period_span, target_year

SECTION = """
[indicators]
every = "month"
[indicators.plans."TB 01-2026"]
every = "year"
stt = { "3" = "month", "7" = "hằng tuần" }
"""


def config_with(tmp_path, section: str):
    path = tmp_path / "c.toml"
    path.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8").split("[indicators]")[0] + section, encoding="utf-8")
    return load_config(path)


def test_the_default_is_monthly():
    follow = load_config(DEFAULT_CONFIG).indicators
    assert follow.every_for("Bất kỳ", "1") == "month"


def test_per_plan_and_per_indicator(tmp_path):
    with pytest.raises(ConfigError) as bad:
        config_with(tmp_path, SECTION)
    assert bad.value.errors == ['indicators.plans."TB 01-2026".stt."7": phải là "month" (hằng tháng) hoặc "year" (hằng năm)']
    follow = config_with(tmp_path, SECTION.replace(', "7" = "hằng tuần"', "")).indicators
    assert (follow.every_for("TB 01-2026", "1"), follow.every_for("TB 01-2026", "3"),
            follow.every_for("KH 02", "3")) == ("year", "month", "month")


def test_cycles_and_years():
    assert period_span("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_span("2026") == (date(2026, 1, 1), date(2026, 12, 31))
    assert period_span("c3") is None
    assert target_year(2026, "2027-01-10", date(2028, 1, 1)) == 2026      # the header's year first
    assert target_year(0, "2027-01-10", date(2028, 1, 1)) == 2027         # then the result's day
    assert target_year(0, "", date(2028, 1, 1)) == 2028                   # then the import's
    assert IndicatorFollowUp(every="year").every_for("x", "1") == "year"
