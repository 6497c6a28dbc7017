"""Comparison keys for unit and person names.

Shared by unit matching (domain/names.py) and official matching
(domain/officials.py); kept apart so neither module imports the other. A key is
ascii-folded, abbreviations expanded, punctuation dropped. Pure, no I/O.
"""
from __future__ import annotations

import re
from functools import lru_cache

from domain.text import ascii_fold

__all__ = ["unit_key", "loose_unit_key", "person_key", "is_generic_unit"]

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


def loose_unit_key(key: str) -> str:
    """A unit key without its jurisdiction suffix ("… đặc khu")."""
    loose = _JURISDICTION.sub("", key).strip()
    # Never reduce a name to a single generic word ("Các xã, phường, đặc khu").
    return loose if " " in loose else key


def person_key(name: str) -> str:
    """Comparison key of a person's name: folded words, nothing else."""
    return _SPACE.sub(" ", _PUNCT.sub(" ", ascii_fold(name))).strip()


def is_generic_unit(name: str) -> bool:
    return unit_key(name) in _GENERIC
