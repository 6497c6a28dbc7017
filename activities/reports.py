"""Reports: load rows from the store, build (domain/report.py), render, archive, link.

What the report workflow (workflows/report.py) asks of the world, as activities of
`ReportActivities(settings, config)`:

* ``report_is_working_day(as_of)``  -- whether the schedule should send anything today
  (weekends, Vietnamese holidays and configured days off send nothing);
* ``build_report(ReportRequest) -> BuiltReport`` -- compute the report as of the given
  instant, render the full page and the short (Zalo) text, archive a `Report` row
  (idempotent: the same kind and instant give the same row on a retried activity) and
  return its id, the signed link to its page and what the messages need.

Sending is the delivery activity's (activities/deliver.py): the workflow asks it once
per supervisors' channel with the `report_daily` / `report_period` message kinds.

The plain functions (`load_daily`, `daily_data`, `render_page`, `short_text`,
`report_context`, `period_data`, `appendix_data`, `write_appendix`) are what the CLI, the web page and
the benchmark use without Temporal.
"""
from __future__ import annotations

import asyncio
import json
import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Text, or_, select, type_coerce
from temporalio import activity

from domain.calendar import VN_TZ, WorkingCalendar
from domain.report import (  # noqa: F401 (APPENDIX_HEADERS, appendix_result: importable from here, as before)
    APPENDIX_HEADERS, RESULT_COLUMN, Appendix, CycleRow, DeliveryRow, IncidentRow, IndicatorRow, TaskRow,
    appendix_result, build_appendix, build_daily, build_period, local_day, period_bounds,
)
from store.db import session_scope
from store.models import Cycle, Delivery, Incident, Indicator, Plan, Report, Task

REPORT_LINK_DAYS = 90          # a report's signed link works this long
SUPERVISORS_KEY = "supervisors"
CHAT_LIMIT = 1990
WEB_TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"
TITLES = {"daily": "Báo cáo tình hình thực hiện nhiệm vụ", "weekly": "Báo cáo tuần tình hình thực hiện nhiệm vụ"}


# -- loading ---------------------------------------------------------------------

def unit_names(config) -> dict[str, str]:
    if config is None:
        return {}
    return {u.key: u.name for u in config.directory.units}


def official_names(config) -> dict[str, str]:
    if config is None:
        return {}
    return {o.key: o.name for o in config.directory.officials}


def _plan_filter(stmt, plan: str | None):
    if plan:
        stmt = stmt.where(Plan.name == plan)
    return stmt


def load_tasks(session, plan: str | None = None, full: bool = False) -> list[TaskRow]:
    """Task rows with their plan's name; Core select of columns (fast for 10,000)."""
    # lead_units as its stored JSON text, decoded once per distinct value (thousands of
    # tasks share a few unit lists; per-row JSON decoding was a third of the load time).
    cols = [Task.id, Task.title, Plan.name, Task.stt, Task.section, type_coerce(Task.lead_units, Text),
            Task.lead_official,
            Task.due, Task.deadline_kind, Task.deadline_raw, Task.every, Task.status, Task.result,
            Task.completed_on]
    if full:
        cols += [Task.evidence, Task.coordinating_units, Task.output, Task.notes]
    stmt = _plan_filter(select(*cols).outerjoin(Plan, Task.plan_id == Plan.id), plan)
    out = []
    units_cache: dict[Any, tuple[str, ...]] = {}

    def units(raw: Any) -> tuple[str, ...]:
        if not isinstance(raw, str):  # drivers that decode JSON themselves (psycopg)
            return tuple(raw or ())
        if raw not in units_cache:
            units_cache[raw] = tuple(json.loads(raw) or ())
        return units_cache[raw]

    for row in session.execute(stmt):
        extra = {}
        if full:
            extra = dict(evidence=row[14], coordinating_units=tuple(row[15] or ()), output=row[16] or "",
                         notes=row[17] or "")
        out.append(TaskRow(
            id=row[0], title=row[1] or "", plan=row[2] or "", stt=row[3] or "", section=row[4] or "",
            lead_units=units(row[5]), lead_official=row[6], due=row[7], deadline_kind=row[8] or "unknown",
            deadline_raw=row[9] or "", every=row[10], status=row[11] or "open", result=row[12],
            completed_on=row[13], **extra))
    return out


def load_daily(session, as_of: datetime, plan: str | None = None, kind: str = "daily") -> dict[str, Any]:
    """Everything build_daily needs, read with a handful of queries."""
    as_of = as_of.astimezone(timezone.utc)
    today = local_day(as_of)
    tasks = load_tasks(session, plan)
    ids = {t.id for t in tasks} if plan else None
    current = {f"{today.year}", f"{today.year}-{today.month:02d}"}
    cstmt = select(Cycle.task_id, Cycle.period, Cycle.due, Cycle.status, Cycle.result, Cycle.reported_on).where(
        or_(Cycle.period.in_(current), Cycle.reported_on.is_(None), Cycle.reported_on > today))
    cycles = [CycleRow(*r) for r in session.execute(cstmt) if ids is None or r[0] in ids]
    istmt = select(Incident.id, Incident.unit, Incident.title, Incident.detected_at, Incident.due_at,
                   Incident.status, Incident.severity, Incident.result, Incident.reported_at).where(
        Incident.detected_at <= as_of, or_(Incident.reported_at.is_(None), Incident.reported_at > as_of))
    incidents = [IncidentRow(*r) for r in session.execute(istmt)]
    prev = session.execute(
        select(Report.as_of).where(Report.kind == kind, Report.as_of < as_of)
        .order_by(Report.as_of.desc()).limit(1)).scalar()
    since = prev or as_of - timedelta(hours=24)
    dstmt = select(Delivery.subject_id, Delivery.step, Delivery.recipient, Delivery.channel, Delivery.status,
                   Delivery.created_at, Delivery.cycle, Delivery.error, Delivery.key).where(
        Delivery.status == "failed", Delivery.created_at > since, Delivery.created_at <= as_of)
    deliveries = [DeliveryRow(*r) for r in session.execute(dstmt)]
    return {"tasks": tasks, "cycles": cycles, "incidents": incidents, "deliveries": deliveries,
            "previous_as_of": prev}


def daily_data(database_url: str, config, as_of: datetime, plan: str | None = None,
               kind: str = "daily") -> dict[str, Any]:
    """The daily (or weekly) report as of `as_of`, computed from the store (nothing
    written); "since the last report" means the last archived report of that kind."""
    with session_scope(database_url) as s:
        rows = load_daily(s, as_of, plan, kind)
    return build_daily(
        rows["tasks"], as_of, calendar_of(config), cycles=rows["cycles"], incidents=rows["incidents"],
        deliveries=rows["deliveries"], previous_as_of=rows["previous_as_of"], unit_names=unit_names(config),
        report_day=_report_day(config),
        calendar_periods=config is None or config.policies.recurring.cycle_seconds <= 0)


def period_data(database_url: str, config, *, quarter: str | None = None, month: str | None = None,
                as_of: datetime | None = None, plan: str | None = None) -> dict[str, Any]:
    start, end, key, label = period_bounds(quarter, month)
    as_of = as_of or datetime.now(timezone.utc)
    with session_scope(database_url) as s:
        tasks = load_tasks(s, plan, full=True)
        ids = {t.id for t in tasks}
        cycles = [CycleRow(*r) for r in s.execute(
            select(Cycle.task_id, Cycle.period, Cycle.due, Cycle.status, Cycle.result, Cycle.reported_on)
            .where(Cycle.due >= start, Cycle.due <= end)) if r[0] in ids]
        istmt = _plan_filter(select(Indicator.stt, Indicator.name, Indicator.target, Indicator.responsible,
                                    Indicator.result, Plan.name).join(Plan, Indicator.plan_id == Plan.id), plan)
        indicators = [IndicatorRow(stt=r[0], name=r[1], target=r[2] or {}, responsible=tuple(r[3] or ()),
                                   result=r[4] or "", plan=r[5]) for r in s.execute(istmt)]
    data = build_period(tasks, start, end, as_of, calendar_of(config), label=label, key=key, cycles=cycles,
                        indicators=indicators, unit_names=unit_names(config))
    data["plan"] = plan
    return data


def calendar_of(config) -> WorkingCalendar:
    return WorkingCalendar(config.calendar) if config is not None else WorkingCalendar()


def _report_day(config) -> int:
    return config.policies.recurring.report_day if config is not None else 0


# -- rendering -------------------------------------------------------------------

def _vn(value: Any) -> datetime | date | None:
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return None
    return value


def _vn_date(value: Any) -> str:
    v = _vn(value)
    if v is None or v == "":
        return "" if not value else str(value)
    if isinstance(v, datetime):
        v = v.astimezone(VN_TZ).date() if v.tzinfo else v.date()
    return v.strftime("%d/%m/%Y")


def _vn_datetime(value: Any) -> str:
    v = _vn(value)
    if not isinstance(v, datetime):
        return _vn_date(value)
    if v.tzinfo is None:
        v = v.replace(tzinfo=timezone.utc)
    return v.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")


@lru_cache(maxsize=1)
def _page_env():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(WEB_TEMPLATES)), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(vn_date=_vn_date, vn_datetime=_vn_datetime)
    return env


def report_title(data: dict[str, Any]) -> str:
    if data.get("kind") == "period":
        return f"Báo cáo kết quả thực hiện nhiệm vụ {data['label']}"
    at = datetime.fromisoformat(data["as_of"]).astimezone(VN_TZ)
    base = TITLES.get(data.get("report_kind") or "daily", TITLES["daily"])
    return f"{base} ({at:%H:%M} ngày {at:%d/%m/%Y})"


def render_page(data: dict[str, Any], report_id: int | None = None) -> str:
    """The full report page (web/templates/report_daily.html or report_period.html)."""
    name = "report_period.html" if data.get("kind") == "period" else "report_daily.html"
    return _page_env().get_template(name).render(data=data, title=report_title(data), report_id=report_id)


SHORT_ROWS = 5
EMAIL_ROWS = 300


def report_context(data: dict[str, Any], link: str = "") -> dict[str, Any]:
    """The message context for `report_daily` / `report_period` (plain JSON: it crosses
    Temporal). Lists are capped so a message stays small; the page has everything."""
    title = report_title(data)
    if data.get("kind") == "period":
        return {"title": title, "prose": data["prose"], "rows": data["rows"][:EMAIL_ROWS], "link": link}
    units = data["overdue_by_unit"]
    newly = data["newly_overdue"]
    slim = lambda rows: [{k: r.get(k) for k in ("stt", "plan", "title", "due", "days_overdue",  # noqa: E731
                                                 "lead_unit_names", "period", "deadline_raw")} for r in rows]
    budget = EMAIL_ROWS
    by_unit = []
    for g in units:
        if budget <= 0:
            break
        by_unit.append({"name": g["name"], "count": g["count"], "tasks": g["tasks"][:budget]})
        budget -= len(by_unit[-1]["tasks"])
    truncated = (sum(g["count"] for g in units) > EMAIL_ROWS or len(data["due_soon"]) > EMAIL_ROWS
                 or len(data["recurring_due"]) > EMAIL_ROWS or len(newly) > EMAIL_ROWS)
    return {
        "title": title,
        "as_of": data["as_of"],
        "horizon_days": data["horizon_days"],
        "totals": data["totals"],
        "newly": slim(newly[:SHORT_ROWS]),
        "newly_more": max(len(newly) - SHORT_ROWS, 0),
        "newly_all": slim(newly[:EMAIL_ROWS]),
        "units": [{"name": g["name"], "count": g["count"]} for g in units[:6]],
        "units_more": max(len(units) - 6, 0),
        "units_more_count": sum(g["count"] for g in units[6:]),   # so the list adds up to the overdue total
        "incidents": data["incidents"][:3],
        "all_incidents": data["incidents"][:EMAIL_ROWS],
        "failed": len(data["failed_deliveries"]),
        "failed_deliveries": data["failed_deliveries"][:EMAIL_ROWS],
        "overdue_by_unit": by_unit,
        "due_soon": slim(data["due_soon"][:EMAIL_ROWS]),
        "recurring_due": slim(data["recurring_due"][:EMAIL_ROWS]),
        "unknown_deadline": slim(data["unknown_deadline"][:EMAIL_ROWS]),
        "truncated": truncated,
        "link": link,
    }


def message_kind(data: dict[str, Any]) -> str:
    return "report_period" if data.get("kind") == "period" else "report_daily"


def render_message(kind: str, context: dict[str, Any]):
    """The report message through notifiers.render (templates notifiers/templates/
    report_*.j2): subject, text, html, and the Zalo-sized chat text."""
    from notifiers.render import render

    return render(kind, context)


def short_text(data: dict[str, Any], link: str = "") -> str:
    """The Zalo version: under 2,000 characters, the link kept whole."""
    return render_message(message_kind(data), report_context(data, link)).chat


# -- links -----------------------------------------------------------------------

def report_subject(report_id: int) -> str:
    return f"report/{report_id}"


def link_expiry(as_of: datetime, created_at: datetime | None = None) -> datetime:
    """REPORT_LINK_DAYS after the report was made (or its moment, if later), in whole
    seconds (the token stores seconds) so every maker of this link makes the same one."""
    base = as_of.astimezone(timezone.utc)
    if created_at is not None:
        base = max(base, created_at.astimezone(timezone.utc))
    return (base + timedelta(days=REPORT_LINK_DAYS)).replace(microsecond=0)


def report_cycle(as_of: datetime) -> str:
    return as_of.astimezone(VN_TZ).date().isoformat()


def report_link(settings, report_id: int, as_of: datetime, created_at: datetime | None = None,
                recipient: str = SUPERVISORS_KEY) -> str:
    """The signed link to one report's page (`/r/{token}`), the one its messages carry."""
    from domain.links import make_link

    return make_link(settings.secret_key, settings.public_url, report_subject(report_id), report_cycle(as_of),
                     recipient, "report", expires_at=link_expiry(as_of, created_at))


# -- archiving -------------------------------------------------------------------

def archive(database_url: str, kind: str, as_of: datetime, data: dict[str, Any], *,
            settings=None, link_recipient: str = SUPERVISORS_KEY) -> tuple[int, str, str]:
    """Write (or find, for the same kind and instant) the Report row; (id, url, short text).
    A report made again for the same moment (a retried activity, a second --send) is
    recomputed into the same row, and keeps its link."""
    as_of = as_of.astimezone(timezone.utc)
    with session_scope(database_url) as s:
        row = s.execute(select(Report).where(Report.kind == kind, Report.as_of == as_of)).scalar()
        if row is None:
            row = Report(kind=kind, as_of=as_of, data=data)
            s.add(row)
            s.flush()
        url = report_link(settings, row.id, as_of, row.created_at, link_recipient) if settings is not None else ""
        row.data = data
        row.short_text = short_text(data, url)
        row.html = render_page(data, row.id)
        return row.id, url, row.short_text


def build_and_archive(settings, config, kind: str, as_of: datetime, period: str | None = None) -> dict[str, Any]:
    data = compute(settings.database_url, config, kind, as_of, period)
    report_id, url, short = archive(settings.database_url, kind, as_of, data, settings=settings)
    with session_scope(settings.database_url) as s:
        created_at = s.get(Report, report_id).created_at
    return {"id": report_id, "url": url, "short_text": short, "data": data,
            "link_expires_at": link_expiry(as_of, created_at).isoformat()}


def compute(database_url: str, config, kind: str, as_of: datetime, period: str | None = None) -> dict[str, Any]:
    if kind in ("daily", "weekly"):
        data = daily_data(database_url, config, as_of, kind=kind)
        data["report_kind"] = kind
        return data
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


# -- the appendix ----------------------------------------------------------------
# The rows and their totals are domain.report_appendix's; APPENDIX_HEADERS, RESULT_COLUMN
# and appendix_result are imported above so they stay importable from here.


def appendix_data(database_url: str, config, plan: str, as_of: datetime | None = None) -> Appendix:
    """The plan's table with results and evidence (rows: lists of cells, and section
    headings as plain strings, in appendix order) and its totals by class."""
    as_of = as_of or datetime.now(timezone.utc)
    with session_scope(database_url) as s:
        if s.execute(select(Plan.id).where(Plan.name == plan)).scalar() is None:
            raise LookupError(plan)
        tasks = load_tasks(s, plan, full=True)
        cycles: dict[str, list[Any]] = {}
        for r in s.execute(select(Cycle.task_id, Cycle.period, Cycle.due, Cycle.status, Cycle.result,
                                  Cycle.reported_on).join(Task, Task.id == Cycle.task_id)
                           .join(Plan, Task.plan_id == Plan.id).where(Plan.name == plan)):
            cycles.setdefault(r[0], []).append(CycleRow(*r))
    return build_appendix(tasks, local_day(as_of), cycles_by_task=cycles, unit_names=unit_names(config),
                          official_names=official_names(config))


def appendix_rows(database_url: str, config, plan: str, as_of: datetime | None = None) -> list[list[str] | str]:
    """The rows of `appendix_data` (without the totals)."""
    return appendix_data(database_url, config, plan, as_of).rows


def write_appendix(rows: list[list[str] | str], fmt: str, path: str | Path, title: str,
                   totals: list[tuple[str, str, int]] = ()) -> Path:
    """The appendix as an XLSX or DOCX file: the rows, then (when given) the totals
    rows of `appendix_data` under the table: each its class's label and count, the
    count in the result column."""
    path = Path(path)
    if fmt == "xlsx":
        _write_xlsx(rows, path, title, totals)
    elif fmt == "docx":
        _write_docx(rows, path, title, totals)
    else:
        raise ValueError(f"định dạng không hỗ trợ {fmt!r}: dùng xlsx hoặc docx")
    return path


TOTALS_HEADING = "Tổng hợp theo kết quả thực tế"


def _write_xlsx(rows, path: Path, title: str, totals=()) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    n = len(APPENDIX_HEADERS)
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=13)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    for c, h in enumerate(APPENDIX_HEADERS, 1):
        cell = ws.cell(row=3, column=c, value=h)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.fill = PatternFill("solid", fgColor="DDE7F3")
    r = 4
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        if isinstance(row, str):
            ws.cell(row=r, column=1, value=row).font = Font(bold=True)
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=n)
        else:
            for c, v in enumerate(row, 1):
                ws.cell(row=r, column=c, value=v).alignment = wrap
        r += 1
    _xlsx_totals(ws, r, totals)
    widths = (6, 50, 22, 24, 24, 28, 18, 22, 14, 18, 12, 36, 18)
    for c, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = "C4"
    wb.save(path)


def _xlsx_totals(ws, r: int, totals) -> None:
    """The totals under the table: label over the columns before the result column,
    the count (a number) in the result column."""
    from openpyxl.styles import Alignment, Font

    if not totals:
        return
    ws.cell(row=r, column=1, value=TOTALS_HEADING).font = Font(bold=True)
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(APPENDIX_HEADERS))
    for i, (key, label, count) in enumerate(totals, r + 1):
        bold = Font(bold=key == "total")
        ws.cell(row=i, column=1, value=label).font = bold
        ws.cell(row=i, column=1).alignment = Alignment(horizontal="right")
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=RESULT_COLUMN)
        ws.cell(row=i, column=RESULT_COLUMN + 1, value=count).font = bold


def _write_docx(rows, path: Path, title: str, totals=()) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = sec.page_height, sec.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(1.5))
    doc.styles["Normal"].font.name = "Times New Roman"
    doc.styles["Normal"].font.size = Pt(10)
    doc.add_heading(title, level=1)
    table = doc.add_table(rows=1, cols=len(APPENDIX_HEADERS))
    table.style = "Table Grid"
    for c, h in enumerate(APPENDIX_HEADERS):
        cell = table.rows[0].cells[c]
        cell.text = ""
        run = cell.paragraphs[0].add_run(h)
        run.bold = True
    for row in rows:
        cells = table.add_row().cells
        if isinstance(row, str):
            _docx_merged(cells[0].merge(cells[-1]), row, bold=True)
        else:
            for c, v in enumerate(row):
                cells[c].text = v or ""
    _docx_totals(table, totals)
    doc.save(str(path))


def _docx_merged(cell, text: str, bold: bool) -> None:
    cell.text = ""
    cell.paragraphs[0].add_run(text).bold = bold


def _docx_totals(table, totals) -> None:
    """The totals as the table's last rows, laid out as in the XLSX file."""
    if not totals:
        return
    cells = table.add_row().cells
    _docx_merged(cells[0].merge(cells[-1]), TOTALS_HEADING, bold=True)
    for key, label, count in totals:
        cells = table.add_row().cells
        _docx_merged(cells[0].merge(cells[RESULT_COLUMN - 1]), label, bold=key == "total")
        _docx_merged(cells[RESULT_COLUMN], str(count), bold=key == "total")


# -- activities ------------------------------------------------------------------

from contracts.reports import BuiltReport, RecipientInfo, ReportRequest  # noqa: E402,F401


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
        kind = req.kind if req.kind in ("daily", "weekly", "period", "monthly") else "daily"
        built = build_and_archive(self.settings, self.config, kind, as_of, req.period)
        data = built["data"]
        directory = self.config.directory
        recipients = [RecipientInfo(SUPERVISORS_KEY, directory.supervisors_name, "supervisors",
                                    list(directory.supervisors))] if directory.supervisors else []
        context = report_context(data, built["url"])
        return BuiltReport(
            id=built["id"], kind=kind, as_of=as_of.isoformat(), url=built["url"], title=report_title(data),
            message_kind=message_kind(data), cycle=report_cycle(as_of),
            link_expires_at=built["link_expires_at"], context=context, recipients=recipients,
            totals=data.get("totals") or {k: v for k, v in data.items() if k in ("scheduled", "indicators")},
        )
