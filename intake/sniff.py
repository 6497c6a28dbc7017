"""Recognising what a file is from its bytes, not only from its name.

Offices rename files freely (a .xls that is really .xlsx, a .txt that is a CSV),
so the content decides; the extension only breaks ties between text formats.
"""
from __future__ import annotations

import csv
import io
import zipfile

from intake.records import IntakeError

__all__ = ["sniff", "decode_text"]

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # legacy .xls/.doc


def sniff(data: bytes, filename: str | None = None) -> str:
    """One of "xlsx", "docx", "pdf", "tsv", "csv", "text"; IntakeError when unreadable."""
    if not data or not data.strip():
        raise IntakeError("Tệp rỗng: không có nội dung nào để nhập.")
    if data.startswith(_ZIP):
        return _sniff_zip(data)
    if data.startswith(_OLE):
        raise IntakeError(
            "Tệp là Excel/Word định dạng cũ (.xls/.doc), chưa đọc được; "
            "hãy mở và lưu lại dưới dạng .xlsx hoặc .docx rồi nhập lại.")
    if b"%PDF-" in data[:1024]:     # readers accept the marker anywhere in the first kilobyte
        return "pdf"
    if data.lstrip()[:5].lower() in (b"{\\rtf",):
        raise IntakeError("Tệp là RTF, chưa đọc được; hãy lưu lại dưới dạng .docx.")
    text = decode_text(data)
    return sniff_text(text, filename)


def sniff_text(text: str, filename: str | None = None) -> str:
    lines = [line for line in text.splitlines()[:400] if line.strip()]
    tab_lines = sum(1 for line in lines if line.count("\t") >= 2)
    if tab_lines >= 2:
        return "tsv"
    ext = (filename or "").lower().rsplit(".", 1)[-1] if filename and "." in filename else ""
    if _looks_csv(lines) or (ext == "csv" and lines):
        return "csv"
    if ext in ("tsv", "tab") and tab_lines:
        return "tsv"
    return "text"


def _looks_csv(lines: list[str]) -> bool:
    """At least a few consecutive records with the same (≥3) field count."""
    sample = "\n".join(lines[:60])
    for delimiter in (",", ";"):
        try:
            rows = list(csv.reader(io.StringIO(sample), delimiter=delimiter))
        except csv.Error:
            continue
        counts = [len(r) for r in rows if len(r) >= 3]
        if len(counts) >= 2 and max(counts.count(c) for c in set(counts)) >= 2:
            # Prose has commas too; demand that most lines split the same way.
            common = max(set(counts), key=counts.count)
            if counts.count(common) >= max(2, len(rows) // 3):
                return True
    return False


def _sniff_zip(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile as exc:
        raise IntakeError(f"Tệp nén bị hỏng, không mở được ({exc}).") from None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "content.xml" in names:
        raise IntakeError(
            "Tệp là OpenDocument (.odt/.ods), chưa đọc được; hãy lưu lại dưới dạng .docx hoặc .xlsx.")
    raise IntakeError("Tệp nén (.zip) không phải Word hay Excel; không có bảng nào để nhập.")


def decode_text(data: bytes) -> str:
    """Text from bytes: UTF-8 (with or without BOM), UTF-16 by BOM, else the
    Vietnamese Windows code page. Binary junk is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1258")
        except UnicodeDecodeError:
            raise IntakeError("Không đọc được tệp: không phải văn bản UTF-8, Excel hay Word.") from None
    if "\x00" in text[:4096]:
        raise IntakeError("Không đọc được tệp: nội dung nhị phân, không phải văn bản, Excel hay Word.")
    return text
