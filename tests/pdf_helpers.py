"""PDFs for the intake tests, drawn the way Word prints a plan's appendix: ruled
tables in a font with every Vietnamese letter (tests/fixtures/fonts), nothing
downloaded.

A table is drawn row by row with its lines: the header again at the top of every
page; a row that does not fit the rest of the page cut between two lines of its
text, each part closed by its own border (as Word draws a row allowed to break
across pages); a heading row spanning every column; a cell merged with the one
above (ABOVE). Text wraps at spaces like Word: after a hyphen inside a word when
the head fits, and inside a word longer than the column. A cell "<b>…</b>" is drawn
bold; other tags are dropped (the importer drops them in every format).

`Writer.where` records where each row was drawn, counted as the office would: page,
table on the page, row of that table on the page (the header is row 1).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONTS = Path(__file__).resolve().parent / "fixtures" / "fonts"
REGULAR, BOLD = "DejaVuSansVi", "DejaVuSansVi-Bold"
ABOVE = "\x00above"          # a cell merged with the cell above it
MARGIN, PAD, SIZE = 36.0, 3.0, 8.0
LEADING = SIZE * 1.25
_TAG = re.compile(r"<[^>]+>")


def _fonts() -> None:
    if REGULAR not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans-vi.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold-vi.ttf")))


def width_of(text: str, bold: bool = False, size: float = SIZE) -> float:
    _fonts()
    return pdfmetrics.stringWidth(text, BOLD if bold else REGULAR, size)


def wrap(text: str, width: float, bold: bool = False, size: float = SIZE) -> list[str]:
    """Lines of `text` as Word would break them in `width` points."""
    fits = lambda s: width_of(s, bold, size) <= width  # noqa: E731
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split():
            joined = f"{line} {word}" if line else word
            if fits(joined):
                line = joined
                continue
            cut = max((i for i, c in enumerate(word[:-1]) if c == "-" and fits(
                f"{line} {word[:i + 1]}" if line else word[:i + 1])), default=None)
            if cut is not None:                  # after a hyphen, as Word breaks "02-CTr"
                lines.append(f"{line} {word[:cut + 1]}" if line else word[:cut + 1])
                line, word = "", word[cut + 1:]
            elif line:
                lines.append(line)
                line = ""
            while not fits(word):                # longer than the column: cut inside it
                n = max(n for n in range(1, len(word) + 1) if fits(word[:n]) or n == 1)
                lines.append(word[:n])
                word = word[n:]
            line = word
        if line:
            lines.append(line)
    return lines


@dataclass
class _Cell:
    text: str
    col: int
    span: int = 1
    rows: int = 1
    bold: bool = False
    lines: list[str] = field(default_factory=list)
    dx0: float = 0.0          # borders moved from the column's (a cell dragged in Word)
    dx1: float = 0.0


def _cells(row, width: int) -> list[_Cell | None]:
    """A heading (a string) is one cell across the row; ABOVE marks a covered cell (None)."""
    if isinstance(row, str):
        return [_Cell(_TAG.sub("", row), 0, width, bold=True)]
    out: list[_Cell | None] = []
    for col, value in enumerate(row):
        if value == ABOVE:
            out.append(None)
        else:
            text = str(value)
            bold = text.startswith("<b>") and text.endswith("</b>")
            out.append(_Cell(_TAG.sub("", text), col, bold=bold))
    return out


class Writer:
    """open_splits: a row cut by the page is left open at the cut (no line at the
    bottom of its first part, none at the top of its second), as some writers draw it."""

    def __init__(self, path: Path, size=landscape(A4), open_splits: bool = False) -> None:
        _fonts()
        self.open_splits, self._open = open_splits, (False, False)
        self.path, (self.page_w, self.page_h) = path, size
        self.canvas = Canvas(path if hasattr(path, "write") else str(path), pagesize=size)
        self.tables = 0
        self.page, self.y = 1, MARGIN          # y: from the top of the page
        self.tables_on_page = 0
        self.where: dict[tuple[int, str], tuple[int, int, int]] = {}
        # (table, first cell) → (page, table on that page, row of it on that page)
        self.tables_per_page: dict[int, int] = {}
        self.split_rows = 0                    # rows cut by a page break
        self.repeated_headers = 0
        self.drawn = False                     # anything on the current page

    # -- pages and prose -------------------------------------------------------
    def new_page(self) -> None:
        self.canvas.showPage()
        self.page, self.y, self.tables_on_page, self.drawn = self.page + 1, MARGIN, 0, False

    def text(self, line: str, bold: bool = False, size: float = 11, center: bool = True) -> None:
        width = self.page_w - 2 * MARGIN
        for part in wrap(line, width, bold, size):
            if self.y + size * 1.3 > self.page_h - MARGIN:
                self.new_page()
            self.canvas.setFont(BOLD if bold else REGULAR, size)
            x = (self.page_w - width_of(part, bold, size)) / 2 if center else MARGIN
            self.canvas.drawString(x, self.page_h - self.y - size, part)
            self.y += size * 1.3
        self.y += 4
        self.drawn = True

    def heading_columns(self, left: list[str], right: list[str]) -> None:
        """The two columns atop an official document: the issuing body and its number
        on the left, the national motto and the date on the right, line by line."""
        for a, b in zip(left, right):
            self.canvas.setFont(BOLD, 10)
            for text, middle in ((a, self.page_w * 0.25), (b, self.page_w * 0.68)):
                self.canvas.drawCentredString(middle, self.page_h - self.y - 10, text)
            self.y += 14
        self.y += 8
        self.drawn = True

    def scanned_page(self, lines: list[str], ocr: bool = False) -> None:
        """A page that is only a picture of a ruled table: no text layer at all, or
        (ocr) with the invisible text a scanner's character recognition puts over it."""
        from PIL import Image, ImageDraw, ImageFont

        if self.drawn:
            self.new_page()
        image = Image.new("L", (1240, 877), 255)
        draw = ImageDraw.Draw(image)
        font = ImageFont.truetype(str(FONTS / "DejaVuSans-vi.ttf"), 22)
        for i, line in enumerate(lines):
            draw.rectangle((60, 60 + i * 48, 1180, 108 + i * 48), outline=0, width=2)
            draw.text((72, 70 + i * 48), line, font=font, fill=0)
        self.canvas.drawImage(ImageReader(image), 0, 0, self.page_w, self.page_h)
        if ocr:
            text = self.canvas.beginText()
            text.setTextRenderMode(3)                 # invisible
            text.setFont(REGULAR, 11)
            for i, line in enumerate(lines):
                text.setTextOrigin(40, self.page_h - 45 - i * 31)
                text.textOut(line)
            self.canvas.drawText(text)
        self.drawn = True
        self.new_page()

    def label(self, table: int, first_cell: str) -> str:
        """Where a row was drawn, as the importer names it: "Trang 3, dòng 5",
        "Trang 3, bảng 2, dòng 5" on a page with several tables."""
        page, on_page, row = self.where[(table, first_cell)]
        if self.tables_per_page[page] == 1:
            return f"Trang {page}, dòng {row}"
        return f"Trang {page}, bảng {on_page}, dòng {row}"

    def save(self):
        self.canvas.save()
        return self.path

    # -- tables ----------------------------------------------------------------
    def table(self, header: list[str], rows, widths: list[float] | None = None,
              ruled: bool = True, repeat_header: bool = True,
              nudge: dict[int, tuple[int, float]] | None = None) -> None:
        """nudge: {row index: (column, dx)}, that row's border left of the column
        moved dx points, as when one cell of a Word table was dragged."""
        widths = widths or default_widths(len(header), self.page_w - 2 * MARGIN)
        self.ruled, self.widths = ruled, widths
        self.tables += 1
        head = _cells(header, len(header))
        self._lay(head)
        self._new_table()
        self._draw([head], [self._height(head)])
        laid = [_cells(r, len(header)) for r in rows]
        for i, (col, dx) in (nudge or {}).items():
            for c in laid[i]:
                if c is not None and c.col == col:
                    c.dx0 = dx
                if c is not None and c.col + c.span == col:
                    c.dx1 = dx
        for group in _groups(laid):
            for cells in group:
                self._lay(cells)
            heights = _spread([self._height(c) for c in group], group)
            if self.y + sum(heights) > self.page_h - MARGIN:
                if len(group) == 1 and self._split(group[0], head, repeat_header):
                    continue
                self._next_page(head, repeat_header)
            self._draw(group, heights)
        self.y += 8

    def _new_table(self) -> None:
        self.tables_on_page += 1
        self.tables_per_page[self.page] = self.tables_on_page
        self.row_on_page = 0

    def _next_page(self, head, repeat_header: bool) -> None:
        self.new_page()
        self._new_table()
        if repeat_header:
            self.repeated_headers += 1
            self._draw([head], [self._height(head)])

    def _split(self, cells, head, repeat_header: bool) -> bool:
        """Cut a row between two lines of text: what fits here, the rest on the next page."""
        room = int((self.page_h - MARGIN - self.y - 2 * PAD) // LEADING)
        if room < 1:
            return False
        first = [None if c is None else _Cell(c.text, c.col, c.span, bold=c.bold, lines=c.lines[:room])
                 for c in cells]
        rest = [None if c is None else _Cell("", c.col, c.span, bold=c.bold, lines=c.lines[room:])
                for c in cells]
        self._open = (False, self.open_splits)
        self._draw([first], [self._height(first)])
        self._open = (False, False)
        self.split_rows += 1
        self._next_page(head, repeat_header)
        self._open = (self.open_splits, False)
        self._draw([rest], [self._height(rest)])
        self._open = (False, False)
        return True

    def _lay(self, cells) -> None:
        for c in cells:
            if c is not None and not c.lines:
                c.lines = wrap(c.text, self._width(c) - 2 * PAD, c.bold)

    def _width(self, c: _Cell) -> float:
        return sum(self.widths[c.col:c.col + c.span])

    def _height(self, cells) -> float:
        lines = max((len(c.lines) for c in cells if c is not None and c.rows == 1), default=1)
        return max(lines, 1) * LEADING + 2 * PAD

    def _draw(self, group, heights: list[float]) -> None:
        for r, cells in enumerate(group):
            self.row_on_page += 1
            first = next((c for c in cells if c is not None), None)
            if first is not None and first.text and first.col == 0:
                self.where.setdefault((self.tables, first.text),
                                      (self.page, self.tables_on_page, self.row_on_page))
            for c in cells:
                if c is not None:
                    self._draw_cell(c, self.y + sum(heights[:r]), sum(heights[r:r + c.rows]))
        self.y += sum(heights)
        self.drawn = True

    def _draw_cell(self, c: _Cell, top: float, height: float) -> None:
        x = MARGIN + sum(self.widths[:c.col]) + c.dx0
        if self.ruled:
            self._rule(x, top, self._width(c) - c.dx0 + c.dx1, height)
        self.canvas.setFont(BOLD if c.bold else REGULAR, SIZE)
        for i, line in enumerate(c.lines):
            baseline = top + PAD + SIZE + i * LEADING - 1
            self.canvas.drawString(x + PAD, self.page_h - baseline, line)


    def _rule(self, x: float, top: float, width: float, height: float) -> None:
        y0, y1 = self.page_h - top, self.page_h - top - height
        self.canvas.setLineWidth(0.6)
        open_top, open_bottom = self._open
        lines = [(x, y0, x, y1), (x + width, y0, x + width, y1)]
        lines += [] if open_top else [(x, y0, x + width, y0)]
        lines += [] if open_bottom else [(x, y1, x + width, y1)]
        self.canvas.lines(lines)


def default_widths(columns: int, total: float) -> list[float]:
    """STT narrow, the title (second column) wide, the rest shared."""
    if columns < 3:
        return [total / columns] * columns
    stt, title = 32.0, (total - 32.0) * 0.3
    return [stt, title] + [(total - stt - title) / (columns - 2)] * (columns - 2)


def _groups(rows):
    """Rows with the rows merged into them (ABOVE) kept together."""
    groups: list[list] = []
    for cells in rows:
        if groups and None in cells and len(cells) > 1:
            for col, c in enumerate(cells):
                if c is None:
                    owner = next(g[col] for g in reversed(groups[-1]) if g[col] is not None)
                    owner.rows += 1
            groups[-1].append(cells)
        else:
            groups.append([cells])
    return groups


def _spread(heights: list[float], group) -> list[float]:
    """Grow the last row of a group until every merged cell's text fits."""
    for r, cells in enumerate(group):
        for c in cells:
            if c is not None and c.rows > 1:
                need = len(c.lines) * LEADING + 2 * PAD
                have = sum(heights[r:r + c.rows])
                if need > have:
                    heights[r + c.rows - 1] += need - have
    return heights


def write_pdf(path: Path, tables, title_lines=(), headings: bool = True) -> Writer:
    """The seed's tables as a printed appendix: the title, then each table after its
    "Phụ lục số NN" heading, flowing over pages; a sub-row with an empty STT has its
    STT cell merged with the row above (as write_docx does)."""
    pdf = Writer(path)
    for i, line in enumerate(title_lines):
        pdf.text(line, bold=True, size=13 if i == 0 else 11)
    for n, (header, rows) in enumerate(tables):
        if headings:
            pdf.text(f"Phụ lục số {n + 1:02d}", bold=True, size=10, center=False)
        drawn = [[ABOVE, *row[1:]] if not row[0].strip() and i else row for i, row in enumerate(rows)]
        pdf.table(header, drawn)
    pdf.save()
    return pdf


def write_rows_pdf(path: Path, header: list[str], rows) -> Path:
    """One table under a title, as write_rows_docx: a heading string spans the row."""
    pdf = Writer(path)
    pdf.text("KẾ HOẠCH THỬ NGHIỆM", bold=True)
    pdf.table(header, rows)
    return pdf.save()


def pdf_bytes(build) -> bytes:
    """The bytes of a PDF drawn by build(writer) in memory."""
    buffer = io.BytesIO()
    pdf = Writer(buffer)
    build(pdf)
    pdf.save()
    return buffer.getvalue()
