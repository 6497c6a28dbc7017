"""Section rows: headings that group the task or indicator rows below them.

Tables head their groups two ways:
- numbered: the STT is a Roman numeral (or a single capital letter) and only the
  title is filled ("II | Về hoàn thiện thể chế");
- unnumbered: one text across the whole row ("Nhiệm vụ về hoàn thiện thể chế").
  Word and Excel show it as one cell merged across the row; converters may repeat
  the text in every cell instead; text extracted from PDF/Word keeps it in one
  column with every other cell empty.

The last form is also how a task cut by a page break continues on the next page
(the title's tail alone, STT empty). Extracted text carries no merge, so there a
title-only row is a heading only when it cannot be such a tail: bold, or in the
middle of a page and shaped like a heading (capitalised, one short line, no
closing punctuation). Right after a page break, or in Word and Excel without a
merge, a title-only row still continues the row above.
"""
from __future__ import annotations

import re

from intake.cells import clean, is_bold, one_line
from intake.readers import RawRow

__all__ = ["is_numbered_section", "merged_heading", "text_heading", "section_name"]

_ROMAN = re.compile(r"^(?=[IVXLC])M*(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})$")
_LETTER = re.compile(r"^[A-H]$")
# "II. Về …", "A) …", "III - …": a numbered heading written in one merged cell.
_NUMBERED_TEXT = re.compile(r"^([IVXLC]+|[A-H])\s*[.):\-–—]\s*(\S.*)$")
_HEADING_MAX = 200


def is_numbered_section(stt: str, cells: list[str], stt_col: int | None,
                        title_col: int | None) -> bool:
    if not (_ROMAN.match(stt) or _LETTER.match(stt)):
        return False
    others = [c for i, c in enumerate(cells) if i not in (stt_col, title_col) and c.strip()]
    return not others


def merged_heading(raw: RawRow, cells: list[str], stt_col: int | None,
                   title_col: int | None) -> str | None:
    """The text of a row the file itself marks as one heading: a single text
    merged across the row, repeated in every cell, or typed in the STT column
    with nothing else in the row. None for any other row."""
    filled = {i: _cell_text(c) for i, c in enumerate(cells) if c.strip()}
    texts = set(filled.values()) - {""}
    if len(texts) != 1:
        return None
    text = texts.pop()
    if len(filled) == len(cells) >= 2:
        return text                               # the merge written out in every cell
    if len(filled) != 1:
        return None
    col = next(iter(filled))
    if col <= max(title_col or 0, _first_text_col(stt_col)) and _spans_row(raw, col, len(cells)):
        return text
    if col == stt_col and _is_words(text):
        return text                               # a heading, not a number, in the STT cell
    return None


def text_heading(raw_cell: str, after_break: bool) -> bool:
    """Whether a title-only row of extracted text (TSV/CSV) is a heading rather
    than the tail of the row above or a sub-item of it. Bold decides alone; else
    it must not follow a page break and must read as a heading."""
    if is_bold(raw_cell):
        return True
    text = clean(raw_cell)
    if after_break or "\n" in text or len(text) > _HEADING_MAX:
        return False
    return text[:1].isupper() and text[-1:] not in ".;,"


def section_name(text: str) -> tuple[str, str]:
    """(id, name) of a heading: "II. Về …" keeps its numeral as id; an unnumbered
    heading has none ("")."""
    m = _NUMBERED_TEXT.match(text)
    if m and (_ROMAN.match(m.group(1)) or _LETTER.match(m.group(1))):
        return m.group(1), f"{m.group(1)}. {m.group(2)}"
    return "", text


def _cell_text(cell: str) -> str:
    # Word's merge joins the merged cells' paragraphs: a heading typed in every
    # cell before merging reads "X\nX\nX". One distinct line is that line.
    lines = {one_line(line) for line in clean(cell).split("\n")} - {""}
    return lines.pop() if len(lines) == 1 else one_line(clean(cell))


def _first_text_col(stt_col: int | None) -> int:
    return 1 if stt_col == 0 else 0


def _spans_row(raw: RawRow, col: int, width: int) -> bool:
    end = min(width, len(raw.cells))
    return end - col >= 2 and all(c in raw.merged_left for c in range(col + 1, end))


def _is_words(text: str) -> bool:
    # "1.2", "a)", "(3)" are numbers; a heading has words of letters.
    return len(text.split()) >= 2 and sum(1 for w in text.split() if w.isalpha() and len(w) >= 2) >= 2
