"""The command line through its real entry point (the venv's `dondoc` script)."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DONDOC = str(Path(sys.prefix) / "bin" / "dondoc")


def dondoc(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([DONDOC, *args], capture_output=True, text=True, cwd=ROOT, timeout=60, env=env)


def test_deadline_json_reads_every_form_in_order():
    phrases = ["Quý I/2026", "Tháng 06/2026", "31/12/2025", "Năm 2026",
               "Nhiệm vụ thường xuyên; định kỳ hằng tháng báo cáo kết quả", "Hằng năm",
               "Theo thời gian tại các Nghị quyết, Quyết định, Kế hoạch đã phê duyệt", "", "31/02/2026"]
    out = dondoc("deadline", "--json", *phrases)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert [g["raw"] for g in got] == phrases
    assert [(g["kind"], g["due"], g["every"]) for g in got] == [
        ("once", "2026-03-31", None),
        ("once", "2026-06-30", None),
        ("once", "2025-12-31", None),
        ("once", "2026-12-31", None),
        ("recurring", None, "month"),
        ("recurring", None, "year"),
        ("unknown", None, None),
        ("unknown", None, None),
        ("unknown", None, None),
    ]


def test_config_check_names_errors_and_exits_nonzero(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('standing_office = "x"\n[reports.daily]\ncron = "every day"\n', encoding="utf-8")
    out = dondoc("config", "check", str(bad))
    assert out.returncode == 1
    assert "reports.daily.cron" in out.stdout and "standing_office" in out.stdout
    ok = dondoc("config", "check")
    assert ok.returncode == 0 and "hợp lệ" in ok.stdout


def test_unknown_command_is_a_usage_error():
    out = dondoc("no-such-command")
    assert out.returncode == 2
