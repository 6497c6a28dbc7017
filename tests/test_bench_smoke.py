"""`dondoc bench` runs end to end with tiny N and prints every key the issues name.

The benchmark itself is not part of the suite (it takes minutes); this only checks
that its whole path works: a fresh embedded stack in a temporary folder with two
worker processes, real starts, real reminders delivered over HTTP to the FakeZalo
(dondoc warm, bare Temporal, dondoc after its workers were restarted), the workers'
RSS, a year of history on the time-skipping server, the report and the dry-run import.
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
FIGURES = {"start_rate_ratio", "reminder_lag_p99_s", "worker_rss_mb", "report_seconds",
           "history_events_per_year", "import_rows_per_s",
           # issue 17: the lag against bare Temporal in the same run, and after a restart
           "reminder_lag_ratio", "reminder_lag_bare_p99_s", "reminder_lag_cold_p99_s", "reminder_lag_cold_ratio"}
INFO = {"machine", "n", "workers", "database", "reminder_lag_by_n"}


def test_bench_runs_with_tiny_n_and_prints_every_key():
    proc = subprocess.run([DONDOC, "bench", "--json", "--details", "--workers", "2", "--sizes", json.dumps(TINY)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    details = out.pop("details")  # asked for: the measurements behind the figures
    assert FIGURES | INFO == set(out), "exactly the issues' keys, plus what ran and the lag per N"
    # The bare-Temporal yardstick for the reminder lag ran in the same run, and arrived.
    floor = details["reminder_lag_p99_s"][0]["bare_temporal"]
    assert floor["n"] == 10 and floor["missing"] == 0 and 0 <= floor["p99_s"] < 60
    for key in FIGURES:
        assert isinstance(out[key], (int, float)) and out[key] > 0, (key, out[key])
    assert out["workers"] == 2 and out["database"] == "sqlite"
    assert out["machine"]["cores"] >= 1 and out["machine"]["memory_gib"] > 0
    assert out["n"] == {"starts": 20, "reminders": 10, "open_workflows": out["n"]["open_workflows"],
                        "report_tasks": 100, "history_months": 1, "import_rows": 100}
    assert out["n"]["open_workflows"] >= 30
    assert out["reminder_lag_p99_s"] < 60, "every reminder arrived (a missing one counts the whole wait)"
    # The ratio is the one of this run's two p99s.
    assert out["reminder_lag_ratio"] == round(out["reminder_lag_p99_s"] / out["reminder_lag_bare_p99_s"], 2)
    assert out["reminder_lag_cold_ratio"] == round(out["reminder_lag_cold_p99_s"] / out["reminder_lag_bare_p99_s"], 2)
    (row,) = out["reminder_lag_by_n"]
    assert row["n"] == 10 and row["missing"] == {"dondoc": 0, "bare": 0, "cold": 0}
    assert row["cold_due_after_restart_s"] > 0, "the cold burst fell due after the new workers polled"
    # Where the time went: every reminder of the sample has its timer fired and picked up.
    for side in ("dondoc", "bare", "cold"):
        where = row["where"][side]
        assert where["sampled"] == 10 and {"timer_s", "to_worker_s", "worker_to_send_s"} <= set(where), where
        assert sum(where["per_process"]) == 10 and len(where["per_process"]) <= 2, where
    # All the worker's processes: a supervisor and two workers.
    assert len(details["worker_rss_mb"][0]["per_process_mb"]) == 3
