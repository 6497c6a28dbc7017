"""The ruled tables of one PDF page as raw rows: cells, merges, text.

pdfplumber finds the cells from the ruling lines (the "lines" strategy: a cell is
a rectangle whose four corners are crossings of drawn lines); a table without
ruling lines is not guessed from its text. Here the cells become a grid: its
columns and rows are the distinct cell edges, a cell spanning several columns is
a horizontal merge (its text once, the columns it covers merged left), one
spanning several rows a vertical merge (its text repeated below, merged above),
as intake/readers.py gives Word's merges. A row cut by the bottom of the page and
drawn without its bottom line (some writers leave it open) is closed at the end
of the table's vertical lines, so its text is not lost.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from intake.limits import MAX_COLUMNS, MAX_ROWS, count
from intake.pdf_text import cell_text, lines_of
from intake.readers import RawRow

__all__ = ["PageTable", "find_tables", "table_rows"]

_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines",
             "snap_tolerance": 3, "join_tolerance": 3, "intersection_tolerance": 3}
_SAME = 1.5          # points: lines closer than this are one line
# A column's border drawn a few points off in some rows (a cell dragged in Word) is
# still that border: no real column is this narrow. Rows are closer together.
_SAME_X, _SAME_Y = 6.0, 2.0


@dataclass
class PageTable:
    bbox: tuple[float, float, float, float]      # x0, top, x1, bottom
    cells: list[tuple[float, float, float, float]]


def find_tables(page) -> list[PageTable]:
    """The page's ruled tables, top to bottom."""
    found = page.find_tables(_SETTINGS)
    closing = _open_ends(page, found)
    if closing:
        found = page.find_tables({**_SETTINGS, "explicit_horizontal_lines": closing})
    tables = [PageTable(tuple(t.bbox), [tuple(c) for c in t.cells]) for t in found if len(t.cells) >= 2]
    return sorted(tables, key=lambda t: (round(t.bbox[1]), t.bbox[0]))


def _open_ends(page, found) -> list[dict]:
    """Horizontal lines closing a table whose vertical lines run on past its last
    (or before its first) horizontal line -- a row cut by the page, left open -- and
    closing a run of vertical lines that no table holds: the rest of such a row,
    alone at the top of the next page with no line above it."""
    closing = []
    verticals = [e for e in page.edges if e["orientation"] == "v" and e["bottom"] - e["top"] > 3]
    for table in found:
        x0, top, x1, bottom = table.bbox
        inside = [e for e in verticals if x0 - _SAME <= e["x0"] <= x1 + _SAME
                  and e["top"] <= bottom + _SAME and e["bottom"] >= top - _SAME]
        low = max((e["bottom"] for e in inside), default=bottom)
        high = min((e["top"] for e in inside), default=top)
        if low > bottom + 3:
            closing.append(_line(x0, x1, low))
        if high < top - 3:
            closing.append(_line(x0, x1, high))
        verticals = [e for e in verticals if e not in inside]
    for run in _runs(verticals):
        if len({round(e["x0"]) for e in run}) >= 2:
            x0, x1 = min(e["x0"] for e in run), max(e["x0"] for e in run)
            closing += [_line(x0, x1, min(e["top"] for e in run)), _line(x0, x1, max(e["bottom"] for e in run))]
    return closing


def _runs(verticals: list[dict]) -> list[list[dict]]:
    """Vertical lines grouped by the stretch of the page they share."""
    runs: list[list[dict]] = []
    for e in sorted(verticals, key=lambda e: e["top"]):
        if runs and e["top"] <= max(v["bottom"] for v in runs[-1]) + _SAME:
            runs[-1].append(e)
        else:
            runs.append([e])
    return runs


def _line(x0: float, x1: float, y: float) -> dict:
    return {"object_type": "line", "x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0,
            "height": 0, "pts": [(x0, y), (x1, y)]}


def table_rows(table: PageTable, chars: list[dict], notes: list[str], label: str) -> list[RawRow]:
    """The rows of one table on one page, numbered from its top (the header is 1)."""
    xs = _edges([c[0] for c in table.cells] + [c[2] for c in table.cells], _SAME_X)
    ys = _edges([c[1] for c in table.cells] + [c[3] for c in table.cells], _SAME_Y)
    width, height = len(xs) - 1, len(ys) - 1
    if width > MAX_COLUMNS:
        notes.append(f"{label.capitalize()}: bảng rộng hơn {MAX_COLUMNS} cột; chỉ đọc "
                     f"{MAX_COLUMNS} cột đầu, các cột sau bị bỏ qua.")
    if height > MAX_ROWS:
        notes.append(f"{label.capitalize()}: bảng có hơn {count(MAX_ROWS)} dòng; chỉ đọc "
                     f"{count(MAX_ROWS)} dòng đầu, phần sau bị bỏ qua.")
    spans = [_span(c, xs, ys) for c in table.cells]
    owner: dict[tuple[int, int], int] = {}
    for i, (r0, r1, c0, c1) in enumerate(spans):
        for r in range(r0, min(r1, MAX_ROWS)):
            for c in range(c0, min(c1, MAX_COLUMNS)):
                owner.setdefault((r, c), i)
    texts = _texts(table.cells, owner, xs, ys, chars)
    return [_row(r, min(width, MAX_COLUMNS), owner, spans, texts) for r in range(min(height, MAX_ROWS))]


def _row(r: int, width: int, owner, spans, texts) -> RawRow:
    cells, above, left = [], set(), set()
    for c in range(width):
        i = owner.get((r, c))
        if i is None:
            cells.append("")               # no cell drawn here: a hole in the ruling
            continue
        r0, _, c0, _ = spans[i]
        if c > c0:
            cells.append("")               # a horizontal merge keeps its text once
            left.add(c)
        elif r > r0:
            cells.append(texts[i])         # a vertical merge: the value in every row
            above.add(c)
        else:
            cells.append(texts[i])
    return RawRow(r + 1, cells, frozenset(above), frozenset(left))


def _edges(values: list[float], near: float) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > near:
            out.append(v)
    return out


def _index(edges: list[float], v: float, near: float) -> int:
    i = bisect_right(edges, v + near) - 1
    return max(0, min(i, len(edges) - 1))


def _span(cell, xs, ys) -> tuple[int, int, int, int]:
    x0, top, x1, bottom = cell
    r0 = _index(ys, top, _SAME_Y)
    c0 = _index(xs, x0, _SAME_X)
    r1, c1 = max(r0 + 1, _index(ys, bottom, _SAME_Y)), max(c0 + 1, _index(xs, x1, _SAME_X))
    return r0, r1, c0, c1


def _texts(cells, owner, xs, ys, chars) -> list[str]:
    """Each cell's text: every character goes to the cell its centre falls in (the
    grid finds the cell, its own borders decide between it and a neighbour)."""
    inside: list[list[dict]] = [[] for _ in cells]
    for ch in chars:
        mx, my = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        r, c = bisect_right(ys, my) - 1, bisect_right(xs, mx) - 1
        for i in (owner.get((r, c)), owner.get((r, c - 1)), owner.get((r, c + 1))):
            if i is not None and cells[i][0] <= mx <= cells[i][2] and cells[i][1] <= my <= cells[i][3]:
                inside[i].append(ch)
                break
    return [cell_text(lines_of(found), cell[0], cell[2]) if found else ""
            for cell, found in zip(cells, inside)]
