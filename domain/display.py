"""How a date and an instant are shown to people: dd/mm/yyyy and HH:MM dd/mm/yyyy in
Vietnam time, whatever the browser's language. One rule for pages, messages, reports
and the appendix. Text that is not ISO (already formatted, a deadline phrase) is shown
as it is; for a time of day, an instant without a zone is UTC (how the store keeps them)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from domain.calendar import VN_TZ

__all__ = ["vn_date", "vn_datetime"]


def _parsed(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        try:
            return datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
        except ValueError:
            return value
    return value


def vn_date(value: Any, empty: str = "") -> str:
    """dd/mm/yyyy of a date, an instant or ISO text; ``empty`` for nothing."""
    if value is None or value == "":
        return empty
    found = _parsed(value)
    if isinstance(found, datetime):  # an instant's Vietnamese day; a naive one names its own day
        found = found.astimezone(VN_TZ).date() if found.tzinfo else found.date()
    return found.strftime("%d/%m/%Y") if isinstance(found, date) else str(value)


def vn_datetime(value: Any, empty: str = "") -> str:
    """HH:MM dd/mm/yyyy in Vietnam time; a plain date as dd/mm/yyyy."""
    if value is None or value == "":
        return empty
    found = _parsed(value)
    if not isinstance(found, datetime):
        return vn_date(value, empty)
    found = found if found.tzinfo else found.replace(tzinfo=timezone.utc)
    return found.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")
