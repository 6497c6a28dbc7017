"""Officials named in a "Chủ trì chỉ đạo" / "Lãnh đạo phụ trách" cell, and their
match in the directory.

Offices write the same thing many ways:
    "Đồng chí Phạm Trí Tuyến, Phó Chủ tịch UBND đặc khu: Chủ trì."
    "Đ/c Nguyễn Văn A - Ủy viên Đảng ủy, Trưởng phòng Nội vụ: Tham mưu thực hiện"
    "Ông Lê Văn B – Giám đốc Sở; Bà Trần Thị C – Phó Giám đốc Sở: Phối hợp"
    "Tham mưu: đ/c A, Chánh Văn phòng; đ/c B, Phó Chánh Văn phòng"
several people per cell, on separate lines or run together, the role after a colon
or as a label before the names. Matching is tolerant on the given name
("Tuyến", "Tuyên", "Tuyền"). Pure, no I/O.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from domain.directory import Directory, Official
from domain.namekeys import person_key, unit_key
from domain.text import ascii_fold, fold, nfc

__all__ = ["OfficialMention", "parse_officials", "OfficialMatcher"]


@dataclass(frozen=True)
class OfficialMention:
    name: str            # as written: a person's name, or a title ("Giám đốc Sở KHCN")
    title: str           # the rest: chức vụ
    role: str            # "lead" | "adviser" | "coordinator"
    by_title: bool       # True when the document names the office, not the person


# "Đồng chí"/"đ/c" open a mention wherever a word starts. "Ông"/"Bà" only after a
# separator and before a capitalised word, so "tỉnh Bà Rịa" or "bà con" never do.
_HONORIFIC = re.compile(r"(?P<comrade>đồng\s+chí|đ\s?/\s?c)\.?\s+|(?P<sir>ông|bà)\s+(?=\w)", re.I)
_SEPARATORS = ";,.:-–—•+*\n"
_EDGE = " \t\n-–—;,•+*"
_ROLE = re.compile(r":\s*([^:]+?)\s*\.?\s*$")
# A role label closing a chunk applies to the people after it ("…; Tham mưu: đ/c B").
_LABEL_AFTER = re.compile(r"(?:^|[;.\n]|\s[-–—])\s*([^:;.\n]+?)\s*:\s*$")
_LABEL = re.compile(r"^(?:lanh dao )?(?:chu tri|tham muu|phu trach|phoi hop|chi dao)"
                    r"(?: chi dao| thuc hien| theo doi)?$")
# A person's name ends at the first comma, dash or parenthesis: names hold none.
_NAME_END = re.compile(r"\s*(?:[,;(]|[-–—])\s*")
# Names that start with one of these are offices, not people. Diacritics kept:
# "Trương" is a family name, "Trưởng" a title.
_TITLE_WORDS = re.compile(
    r"^(?:phó |nguyên )?(?:giám đốc|chánh|bí thư|chủ tịch|trưởng|chủ nhiệm|tổng|thứ trưởng|"
    r"ủy viên|uỷ viên|cán bộ|công chức|lãnh đạo|chỉ huy|tư lệnh|chủ trì|thư ký)\b"
)
# The same for text typed without diacritics.
_TITLE_WORDS_ASCII = re.compile(
    r"^(?:pho |nguyen )?(?:giam doc|chanh|bi thu|chu tich|truong|chu nhiem|tong|thu truong|"
    r"uy vien|can bo|cong chuc|lanh dao|chi huy|tu lenh|chu tri|thu ky)\b"
)


@dataclass
class _Chunk:
    text: str                    # name and title: honorific and role removed
    own: str | None = None       # role written after it ("…: Tham mưu thực hiện")
    label: str | None = None     # role of a label written before it ("Tham mưu: …")
    ends_group: bool = False     # a line break, full stop or label follows it
    next_label: str | None = None  # a label closing it, for the people after it


def parse_officials(text: str) -> list[OfficialMention]:
    """Officials named in a cell, in order. A role written once after several
    people ("Đồng chí A - …; Đồng chí B - …: Tham mưu thực hiện") is the role of
    each of them back to the previous line break or full stop; a role label
    ("Tham mưu: đ/c A; đ/c B") is the role of everyone after it. A person without
    any role leads."""
    text = nfc(text or "").strip()
    if not text:
        return []
    chunks = _chunks(text)
    role: str | None = None
    for chunk in reversed(chunks):
        if chunk.ends_group:
            role = None
        role = chunk.own or role
        chunk.own = chunk.own or chunk.label or role
    return [m for m in (_mention(c.text, c.own or "lead") for c in chunks) if m]


def _chunks(text: str) -> list[_Chunk]:
    starts = _starts(text)
    if not starts:
        # No honorific: one person per line ("Giám đốc Sở KHCN: Chủ trì").
        return [_chunk(line) for line in text.split("\n") if line.strip(_EDGE)]
    out: list[_Chunk] = []
    lead_in = text[: starts[0][0]].strip(_EDGE)
    label = _role_label(lead_in[:-1]) if lead_in.endswith(":") else None
    if lead_in and label is None:
        out.extend(_chunk(line) for line in lead_in.split("\n") if line.strip(_EDGE))
    ends = [s for s, _ in starts[1:]] + [len(text)]
    for (_, body_start), end in zip(starts, ends):
        chunk = _chunk(text[body_start:end], label)
        label = chunk.next_label or label
        out.append(chunk)
    return out


def _starts(text: str) -> list[tuple[int, int]]:
    """(honorific start, name start) of every mention."""
    out = []
    for m in _HONORIFIC.finditer(text):
        before = text[: m.start()]
        if before and (before[-1].isalnum() or before[-1] == "/"):
            continue                           # inside a word
        if m.group("sir"):
            prev = before.rstrip(" \t")
            if (prev and prev[-1] not in _SEPARATORS) or not text[m.end()].isupper():
                continue
        out.append((m.start(), m.end()))
    return out


def _chunk(body: str, label: str | None = None) -> _Chunk:
    """One mention's text, the role after its colon and a label closing it."""
    core = body.strip(_EDGE)
    tail = body[len(body.rstrip(_EDGE + ".")):]
    chunk = _Chunk(core, label=label, ends_group="\n" in tail or "." in tail)
    m = _LABEL_AFTER.search(core)
    if m and _role_label(m.group(1)):
        chunk.next_label, chunk.ends_group = _role_label(m.group(1)), True
        core = core[: m.start()].strip(_EDGE)
    m = _ROLE.search(core)
    if m:
        chunk.own = _role_word(m.group(1))
        core = core[: m.start()].strip(_EDGE)
    chunk.text = core.rstrip(".").strip()
    return chunk


def _role_word(text: str) -> str | None:
    word = ascii_fold(text)
    if "tham muu" in word:
        return "adviser"
    if "phoi hop" in word:
        return "coordinator"
    if any(w in word for w in ("chu tri", "phu trach", "chi dao", "thuc hien")):
        return "lead"
    return None


def _role_label(text: str) -> str | None:
    """The role of a label that is nothing but a role ("Tham mưu thực hiện"), so
    that a title ending a chunk ("Ủy viên Ban Chỉ đạo:") is never taken for one."""
    return _role_word(text) if _LABEL.match(ascii_fold(text)) else None


def _mention(text: str, role: str) -> OfficialMention | None:
    if not text:
        return None
    if _is_title(text):
        # An office: its own name may hold a dash ("Trưởng phòng Văn hóa - Xã hội").
        name, _, title = text.partition(",")
    else:
        m = _NAME_END.search(text)
        name, title = (text[: m.start()], text[m.end():]) if m else (text, "")
        if m and "(" in m.group():
            title = title.rstrip(") ")
    name = name.strip()
    if not name:
        return None
    return OfficialMention(name=name, title=title.strip(" ,;-–—"), role=role,
                           by_title=_is_title(name))


def _is_title(text: str) -> bool:
    folded = fold(text)
    if _TITLE_WORDS.match(folded):
        return True
    return folded == ascii_fold(text) and bool(_TITLE_WORDS_ASCII.match(folded))


class OfficialMatcher:
    """Finds directory officials by name (tolerant on the given name) or title."""

    def __init__(self, directory: Directory) -> None:
        self._by_spelling: dict[str, list[Official]] = {}
        self._by_name: dict[str, list[Official]] = {}
        self._by_title: dict[str, list[Official]] = {}
        for o in directory.officials:
            for n in (o.name, *o.aliases):
                self._by_spelling.setdefault(fold(n), []).append(o)
                self._by_name.setdefault(person_key(n), []).append(o)
                self._by_title.setdefault(unit_key(n), []).append(o)
            if o.title:
                self._by_title.setdefault(unit_key(o.title), []).append(o)

    def match(self, mention: OfficialMention) -> Official | None:
        if mention.by_title:
            found = self._one(self._by_title.get(unit_key(mention.name), []))
            head = _NAME_END.split(mention.name, maxsplit=1)[0]
            # "Phó Chủ tịch UBND - Trưởng Ban Chỉ đạo": the first title names the person.
            return found or self._one(self._by_title.get(unit_key(head), []))
        # The exact spelling (diacritics kept) decides between "Tuấn" and "Tuân".
        exact = self._one(self._by_spelling.get(fold(mention.name), []))
        if exact:
            return exact
        key = person_key(mention.name)
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
