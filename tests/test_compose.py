"""docker-compose.yml cannot run here (no Docker engine); check its wiring instead."""
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
NEEDED = {"DONDOC_DATABASE_URL", "DONDOC_TEMPORAL_ADDRESS", "DONDOC_PUBLIC_URL", "DONDOC_SECRET_KEY", "DONDOC_CONFIG"}


def load():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_and_images():
    services = load()["services"]
    assert {"postgresql", "temporal", "temporal-ui", "dondoc-worker", "dondoc-web", "dondoc-migrate"} <= set(services)
    assert services["postgresql"]["image"].startswith("postgres:")
    assert services["temporal"]["image"].startswith("temporalio/auto-setup")
    assert services["temporal-ui"]["image"].startswith("temporalio/ui")
    for name in ("dondoc-worker", "dondoc-web", "dondoc-migrate"):
        assert services[name]["build"] == "."
    assert (ROOT / "Dockerfile").exists()


def test_temporal_runs_on_postgresql():
    s = load()["services"]
    env = s["temporal"]["environment"]
    assert env["DB"].startswith("postgres") and env["POSTGRES_SEEDS"] == "postgresql"
    assert "postgresql" in s["temporal"]["depends_on"]
    assert s["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == "temporal:7233"


def test_dondoc_services_get_every_variable_they_need():
    s = load()["services"]
    for name in ("dondoc-worker", "dondoc-web", "dondoc-migrate"):
        env = s[name]["environment"]
        assert NEEDED <= set(env), name
        assert env["DONDOC_TEMPORAL_ADDRESS"] == "temporal:7233"
        assert "@postgresql:5432/" in env["DONDOC_DATABASE_URL"]
    assert s["dondoc-worker"]["command"] == ["worker"]
    assert s["dondoc-web"]["command"][0] == "web"
    assert s["dondoc-migrate"]["command"] == ["migrate"]


def test_no_secret_is_written_in_the_file():
    text = (ROOT / "docker-compose.yml").read_text()
    for line in text.splitlines():
        if re.search(r"(PASSWORD|SECRET|TOKEN)\w*:\s*\S", line):
            assert "${" in line, line


def test_the_commands_the_compose_file_runs_exist():
    from cli.main import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert {"worker", "web", "migrate"} <= set(sub.choices)


def test_temporal_and_its_ui_listen_on_loopback_only():
    services = load()["services"]
    for name in ("temporal", "temporal-ui"):
        ports = services[name]["ports"]
        assert ports and all(str(p).startswith("127.0.0.1:") for p in ports), (name, ports)
