"""The progress part of a report's messages (domain/report_progress.py's
``data["progress"]``), capped for a message: the counts, the difficulties (a few for
the Zalo text, more for the email) and, for a period summary, its two paragraphs."""
from __future__ import annotations

from typing import Any

SHORT_ROWS = 3          # difficulties in the Zalo text
EMAIL_ROWS = 300
_KEYS = ("plan", "stt", "title", "lead_unit_names", "percent", "at", "difficulty", "proposal")


def _slim(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: r.get(k) for k in _KEYS} for r in rows]


def progress_context(progress: dict[str, Any] | None) -> dict[str, Any] | None:
    """The message context's ``progress`` (None for a report computed before it)."""
    if not progress:
        return None
    difficulties = progress.get("difficulties") or []
    out = {"counts": dict(progress.get("counts") or {}), "short": _slim(difficulties[:SHORT_ROWS]),
           "more": max(len(difficulties) - SHORT_ROWS, 0), "difficulties": _slim(difficulties[:EMAIL_ROWS])}
    for key in ("difficulties_prose", "proposals_prose"):
        if key in progress:
            out[key] = progress[key]
    return out
