"""`./dondoc schedules [--json] [--count N]`: the report schedules of the configuration:
in words (what each sends, when, its next runs in Vietnam time, the days that send
nothing and why), or with --json each one's id, cron, time zone and next run times
(croniter, in that zone).

Non-working days are marked: a schedule with `working_days_only` fires then but sends
nothing (the report workflow checks the Vietnamese working calendar).
"""
from __future__ import annotations

import sys
from datetime import datetime

from cli.common import config_for, print_json, settings_for
from domain.calendar import WorkingCalendar
from services.schedule_views import next_runs, upcoming


def describe(config, count: int = 5, now: datetime | None = None) -> list[dict]:
    from services.schedules import schedule_id

    cal = WorkingCalendar(config.calendar)
    out = []
    for s in config.schedules:
        runs = next_runs(s.cron, s.time_zone, count, now)
        out.append({
            "id": s.id,
            "schedule_id": schedule_id(s.id),
            "cron": s.cron,
            "time_zone": s.time_zone,
            "kind": s.kind,
            "working_days_only": s.working_days_only,
            "next_runs": [r.isoformat() for r in runs],
            "next_sends": [r.isoformat() for r in runs if not s.working_days_only or cal.is_working_day(r.date())],
        })
    return out


def register(sub) -> None:
    p = sub.add_parser("schedules", help="lịch gửi báo cáo (cron, múi giờ, các lần chạy tới)")
    p.add_argument("--json", action="store_true", help="in JSON")
    p.add_argument("--count", type=int, default=5, help="số lần chạy tới cần liệt kê (mặc định 5)")
    p.set_defaults(func=cmd_schedules)


def cmd_schedules(args) -> int:
    settings_for(args)
    config = config_for(args)
    items = describe(config, max(args.count, 1))
    if args.json:
        print_json(items)
        return 0
    if not items:
        sys.stdout.write("Cấu hình không có lịch báo cáo nào ([reports.<id>]).\n")
    for it in upcoming(config, max(args.count, 1)):
        zone = "giờ Việt Nam" if it["time_zone"] == "Asia/Ho_Chi_Minh" else f"múi giờ {it['time_zone']}"
        only = ", chỉ gửi ngày làm việc" if it["working_days_only"] else ""
        sys.stdout.write(f"{it['title']}: {it['when']}{only} ({zone}). Các lần chạy tới:\n")
        for r in it["runs"]:
            mark = f"  ({r['skipped']}: không gửi)" if r["skipped"] else ""
            sys.stdout.write(f"    {r['weekday']:<9} {r['text']}{mark}\n")
    return 0
