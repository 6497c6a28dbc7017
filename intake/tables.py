"""Rows → logical rows: headers, sections, continuation rows. Fields are read
from logical rows by intake/build.py.

Works on raw tables from any reader. A physical row becomes part of a logical
row (one task or indicator) by these rules, the same for every format:
- a header row starts a table; the same header again is a page break and skipped
  (in a PDF each page's part of a table is a raw table of its own: one that starts
  with the same header, or with none and as many columns, continues the one before);
- a row whose STT is a Roman numeral (or a single capital letter) and that only
  has a title is a section; so is a heading without a numeral that spans the row
  (intake/sections.py says how it is told from a row cut by a page break);
- a row with an empty STT, or whose STT cell is merged with the row above,
  continues the row above cell by cell: joined with a space after a page break
  (a word cut by the page), with a new line otherwise (a sub-item in the same row);
- every other row with an STT is a new record.
Nothing is dropped: what cannot be read becomes a Problem next to the record.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from intake.cells import clean, one_line
from intake.columns import TASK, HeaderMap, read_header
from intake.readers import RawDocument, RawRow, RawTable
from intake.records import Problem
from intake.sections import is_numbered_section, merged_heading, section_name, text_heading

__all__ = ["collect", "Logical", "stt_text"]

# Formats that lose merges: a heading there is told by its shape (intake/sections.py).
_TEXTUAL = ("tsv", "csv", "text")
_STT_TRIM = re.compile(r"^[\s(]+|[\s.):]+$")
_HYPHENATED = re.compile(r"\w-$")
_PAGE_NUMBER = re.compile(r"^\W*(?:trang|page)?\W*\d+(?:\W+\d+)?\W*$", re.I)


@dataclass
class Logical:
    """One task or indicator assembled from one or more physical rows."""
    kind: str
    header: HeaderMap
    first: RawRow
    where: str                       # "Dòng 57", "Bảng 2, dòng 5"
    cells: list[str]
    section: str
    section_id: str
    segment: int                     # which table (for STT qualification)
    problems: list[Problem] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)   # cells beyond the header's columns

    def get(self, name: str) -> str:
        col = self.header.column(name)
        return self.cells[col] if col is not None and col < len(self.cells) else ""


@dataclass
class _State:
    header: HeaderMap | None = None
    current: Logical | None = None
    section: str = ""
    section_id: str = ""
    last_was_section: bool = False
    page_break: bool = False
    segment: int = 0
    headings: int = 0                # unnumbered headings so far, for their ids


def collect(doc: RawDocument) -> tuple[list[Logical], list[Problem]]:
    """Logical rows of every task and indicator table in the document."""
    out: list[Logical] = []
    problems: list[Problem] = []
    state = _State()
    segments = 0
    previous: RawTable | None = None
    for table in doc.tables:
        if _continues(doc, table, previous, state.header):
            state.page_break = True     # a table split across pages
        else:
            state = _State(segment=segments)
        previous = table
        for raw in table.rows:
            if raw.is_blank():
                state.page_break = state.page_break or state.header is not None
                continue
            header = read_header(raw.cells)
            if header:
                if state.header and header.signature() == state.header.signature():
                    state.page_break = True        # header repeated after a page break
                else:
                    segments += 1
                    state = _State(header=header, segment=segments)
                continue
            if state.header is None:
                continue                          # title rows above the header
            if raw.gap_before:
                state.page_break = True
            _place(raw, table, state, out, doc.kind in _TEXTUAL)
            state.page_break = False
    return out, problems


def _continues(doc: RawDocument, table: RawTable, previous: RawTable | None,
               header: HeaderMap | None) -> bool:
    """Whether `table` is the rest of the table before it, split by a page: no header
    of its own and as many columns (Word, text). In a PDF each page's part is a
    table of its own: it continues the one before when it opens the next page with
    nothing but a page number above it, with no header or the same one repeated."""
    if header is None or previous is None or doc.kind not in ("docx", "tsv", "pdf"):
        return False
    own = next((h for h in map(read_header, (r.cells for r in table.rows[:60])) if h), None)
    if doc.kind == "pdf" and not _next_page(previous, table):
        return False
    if own is None:
        return _width(table) == header.width
    return doc.kind == "pdf" and own.signature() == header.signature() and own.width == header.width


def _next_page(previous: RawTable, table: RawTable) -> bool:
    before, after = previous.rows[-1].page if previous.rows else None, table.rows[0].page if table.rows else None
    if before is None or after is None or after <= before:
        return False
    # Nothing but a page number ("2", "- 2 -", "Trang 2/5") between the two parts.
    return all(_PAGE_NUMBER.match(line) for line in table.context)


def _width(table: RawTable) -> int:
    return max((len(r.cells) for r in table.rows if not r.is_blank()), default=0)


def _where(table: RawTable, raw: RawRow) -> str:
    if table.label:
        return f"{table.label[0].upper()}{table.label[1:]}, dòng {raw.number}"
    return f"Dòng {raw.number}"


def _place(raw: RawRow, table: RawTable, state: _State, out: list[Logical], textual: bool) -> None:
    header = state.header
    assert header is not None
    where = _where(table, raw)
    cells = list(raw.cells[: header.width]) + [""] * max(0, header.width - len(raw.cells))
    extra = [c for c in raw.cells[header.width:] if c.strip()]
    stt_col = header.column("stt")
    stt = stt_text(cells[stt_col]) if stt_col is not None else ""
    merged_stt = stt_col is not None and stt_col in raw.merged_above
    if _section(raw, cells, stt, merged_stt, state, textual):
        return

    if not stt or merged_stt:
        if state.current is not None:
            sep = " " if state.page_break else "\n"
            _join(state.current, cells, raw.merged_above, sep)
            _check_width(raw, where, state.current, extra, header)
            return
        # Content with nothing above to continue: keep it as its own record, flagged.
        stt = f"dòng {raw.number}"
        record = Logical(header.kind, header, raw, where, cells, state.section,
                         state.section_id, state.segment)
        record.problems.append(Problem(raw.number, stt, "error",
            f"{where}: có nội dung nhưng không có STT và không có dòng nào phía trên để nối vào; "
            f"đã nhập với STT tạm «{stt}», cần kiểm tra lại."))
        record.cells[stt_col if stt_col is not None else 0] = stt
        out.append(record)
        state.current, state.last_was_section = record, False
        return

    record = Logical(header.kind, header, raw, where, cells, state.section,
                     state.section_id, state.segment)
    _check_width(raw, where, record, extra, header)
    out.append(record)
    state.current, state.last_was_section = record, False


def _section(raw: RawRow, cells: list[str], stt: str, merged_stt: bool, state: _State,
             textual: bool) -> bool:
    """Handles the row when it is a section heading, or the rest of one cut by a
    page; False for a row of content."""
    header = state.header
    assert header is not None
    stt_col = header.column("stt")
    title_col = header.column("title" if header.kind == TASK else "name")
    title = one_line(clean(cells[title_col])) if title_col is not None else ""
    if not merged_stt:
        if stt and is_numbered_section(stt, cells, stt_col, title_col):
            _open_section(state, stt, f"{stt}. {title}" if title else stt)
            return True
        heading = merged_heading(raw, cells, stt_col, title_col)
        if heading:
            _open_section(state, *section_name(heading))
            return True
    if (stt and not merged_stt) or title_col is None or not _only(cells, title_col, raw.merged_above):
        return False
    if state.current is None and state.last_was_section:
        state.section = f"{state.section} {title}"     # section title cut by a page
        return True
    if textual and not merged_stt and text_heading(cells[title_col], state.page_break):
        _open_section(state, *section_name(title))
        return True
    return False


def _open_section(state: _State, section_id: str, name: str) -> None:
    if not section_id:
        # An unnumbered heading still needs an id to tell apart tasks numbered
        # again from 1 below it ("M2.1"): its place among the table's headings.
        state.headings += 1
        section_id = f"M{state.headings}"
    state.section_id, state.section = section_id, name
    state.current, state.last_was_section = None, True


def _check_width(raw: RawRow, where: str, record: Logical, extra: list[str],
                 header: HeaderMap) -> None:
    """A row with more cells than the header keeps the surplus in the notes; one
    with fewer has its missing cells empty. Both are flagged: columns may have shifted."""
    stt = stt_text(record.get("stt")) or None
    if extra:
        record.extra.extend(extra)
        shown = " | ".join(one_line(clean(c))[:60] for c in extra)
        record.problems.append(Problem(raw.number, stt, "error",
            f"{where} (STT {stt}): dòng có {len(raw.cells)} ô, nhiều hơn {header.width} cột của "
            f"tiêu đề; các ô thừa «{shown}» được giữ trong ghi chú, cần kiểm tra lại."))
    elif len(raw.cells) < header.width:
        record.problems.append(Problem(raw.number, stt, "warning",
            f"{where} (STT {stt}): dòng chỉ có {len(raw.cells)} ô trong khi tiêu đề có "
            f"{header.width} cột; các ô thiếu được để trống, cần kiểm tra cột có bị lệch không."))


def stt_text(text: str) -> str:
    """The STT as written, without its dots and brackets ("1." → "1")."""
    return _STT_TRIM.sub("", one_line(clean(text)))


def _only(cells: list[str], col: int, merged: frozenset[int]) -> bool:
    return all(not c.strip() or i == col or i in merged for i, c in enumerate(cells)) and bool(cells[col].strip())


def _join(record: Logical, cells: list[str], merged: frozenset[int], sep: str) -> None:
    for i, cell in enumerate(cells):
        if i in merged or not cell.strip() or i >= len(record.cells):
            continue
        before = record.cells[i].rstrip()
        # A word broken after its hyphen by the page ("04-" / "KH/BCĐTW") is one word.
        glue = "" if sep == " " and _HYPHENATED.search(before) else sep
        record.cells[i] = f"{before}{glue}{cell.lstrip()}" if before else cell
