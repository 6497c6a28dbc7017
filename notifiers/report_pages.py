"""A computed report (domain/report.py's dict) as people read it: the full page, the
message context of `report_daily` / `report_period`, and the short (Zalo) text.

The page is web/templates/report_daily.html or report_period.html (the same page the
signed link shows and the Report row keeps); the messages are notifiers.render's
templates (notifiers/templates/report_*.j2).
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from domain.calendar import VN_TZ
from domain.display import hours_words, overdue_of, period_words, vn_date, vn_datetime
from domain.gc_pause import collector_paused
from notifiers.render import render, render_chat
from notifiers.report_progress import progress_context

WEB_TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"
TITLES = {"daily": "Báo cáo tình hình thực hiện nhiệm vụ", "weekly": "Báo cáo tuần tình hình thực hiện nhiệm vụ"}
SHORT_ROWS = 5
EMAIL_ROWS = 300
UNITS_SHOWN = 6
SLIM_KEYS = ("stt", "plan", "title", "due", "days_overdue", "working_days_overdue", "lead_unit_names", "period",
             "deadline_raw", "seen")


# -- the page --------------------------------------------------------------------

@lru_cache(maxsize=1)
def _page_env():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(WEB_TEMPLATES)), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(vn_date=vn_date, vn_datetime=vn_datetime, overdue=overdue_of, period=period_words,
                       hours=hours_words)
    return env


def report_title(data: dict[str, Any]) -> str:
    if data.get("kind") == "period":
        return f"Báo cáo kết quả thực hiện nhiệm vụ {data['label']}"
    at = datetime.fromisoformat(data["as_of"]).astimezone(VN_TZ)
    base = TITLES.get(data.get("report_kind") or "daily", TITLES["daily"])
    return f"{base} ({at:%H:%M} ngày {at:%d/%m/%Y})"


@collector_paused()
def render_page(data: dict[str, Any], report_id: int | None = None) -> str:
    """The full report page (web/templates/report_daily.html or report_period.html)."""
    name = "report_period.html" if data.get("kind") == "period" else "report_daily.html"
    return _page_env().get_template(name).render(data=data, title=report_title(data), report_id=report_id)


# -- the messages ----------------------------------------------------------------

def report_context(data: dict[str, Any], link: str = "") -> dict[str, Any]:
    """The message context for `report_daily` / `report_period` (plain JSON: it crosses
    Temporal). Lists are capped so a message stays small; the page has everything."""
    title = report_title(data)
    if data.get("kind") == "period":
        return {"title": title, "prose": data["prose"], "rows": data["rows"][:EMAIL_ROWS], "link": link,
                "progress": progress_context(data.get("progress"))}
    return _daily_context(data, title, link)


def _slim(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: r.get(k) for k in SLIM_KEYS} for r in rows]


def _units_within_budget(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Overdue tasks by unit, at most EMAIL_ROWS tasks in all (a message stays small;
    the page lists them all)."""
    budget = EMAIL_ROWS
    by_unit = []
    for g in units:
        if budget <= 0:
            break
        by_unit.append({"name": g["name"], "count": g["count"], "tasks": g["tasks"][:budget]})
        budget -= len(by_unit[-1]["tasks"])
    return by_unit


def _daily_context(data: dict[str, Any], title: str, link: str) -> dict[str, Any]:
    units = data["overdue_by_unit"]
    newly = data["newly_overdue"]
    truncated = (sum(g["count"] for g in units) > EMAIL_ROWS or len(data["due_soon"]) > EMAIL_ROWS
                 or len(data["recurring_due"]) > EMAIL_ROWS or len(newly) > EMAIL_ROWS)
    return {
        "title": title,
        "as_of": data["as_of"],
        "horizon_days": data["horizon_days"],
        "totals": data["totals"],
        "newly": _slim(newly[:SHORT_ROWS]),
        "newly_more": max(len(newly) - SHORT_ROWS, 0),
        "newly_all": _slim(newly[:EMAIL_ROWS]),
        "units": [{"name": g["name"], "count": g["count"]} for g in units[:UNITS_SHOWN]],
        "units_more": max(len(units) - UNITS_SHOWN, 0),
        # so the list adds up to the overdue total
        "units_more_count": sum(g["count"] for g in units[UNITS_SHOWN:]),
        # the four classes by unit (domain/report_units.py): the units with most overdue first
        "units_four": data.get("units_four", [])[:EMAIL_ROWS], "units_four_more": max(len(data.get("units_four", [])) - UNITS_SHOWN, 0),
        "incidents": data["incidents"][:3],
        "all_incidents": data["incidents"][:EMAIL_ROWS],
        "failed": len(data["failed_deliveries"]),
        "progress": progress_context(data.get("progress")),   # review, progress, difficulties
        "indicators": data.get("indicators"),   # counts and the line (domain/indicator_values.report_counts)
        "failed_deliveries": data["failed_deliveries"][:EMAIL_ROWS],
        "overdue_by_unit": _units_within_budget(units),
        "due_soon": _slim(data["due_soon"][:EMAIL_ROWS]),
        "recurring_due": _slim(data["recurring_due"][:EMAIL_ROWS]),
        "unknown_deadline": _slim(data["unknown_deadline"][:EMAIL_ROWS]),
        "truncated": truncated,
        "link": link,
    }


def message_kind(data: dict[str, Any]) -> str:
    return "report_period" if data.get("kind") == "period" else "report_daily"


def render_message(kind: str, context: dict[str, Any]):
    """The report message through notifiers.render (templates notifiers/templates/
    report_*.j2): subject, text, html, and the Zalo-sized chat text."""
    return render(kind, context)


def short_text(data: dict[str, Any], link: str = "") -> str:
    """The Zalo version: under 2,000 characters, the link kept whole (the same text
    as render_message(...).chat, without the subject, text and email it would render too)."""
    return render_chat(message_kind(data), report_context(data, link))
