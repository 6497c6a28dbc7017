"""The plan's appendix as a file to download from the dashboard: the same rows and
totals as `./dondoc report appendix` (store.report_loading.appendix_data) written by
the same exporter (notifiers/appendix_files.py), as of a report's moment, with a
Vietnamese file name.
"""
from __future__ import annotations

import re
import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from domain.calendar import VN_TZ
from domain.text import ascii_fold
from notifiers.appendix_files import write_appendix
from store.db import session_scope
from store.models import Plan
from store.report_loading import appendix_data

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def plans(database_url: str) -> list[dict]:
    """The imported plans (id, name), by name."""
    with session_scope(database_url) as s:
        return [{"id": pid, "name": name} for pid, name in s.execute(select(Plan.id, Plan.name).order_by(Plan.name))]


def plan_name(database_url: str, plan_id: int) -> str | None:
    with session_scope(database_url) as s:
        return s.scalar(select(Plan.name).where(Plan.id == plan_id))


def appendix_title(plan: str, as_of: datetime, label: str = "") -> str:
    day = as_of.astimezone(VN_TZ)
    period = f" — {label}" if label else ""
    return f"Phụ lục kết quả thực hiện nhiệm vụ — {plan}{period} (tính đến ngày {day:%d/%m/%Y})"


def file_names(plan: str, as_of: datetime, fmt: str) -> tuple[str, str]:
    """(Vietnamese file name, plain-ASCII fallback): "Phụ lục kết quả - <plan> - 15-04-2026.xlsx"."""
    day = as_of.astimezone(VN_TZ)
    stem = _UNSAFE.sub("-", f"Phụ lục kết quả - {plan} - {day:%d-%m-%Y}")
    stem = " ".join(stem.split())[:150]
    plain = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_fold(stem)).strip("-") or "phu-luc"
    return f"{stem}.{fmt}", f"{plain}.{fmt}"


def appendix_file(database_url: str, config, plan_id: int, as_of: datetime, fmt: str,
                  label: str = "") -> tuple[bytes, str, str] | None:
    """(the file's bytes, Vietnamese name, ASCII name) of the plan's appendix as of
    `as_of`, or None when there is no such plan."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(fmt)
    name = plan_name(database_url, plan_id)
    if name is None:
        return None
    appendix = appendix_data(database_url, config, name, as_of)
    with tempfile.TemporaryDirectory(prefix="dondoc-appendix-") as folder:
        path = write_appendix(appendix.rows, fmt, Path(folder) / f"phu-luc.{fmt}", appendix_title(name, as_of, label),
                              appendix.totals, appendix.indicators, appendix.units)
        body = path.read_bytes()
    return (body, *file_names(name, as_of, fmt))
