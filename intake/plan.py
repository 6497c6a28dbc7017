"""The plan an import belongs to, read from the document when not given.

Preference: the document's own number ("Số: 12/KH-UBND", or an appendix's
"Kèm theo Thông báo số 45-TB/BCĐ"), then its kind and subject ("Thông báo về
việc …"), then the file name. A number referred to in the body ("Thực hiện Kế
hoạch số 09-KH/ĐU") belongs to another document and is never used.
"""
from __future__ import annotations

import re
from pathlib import Path

from domain.text import ascii_fold, nfc

__all__ = ["plan_name"]

_KINDS = {
    "thong bao": "Thông báo", "ke hoach": "Kế hoạch", "quyet dinh": "Quyết định",
    "chuong trinh": "Chương trình", "cong van": "Công văn", "bao cao": "Báo cáo",
    "chi thi": "Chỉ thị", "nghi quyet": "Nghị quyết", "de an": "Đề án",
}
_MARKUP = re.compile(r"[#*_>`|]+")
_OWN_NUMBER = re.compile(r"^\s*số\s*:\s*(\d[\w./\-–]*[\w])", re.I)
_ATTACHED = re.compile(
    r"kèm theo\s+(thông báo|kế hoạch|quyết định|chương trình|công văn|chỉ thị)\s+số\s*:?\s*"
    r"(\d[\w./\-–]*[\w])", re.I)


def plan_name(lines: list[str], filename: str | None) -> str:
    cleaned = [_tidy(line) for line in lines[:400]]
    cleaned = [line for line in cleaned if line]
    kind = _kind(cleaned)
    for line in cleaned[:40]:
        m = _OWN_NUMBER.match(line)
        if m:
            return f"{kind or 'Văn bản'} số {m.group(1)}"
    for line in cleaned:
        m = _ATTACHED.search(line)
        if m:
            return f"{m.group(1).capitalize()} số {m.group(2)}"
    title = _title(cleaned)
    if title:
        return title
    if filename:
        return Path(filename).stem
    return "Kế hoạch chưa đặt tên"


def _tidy(line: str) -> str:
    return " ".join(_MARKUP.sub(" ", nfc(line)).split())


def _kind(lines: list[str]) -> str | None:
    for line in lines[:40]:
        folded = ascii_fold(line)
        if folded in _KINDS:
            return _KINDS[folded]
    return None


def _title(lines: list[str]) -> str | None:
    """The kind line ("THÔNG BÁO") with the subject line under it."""
    for i, line in enumerate(lines[:40]):
        kind = _KINDS.get(ascii_fold(line))
        if not kind:
            continue
        subject = lines[i + 1] if i + 1 < len(lines) else ""
        if subject and not set(subject) <= set("-–—_=. "):
            return f"{kind} {subject[0].lower()}{subject[1:]}" if subject[:1].isupper() and \
                not subject.split()[0].isupper() else f"{kind} {subject}"
        return kind
    return None
