"""`dondoc bench` runs end to end with tiny N and prints every key the issue names.

The benchmark itself is not part of the suite (it takes minutes); this only checks
that its whole path works: a fresh embedded stack in a temporary folder, real starts,
a real reminder delivered over HTTP to the FakeZalo, the worker's RSS, a year of
history on the time-skipping server, the report and the dry-run import.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DONDOC = str(Path(sys.prefix) / "bin" / "dondoc")
TINY = {"starts": [20], "lag": [10], "rss_open": [30], "report_tasks": [100], "import_rows": [100],
        "history_months": [1]}
KEYS = {"start_rate_ratio", "reminder_lag_p99_s", "worker_rss_mb", "report_seconds",
        "history_events_per_year", "import_rows_per_s"}


def test_bench_runs_with_tiny_n_and_prints_every_key():
    proc = subprocess.run([DONDOC, "bench", "--json", "--details", "--sizes", json.dumps(TINY)], cwd=ROOT,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    details = out.pop("details")  # asked for: the measurements behind the figures
    assert KEYS <= set(out) and {"machine", "n"} <= set(out)
    assert set(out) - KEYS <= {"machine", "n"}, "exactly the issue's keys, plus machine and n"
    # The bare-Temporal yardstick for the reminder lag ran in the same run, and arrived.
    floor = details["reminder_lag_p99_s"][0]["bare_temporal"]
    assert floor["n"] == 10 and floor["missing"] == 0 and 0 <= floor["p99_s"] < 60
    for key in KEYS:
        assert isinstance(out[key], (int, float)) and out[key] > 0, (key, out[key])
    assert out["machine"]["cores"] >= 1 and out["machine"]["memory_gib"] > 0
    assert out["n"] == {"starts": 20, "reminders": 10, "open_workflows": out["n"]["open_workflows"],
                        "report_tasks": 100, "history_months": 1, "import_rows": 100}
    assert out["n"]["open_workflows"] >= 30
    assert out["reminder_lag_p99_s"] < 60, "every reminder arrived (a missing one counts the whole wait)"
