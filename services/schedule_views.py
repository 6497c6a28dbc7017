"""The report schedules as people read them: what each one sends, when it runs next
(Vietnam time), which of those days send nothing (weekends, holidays, configured days
off: domain/calendar.py) and, when the Temporal server answers, whether its Schedule
exists and is paused.

`next_runs` is the one computation of the next firings (croniter, in the schedule's
time zone): `./dondoc schedules` and the dashboard's Reports page both use it.
"""
from __future__ import annotations

import asyncio
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from croniter import croniter

from domain.calendar import VN_TZ, WorkingCalendar
from services.schedules import schedule_id

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
KIND_LABELS = {"daily": "Báo cáo hằng ngày", "weekly": "Báo cáo tuần",
               "period": "Tổng hợp quý vừa qua", "monthly": "Tổng hợp tháng vừa qua"}
_DAYS = {"*": "hằng ngày", "1-5": "từ thứ Hai đến thứ Sáu", "mon-fri": "từ thứ Hai đến thứ Sáu"}
_CLOCK = re.compile(r"^\d{1,2}$")


def next_runs(cron: str, time_zone: str, count: int, now: datetime | None = None) -> list[datetime]:
    """The next `count` firings of `cron` in `time_zone`, after `now` (default: now)."""
    tz = ZoneInfo(time_zone)
    start = (now or datetime.now(timezone.utc)).astimezone(tz)
    it = croniter(cron, start)
    return [it.get_next(datetime) for _ in range(count)]


def cron_words(cron: str) -> str:
    """"16:00 hằng ngày" for "0 16 * * *"; the expression itself when it says more than that."""
    parts = cron.split()
    if len(parts) == 5 and _CLOCK.match(parts[0]) and _CLOCK.match(parts[1]) and parts[2:4] == ["*", "*"]:
        days = _DAYS.get(parts[4].lower())
        if days:
            return f"{int(parts[1]):02d}:{int(parts[0]):02d} {days}"
    return f"theo lịch «{cron}»"


def skip_reason(cal: WorkingCalendar, day) -> str | None:
    """Why nothing is sent on `day` (a holiday's name, the weekend), or None on a working day."""
    if cal.is_working_day(day):
        return None
    return cal.holiday_name(day) or ("Cuối tuần" if day.weekday() >= 5 else "Ngày nghỉ")


def upcoming(config, count: int = 7, now: datetime | None = None) -> list[dict]:
    """Each configured schedule with its next `count` runs (Vietnam time), each run
    marked with why it sends nothing when it does not."""
    cal = WorkingCalendar(config.calendar)
    out = []
    for s in config.schedules:
        runs = []
        for at in next_runs(s.cron, s.time_zone, count, now):
            local = at.astimezone(VN_TZ)
            reason = skip_reason(cal, local.date()) if s.working_days_only else None
            runs.append({"at": at, "text": f"{local:%d/%m/%Y %H:%M}", "weekday": WEEKDAYS[local.weekday()],
                         "skipped": reason})
        out.append({"key": s.id, "schedule_id": schedule_id(s.id), "title": KIND_LABELS.get(s.kind, "Báo cáo"),
                    "when": cron_words(s.cron), "working_days_only": s.working_days_only,
                    "time_zone": s.time_zone, "runs": runs})
    return out


async def server_states(client, schedule_ids: list[str], timeout: float = 4.0) -> dict[str, dict] | None:
    """{schedule id: {"exists", "paused", "last"}} as the Temporal server has them, or
    None when it cannot be asked (no client, no answer within `timeout` seconds)."""
    if client is None:
        return None
    try:
        return await asyncio.wait_for(_describe_all(client, schedule_ids), timeout)
    except Exception:  # noqa: BLE001 - unreachable or refusing: the page says so and goes on
        return None


async def _describe_all(client, schedule_ids: list[str]) -> dict[str, dict]:
    from temporalio.service import RPCError, RPCStatusCode

    out = {}
    for sid in schedule_ids:
        try:
            desc = await client.get_schedule_handle(sid).describe()
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            out[sid] = {"exists": False, "paused": False, "last": None}
            continue
        recent = desc.info.recent_actions
        out[sid] = {"exists": True, "paused": bool(desc.schedule.state.paused),
                    "last": recent[-1].scheduled_at if recent else None}
    return out
