"""Tolerant matching of unit and official names against the directory.

Documents name the same unit many ways ("Phòng Văn hóa-Xã hội đặc khu",
"Phòng Văn hoá - Xã hội", "Sở KH&CN") and misspell officials ("Phạm Trí Tuyến",
"Tuyên", "Tuyền"). Matching works on a key: ascii-folded, abbreviations expanded,
punctuation and jurisdiction suffixes dropped (domain/namekeys.py). Units are
here; officials are in domain/officials.py and re-exported. Pure, no I/O.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

from domain.directory import Directory, Unit
from domain.namekeys import is_generic_unit, loose_unit_key, unit_key
from domain.officials import OfficialMatcher, OfficialMention, parse_officials
from domain.text import ascii_fold, nfc

__all__ = [
    "split_units", "unit_key", "UnitMatcher", "OfficialMention", "parse_officials",
    "OfficialMatcher", "is_generic_unit",
]

# Words a new unit name starts with (ascii-folded), used to decide whether a comma
# separates two units or is part of one name ("Các cơ quan, đơn vị, địa phương").
_UNIT_HEADS = (
    "so", "phong", "ban", "uy ban", "ubnd", "hdnd", "hoi dong", "cong an", "trung tam",
    "van phong", "cac", "dang uy", "chi cuc", "cuc", "vien", "truong", "bo", "thong ke",
    "mttq", "mat tran", "doan", "hoi", "cong ty", "tong cong ty", "quy", "bao", "dai",
    "thanh uy", "co quan", "kho bac", "thue", "bhxh", "bao hiem", "toa an",
    "vien kiem sat", "benh vien", "quan su", "bo chi huy", "chi nhanh", "ngan hang",
    "to", "nhom", "lien doan", "hoi dong", "4 khoi", "cac khoi",
)
_HEAD_RE = re.compile(r"^(?:%s)\b" % "|".join(sorted(map(re.escape, _UNIT_HEADS), key=len, reverse=True)))
# " và " joins two units only when a unit name follows ("… Công nghệ và Sở Tài chính").
_AND = re.compile(r"\s+và\s+(?=\S)", re.I)

# A piece of a cell: (start, end) in its NFC text.
Span = tuple[int, int]


def split_units(text: str) -> list[str]:
    """Split a cell naming several units: one per line, "…; …", "…, Sở …",
    "… và Sở …". Commas inside parentheses and inside one name are kept. Without
    the directory this cannot know "Văn phòng HĐND và UBND" is one body: use
    UnitMatcher.find for cells of a table."""
    return list(_split_units(text or ""))


@lru_cache(maxsize=8192)
def _split_units(text: str) -> tuple[str, ...]:
    text = nfc(text)
    return tuple(p for p in (_tidy(text[a:b]) for a, b in _pieces(text)) if p)


@lru_cache(maxsize=8192)
def _pieces(text: str) -> tuple[Span, ...]:
    """Where each unit of an NFC cell may begin and end, by wording alone."""
    out: list[Span] = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        for part in _split_outside_parens(text, start, end, ";"):
            for piece in _split_commas(text, part):
                out.extend(_split_and(text, piece))
        start = end + 1
    return tuple(out)


def _tidy(s: str) -> str:
    return s.strip().strip("-–•+*").strip().rstrip(".,;").strip()


def _split_outside_parens(s: str, start: int, end: int, sep: str) -> list[Span]:
    parts, depth, begin = [], 0, start
    for i in range(start, end):
        ch = s[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == sep and depth == 0:
            parts.append((begin, i))
            begin = i + 1
    parts.append((begin, end))
    return parts


def _starts_unit(piece: str, lowercase_ok: bool) -> bool:
    stripped = piece.strip()
    if not stripped:
        return False
    folded = ascii_fold(stripped)
    if stripped[0].isupper() or stripped[0].isdigit():
        return bool(_HEAD_RE.match(folded))
    # Lower case: only "các …" opens a new group ("…, các đơn vị liên quan").
    return lowercase_ok and folded.startswith("cac ")


def _split_commas(text: str, part: Span) -> list[Span]:
    pieces = _split_outside_parens(text, part[0], part[1], ",")
    out = [pieces[0]]
    first = text[pieces[0][0]:pieces[0][1]]
    for a, b in pieces[1:]:
        if _starts_unit(text[a:b], lowercase_ok=True) and _starts_unit(first, lowercase_ok=True):
            out.append((a, b))
        else:
            out[-1] = (out[-1][0], b)
    return out


def _split_and(text: str, piece: Span) -> list[Span]:
    out: list[Span] = []
    begin, end = piece
    while True:
        for m in _AND.finditer(text, begin, end):
            after = text[m.end():end]
            if _starts_unit(after, lowercase_ok=True) and not _continues_name(after):
                out.append((begin, m.start()))
                begin = m.end()
                break
        else:
            out.append((begin, end))
            return out


def _continues_name(after: str) -> bool:
    # "Khoa học và Công nghệ", "Văn hóa và Thể thao": "và" followed by a word that is
    # a head only by accident. "Công" opens "Công an" but not "Công nghệ".
    folded = ascii_fold(after)
    return folded.startswith("cong nghe") or folded.startswith("cong thuong") or folded.startswith("dau tu")


class UnitMatcher:
    """Finds directory units by name or alias, tolerantly: in one name (`match`)
    or in a cell naming several (`find`). With ``groups=True`` the directory's unit
    groups are found the same way, names and aliases alike, longest first: a group
    comes back as a Unit whose key is the group's (``directory.group(key)``)."""

    def __init__(self, directory: Directory, groups: bool = False) -> None:
        self._exact: dict[str, Unit] = {}
        self._loose: dict[str, list[Unit]] = {}
        collectives = [Unit(g.key, g.name, g.aliases) for g in directory.groups] if groups else []
        for unit in (*directory.units, *collectives):
            for name in (unit.name, *unit.aliases, unit.key):
                key = unit_key(name)
                if key:
                    self._exact.setdefault(key, unit)
                    self._loose.setdefault(loose_unit_key(key), []).append(unit)
        self._cache: dict[str, Unit | None] = {}
        self._found: dict[str, tuple[tuple[str, Unit | None], ...]] = {}
        # No longer text can be a directory name, even with a jurisdiction or a typo.
        self._longest_key = max(map(len, self._exact), default=0) + 16

    def find(self, text: str) -> list[tuple[str, Unit | None]]:
        """The units a cell names, in the cell's order: each as written (tidied)
        with its directory unit, or None. Directory names come first, longest
        first, across the "và", commas and line breaks some of them hold ("Văn
        phòng HĐND và UBND đặc khu"); only what is left is split by wording."""
        text = nfc(text or "")
        if text not in self._found:
            self._found[text] = tuple(self._find(text))
        return list(self._found[text])

    def split(self, text: str) -> list[str]:
        """split_units() that keeps directory names whole."""
        return [name for name, _ in self.find(text)]

    def _find(self, text: str) -> list[tuple[str, Unit | None]]:
        pieces = [p for p in _pieces(text) if _tidy(text[p[0]:p[1]])]
        taken = self._longest_matches(text, pieces)
        out: list[tuple[str, Unit | None]] = []
        i = 0
        while i < len(pieces):
            j, unit = taken.get(i, (i + 1, None))
            name = _tidy(text[pieces[i][0]:pieces[j - 1][1]])
            out.append((name, unit or self.match(name)))
            i = j
        return out

    def _longest_matches(self, text: str, pieces: list[Span]) -> dict[int, tuple[int, Unit]]:
        """Runs of consecutive pieces naming a directory unit, longest first and
        never overlapping: first piece → (end piece, unit). A run starts and ends
        only where a unit may start by its wording, so "Các Sở, ban, ngành, cơ
        quan, đơn vị, địa phương" is not cut into two aliases mid-list."""
        found: list[tuple[int, int, int, Unit]] = []
        for i in range(len(pieces)):
            for j in range(i + 1, len(pieces) + 1):
                name = _tidy(text[pieces[i][0]:pieces[j - 1][1]])
                length = len(unit_key(name))
                if length > self._longest_key:
                    break
                unit = self.match(name)
                if unit:
                    found.append((length, i, j, unit))
        taken: dict[int, tuple[int, Unit]] = {}
        used: set[int] = set()
        for _, i, j, unit in sorted(found, key=lambda f: (-f[0], f[1])):
            if used.isdisjoint(range(i, j)):
                used.update(range(i, j))
                taken[i] = (j, unit)
        return taken

    def match(self, name: str) -> Unit | None:
        if name in self._cache:
            return self._cache[name]
        found = self._match(unit_key(name))
        self._cache[name] = found
        return found

    def _match(self, key: str) -> Unit | None:
        if not key:
            return None
        if key in self._exact:
            return self._exact[key]
        loose = loose_unit_key(key)
        candidates = {u.key: u for u in self._loose.get(loose, [])}
        if len(candidates) == 1:
            return next(iter(candidates.values()))
        # Last resort for long names: one or two letters off (typos, lost diacritics
        # already folded away). Short names are too close to each other to risk it.
        if len(loose) >= 14:
            best, best_ratio, tie = None, 0.0, False
            for other, units in self._loose.items():
                if abs(len(other) - len(loose)) > 3:
                    continue
                matcher = SequenceMatcher(None, loose, other)
                # Cheap upper bounds first: below the bar, the full ratio cannot win.
                if matcher.real_quick_ratio() < 0.93 or matcher.quick_ratio() < 0.93:
                    continue
                ratio = matcher.ratio()
                if ratio > best_ratio:
                    best, best_ratio, tie = units, ratio, len({u.key for u in units}) > 1
            if best and best_ratio >= 0.93 and not tie:
                return best[0]
        return None
