"""The reminder-lag rounds of `dondoc bench`: for each N, three bursts of N reminders
due at one instant on the same server -- dondoc on warm workers, bare Temporal
(the yardstick), dondoc with its worker processes restarted just before (cold) --
their ratios, the CPU each part spent, and where the time went (bench/lag_breakdown.py).
"""
from __future__ import annotations


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b and b > 0 else None


def _cpu_ms(burst: dict, part: str) -> float:
    """CPU milliseconds per reminder that `part` of the stack spent over the burst."""
    return round(1000 * burst["cpu"]["cpu_s"][part] / max(burst["n"], 1), 1)


async def reminder_lags(stack, client, zalo, sizes: list[int], hint: float, figs, floor_target: str,
                        say=print) -> None:
    from bench import reminder_lag
    from bench.lag_breakdown import breakdown, public

    say("• reminder lag")
    for n in sizes:
        # Each burst's CPU meter starts before its due instant, once its workflows are started
        # (dondoc's: once they took their first steps), and stops when the last message is in.
        warm = await reminder_lag.measure(stack, client, zalo, n, hint, say=say)
        warm["cpu"] = warm.pop("_meter").stop()
        # The yardstick, same server, same run: how far the goal is from bare Temporal here.
        bare = await reminder_lag.measure_floor(client, floor_target, zalo, n, hint, say=say, stack=stack)
        bare["cpu"] = bare.pop("_meter").stop()
        cold = await reminder_lag.measure_cold(stack, client, zalo, n, hint, say=say)
        cold["cpu"] = cold.pop("_meter").stop()
        where = {"dondoc": await breakdown(client, warm), "bare": await breakdown(client, bare),
                 "cold": await breakdown(client, cold)}
        row = lag_row(n, warm, bare, cold, where)
        figs.lag_by_n.append(row)
        figs.add("reminder_lag_p99_s", n, warm["p99_s"],
                 {**public(warm), "bare_temporal": public(bare), "cold": public(cold), "where": where})
        for key, value in (("reminder_lag_ratio", row["ratio"]), ("reminder_lag_bare_p99_s", bare["p99_s"]),
                           ("reminder_lag_cold_p99_s", cold["p99_s"]), ("reminder_lag_cold_ratio", row["cold_ratio"])):
            figs.add(key, n, value)
        say(f"  N={n}: dondoc ÷ bare Temporal {row['ratio']}, cold ÷ bare {row['cold_ratio']}; "
            f"worker CPU {row['cpu_ms_per_reminder']['dondoc']} ms/reminder "
            f"(bare {row['cpu_ms_per_reminder']['bare']}, cold {row['cpu_ms_per_reminder']['cold']})")


def lag_row(n: int, warm: dict, bare: dict, cold: dict, where: dict) -> dict:
    """One N's figures, as `reminder_lag_by_n` shows them."""
    return {
        "n": n, "p50_s": warm["p50_s"], "p99_s": warm["p99_s"],
        "bare_p50_s": bare["p50_s"], "bare_p99_s": bare["p99_s"],
        "cold_p50_s": cold["p50_s"], "cold_p99_s": cold["p99_s"],
        "ratio": _ratio(warm["p99_s"], bare["p99_s"]), "cold_ratio": _ratio(cold["p99_s"], bare["p99_s"]),
        "missing": {"dondoc": warm["missing"], "bare": bare["missing"], "cold": cold["missing"]},
        "cpu_ms_per_reminder": {"dondoc": _cpu_ms(warm, "worker"), "bare": _cpu_ms(bare, "bare_worker"),
                                "cold": _cpu_ms(cold, "worker"),
                                "temporal_dondoc": _cpu_ms(warm, "temporal"), "temporal_bare": _cpu_ms(bare, "temporal")},
        "cold_restart_s": cold.get("restart_s"), "cold_due_after_restart_s": cold["started_ahead_s"],
        "where": where,
    }
