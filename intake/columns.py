"""Matching column headers to fields by meaning.

Tables in this family name the same column many ways ("Thời hạn", "Hạn hoàn
thành", "Thời gian thực hiện/hoàn thành"); a header is compared on its
ascii-folded words, with parenthesised remarks dropped, against synonyms. The
longest synonym that fits wins, so "Kết quả cần đạt" is an output, not a result.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from domain.text import ascii_fold

__all__ = ["TASK", "INDICATOR", "HeaderMap", "match_header", "header_key", "read_header"]

TASK, INDICATOR = "task", "indicator"

# field → synonyms, ascii-folded. Shared by both kinds unless listed per kind.
_COMMON = {
    "stt": ("stt", "tt", "so tt", "so thu tu", "thu tu", "s tt"),
    "notes": ("ghi chu", "luu y"),
}
_TASK = {
    "title": ("ten nhiem vu", "noi dung cong viec", "nhiem vu", "noi dung nhiem vu",
              "noi dung", "cong viec", "ten cong viec", "nhiem vu giai phap",
              "ten nhiem vu nghi quyet"),
    "lead_official": ("chu tri chi dao", "lanh dao phu trach", "lanh dao chu tri",
                      "lanh dao phu trach chu tri chi dao va tham muu thuc hien",
                      "lanh dao phu trach chu tri chi dao", "nguoi chu tri chi dao",
                      "lanh dao chi dao"),
    "lead_units": ("don vi chu tri", "co quan chu tri", "don vi thuc hien", "co quan thuc hien",
                   "don vi chu tri thuc hien", "co quan chu tri thuc hien", "chu tri",
                   "don vi chu tri theo doi danh gia", "co quan chu tri theo doi danh gia",
                   "don vi phu trach", "co quan phu trach"),
    "coordinating_units": ("don vi phoi hop", "co quan phoi hop", "phoi hop",
                           "don vi phoi hop thuc hien", "co quan phoi hop thuc hien"),
    "output": ("san pham dau ra", "san pham", "ket qua can dat", "ket qua dau ra",
               "hinh thuc van ban", "san pham du kien"),
    "deadline": ("thoi han", "han hoan thanh", "thoi gian thuc hien", "thoi gian hoan thanh",
                 "thoi gian thuc hien hoan thanh", "tien do", "tien do thuc hien",
                 "thoi gian", "moc thoi gian", "han", "thoi han hoan thanh"),
    "result": ("ket qua thuc te", "ket qua", "trang thai thuc hien", "trang thai",
               "ket qua thuc hien", "tinh trang", "tinh trang thuc hien", "tien do hoan thanh"),
    "completed_on": ("ngay hoan thanh thuc te", "ngay hoan thanh", "thoi gian hoan thanh thuc te"),
}
_INDICATOR = {
    "name": ("ten chi tieu", "chi tieu", "noi dung chi tieu"),
    "target": ("chi tieu nam", "muc tieu", "gia tri chi tieu", "chi tieu can dat",
               "ket qua can dat", "chi tieu giao", "muc tieu nam"),
    "responsible": ("co quan chu tri theo doi danh gia", "co quan chu tri", "don vi chu tri",
                    "co quan theo doi danh gia", "don vi chu tri theo doi danh gia",
                    "co quan chu tri theo doi", "don vi theo doi"),
    "result": ("ket qua thuc hien", "ket qua", "ket qua thuc te", "uoc thuc hien",
               "ket qua dat duoc"),
    "unit_of_measure": ("don vi tinh", "dvt", "don vi"),
}

_PARENS = re.compile(r"\([^)]*\)")
_NUMBERED = re.compile(r"^\s*\(?\d{1,4}[.)]?\s*$")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_YEAR = re.compile(r"\b(19|20)\d\d\b")


@lru_cache(maxsize=4096)
def header_key(text: str) -> str:
    """Header reduced for comparison: folded, remarks in parentheses dropped."""
    s = ascii_fold(_PARENS.sub(" ", text))
    return _NON_WORD.sub(" ", s).strip()


def _synonyms(kind: str) -> list[tuple[str, str]]:
    table = {**_COMMON, **(_TASK if kind == TASK else _INDICATOR)}
    pairs = [(syn, field) for field, syns in table.items() for syn in syns]
    return sorted(pairs, key=lambda p: len(p[0]), reverse=True)


_SYNONYMS = {TASK: _synonyms(TASK), INDICATOR: _synonyms(INDICATOR)}


def match_header(text: str, kind: str) -> str | None:
    """The field a header names, or None. Exact synonym first, then a header that
    starts with a synonym ("Cơ quan chủ trì theo dõi, đánh giá"), longest first."""
    key = header_key(text)
    if not key:
        return None
    key_no_year = _YEAR.sub("", key).strip()
    for syn, field in _SYNONYMS[kind]:
        if key == syn or key_no_year == syn:
            return field
    for syn, field in _SYNONYMS[kind]:
        if key.startswith(syn + " ") and len(syn) >= 4:
            return field
    return None


@dataclass(frozen=True)
class HeaderMap:
    kind: str                        # TASK or INDICATOR
    fields: dict[int, str]           # column index → field
    width: int
    result_as_of: str = ""           # ISO day a result column's header names ("Kết quả … đến ngày 15/4/2026")
    target_year: int = 0             # the year an indicator table's target column names ("Chỉ tiêu năm 2026")

    def __post_init__(self) -> None:
        object.__setattr__(self, "_columns", {f: i for i, f in self.fields.items()})

    def column(self, field: str) -> int | None:
        return self._columns.get(field)  # type: ignore[attr-defined]

    def signature(self) -> tuple[str, ...]:
        return tuple(self.fields[i] for i in sorted(self.fields))


def read_header(cells: list[str]) -> HeaderMap | None:
    """A HeaderMap when the row is a header row: its main column (task title or
    indicator name) and at least one other field are recognised. A table whose
    main column is "Tên chỉ tiêu" is an indicator table."""
    # Cheap refusal first: every data row passes through here. A numbered row ("17.")
    # is data even when a page cut its cells short enough to read like column names.
    if any(len(c) > 160 for c in cells) or sum(1 for c in cells if c.strip()) < 2 \
            or any(_NUMBERED.match(c) for c in cells):
        return None
    return _read_header(tuple(cells))


@lru_cache(maxsize=256)
def _read_header(cells: tuple[str, ...]) -> HeaderMap | None:
    from intake.cells import clean, one_line

    texts = [one_line(clean(c)) for c in cells]
    if not any(texts) or sum(1 for t in texts if t) < 2:
        return None
    keys = [header_key(t) for t in texts]
    # A header cell is short; a data row with "Thường xuyên" etc. is not a header.
    if any(len(k) > 90 for k in keys):
        return None
    names = {i for i, k in enumerate(keys) if k in ("ten chi tieu", "chi tieu", "noi dung chi tieu")}
    kind = INDICATOR if names else TASK
    fields: dict[int, str] = {}
    for i, t in enumerate(texts):
        if not t:
            continue
        field = match_header(t, kind)
        if field and field not in fields.values():
            fields[i] = field
        elif field == "result" and kind == TASK and "completed_on" not in fields.values() \
                and "ngay" in keys[i]:
            fields[i] = "completed_on"
    main = "name" if kind == INDICATOR else "title"
    if main not in fields.values() or len(fields) < 2:
        return None
    result_column = next((i for i, f in fields.items() if f == "result"), None)
    as_of = header_day(texts[result_column]) if result_column is not None else None
    target_column = next((i for i, f in fields.items() if f == "target"), None)
    year = _YEAR.search(keys[target_column]) if target_column is not None and kind == INDICATOR else None
    return HeaderMap(kind, fields, len(cells), as_of.isoformat() if as_of else "", int(year.group(0)) if year else 0)


_HEADER_DAY = re.compile(r"(\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4})")
_HEADER_DAY_WORDS = re.compile(r"ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")


def header_day(text: str):
    """The day a result column's header names ("Kết quả thực hiện đến ngày 15/4/2026",
    "… đến ngày 15 tháng 4 năm 2026"): the as-of date of the values below it."""
    from domain.display import read_vn_date

    found = _HEADER_DAY.search(text)
    if found:
        return read_vn_date(found.group(1))
    words = _HEADER_DAY_WORDS.search(ascii_fold(text))
    if words:
        return read_vn_date("/".join(words.groups()))
    return None
