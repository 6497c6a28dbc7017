"""`dondoc bench [--quick] [--json] [--workers N] [--database-url URL]`: the engine
measured against bare Temporal, in one run (bench/suite.py says what is measured).

`--workers N` runs N worker processes, as `dondoc up --workers N` does (default: the
same as `up`'s, DONDOC_WORKERS or one per core, at most 4); the bare-Temporal
yardstick runs as many. `--database-url` benches on a PostgreSQL (a schema of the
bench's own, dropped afterwards); without it, a fresh SQLite file.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
import time

from cli.common import print_json
from cli.worker_cmd import workers_from


def register(sub) -> None:
    p = sub.add_parser("bench", help="đo hiệu năng trên một hệ thống mới trong thư mục tạm")
    p.add_argument("--quick", action="store_true", help="cỡ nhỏ, vài phút trên 2 nhân")
    p.add_argument("--json", action="store_true", help="in JSON (tiến trình ra stderr)")
    p.add_argument("--sizes", help=argparse_help_sizes())
    p.add_argument("--workers", type=int, metavar="N",
                   help="số tiến trình worker (mặc định như 'dondoc up': DONDOC_WORKERS, hoặc một mỗi nhân, tối đa 4)")
    p.add_argument("--database-url", metavar="URL",
                   help="đo trên PostgreSQL này (postgresql+psycopg://...), trong một schema riêng, xóa khi xong")
    p.add_argument("--keep", action="store_true", help="giữ thư mục tạm (nhật ký Temporal, worker)")
    p.add_argument("--details", action="store_true", help="thêm khóa 'details' (số đo chi tiết) vào JSON")
    p.set_defaults(func=run)


def argparse_help_sizes() -> str:
    return ("ghi đè cỡ N, JSON, ví dụ '{\"starts\":[50],\"lag\":[20],\"rss_open\":[60],"
            "\"report_tasks\":[200],\"import_rows\":[200],\"history_months\":[1]}' (kiểm thử khói)")


def run(args) -> int:
    from bench.suite import FULL, QUICK, bench

    sizes = dict(QUICK if args.quick else FULL)
    if args.sizes:
        sizes.update(json.loads(args.sizes))
    workers = workers_from(args)
    out = sys.stderr if args.json else sys.stdout
    t0 = time.monotonic()
    say = lambda msg: print(f"[{time.monotonic() - t0:6.1f}s] {msg}", file=out, flush=True)  # noqa: E731
    if args.json:
        # Temporal's core logs its warnings to file descriptor 1: keep stdout for the JSON.
        sys.stdout.flush()
        real_stdout = os.dup(1)
        os.dup2(2, 1)
    result, details, seconds = asyncio.run(bench(sizes, say=say, keep=args.keep, workers=workers,
                                                 database_url=args.database_url))
    if args.json:
        sys.stdout.flush()
        os.dup2(real_stdout, 1)
        print_json({**result, "details": details} if args.details else result)
    else:
        print_table(result, details, seconds)
    return 0


def verdict(key: str, value) -> str:
    from bench.suite import GOALS

    op, goal = GOALS[key]
    if op is None or value is None:
        return ""
    ok = value >= goal if op == ">=" else value <= goal
    return f"{'đạt' if ok else 'CHƯA ĐẠT'} (mục tiêu {op} {goal})"


LABELS = {
    "start_rate_ratio": "Tốc độ khởi động (nhập ÷ quy trình rỗng)",
    "reminder_lag_p99_s": "Độ trễ nhắc việc p99 (s)",
    "worker_rss_mb": "Bộ nhớ các tiến trình worker (MiB)",
    "report_seconds": "Báo cáo ngày (s)",
    "history_events_per_year": "Sự kiện lớn nhất / lượt chạy (1 năm)",
    "import_rows_per_s": "Đọc bảng nhập thử (dòng/s)",
    "reminder_lag_ratio": "  độ trễ ÷ Temporal trần (cùng đợt)",
    "reminder_lag_bare_p99_s": "  Temporal trần, cùng đợt, p99 (s)",
    "reminder_lag_cold_p99_s": "  sau khi khởi động lại worker, p99 (s)",
    "reminder_lag_cold_ratio": "  khởi động lại ÷ Temporal trần",
}


def print_table(result: dict, details: dict, seconds: float) -> None:
    from bench.suite import KEYS

    m = result["machine"]
    print(f"\nHiệu năng dondoc — {m['cores']} nhân, {m['memory_gib']} GiB, {m['cpu']}, Python {m['python']} "
          f"(tải lúc bắt đầu {m['load_avg_1m']}); {result['workers']} tiến trình worker, "
          f"CSDL {result['database']}; {seconds} s")
    n = result["n"]
    sizes = {"start_rate_ratio": n["starts"], "worker_rss_mb": n["open_workflows"],
             "report_seconds": n["report_tasks"], "history_events_per_year": n["history_months"],
             "import_rows_per_s": n["import_rows"]}
    print(f"{'':44} {'N':>7} {'giá trị':>10}  ")
    for key in KEYS:
        print(f"{LABELS[key]:44} {str(sizes.get(key, n['reminders'])):>7} {str(result[key]):>10}  "
              f"{verdict(key, result[key])}")
    print_lag_story(result.get("reminder_lag_by_n") or [])
    for key, rows in details.items():
        for d in rows:
            print(f"    {key}: " + ", ".join(f"{k}={v}" for k, v in d.items()
                                         if k not in ("events_per_closed_run", "where")))
    if "scaling" in result:
        print("\nTheo N (giá trị ∝ N^k):")
        for key in KEYS:
            s = result["scaling"][key]
            pts = "  ".join(f"N={p['n']}: {p['value']}" for p in s["points"])
            print(f"  {key:26} k={s['exponent']}   {pts}")


def print_lag_story(rows: list[dict]) -> None:
    """Each N: dondoc, bare Temporal and cold side by side, and where the time went."""
    if not rows:
        return
    print("\nĐộ trễ nhắc việc theo N (p99, s) và thời gian đi đâu (p50/p99, s; mẫu lịch sử):")
    for r in rows:
        cpu = r["cpu_ms_per_reminder"]
        print(f"  N={r['n']}: dondoc {r['p99_s']}, Temporal trần {r['bare_p99_s']} (÷ {r['ratio']}), "
              f"khởi động lại {r['cold_p99_s']} (÷ {r['cold_ratio']}); CPU worker ms/nhắc: dondoc {cpu['dondoc']}, "
              f"trần {cpu['bare']}, khởi động lại {cpu['cold']}; Temporal {cpu['temporal_dondoc']} / {cpu['temporal_bare']}")
        for side, label in (("dondoc", "dondoc"), ("bare", "trần"), ("cold", "khởi động lại")):
            w = r["where"][side]
            stages = ", ".join(f"{k}={v['p50']}/{v['p99']}" for k, v in w.items() if isinstance(v, dict))
            print(f"      {label:14} {stages}; quá hạn tác vụ (WorkflowTaskTimedOut) {w['task_timeouts']}, "
                  f"trong đó hàng đợi dính {w['sticky_timeouts']}, ở {w['with_timeouts']}/{w['sampled']} quy trình; "
                  f"tác vụ lỗi {w['task_failures']}; chưa được nhận {w['not_picked']}, chưa tới {w['not_arrived']}; "
                  f"chia cho các tiến trình {w['per_process']}")
