"""Configuration: the shipped examples load, env substitution, errors named by key."""
from pathlib import Path

import pytest

from config.loader import DEFAULT_CONFIG, EXAMPLES, ConfigError, load_config, substitute_env


def test_default_config_has_the_special_zone_directory():
    cfg = load_config(DEFAULT_CONFIG)
    names = {u.name for u in cfg.directory.units}
    assert {"Phòng Văn hóa - Xã hội", "Công an đặc khu", "Văn phòng HĐND và UBND đặc khu"} <= names
    assert cfg.directory.standing_unit.name == "Phòng Văn hóa - Xã hội"
    every_target = [t for u in cfg.directory.units for t in u.targets] + list(cfg.directory.supervisors)
    assert every_target and all(t.startswith("outbox://") for t in every_target)
    assert cfg.policies.once.steps[0].offset == -7
    assert [s.cron for s in cfg.schedules] == ["0 16 * * *"]


def test_drill_config_matches_the_exercise(monkeypatch):
    monkeypatch.delenv("DRILL_SMTP_PORT", raising=False)
    cfg = load_config(EXAMPLES / "drill.toml")
    d = cfg.directory
    assert d.unit("vhxh").targets[0] == "zalo://111111:drilltoken/unit-chat"
    assert "port=2525" in d.unit("vhxh").targets[1] and "to=unit@drill.local" in d.unit("vhxh").targets[1]
    assert d.unit("cong-an-dk").targets == ("zalo://111111:drilltoken/police-chat",)
    assert d.official("phan-viet-dien").targets == ("zalo://111111:drilltoken/lead-chat",)
    assert d.supervisors[0] == "zalo://111111:drilltoken/bcd-chat"
    once = cfg.policies.once
    assert once.unit == "seconds" and [s.offset for s in once.steps] == [-40, -20, 0, 10, 20]
    assert once.steps[4].to == ("unit", "lead", "supervisors") and once.repeat_every == 30
    assert cfg.policies.recurring.cycle_seconds == 60
    assert cfg.policies.incident.window_seconds == 60
    assert cfg.calendar.enabled is False


def test_drill_smtp_port_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("DRILL_SMTP_PORT", "40025")
    cfg = load_config(EXAMPLES / "drill.toml")
    assert "port=40025" in cfg.directory.supervisors[1]


def test_substitution_with_defaults_and_missing():
    text, missing = substitute_env("a=${A}\nb=${B:-x}\nc=${C}\n# ${IGNORED}\n", {"A": "1"})
    assert text == "a=1\nb=x\nc=\n# ${IGNORED}\n"
    assert missing == ["C"]


def test_errors_are_named_by_key(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        """
standing_office = "nowhere"
[units.a]
targets = ["not a url", "zalo://${ZALO_TOKEN_FOR_TEST}/chat"]
lead_official = "ghost"
[policies.once]
unit = "fortnights"
steps = [{ offset = "seven" }, { offset = 1, to = ["boss"] }]
[reports.daily]
cron = "0 25 * * *"
[calendar]
days_off = ["2026-02-30"]
""",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as exc:
        load_config(bad, env={})
    text = "\n".join(exc.value.errors)
    for key in (
        "${ZALO_TOKEN_FOR_TEST}", "standing_office", "units.a.name", "units.a.targets[0]",
        "units.a.lead_official", "policies.once.unit", "policies.once.steps[0].offset",
        "policies.once.steps[1].to", "reports.daily.cron", "calendar.days_off[0]",
    ):
        assert key in text, key


def test_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="không đọc được"):
        load_config(tmp_path / "missing.toml")


@pytest.mark.parametrize("text, links, attempts, errors", [
    ("", dict(confirm=30, incident=7, report=90, extend=30), 4, []),
    ("[links]\nconfirm_days = 14\nreport_days = 30\n[delivery]\nattempts = 6\n",
     dict(confirm=14, incident=7, report=30, extend=30), 6, []),
    ("[links]\nconfirm_days = 0\n[delivery]\nattempts = 9\n", None, None,
     ["links.confirm_days", "delivery.attempts"]),
])
def test_link_lifetimes_and_delivery_attempts(tmp_path: Path, text, links, attempts, errors):
    base = (EXAMPLES / "drill.toml").read_text(encoding="utf-8")
    path = tmp_path / "c.toml"
    path.write_text(base + "\n" + text, encoding="utf-8")
    if errors:
        with pytest.raises(ConfigError) as err:
            load_config(path)
        assert [e.split(":")[0] for e in err.value.errors] == errors
        return
    cfg = load_config(path)
    assert {k: getattr(cfg.links, k) for k in links} == links and cfg.delivery_attempts == attempts
