"""One streaming pass over a worksheet's XML (xl/worksheets/sheetN.xml): how far its
cells reach, how far its values reach, and its merged ranges.

openpyxl's read-only mode, the one that does not build every cell in memory, does
not give the merged ranges (the <mergeCells> element, written after the cells), and
trusts the <dimension> the file declares. This pass gives both, with the expat
parser and nothing kept but a few numbers and the merges: a sheet of any size costs
the same memory. The archive has been size-checked before (intake/archive.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import IO
from xml.parsers import expat

from intake.limits import MAX_MERGES
from intake.records import IntakeError

__all__ = ["SheetScan", "scan_sheet"]

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,9})$")


@dataclass
class SheetScan:
    rows: int = 0                  # the last row holding a cell (even an empty, styled one) or a merge
    columns: int = 0
    value_rows: int = 0            # the last row holding a value
    value_columns: int = 0
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # min_col, min_row, max_col, max_row
    merges_dropped: int = 0        # merged ranges past MAX_MERGES, ignored


def scan_sheet(source: IO[bytes], label: str) -> SheetScan:
    """The scan of one sheet's XML; IntakeError (naming `label`) when it is not XML."""
    scanner = _Scanner()
    parser = expat.ParserCreate()
    parser.StartElementHandler = scanner.start
    parser.EndElementHandler = scanner.end
    parser.CharacterDataHandler = scanner.text
    parser.StartDoctypeDeclHandler = _refuse_doctype
    try:
        parser.ParseFile(source)
    except (expat.ExpatError, ValueError) as exc:
        raise IntakeError(f"{label[:1].upper()}{label[1:]} bị hỏng, không đọc được ({exc}).") from None
    return scanner.scan


class _Scanner:
    """expat handlers; rows and cells numbered as openpyxl numbers them (a <row> or
    <c> without its "r" attribute follows the one before)."""

    def __init__(self) -> None:
        self.scan = SheetScan()
        self.row = self.col = 0
        self.in_cell = self.in_text = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = name.rpartition(":")[2]
        if tag == "row":
            self.row = int(attrs["r"]) if "r" in attrs else self.row + 1
            self.col = 0
        elif tag == "c":
            ref = _ref(attrs.get("r", ""))
            self.col = ref[1] if ref else self.col + 1
            self.in_cell = True
            self.scan.rows = max(self.scan.rows, self.row)
            self.scan.columns = max(self.scan.columns, self.col)
        elif tag in ("v", "t") and self.in_cell:
            self.in_text = True
        elif tag == "mergeCell":
            self._merge(attrs.get("ref", ""))

    def end(self, name: str) -> None:
        tag = name.rpartition(":")[2]
        if tag == "c":
            self.in_cell = self.in_text = False
        elif tag in ("v", "t"):
            self.in_text = False

    def text(self, data: str) -> None:
        if self.in_text and data.strip():
            self.scan.value_rows = max(self.scan.value_rows, self.row)
            self.scan.value_columns = max(self.scan.value_columns, self.col)

    def _merge(self, ref: str) -> None:
        corners = [_ref(part) for part in ref.split(":", 1)]
        if not all(corners):
            return
        if len(self.scan.merges) >= MAX_MERGES:
            self.scan.merges_dropped += 1
            return
        (r1, c1), (r2, c2) = corners[0], corners[-1]
        self.scan.merges.append((min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)))
        self.scan.rows = max(self.scan.rows, r1, r2)
        self.scan.columns = max(self.scan.columns, c1, c2)


def _ref(text: str) -> tuple[int, int] | None:
    """"T20000" → (20000, 20): (row, column); None when it is not a cell reference."""
    m = _REF.match(text)
    if not m:
        return None
    col = 0
    for letter in m.group(1).upper():
        col = col * 26 + ord(letter) - ord("A") + 1
    return int(m.group(2)), col


def _refuse_doctype(*_args) -> None:
    raise ValueError("có khai báo DOCTYPE, điều Excel không bao giờ ghi")
