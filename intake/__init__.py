"""Importing task tables (Phụ lục) as offices have them: TSV/CSV text, Excel,
Word, PDF with a text layer. `read_plan` is the whole API: bytes or a path in, records and problems out.
It is pure (no database, no Temporal): the CLI and the store build on it.
`read_plan_isolated` is the same in a child process with memory and time limits:
the one for files that come from users (intake/isolated.py). How much of a file is
read at all is capped in intake/limits.py."""
from __future__ import annotations

from pathlib import Path

from domain.directory import Directory
from intake.brokentext import broken_tables
from intake.plan import plan_name
from intake.excel import read_xlsx
from intake.readers import RawDocument, read_csv, read_docx, read_tsv
from intake.records import ImportResult, IndicatorRecord, IntakeError, Problem, TaskRecord
from intake.sniff import decode_text, sniff
from intake.build import build_records

__all__ = ["read_plan", "read_plan_isolated", "read_document", "ImportResult", "TaskRecord",
           "IndicatorRecord", "Problem", "IntakeError"]


def read_plan(source: str | Path | bytes, directory: Directory, plan: str | None = None,
              filename: str | None = None) -> ImportResult:
    """Read a plan's task (and indicator) tables. `source` is a path or the file's
    bytes. Raises IntakeError when nothing can be imported, saying why."""
    data, filename = _load(source, filename)
    doc = read_document(data, filename)
    tasks, indicators, problems = build_records(doc, directory)
    unread = broken_tables(doc) + doc.notes
    if not tasks and not indicators:
        if unread:
            raise IntakeError("Không nhập được bảng nào.\n" + "\n".join(f"- {m}" for m in unread))
        raise IntakeError(
            "Không tìm thấy bảng nhiệm vụ nào: cần một dòng tiêu đề có cột STT và cột tên nhiệm vụ "
            "(«Tên nhiệm vụ», «Nội dung công việc»…) hoặc tên chỉ tiêu («Tên chỉ tiêu»).")
    problems.extend(Problem(None, None, "warning", message) for message in unread)
    name = plan or plan_name(doc.text_lines, filename)
    return ImportResult(plan=name, tasks=tasks, indicators=indicators, problems=problems)


def read_plan_isolated(source: str | Path | bytes, directory: Directory, plan: str | None = None,
                       filename: str | None = None) -> ImportResult:
    """`read_plan` in a child process with limited memory, CPU time and wall time
    (intake/isolated.py): for files coming from users (CLI, web, API). Same result,
    same errors; a file that exhausts a limit raises IntakeError («Tệp quá lớn hoặc
    hỏng…») and the calling process loses nothing."""
    from intake.isolated import run_isolated

    data, filename = _load(source, filename)
    return run_isolated(data, directory, plan, filename)


def read_document(data: bytes, filename: str | None = None) -> RawDocument:
    kind = sniff(data, filename)
    if kind == "xlsx":
        return read_xlsx(data)
    if kind == "docx":
        return read_docx(data)
    if kind == "pdf":
        from intake.pdf import read_pdf  # pdfplumber is loaded for PDF files only

        return read_pdf(data)
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
