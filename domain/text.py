"""Vietnamese text normalisation.

Documents reach us in NFC or NFD, with either tone-mark convention ("hóa"/"hoá",
"thủy"/"thuỷ"), the common misplacement "Qúy", and stray look-alike letters from
other scripts (a Cyrillic "а" inside a Vietnamese word). `fold` gives one canonical
form for matching while keeping diacritics; `ascii_fold` drops them as well.

Pure functions, no I/O: safe to import from Temporal workflow code.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["nfc", "fold", "ascii_fold"]

# Look-alikes seen (or likely) in PDF/Word extractions, mapped to the Latin letter
# a reader sees. Only letters that are visually identical are listed, so real
# Cyrillic/Greek text is not silently turned into nonsense beyond what matching needs.
_LOOKALIKES = {
    # Cyrillic lower case
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y",
    "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l",
    # Cyrillic upper case
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԛ": "Q",
    "Ԝ": "W", "Ӏ": "I",
    # Greek
    "ο": "o", "α": "a", "ι": "i", "κ": "k", "ν": "v", "ρ": "p", "υ": "u", "χ": "x",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Icelandic eth is often typed for Vietnamese đ/Đ; dotless i for i.
    "ð": "đ", "Ð": "Đ", "ı": "i",
}
# Invisible characters that split words in extracted text.
_INVISIBLE = {"\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None,
              "\ufeff": None, "\u00ad": None}
# Full-width ASCII (FF01–FF5E) typed by some Vietnamese IMEs.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_TRANSLATE = str.maketrans({**_LOOKALIKES, **_INVISIBLE}) | _FULLWIDTH

# The five Vietnamese tone marks as combining characters (NFD).
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
# Vowels whose shape (circumflex, breve, horn) attracts the tone mark.
_MARKED_VOWELS = frozenset("ăâêôơư")
_VOWELS = frozenset("aeiouy") | _MARKED_VOWELS
_FINALS = frozenset({"", "c", "ch", "m", "n", "ng", "nh", "p", "t"})
_WORD = re.compile(r"[^\W\d_]+")
_SPACE = re.compile(r"\s+")


def nfc(s: str) -> str:
    """Unicode NFC (composed) form."""
    return unicodedata.normalize("NFC", s)


def fold(s: str) -> str:
    """Canonical form for matching: NFC, Latin letters, one tone convention,
    lower case, single spaces, stripped. Keeps diacritics."""
    # Look-alikes are replaced on the decomposed text so that a Cyrillic base
    # letter followed by a combining tone becomes a Latin letter that composes.
    s = unicodedata.normalize("NFD", s).translate(_TRANSLATE)
    s = nfc(s).lower()
    s = _WORD.sub(lambda m: _retone(m.group()), s)
    return _SPACE.sub(" ", s).strip()


def ascii_fold(s: str) -> str:
    """fold() without any diacritics (đ → d), for tolerant matching."""
    decomposed = unicodedata.normalize("NFD", fold(s).replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def _retone(word: str) -> str:
    """Move the tone mark of one lower-case NFC word to its canonical vowel.

    Canonical is the "old" convention used by most of our documents: in an open
    syllable ending in oa/oe/uy the mark sits on the first vowel (hóa, khỏe, thủy).
    Words that do not look like one Vietnamese syllable are left untouched.
    """
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in _TONES]
    if len(tones) != 1:
        return word
    bare = nfc("".join(c for c in decomposed if c not in _TONES))
    target = _tone_position(bare)
    if target is None:
        return word
    return bare[:target] + nfc(bare[target] + tones[0]) + bare[target + 1:]


def _tone_position(syllable: str) -> int | None:
    """Index of the vowel that carries the tone in `syllable` (toneless, NFC)."""
    start = _nucleus_start(syllable)
    end = start
    while end < len(syllable) and syllable[end] in _VOWELS:
        end += 1
    if start == end or syllable[end:] not in _FINALS:
        return None
    nucleus = syllable[start:end]
    marked = [i for i, c in enumerate(nucleus) if c in _MARKED_VOWELS]
    if marked:  # ươ → ơ: the last shaped vowel wins
        return start + marked[-1]
    if len(nucleus) == 1:
        return start
    if syllable[end:]:  # closed syllable: hoàn, huýt, khuỳnh
        return end - 1
    if len(nucleus) == 3:  # oai, oay, uyu, oeo: the middle one
        return start + 1
    return start  # open pair: hóa, thủy, mía, múa, tái


def _nucleus_start(syllable: str) -> int:
    """Skip the initial consonant; "qu" and "gi" (before a vowel) are consonants,
    which is why "qúy" becomes "quý" and "gìa" becomes "già"."""
    i = 0
    while i < len(syllable) and syllable[i] not in _VOWELS:
        i += 1
    head = syllable[: i + 1]
    rest_is_vowel = i + 1 < len(syllable) and syllable[i + 1] in _VOWELS
    if head in ("qu", "gi") and rest_is_vowel:
        return i + 1
    return i


def duration_words(seconds: int) -> str:
    """Time left or overdue in Vietnamese words, for the CLI and the pages alike."""
    hours, rest = divmod(int(seconds), 3600)
    minutes = rest // 60
    if hours >= 48:
        return f"{hours // 24} ngày {hours % 24} giờ"
    if hours:
        return f"{hours} giờ {minutes} phút"
    return f"{minutes} phút" if minutes else f"{int(seconds)} giây"
