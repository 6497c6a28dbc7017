"""Tolerant matching of unit and official names against the directory.

Documents name the same unit many ways ("Phòng Văn hóa-Xã hội đặc khu",
"Phòng Văn hoá - Xã hội", "Sở KH&CN") and misspell officials ("Phạm Trí Tuyến",
"Tuyên", "Tuyền"). Matching works on a key: ascii-folded, abbreviations expanded,
punctuation and jurisdiction suffixes dropped. Pure, no I/O.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from config.directory import Directory, Official, Unit
from domain.text import ascii_fold, fold, nfc

__all__ = [
    "split_units", "unit_key", "UnitMatcher", "OfficialMention", "parse_officials",
    "OfficialMatcher", "is_generic_unit",
]

# Abbreviations expanded before comparing (on ascii-folded words).
_ABBREVIATIONS = (
    (re.compile(r"\bubnd\b"), "uy ban nhan dan"),
    (re.compile(r"\bhdnd\b"), "hoi dong nhan dan"),
    (re.compile(r"\bmttq\b"), "mat tran to quoc"),
    (re.compile(r"\bkh ?& ?cn\b|\bkh ?va ?cn\b|\bkhcn\b"), "khoa hoc va cong nghe"),
    (re.compile(r"\bvh ?- ?xh\b|\bvhxh\b"), "van hoa xa hoi"),
    (re.compile(r"\btp\b\.?"), "thanh pho"),
    (re.compile(r"\bvn\b"), "viet nam"),
    (re.compile(r"\bbcd\b"), "ban chi dao"),
    (re.compile(r"&"), " va "),
)
_PUNCT = re.compile(r"[^a-z0-9 ]+")
_SPACE = re.compile(r"\s+")
# Where a unit sits; "Phòng Văn hóa - Xã hội đặc khu" is the same unit as the
# directory's "Phòng Văn hóa - Xã hội" in a directory that serves one body.
_JURISDICTION = re.compile(r" (?:dac khu|thanh pho|cap xa|cap tinh|cap huyen|tinh|huyen|thi xa)$")

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

# Phrases that are not a unit anyone can be reminded through; kept as text, never
# warned about ("Các đơn vị liên quan").
_GENERIC = frozenset({
    "cac don vi lien quan", "cac co quan lien quan", "cac don vi co lien quan",
    "cac co quan co lien quan", "cac don vi dia phuong lien quan", "don vi lien quan",
    "co quan lien quan", "cac co quan don vi lien quan",
})


@lru_cache(maxsize=16384)
def unit_key(name: str) -> str:
    """Comparison key of a unit name."""
    s = ascii_fold(name)
    for pattern, repl in _ABBREVIATIONS:
        s = pattern.sub(repl, s)
    s = _SPACE.sub(" ", _PUNCT.sub(" ", s)).strip()
    return s


def _without_jurisdiction(key: str) -> str:
    loose = _JURISDICTION.sub("", key).strip()
    # Never reduce a name to a single generic word ("Các xã, phường, đặc khu").
    return loose if " " in loose else key


def is_generic_unit(name: str) -> bool:
    return unit_key(name) in _GENERIC


def split_units(text: str) -> list[str]:
    """Split a cell naming several units: one per line, "…; …", "…, Sở …",
    "… và Sở …". Commas inside parentheses and inside one name are kept."""
    return list(_split_units(text or ""))


@lru_cache(maxsize=8192)
def _split_units(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for line in nfc(text or "").split("\n"):
        for part in _split_outside_parens(line, ";"):
            for piece in _split_commas(part):
                out.extend(_split_and(piece))
    return tuple(p for p in (_tidy(p) for p in out) if p)


def _tidy(s: str) -> str:
    return s.strip().strip("-–•+*").strip().rstrip(".,;").strip()


def _split_outside_parens(s: str, sep: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == sep and depth == 0:
            parts.append(s[start:i])
            start = i + 1
    parts.append(s[start:])
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


def _split_commas(part: str) -> list[str]:
    pieces = _split_outside_parens(part, ",")
    out = [pieces[0]]
    for piece in pieces[1:]:
        if _starts_unit(piece, lowercase_ok=True) and _starts_unit(out[0], lowercase_ok=True):
            out.append(piece)
        else:
            out[-1] = out[-1] + "," + piece
    return out


def _split_and(piece: str) -> list[str]:
    out: list[str] = []
    rest = piece
    while True:
        for m in _AND.finditer(rest):
            after = rest[m.end():]
            if _starts_unit(after, lowercase_ok=True) and not _continues_name(after):
                out.append(rest[: m.start()])
                rest = after
                break
        else:
            out.append(rest)
            return out


def _continues_name(after: str) -> bool:
    # "Khoa học và Công nghệ", "Văn hóa và Thể thao": "và" followed by a word that is
    # a head only by accident. "Công" opens "Công an" but not "Công nghệ".
    folded = ascii_fold(after)
    return folded.startswith("cong nghe") or folded.startswith("cong thuong") or folded.startswith("dau tu")


class UnitMatcher:
    """Finds directory units by name or alias, tolerantly."""

    def __init__(self, directory: Directory) -> None:
        self._exact: dict[str, Unit] = {}
        self._loose: dict[str, list[Unit]] = {}
        for unit in directory.units:
            for name in (unit.name, *unit.aliases, unit.key):
                key = unit_key(name)
                if key:
                    self._exact.setdefault(key, unit)
                    self._loose.setdefault(_without_jurisdiction(key), []).append(unit)
        self._cache: dict[str, Unit | None] = {}

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
        loose = _without_jurisdiction(key)
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
                ratio = SequenceMatcher(None, loose, other).ratio()
                if ratio > best_ratio:
                    best, best_ratio, tie = units, ratio, len({u.key for u in units}) > 1
            if best and best_ratio >= 0.93 and not tie:
                return best[0]
        return None


@dataclass(frozen=True)
class OfficialMention:
    name: str            # as written: a person's name, or a title ("Giám đốc Sở KHCN")
    title: str           # the rest: chức vụ
    role: str            # "lead" | "adviser" | "coordinator"
    by_title: bool       # True when the document names the office, not the person


_MENTION_SPLIT = re.compile(r"(?:^|\s|-|;|\.)(?=(?:đồng chí|đ/c|ông|bà)\s)", re.I)
_MENTION_HEAD = re.compile(r"^\s*[-–•+*]?\s*(?:đồng chí|đ/c|ông|bà)\s+", re.I)
_ROLE = re.compile(r":\s*([^:]+?)\s*\.?\s*$")
# Names that start with one of these are offices, not people.
_TITLE_WORDS = re.compile(
    r"^(?:pho |nguyen )?(?:giam doc|chanh|bi thu|chu tich|truong|chu nhiem|tong|thu truong|"
    r"uy vien|can bo|cong chuc|lanh dao|chi huy|tu lenh|chu tri|thu ky)\b"
)


def parse_officials(text: str) -> list[OfficialMention]:
    """Officials named in a "Chủ trì chỉ đạo" / "Lãnh đạo phụ trách" cell:
    "Đồng chí <Tên>, <chức vụ>: Chủ trì." / "…: Tham mưu thực hiện.". Several per
    cell, on separate lines or run together ("- Đồng chí A, … - Đồng chí B, …")."""
    text = nfc(text or "").strip()
    if not text:
        return []
    chunks = [c for c in _MENTION_SPLIT.split(" ".join(text.split("\n"))) if c.strip(" -–;.")]
    if len(chunks) == 1 and not _MENTION_HEAD.match(chunks[0]):
        chunks = [line for line in text.split("\n") if line.strip()]
    return [m for m in (_mention(c) for c in chunks) if m]


def _mention(chunk: str) -> OfficialMention | None:
    chunk = _MENTION_HEAD.sub("", chunk.strip(" -–•;\n")).strip().rstrip(" -–;")
    if not chunk:
        return None
    role = "lead"
    m = _ROLE.search(chunk)
    if m:
        word = ascii_fold(m.group(1))
        if "tham muu" in word:
            role = "adviser"
        elif "phoi hop" in word:
            role = "coordinator"
        chunk = chunk[: m.start()].strip()
    chunk = chunk.rstrip(".").strip()
    name, _, title = chunk.partition(",")
    name = name.strip()
    return OfficialMention(name=name, title=title.strip(), role=role,
                           by_title=bool(_TITLE_WORDS.match(ascii_fold(name))))


class OfficialMatcher:
    """Finds directory officials by name (tolerant on the given name) or title."""

    def __init__(self, directory: Directory) -> None:
        self._officials = directory.officials
        self._by_spelling: dict[str, list[Official]] = {}
        self._by_name: dict[str, list[Official]] = {}
        self._by_title: dict[str, list[Official]] = {}
        for o in directory.officials:
            for n in (o.name, *o.aliases):
                self._by_spelling.setdefault(fold(n), []).append(o)
                self._by_name.setdefault(_person_key(n), []).append(o)
                self._by_title.setdefault(unit_key(n), []).append(o)
            if o.title:
                self._by_title.setdefault(unit_key(o.title), []).append(o)

    def match(self, mention: OfficialMention) -> Official | None:
        if mention.by_title:
            return self._one(self._by_title.get(unit_key(mention.name), []))
        # The exact spelling (diacritics kept) decides between "Tuấn" and "Tuân".
        exact = self._one(self._by_spelling.get(fold(mention.name), []))
        if exact:
            return exact
        key = _person_key(mention.name)
        exact = self._one(self._by_name.get(key, []))
        if exact:
            return exact
        # Tolerance: same family and middle names, given name one edit away.
        words = key.split()
        if len(words) < 2:
            return None
        close = [o for other, officials in self._by_name.items()
                 for o in officials if _close_name(words, other.split())]
        return self._one(close)

    @staticmethod
    def _one(officials: list[Official]) -> Official | None:
        unique = {o.key: o for o in officials}
        return next(iter(unique.values())) if len(unique) == 1 else None


def _person_key(name: str) -> str:
    return _SPACE.sub(" ", _PUNCT.sub(" ", ascii_fold(name))).strip()


def _close_name(a: list[str], b: list[str]) -> bool:
    if len(a) != len(b) or a[:-1] != b[:-1]:
        return False
    return _edits_at_most_one(a[-1], b[-1])


def _edits_at_most_one(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = j = edits = 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            i += 1
            j += 1
            continue
        edits += 1
        if edits > 1:
            return False
        if len(a) == len(b):
            i += 1
        j += 1
    return edits + (len(b) - j) + (len(a) - i) <= 1
