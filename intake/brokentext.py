"""Spotting tables that text extraction from PDF has broken beyond repair.

Such text (seed 001's appendices) has every cell cut into several lines and no
column separator left: "Stt", "Tên nhiệm vụ", "Cơ quan chủ trì" each on their own
lines, then the rows' words one fragment per line. Guessing the columns back
would invent data, so these tables are reported, by appendix, instead of imported.
"""
from __future__ import annotations

import re

from domain.text import ascii_fold
from intake.readers import RawDocument

__all__ = ["broken_tables"]

_STT_LINE = re.compile(r"^(?:stt|tt|so tt)\b")
_APPENDIX = re.compile(r"^phu luc\b")
_MAIN = ("nhiem vu", "noi dung cong viec", "chi tieu")
_OTHER = ("chu tri", "phoi hop", "thoi gian", "thoi han", "san pham", "ket qua", "don vi", "nam 20")


def broken_tables(doc: RawDocument) -> list[str]:
    """One Vietnamese message per appendix whose table is PDF-broken text."""
    if doc.kind not in ("text", "tsv"):
        return []
    lines = [ascii_fold(line) for line in doc.text_lines]
    originals = [" ".join(line.split()) for line in doc.text_lines]
    found: dict[str, int] = {}
    order: list[str] = []
    appendix = "Bảng"
    for i, line in enumerate(lines):
        if _APPENDIX.match(line):
            appendix = _appendix_label(originals, i)
            continue
        if not _STT_LINE.match(line):
            continue
        window = " ".join(lines[i:i + 16])
        if any(m in window for m in _MAIN) and sum(o in window for o in _OTHER) >= 1:
            if appendix not in found:
                order.append(appendix)
                found[appendix] = 0
            found[appendix] += 1
    return [
        f"{label}: bảng ở dạng văn bản trích từ PDF, mỗi ô bị tách thành nhiều dòng và không còn "
        f"dấu phân cách cột ({found[label]} trang), nên không tách được cột một cách tin cậy; "
        f"bảng này chưa được nhập. Hãy dùng bản Word/Excel gốc hoặc chép bảng sang Excel rồi nhập lại."
        for label in order
    ]


def _appendix_label(lines: list[str], i: int) -> str:
    head = lines[i].strip().rstrip(":").strip()
    nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
    if len(head) <= 14 and nxt:            # "PHỤ LỤC 1:" with its title on the next line
        return f"{head} ({nxt[:80]})"
    return head[:100]
