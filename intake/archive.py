"""The ZIP container of an XLSX/DOCX file, checked before any XML parser reads it.

openpyxl and python-docx read parts whole; a part of 50 MB of XML compresses to
50 KB ("zip bomb"). Every part is measured twice: by the size the archive declares
and by actually decompressing it in chunks with a counter, since declared sizes can
lie. Office never writes a DOCTYPE, the way to an entity-expansion bomb, so an XML
part with one is refused too.
"""
from __future__ import annotations

import io
import zipfile
import zlib

from intake.limits import (MAX_ENTRIES, MAX_PART, MAX_RATIO, MAX_TOTAL, RATIO_FROM, count,
                           megabytes)
from intake.records import IntakeError

__all__ = ["check_archive"]

_CHUNK = 1 << 20
_DOCTYPE = tuple("<!DOCTYPE".encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be"))
_TOO_BIG = "Tệp quá lớn khi giải nén: "
_ADVICE = "; hãy xóa dữ liệu thừa hoặc chia nhỏ tệp rồi nhập lại."


def check_archive(data: bytes) -> None:
    """IntakeError, in Vietnamese, when the archive is damaged or asks for more
    than intake/limits.py allows; nothing when it may be parsed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            _check_declared(infos)
            total = 0
            for info in infos:
                total += _measure(archive, info, MAX_TOTAL - total)
    except zipfile.BadZipFile as exc:
        raise IntakeError(f"Tệp nén bị hỏng, không mở được ({exc}).") from None
    except (zlib.error, EOFError, ValueError) as exc:
        raise IntakeError(f"Tệp nén bị hỏng, không giải nén được ({exc}).") from None
    except RuntimeError:   # zipfile: an encrypted part
        raise IntakeError("Tệp có phần được đặt mật khẩu; hãy bỏ mật khẩu rồi nhập lại.") from None
    except NotImplementedError:
        raise IntakeError("Tệp nén dùng kiểu nén không hỗ trợ; hãy mở và lưu lại bằng Word/Excel.") from None


def _check_declared(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ENTRIES:
        raise IntakeError(f"Tệp nén có {count(len(infos))} phần, quá nhiều cho một tệp Word/Excel; "
                          "không đọc.")
    for info in infos:
        if info.file_size > MAX_PART:
            raise IntakeError(f"{_TOO_BIG}phần «{info.filename}» vượt {megabytes(MAX_PART)}{_ADVICE}")
    if sum(info.file_size for info in infos) > MAX_TOTAL:
        raise IntakeError(f"{_TOO_BIG}tổng cộng vượt {megabytes(MAX_TOTAL)}{_ADVICE}")


def _measure(archive: zipfile.ZipFile, info: zipfile.ZipInfo, room: int) -> int:
    """The part's real size, decompressed chunk by chunk; IntakeError as soon as it
    passes a cap (the part's, the room left in the total, the compression ratio)."""
    xml = info.filename.lower().endswith((".xml", ".rels"))
    size, tail = 0, b""
    with archive.open(info) as part:
        while chunk := part.read(_CHUNK):
            size += len(chunk)
            if size > MAX_PART:
                raise IntakeError(f"{_TOO_BIG}phần «{info.filename}» vượt {megabytes(MAX_PART)}{_ADVICE}")
            if size > room:
                raise IntakeError(f"{_TOO_BIG}tổng cộng vượt {megabytes(MAX_TOTAL)}{_ADVICE}")
            if size > RATIO_FROM and size > MAX_RATIO * max(info.compress_size, 1):
                raise IntakeError(
                    f"Tệp có dấu hiệu «bom nén»: phần «{info.filename}» bị nén hơn {MAX_RATIO} lần, "
                    "điều tệp Word/Excel bình thường không có; không đọc.")
            if xml and any(mark in tail + chunk for mark in _DOCTYPE):
                raise IntakeError(f"Phần «{info.filename}» của tệp có khai báo DOCTYPE, điều Word/Excel "
                                  "không bao giờ ghi; tệp có thể độc hại, không đọc.")
            tail = chunk[-32:]
    return size
