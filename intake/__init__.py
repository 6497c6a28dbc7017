"""Importing task tables (Phụ lục) as offices have them: TSV/CSV text, Excel,
Word. `read_plan` is the whole API: bytes or a path in, records and problems out.
It is pure (no database, no Temporal): the CLI and the store build on it."""
from __future__ import annotations

from pathlib import Path

from domain.directory import Directory
from intake.brokentext import broken_tables
from intake.plan import plan_name
from intake.readers import RawDocument, read_csv, read_docx, read_tsv, read_xlsx
from intake.records import ImportResult, IndicatorRecord, IntakeError, Problem, TaskRecord
from intake.sniff import decode_text, sniff
from intake.build import build_records

__all__ = ["read_plan", "read_document", "ImportResult", "TaskRecord", "IndicatorRecord",
           "Problem", "IntakeError"]


def read_plan(source: str | Path | bytes, directory: Directory, plan: str | None = None,
              filename: str | None = None) -> ImportResult:
    """Read a plan's task (and indicator) tables. `source` is a path or the file's
    bytes. Raises IntakeError when nothing can be imported, saying why."""
    data, filename = _load(source, filename)
    doc = read_document(data, filename)
    tasks, indicators, problems = build_records(doc, directory)
    broken = broken_tables(doc)
    if not tasks and not indicators:
        if broken:
            raise IntakeError("Không nhập được bảng nào.\n" + "\n".join(f"- {m}" for m in broken))
        raise IntakeError(
            "Không tìm thấy bảng nhiệm vụ nào: cần một dòng tiêu đề có cột STT và cột tên nhiệm vụ "
            "(«Tên nhiệm vụ», «Nội dung công việc»…) hoặc tên chỉ tiêu («Tên chỉ tiêu»).")
    problems.extend(Problem(None, None, "warning", message) for message in broken)
    name = plan or plan_name(doc.text_lines, filename)
    return ImportResult(plan=name, tasks=tasks, indicators=indicators, problems=problems)


def read_document(data: bytes, filename: str | None = None) -> RawDocument:
    kind = sniff(data, filename)
    if kind == "xlsx":
        return read_xlsx(data)
    if kind == "docx":
        return read_docx(data)
    text = decode_text(data)
    if kind == "csv":
        return read_csv(text)
    doc = read_tsv(text)
    doc.kind = "tsv" if kind == "tsv" else "text"
    return doc


def _load(source: str | Path | bytes, filename: str | None) -> tuple[bytes, str | None]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), filename
    path = Path(source)
    try:
        return path.read_bytes(), filename or path.name
    except FileNotFoundError:
        raise IntakeError(f"Không tìm thấy tệp «{path}».") from None
    except IsADirectoryError:
        raise IntakeError(f"«{path}» là thư mục, không phải tệp.") from None
    except OSError as exc:
        raise IntakeError(f"Không đọc được tệp «{path}»: {exc.strerror or exc}.") from None
