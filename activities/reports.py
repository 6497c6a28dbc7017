"""Reports as activities: compute (store/report_loading.py, domain/report.py), render
(notifiers/report_pages.py), archive, link.

What the report workflow (workflows/report.py) asks of the world, as activities of
`ReportActivities(settings, config)`:

* ``report_is_working_day(as_of)``  -- whether the schedule should send anything today
  (weekends, Vietnamese holidays and configured days off send nothing);
* ``build_report(ReportRequest) -> BuiltReport`` -- compute the report as of the given
  instant, render the full page and the short (Zalo) text, archive a `Report` row
  (idempotent: the same kind and instant give the same row on a retried activity) and
  return its id, the signed link to its page, what the messages need and who receives
  them (domain.recipients' supervisors: the group and each registered supervisor).

Sending is the delivery activity's (activities/deliver.py): the workflow asks it once
per recipient and channel group with the `report_daily` / `report_period` message kinds.

A report's link works `config.links.report` days (`[links]` in the configuration);
the functions here that make it take that number of days as a parameter.
"""
from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from temporalio import activity

from contracts.reports import BuiltReport, RecipientInfo, ReportRequest
from domain.calendar import VN_TZ
from store.links import issue as issue_link
from store.links import issue_in
from domain.recipients import SUPERVISORS_KEY, channel_group, resolve
from domain.report import local_day
from notifiers.report_pages import message_kind, render_page, report_context, report_title, short_text
from store.db import session_scope
from store.models import Report
from store.people_channels import people_directory
from store.report_loading import calendar_of, daily_data, period_data

REPORT_KINDS = ("daily", "weekly", "period", "monthly")


# -- links -----------------------------------------------------------------------

def report_subject(report_id: int) -> str:
    return f"report/{report_id}"


def link_expiry(as_of: datetime, days: int, created_at: datetime | None = None) -> datetime:
    """`days` after the report was made (or its moment, if later), in whole seconds
    (the token stores seconds) so every maker of this link makes the same one."""
    base = as_of.astimezone(timezone.utc)
    if created_at is not None:
        base = max(base, created_at.astimezone(timezone.utc))
    return (base + timedelta(days=days)).replace(microsecond=0)


def report_cycle(as_of: datetime) -> str:
    return as_of.astimezone(VN_TZ).date().isoformat()


def report_link(settings, report_id: int, as_of: datetime, days: int, created_at: datetime | None = None,
                recipient: str = SUPERVISORS_KEY, session=None) -> str:
    """The signed link to one report's page (`/r/{token}`), working `days` days: the
    link the archived short text carries."""
    args = (settings.link_key, settings.public_url, report_subject(report_id), report_cycle(as_of), recipient,
            "report", link_expiry(as_of, days, created_at))
    if session is not None:  # inside the archive's own transaction (a second writer would wait on it)
        return issue_in(session, *args)
    return issue_link(settings.database_url, *args)


# -- archiving -------------------------------------------------------------------

def archive(database_url: str, kind: str, as_of: datetime, data: dict[str, Any], *, settings=None,
            link_days: int | None = None, link_recipient: str = SUPERVISORS_KEY) -> tuple[int, str, str]:
    """Write (or find, for the same kind and instant) the Report row; (id, url, short text).
    A report made again for the same moment (a retried activity, a second --send) is
    recomputed into the same row, and keeps its link. Without settings there is no link
    (the secret key and public address make it); with them, `link_days` is its lifetime."""
    if settings is not None and link_days is None:
        raise ValueError("archive: a link needs its lifetime (link_days)")
    as_of = as_of.astimezone(timezone.utc)
    with session_scope(database_url) as s:
        row = s.execute(select(Report).where(Report.kind == kind, Report.as_of == as_of)).scalar()
        if row is None:
            row = Report(kind=kind, as_of=as_of, data=data)
            s.add(row)
            s.flush()
        url = (report_link(settings, row.id, as_of, link_days, row.created_at, link_recipient, session=s)
               if settings is not None else "")
        row.data = data
        row.short_text = short_text(data, url)
        row.html = render_page(data, row.id)
        return row.id, url, row.short_text


def build_and_archive(settings, config, kind: str, as_of: datetime, period: str | None = None, *,
                      link_days: int) -> dict[str, Any]:
    data = compute(settings.database_url, config, kind, as_of, period)
    report_id, url, short = archive(settings.database_url, kind, as_of, data, settings=settings,
                                    link_days=link_days)
    with session_scope(settings.database_url) as s:
        created_at = s.get(Report, report_id).created_at
    return {"id": report_id, "url": url, "short_text": short, "data": data,
            "link_expires_at": link_expiry(as_of, link_days, created_at).isoformat()}


def compute(database_url: str, config, kind: str, as_of: datetime, period: str | None = None) -> dict[str, Any]:
    if kind in ("daily", "weekly"):
        data = daily_data(database_url, config, as_of, kind=kind)
        data["report_kind"] = kind
        return data
    if period:  # a quarter, a month or a range of days (domain.periods)
        return period_data(database_url, config, period=period, as_of=as_of)
    quarter, month = _period_of(kind, as_of, period)
    return period_data(database_url, config, quarter=quarter, month=month, as_of=as_of)


def _period_of(kind: str, as_of: datetime, period: str | None) -> tuple[str | None, str | None]:
    """An explicit period, else the last complete one before `as_of` (a quarterly
    summary runs early in the next quarter; a monthly one early in the next month)."""
    if period:
        return (period, None) if re.search(r"q", period, re.I) else (None, period)
    day = local_day(as_of)
    if kind == "monthly":
        prev = day.replace(day=1) - timedelta(days=1)
        return None, f"{prev.year}-{prev.month:02d}"
    q = (day.month - 1) // 3 + 1
    year, q = (day.year - 1, 4) if q == 1 else (day.year, q - 1)
    return f"{year}Q{q}", None


def report_recipients(database_url: str, config) -> list[RecipientInfo]:
    """Who receives a report: the supervisors' level of domain.recipients (the one rule),
    on the directory with the registered people, so a person with the supervisor role
    is reached on their own channels beside the supervisors' group."""
    resolved = resolve(people_directory(database_url, config), [], ["supervisors"])
    # Keys and channel groups only: the result is recorded in the workflow's history.
    return [RecipientInfo(r.key, r.name, r.level, [], sorted({channel_group(t) for t in r.targets}))
            for r in resolved.recipients]


# -- activities ------------------------------------------------------------------

class ReportActivities:
    """Activities bound to the settings and configuration the worker runs with."""

    def __init__(self, settings, config):
        self.settings = settings
        self.config = config

    def activities(self) -> list:
        return [self.report_is_working_day, self.build_report]

    @activity.defn(name="report_is_working_day")
    async def report_is_working_day(self, as_of: str) -> bool:
        day = local_day(datetime.fromisoformat(as_of))
        return calendar_of(self.config).is_working_day(day)

    @activity.defn(name="build_report")
    async def build_report(self, req: ReportRequest) -> BuiltReport:
        return await asyncio.to_thread(self._build, req)

    def _build(self, req: ReportRequest) -> BuiltReport:
        as_of = datetime.fromisoformat(req.as_of).astimezone(timezone.utc)
        kind = req.kind if req.kind in REPORT_KINDS else "daily"
        built = build_and_archive(self.settings, self.config, kind, as_of, req.period,
                                  link_days=self.config.links.days("report"))
        data = built["data"]
        return BuiltReport(
            id=built["id"], kind=kind, as_of=as_of.isoformat(), url=built["url"], title=report_title(data),
            message_kind=message_kind(data), cycle=report_cycle(as_of),
            link_expires_at=built["link_expires_at"], context=report_context(data, built["url"]),
            recipients=report_recipients(self.settings.database_url, self.config),
            totals=data.get("totals") or {k: v for k, v in data.items() if k in ("scheduled", "indicators")},
        )
