"""Deadline phrases as the task tables write them ("Quý I/2026", "Tháng 06/2026",
"trước ngày 05/4/2026", "Thường xuyên", "Hằng năm", ...) turned into a day.

A deadline names a day; what cannot be read is `unknown` — kept, flagged, never
guessed, and never an exception. Pure: safe to import from workflow code.
"""

from __future__ import annotations

from calendar import monthrange
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from domain.text import ascii_fold

__all__ = ["Deadline", "parse_deadline"]

Kind = Literal["once", "recurring", "unknown"]
Every = Literal["month", "year"]

# A four-digit number outside this range is a typo, not a deadline.
MIN_YEAR, MAX_YEAR = 1900, 2999
# A table cell longer than this is prose, not a deadline phrase: flag it unread
# rather than spend time (and guesses) on it.
MAX_PHRASE = 1000


@dataclass(frozen=True)
class Deadline:
    raw: str
    kind: Kind
    due: date | None
    every: Every | None

    def to_dict(self) -> dict[str, Any]:
        due = self.due.isoformat() if self.due else None
        return {"raw": self.raw, "kind": self.kind, "due": due, "every": self.every}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Deadline:
        due = d.get("due")
        return cls(
            raw=d.get("raw") or "",
            kind=d.get("kind") or "unknown",
            due=date.fromisoformat(due) if due else None,
            every=d.get("every"),
        )


def parse_deadline(raw: str | None) -> Deadline:
    """Read a deadline phrase. Never raises: anything unreadable is `unknown`."""
    raw = "" if raw is None else raw if isinstance(raw, str) else str(raw)
    if len(raw) > MAX_PHRASE:
        return _unknown(raw)
    try:
        return _parse(raw)
    except Exception:  # a parser bug must not stop an import of 10,000 rows
        return _unknown(raw)


# -- preparation ---------------------------------------------------------------

_HTML_TAG = re.compile(r"<[^>]{0,200}>")
# PDF extraction breaks "30-09-2025" into "30-\n09-\n20\n25": glue digit runs and
# separators back together across line breaks only (never across plain spaces,
# which separate real numbers).
_PDF_BREAK = re.compile(r"(?<=[\d/.\-])[ \t]*(?:\r?\n[ \t]*)+(?=[\d/.\-])")
# "2025-06-15 00:00:00" (a spreadsheet timestamp): the time adds nothing.
# Removed before line breaks are glued, so "2025-06-15\n00:00" stays two things.
_TIME = re.compile(r"(?<=\d)(?:[tT]|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[zZ]|[+-]\d{2}:?\d{2})?")
# References to other documents carry dates that are not deadlines:
# "Nghị quyết số 57-NQ/TW, ngày 22/12/2024", "Kế hoạch 238/KH-UBND ngày 13/9/2025".
_DATE_TAIL = (r"(?:\s*,?\s*ngay\s+\d{1,2}(?:\s*[/.-]\s*|\s+thang\s+)\d{1,2}"
              r"(?:\s*[/.-]\s*|\s*,?\s+nam\s+)\d{4})?")
# Possessive quantifiers: a long run of digits must not make matching quadratic.
_DOC_REF = re.compile(r"(?:\bso\s+)?(?<![\d/.-])(?:\d++[/.-])*+\d++[/-][a-z][\w/.-]*+" + _DATE_TAIL)
_DOC_NUMBER = re.compile(r"\bso\s+\d[\w/.-]*" + _DATE_TAIL)


def _prepare(raw: str) -> str:
    text = _TIME.sub("", _HTML_TAG.sub(" ", raw))
    text = ascii_fold(_PDF_BREAK.sub("", text))
    text = _DOC_REF.sub(" ", text)
    return _DOC_NUMBER.sub(" ", text)


# -- date expressions ----------------------------------------------------------

_SEP = r"\s*[/.-]\s*"
_NUM = r"(?<![\d/.-])"  # a number starts here, not in the middle of one
_END = r"(?!\d)(?!\s*[/-]\s*\d)"  # ...and ends here
_YEAR_SEP = r"(?:\s*[/.,-]\s*(?:nam\s+)?|\s+nam\s+)"

_EXPRESSIONS = re.compile(
    "|".join(
        [
            rf"{_NUM}(?P<iso_y>\d{{4}}){_SEP}(?P<iso_m>\d{{1,2}}){_SEP}(?P<iso_d>\d{{1,2}}){_END}",
            rf"{_NUM}(?P<dmy_d>\d{{1,2}}){_SEP}(?P<dmy_m>\d{{1,2}}){_SEP}(?P<dmy_y>\d{{4}}){_END}",
            # "ngày 31 tháng 12 năm 2025"
            rf"{_NUM}(?P<w_d>\d{{1,2}})\s+thang\s+(?P<w_m>\d{{1,2}})\s*,?\s+nam\s+(?P<w_y>\d{{4}})(?!\d)",
            # "6 tháng đầu năm 2026" (first half), "6 tháng cuối năm 2026"
            r"\b6\s+thang\s+(?P<half>dau|cuoi)\s+nam\s+(?P<half_y>\d{4})(?!\d)",
            rf"\bquy\s*(?P<q>[ivx]+|\d+)\b{_YEAR_SEP}(?P<q_y>\d{{4}}){_END}",
            rf"\bthang\s*(?P<m>\d{{1,2}}){_YEAR_SEP}(?P<m_y>\d{{4}}){_END}",
            # "năm 2026-2030", "giai đoạn 2026 - 2030": due at the end of the period
            r"\b(?:nam|giai doan)\s+\d{4}\s*(?:-|–|den)\s*(?P<r_y>\d{4})(?!\d)",
            r"\bnam\s+(?P<y>\d{4})(?!\d)",
            rf"{_NUM}(?P<b_m>\d{{1,2}})\s*[/-]\s*(?P<b_y>\d{{4}}){_END}",
        ]
    )
)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_INVALID = object()  # an expression was found but names no real day


def _month_end(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def _day(g: dict[str, str | None]) -> date:
    """The day one matched expression names; raises ValueError if none."""
    num = lambda key: int(g[key])  # noqa: E731 - tiny local helper
    if g["iso_y"]:
        return date(num("iso_y"), num("iso_m"), num("iso_d"))
    if g["dmy_y"]:
        return date(num("dmy_y"), num("dmy_m"), num("dmy_d"))
    if g["w_y"]:
        return date(num("w_y"), num("w_m"), num("w_d"))
    if g["half_y"]:
        return _month_end(num("half_y"), 6 if g["half"] == "dau" else 12)
    if g["q_y"]:
        quarter = _ROMAN.get(g["q"]) or (int(g["q"]) if g["q"].isdigit() else 0)
        if not 1 <= quarter <= 4:
            raise ValueError("no such quarter")
        return _month_end(num("q_y"), quarter * 3)
    if g["m_y"]:
        return _month_end(num("m_y"), num("m"))
    if g["r_y"]:
        return date(num("r_y"), 12, 31)
    if g["y"]:
        return date(num("y"), 12, 31)
    return _month_end(num("b_y"), num("b_m"))


def _days_named(text: str) -> list[Any]:
    """Every day the text names, in order; _INVALID for an impossible one."""
    found: list[Any] = []
    for match in _EXPRESSIONS.finditer(text):
        try:
            day = _day(match.groupdict())
        except ValueError:
            day = _INVALID
        if day is not _INVALID and not MIN_YEAR <= day.year <= MAX_YEAR:
            day = _INVALID
        found.append(day)
    if not found and re.fullmatch(r"\d{4}", text):  # a cell holding just "2026"
        year = int(text)
        found.append(date(year, 12, 31) if MIN_YEAR <= year <= MAX_YEAR else _INVALID)
    return found


# -- recurring -----------------------------------------------------------------

_MONTHLY = re.compile(r"\b(?:hang|moi) thang\b")
_YEARLY = re.compile(r"\b(?:hang|moi) nam\b")
_CONTINUOUS = re.compile(r"\bthuong xuyen\b")


def _cycle(text: str) -> Every | None:
    """An explicit period wins; "thường xuyên" alone reports monthly (DESIGN).
    "Hằng quý" has no cycle of its own here, so alone it stays unknown."""
    if _MONTHLY.search(text):
        return "month"
    if _YEARLY.search(text):
        return "year"
    if _CONTINUOUS.search(text):
        return "month"
    return None


# -- the decision ----------------------------------------------------------------


def _parse(raw: str) -> Deadline:
    text = _prepare(raw)
    days = _days_named(text)
    if _INVALID in days:  # "Tháng 13/2026", "Quý V/2026", "31/02/2026": flag it
        return _unknown(raw)
    if days:
        # A named day wins over a recurrence word: "Quý I/2026 và thường xuyên" is
        # due on 31/03/2026 — the one commitment that can be checked; the raw text
        # still shows the continuing part to the reader.
        distinct = sorted(set(days))
        if len(distinct) == 1:
            return Deadline(raw, "once", distinct[0], None)
        if re.search(r"\bden\b", text):  # "từ ... đến ...": due at the end
            return Deadline(raw, "once", distinct[-1], None)
        return _unknown(raw)  # several days, no range: which one is a guess
    every = _cycle(text)
    if every:
        return Deadline(raw, "recurring", None, every)
    return _unknown(raw)


def _unknown(raw: str) -> Deadline:
    return Deadline(raw, "unknown", None, None)
