"""`dondoc bench [--quick] [--json]`: the engine measured against bare Temporal, in one run.

A fresh embedded stack in a temporary folder (bench/stack.py: its own Temporal dev
server, SQLite store, worker process, and a FakeZalo so deliveries are real HTTP),
then six figures:

  start_rate_ratio         task workflows started/s through the import ÷ trivial ones/s
  reminder_lag_p99_s       N reminders due at one instant: p99 of receipt − due
  worker_rss_mb            the worker process's RSS with N open task workflows
  report_seconds           the daily report built and rendered over N tasks
  history_events_per_year  events in the largest run of a monthly task over a year
  import_rows_per_s        dry-run import of a generated N-row table

Figures that compare are ratios taken in one run (shared, noisy machines). The full
mode measures each figure at two or three sizes and says how it grows with N
(`scaling`: the points and the exponent k of value ∝ N^k between the ends).
"""
from __future__ import annotations

import asyncio
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

from cli.common import print_json

QUICK = {"starts": [1000], "lag": [500], "rss_open": [2000], "report_tasks": [10000],
         "import_rows": [5000], "history_months": [12]}
FULL = {"starts": [1000, 2000], "lag": [500, 1000], "rss_open": [3000, 5000],
        "report_tasks": [10000, 50000], "import_rows": [5000, 20000], "history_months": [12, 24]}
GOALS = {"start_rate_ratio": (">=", 0.5), "reminder_lag_p99_s": ("<=", 5), "worker_rss_mb": ("<=", 300),
         "report_seconds": ("<=", 2), "history_events_per_year": ("<=", 300), "import_rows_per_s": (None, None)}
KEYS = list(GOALS)
FLOOR_TARGET = "zalo://111111:benchtoken/floor"  # the bare-Temporal yardstick's chat


def register(sub) -> None:
    p = sub.add_parser("bench", help="đo hiệu năng trên một hệ thống mới trong thư mục tạm")
    p.add_argument("--quick", action="store_true", help="cỡ nhỏ, dưới 5 phút trên 2 nhân")
    p.add_argument("--json", action="store_true", help="in JSON (tiến trình ra stderr)")
    p.add_argument("--sizes", help=argparse_help_sizes())
    p.add_argument("--keep", action="store_true", help="giữ thư mục tạm (nhật ký Temporal, worker)")
    p.add_argument("--details", action="store_true", help="thêm khóa 'details' (số đo chi tiết) vào JSON")
    p.set_defaults(func=run)


def argparse_help_sizes() -> str:
    return ("ghi đè cỡ N, JSON, ví dụ '{\"starts\":[50],\"lag\":[20],\"rss_open\":[60],"
            "\"report_tasks\":[200],\"import_rows\":[200],\"history_months\":[1]}' (kiểm thử khói)")


def run(args) -> int:
    sizes = dict(QUICK if args.quick else FULL)
    if args.sizes:
        sizes.update(json.loads(args.sizes))
    out = sys.stderr if args.json else sys.stdout
    t0 = time.monotonic()
    say = lambda msg: print(f"[{time.monotonic() - t0:6.1f}s] {msg}", file=out, flush=True)  # noqa: E731
    if args.json:
        # Temporal's core logs its warnings to file descriptor 1: keep stdout for the JSON.
        sys.stdout.flush()
        real_stdout = os.dup(1)
        os.dup2(2, 1)
    result, details, seconds = asyncio.run(bench(sizes, say=say, keep=args.keep))
    if args.json:
        sys.stdout.flush()
        os.dup2(real_stdout, 1)
        print_json({**result, "details": details} if args.details else result)
    else:
        print_table(result, details, seconds)
    return 0


class Figures:
    """Each figure's points ({"n", "value"}, smallest N first) and the measurements behind them."""

    def __init__(self) -> None:
        self.points: dict[str, list[dict]] = {k: [] for k in KEYS}
        self.details: dict[str, list[dict]] = {k: [] for k in KEYS}

    def add(self, key: str, n: int, value, detail: dict) -> None:
        self.points[key].append({"n": n, "value": value})
        self.details[key].append(detail)


async def bench(sizes: dict, say=print, keep: bool = False) -> tuple[dict, dict, float]:
    """(the figures the issue names, the detailed measurements, seconds taken)."""
    from bench.stack import fake_zalo, machine

    t_all = time.perf_counter()
    info = machine()
    full = any(len(v) > 1 for v in sizes.values())
    say(f"dondoc bench ({'full' if full else 'quick'}) on {info['cores']} cores, {info['memory_gib']} GiB; "
        f"load {info['load_avg_1m']}")
    figs = Figures()
    zalo = fake_zalo()
    zalo.start()
    config = await on_stack(sizes, zalo, figs, say=say, keep=keep)
    await history_figures(config, zalo, sizes["history_months"], figs, say=say)
    await offline_figures(sizes, figs, say=say)
    result = summary(figs.points, info, full)
    seconds = round(time.perf_counter() - t_all, 1)
    say(f"bench done in {seconds} s")
    return result, figs.details, seconds


async def on_stack(sizes: dict, zalo, figs: Figures, say=print, keep: bool = False):
    """Start rate, worker memory and reminder lag on a fresh embedded stack; its config."""
    from bench.stack import BenchStack

    tmp = tempfile.mkdtemp(prefix="dondoc-bench-")
    stack = BenchStack(Path(tmp), zalo.url, say=say)
    try:
        stack.start()
        client = await stack.client()
        await stack.wait_pollers(client)
        idle_rss = stack.worker_rss_mb()
        say(f"  worker RSS idle: {idle_rss:.1f} MiB")
        hint = await start_rates(stack, client, sizes["starts"], figs, say=say)
        await worker_memory(stack, client, sizes["rss_open"], idle_rss, figs, say=say)
        await reminder_lags(stack, client, zalo, sizes["lag"], hint, figs, say=say)
        return stack.config
    finally:
        stack.stop()
        if not keep:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
        else:
            say(f"  kept: {tmp}")


async def start_rates(stack, client, sizes: list[int], figs: Figures, say=print) -> float:
    """The start-rate rounds; the last task starts/s (the reminder lag's hint)."""
    from bench import start_rate
    from bench.stack import CpuMeter

    say("• start rate")
    hint = 20.0
    for i, n in enumerate(sizes):
        meter = CpuMeter(stack).start()
        d = await start_rate.measure(stack, client, n, f"bench-start-{i}", say=say)
        d["cpu"] = meter.stop()
        figs.add("start_rate_ratio", n, d["ratio"], d)
        hint = d["task_per_s"]
    return hint


async def worker_memory(stack, client, sizes: list[int], idle_rss: float, figs: Figures, say=print) -> None:
    from bench import worker_rss
    from bench.stack import CpuMeter

    say("• worker memory")
    for i, n in enumerate(sizes):
        meter = CpuMeter(stack).start()
        d = await worker_rss.measure(stack, client, n, f"bench-rss-{i}", say=say)
        d["cpu"] = meter.stop()
        figs.add("worker_rss_mb", d["open"], d["rss_mb"], {**d, "idle_mb": round(idle_rss, 1)})


async def reminder_lags(stack, client, zalo, sizes: list[int], hint: float, figs: Figures, say=print) -> None:
    from bench import reminder_lag
    from bench.stack import CpuMeter

    say("• reminder lag")
    for n in sizes:
        meter = CpuMeter(stack).start()
        d = await reminder_lag.measure(stack, client, zalo, n, hint, say=say)
        d["cpu"] = meter.stop()
        # The yardstick, same server, same run: how far the goal is from bare Temporal here.
        meter = CpuMeter(stack).start()
        d["bare_temporal"] = await reminder_lag.measure_floor(client, FLOOR_TARGET, zalo, n, hint, say=say)
        d["bare_temporal"]["cpu"] = meter.stop()
        figs.add("reminder_lag_p99_s", n, d["p99_s"], d)


async def history_figures(config, zalo, months_list: list[int], figs: Figures, say=print) -> None:
    """A year (or more) of a monthly task on the time-skipping server; stops the FakeZalo after."""
    from bench import history

    say("• history")
    try:
        for months in months_list:
            d = await history.measure(config, zalo.url, months, say=say)
            figs.add("history_events_per_year", months, d["largest_run_events"], d)
    finally:
        zalo.stop()


async def offline_figures(sizes: dict, figs: Figures, say=print) -> None:
    """The daily report and the dry-run import: no stack, no server."""
    from bench import import_bench, report_bench

    say("• daily report")
    for n in sizes["report_tasks"]:
        d = await asyncio.to_thread(report_bench.run, n)
        figs.add("report_seconds", n, d["seconds"], d)
        say(f"  {n} tasks: {d['seconds']} s")

    say("• dry-run import")
    for n in sizes["import_rows"]:
        d = await asyncio.to_thread(import_bench.run, n)
        figs.add("import_rows_per_s", n, d["rows_per_s"], d)
        say(f"  {n} rows: {d['rows_per_s']} rows/s")


def summary(points: dict[str, list[dict]], info: dict, full: bool) -> dict:
    """The printed figures: each one's value at its smallest N, the machine, the Ns."""
    # The headline figure is the one at the smallest N measured (the quick sizes, where
    # the goals are stated; the full mode's worker memory starts at the workflows its
    # start-rate rounds left open); the larger sizes show how it grows.
    # (An empty list of sizes skips a figure: a developer's shortcut; it is then null.)
    result: dict = {k: points[k][0]["value"] if points[k] else None for k in KEYS}
    result["machine"] = info
    first = lambda key: points[key][0]["n"] if points[key] else None  # noqa: E731
    result["n"] = {
        "starts": first("start_rate_ratio"), "reminders": first("reminder_lag_p99_s"),
        "open_workflows": first("worker_rss_mb"), "report_tasks": first("report_seconds"),
        "history_months": first("history_events_per_year"), "import_rows": first("import_rows_per_s"),
    }
    if full:
        result["scaling"] = {k: {"points": points[k], "exponent": exponent(points[k])} for k in KEYS}
    return result


def exponent(points: list[dict]) -> float | None:
    """k in value ∝ N^k between the smallest and the largest N (1 = linear, 0 = flat)."""
    if len(points) < 2:
        return None
    a, b = points[0], points[-1]
    if a["n"] <= 0 or b["n"] == a["n"] or a["value"] <= 0 or b["value"] <= 0:
        return None
    return round(math.log(b["value"] / a["value"]) / math.log(b["n"] / a["n"]), 2)


def verdict(key: str, value) -> str:
    op, goal = GOALS[key]
    if op is None or value is None:
        return ""
    ok = value >= goal if op == ">=" else value <= goal
    return f"{'đạt' if ok else 'CHƯA ĐẠT'} (mục tiêu {op} {goal})"


def print_table(result: dict, details: dict, seconds: float) -> None:
    m = result["machine"]
    print(f"\nHiệu năng dondoc — {m['cores']} nhân, {m['memory_gib']} GiB, {m['cpu']}, Python {m['python']} "
          f"(tải lúc bắt đầu {m['load_avg_1m']}); {seconds} s")
    labels = {
        "start_rate_ratio": "Tốc độ khởi động (nhập ÷ quy trình rỗng)",
        "reminder_lag_p99_s": "Độ trễ nhắc việc p99 (s)",
        "worker_rss_mb": "Bộ nhớ worker (MiB)",
        "report_seconds": "Báo cáo ngày (s)",
        "history_events_per_year": "Sự kiện lớn nhất / lượt chạy (1 năm)",
        "import_rows_per_s": "Đọc bảng nhập thử (dòng/s)",
    }
    n = result["n"]
    sizes = {"start_rate_ratio": n["starts"], "reminder_lag_p99_s": n["reminders"],
             "worker_rss_mb": n["open_workflows"], "report_seconds": n["report_tasks"],
             "history_events_per_year": n["history_months"], "import_rows_per_s": n["import_rows"]}
    print(f"{'':44} {'N':>7} {'giá trị':>10}  ")
    for key in KEYS:
        print(f"{labels[key]:44} {sizes[key]:>7} {result[key]:>10}  {verdict(key, result[key])}")
        floor = (details.get(key) or [{}])[0].get("bare_temporal")
        if floor:
            print(f"{'  cùng đợt, Temporal trần (p99, s)':44} {floor['n']:>7} {floor['p99_s']:>10}  "
                  f"dondoc ÷ trần = {round(result[key] / floor['p99_s'], 2) if floor['p99_s'] else '-'}")
    for key, rows in details.items():
        for d in rows:
            print(f"    {key}: " + ", ".join(f"{k}={v}" for k, v in d.items() if k != "events_per_closed_run"))
    if "scaling" in result:
        print("\nTheo N (giá trị ∝ N^k):")
        for key in KEYS:
            s = result["scaling"][key]
            pts = "  ".join(f"N={p['n']}: {p['value']}" for p in s["points"])
            print(f"  {key:26} k={s['exponent']}   {pts}")
