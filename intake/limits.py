"""How much of a file intake is willing to read.

A hostile or damaged file can be tiny and still ask for a lot: a 5 KB workbook with
one cell at XFD1048576 declares seventeen billion cells, 50 MB of XML compresses to
50 KB. These caps keep what one import may take bounded; a real plan (a few sheets
of some hundred rows, a dozen columns) is far below every one of them.
"""
from __future__ import annotations

# Inside an XLSX/DOCX (a ZIP archive), checked before any XML parser sees it.
MAX_PART = 50 << 20            # uncompressed bytes of one part
MAX_TOTAL = 100 << 20          # uncompressed bytes of all parts together
MAX_RATIO = 250                # uncompressed : compressed, for a part over RATIO_FROM (deflate tops at ~1030:1;
                               # a legitimate Word table of thousands of empty rows reaches ~175:1)
RATIO_FROM = 1 << 20
MAX_ENTRIES = 10_000           # parts in the archive

# Of a sheet or a Word table, what is considered.
MAX_ROWS = 5_000
MAX_COLUMNS = 60
MAX_CELLS = 1_000_000          # rows × columns over the whole document
MAX_MERGES = 100_000           # merged ranges of one sheet
MAX_PARAGRAPHS = 20_000        # paragraphs of a Word file outside its tables

# Of a PDF (intake/pdf.py): pages read, and what one page may hold to be read at all.
MAX_PDF_PAGES = 300            # a dense page takes ~0.2 s: 300 of them fit the child's CPU time
MAX_PAGE_OBJECTS = 200_000     # characters, lines, rectangles and curves of one page
MAX_PAGE_EDGES = 6_000         # ruling-line segments of one page fed to the table finder

# The child process reading a user's file (intake/isolated.py).
CHILD_MEMORY = 1 << 30         # address space, bytes
CHILD_CPU_SECONDS = 60
CHILD_TIMEOUT = 120            # wall clock, seconds

__all__ = ["MAX_PART", "MAX_TOTAL", "MAX_RATIO", "RATIO_FROM", "MAX_ENTRIES", "MAX_ROWS",
           "MAX_COLUMNS", "MAX_CELLS", "MAX_MERGES", "MAX_PARAGRAPHS", "MAX_PDF_PAGES", "MAX_PAGE_OBJECTS",
           "MAX_PAGE_EDGES", "CHILD_MEMORY", "CHILD_CPU_SECONDS",
           "CHILD_TIMEOUT", "CellBudget", "count", "megabytes", "column_name"]


class CellBudget:
    """The cells a document may still produce; each table takes its share."""

    def __init__(self, cells: int = MAX_CELLS) -> None:
        self.total = self.left = cells

    def take(self, cells: int) -> bool:
        if cells > self.left:
            return False
        self.left -= cells
        return True


def count(n: int) -> str:
    """5000 → "5.000", as Vietnamese writes numbers."""
    return f"{n:,}".replace(",", ".")


def megabytes(n: int) -> str:
    return f"{n >> 20} MB"


def column_name(n: int) -> str:
    """3 → "C", 16384 → "XFD": a column as Excel names it."""
    name = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        name = chr(ord("A") + rest) + name
    return name or "A"
