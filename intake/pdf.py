"""A PDF (.pdf) as raw tables: the ruled tables of every page, read with pdfplumber.

Each table on each page is one raw table labelled by its page ("trang 3", or
"trang 3, bảng 2" when the page has several), its rows numbered from the top of the
table on that page, header included, as a person counts them on paper. A table
continued over pages stays several raw tables: intake/tables.py joins them (the
header repeated on each page skipped, a row cut by the page joined to the row
above), as it does for Word. The text around the tables (the title, "Số: …", the
appendix headings) becomes the document's prose, from which intake/plan.py reads
the plan's number and title.

Nothing is guessed. A page without a text layer (a scan) is reported by its page
number with what to send instead; so is a page whose table has no ruling lines to
read the columns from, and a ruled table whose header names no column we know.
"""
from __future__ import annotations

import io
import re

from domain.text import ascii_fold
from intake.columns import read_header
from intake.limits import (MAX_PAGE_EDGES, MAX_PAGE_OBJECTS, MAX_PDF_PAGES, CellBudget, count)
from intake.pdf_tables import PageTable, find_tables, table_rows
from intake.pdf_text import lines_of, paragraphs
from intake.readers import RawDocument, RawTable
from intake.records import IntakeError

__all__ = ["read_pdf"]

SEND_INSTEAD = ("Hãy gửi bản Word (.docx) hoặc Excel (.xlsx) gốc, hoặc tệp PDF xuất trực tiếp "
                "từ Word/Excel (bôi đen và sao chép được chữ).")
# A header row left as plain text: "STT  Tên nhiệm vụ  Đơn vị chủ trì  Thời hạn".
_TABLE_WORDS = re.compile(r"^(?:stt|tt)\b.*\b(?:nhiem vu|noi dung|chi tieu)\b.*"
                          r"\b(?:chu tri|thoi han|thoi gian|don vi|ket qua|phoi hop)\b")


def read_pdf(data: bytes) -> RawDocument:
    import pdfplumber  # imported here: only PDF imports pay for it

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pages = pdf.pages
    except MemoryError:
        raise
    except Exception as exc:  # pdfminer raises many kinds for a damaged or locked file
        raise IntakeError(_open_error(exc)) from None
    reader = _Reader()
    with pdf:
        for number, page in enumerate(pages[:MAX_PDF_PAGES], start=1):
            try:
                reader.page(page, number)
            except MemoryError:
                raise
            except Exception:  # one damaged page does not lose the others
                reader.say(number, f"Trang {number} bị hỏng, không đọc được nội dung; trang này chưa được "
                                   f"nhập. {SEND_INSTEAD}")
            finally:
                page.close()
    return reader.done(len(pages))


def _open_error(exc: Exception) -> str:
    causes = [exc, *exc.args, exc.__context__]     # pdfplumber wraps pdfminer's error
    text = " ".join(f"{type(c).__name__} {c}" for c in causes if c is not None).lower()
    if "password" in text or "encrypt" in text:
        return ("Tệp PDF được khóa bằng mật khẩu nên không đọc được. Hãy gửi bản không đặt mật khẩu, "
                "hoặc bản Word/Excel gốc.")
    return f"Tệp PDF bị hỏng hoặc không đúng định dạng PDF nên không mở được. {SEND_INSTEAD}"


class _Reader:
    """The document read so far: its tables, its prose, and what was left unread
    (noted by page, said in page order)."""

    def __init__(self) -> None:
        self.doc = RawDocument("pdf", [], [])
        self.budget = CellBudget()
        self.scans: list[int] = []
        self.notes: list[tuple[int, str]] = []
        self.since_table: list[str] = []      # paragraphs since the last table: the next one's context
        self.full = False                     # the cell budget is spent: nothing more is read

    def say(self, number: int, note: str) -> None:
        self.notes.append((number, note))

    def page(self, page, number: int) -> None:
        if self.full or not self._readable(page, number):
            return
        tables = find_tables(page) if len(page.edges) <= MAX_PAGE_EDGES else []
        if not tables and _covered(page) >= 0.6:
            self.say(number, f"Trang {number} là bản quét đã nhận dạng chữ (OCR): chữ nhận dạng không giữ "
                             f"được các cột của bảng nên không có gì được đoán hay nhập từ trang này. "
                             f"{SEND_INSTEAD}")
            return
        chars = page.chars
        left, right = min((c["x0"] for c in chars), default=0), max((c["x1"] for c in chars), default=0)
        above, drawn = 0.0, []
        for k, table in enumerate(tables, start=1):
            drawn += self._prose(_outside([c for c in chars if above <= _middle(c) < table.bbox[1]], tables),
                                 left, right)
            label = f"trang {number}" if len(tables) == 1 else f"trang {number}, bảng {k}"
            self._table(table, chars, label, number)
            above = table.bbox[3]
        drawn += self._prose(_outside([c for c in chars if _middle(c) >= above], tables), left, right)
        if not tables and any(_TABLE_WORDS.search(ascii_fold(line)) for line in drawn):
            self.say(number, f"Trang {number} có bảng nhưng các ô không có đường kẻ (hoặc là bản quét đã "
                             f"nhận dạng chữ), nên không tách được cột một cách tin cậy; bảng này chưa được "
                             f"nhập. {SEND_INSTEAD}")

    def _readable(self, page, number: int) -> bool:
        drawn = len(page.rects) + len(page.lines) + len(page.curves)
        if len(page.chars) + drawn > MAX_PAGE_OBJECTS:
            self.say(number, f"Trang {number} có quá nhiều nét vẽ và ký tự (hơn {count(MAX_PAGE_OBJECTS)}); "
                             f"trang này không được đọc. {SEND_INSTEAD}")
            return False
        if _is_scan(page):
            self.scans.append(number)
            return False
        if len(page.edges) > MAX_PAGE_EDGES:
            self.say(number, f"Trang {number} có hơn {count(MAX_PAGE_EDGES)} đường kẻ; bảng trên trang "
                             f"này không được đọc. {SEND_INSTEAD}")
        return True

    def _table(self, table: PageTable, chars, label: str, number: int) -> None:
        x0, top, x1, bottom = table.bbox
        inside = [c for c in chars if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= _middle(c) <= bottom]
        said: list[str] = []
        rows = table_rows(table, inside, said, label)
        self.notes += [(number, note) for note in said]
        if self.full or not self.budget.take(sum(len(r.cells) for r in rows)):
            if not self.full:
                self.say(number, f"{label.capitalize()} và các trang sau không được đọc: tệp đã vượt giới "
                                 f"hạn {count(self.budget.total)} ô được đọc.")
            self.full = True
            return
        for row in rows:
            row.page = number
        self.doc.tables.append(RawTable(label=label, rows=rows, context=self.since_table[-6:], row_word="dòng"))
        self.since_table = []

    def _prose(self, chars, left: float, right: float) -> list[str]:
        """Adds the paragraphs of `chars` to the document's prose; their lines as drawn."""
        lines = lines_of(chars)
        text = paragraphs(lines, left, right)
        self.doc.text_lines.extend(text)
        self.since_table.extend(text)
        return [line.text for line in lines]

    def done(self, pages: int) -> RawDocument:
        self.notes += _scan_notes(self.scans)
        self.notes += _keep_recognised(self.doc)
        self.doc.notes = [note for _, note in sorted(self.notes, key=lambda n: n[0])]
        if pages > MAX_PDF_PAGES:
            self.doc.notes.append(f"Tệp có {count(pages)} trang; chỉ đọc {count(MAX_PDF_PAGES)} "
                                  "trang đầu, các trang sau bị bỏ qua.")
        return self.doc


def _middle(c) -> float:
    return (c["top"] + c["bottom"]) / 2


def _outside(chars, tables: list[PageTable]):
    def inside(c, t):
        x0, top, x1, bottom = t.bbox
        return x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= _middle(c) <= bottom
    return [c for c in chars if not any(inside(c, t) for t in tables)]


def _is_scan(page) -> bool:
    """A page with (almost) no characters but a picture over much of it, or drawn
    entirely as outlines: what a scanner or a "print as image" makes."""
    letters = sum(1 for c in page.chars if not c["text"].isspace())
    return letters < 20 and (_covered(page) >= 0.25 or len(page.curves) >= 300)


def _covered(page) -> float:
    """How much of the page pictures cover (0…1)."""
    covered = 0.0
    for image in page.images:
        w = min(image["x1"], page.width) - max(image["x0"], 0)
        h = min(image["bottom"], page.height) - max(image["top"], 0)
        covered += max(w, 0) * max(h, 0)
    return min(1.0, covered / max(page.width * page.height, 1))


def _scan_notes(pages: list[int]) -> list[tuple[int, str]]:
    """One note per run of scanned pages: "Trang 2", "Các trang 4–6"."""
    runs: list[list[int]] = []
    for n in pages:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    notes = []
    for run in runs:
        which = f"Trang {run[0]} là" if len(run) == 1 else f"Các trang {run[0]}–{run[-1]} là"
        notes.append((run[0], f"{which} bản quét (ảnh chụp, không có lớp chữ) nên không đọc được nội dung; "
                     f"không có gì được đoán hay nhập từ {'trang' if len(run) == 1 else 'các trang'} này. "
                     f"{SEND_INSTEAD}"))
    return notes


def _keep_recognised(doc: RawDocument) -> list[tuple[int, str]]:
    """Tables whose header we know, and the pages that continue them; each other
    ruled table is reported by its page and left out."""
    kept: list[RawTable] = []
    notes: list[tuple[int, str]] = []
    width, pages = None, set()
    for table in doc.tables:
        if not table.rows:
            continue
        header = next((h for h in map(read_header, (r.cells for r in table.rows[:60])) if h), None)
        columns = max(len(r.cells) for r in table.rows)
        first_on_page = table.rows[0].page not in pages
        pages.add(table.rows[0].page)
        if header is not None:
            width = header.width
        elif not (width == columns and first_on_page):
            notes += _unrecognised(table, columns)
            continue
        kept.append(table)
    doc.tables = kept
    return notes


def _unrecognised(table: RawTable, columns: int) -> list[tuple[int, str]]:
    filled = [r for r in table.rows if sum(1 for c in r.cells if c.strip()) >= 2]
    if not filled:
        return []                                  # a box or a frame, not a table of data
    first = " | ".join(" ".join(c.split())[:40] for c in filled[0].cells if c.strip())
    return [(table.rows[0].page or 0, f"{table.label.capitalize()}: có một bảng {columns} cột (dòng đầu «{first}») nhưng "
                     f"không nhận ra cột STT và cột tên nhiệm vụ hay tên chỉ tiêu; bảng này chưa được "
                     f"nhập. Nếu đây là bảng cần theo dõi, hãy sửa dòng tiêu đề hoặc gửi bản Word/Excel gốc.")]
