"""Logs: JSON lines with DONDOC_LOG_FORMAT=json, bound to the task they concern."""
import json

import structlog

from config.logging import configure_logging, get_logger


def test_json_lines_carry_the_task_and_unit(capsys):
    configure_logging("json")
    try:
        get_logger(task_id="task/x/9", unit="vhxh").info("delivery", step="before-3", status="sent")
        line = capsys.readouterr().err.strip().splitlines()[-1]
    finally:
        structlog.reset_defaults()
        configure_logging("console")
    data = json.loads(line)
    assert data["event"] == "delivery" and data["task_id"] == "task/x/9" and data["unit"] == "vhxh"
    assert data["level"] == "info" and data["timestamp"].endswith("Z")


def test_console_lines_are_readable(capsys):
    configure_logging("console")
    get_logger(task_id="task/x/9").warning("Nhiệm vụ quá hạn", days=3)
    err = capsys.readouterr().err
    assert "Nhiệm vụ quá hạn" in err and "task_id=task/x/9" in err and not err.lstrip().startswith("{")
