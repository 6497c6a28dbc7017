"""Rows → records: headers, sections, continuation rows, then fields.

Works on raw tables from any reader. A physical row becomes part of a logical
row (one task or indicator) by these rules, the same for every format:
- a header row starts a table; the same header again is a page break and skipped;
- a row whose STT is a Roman numeral (or a single capital letter) and that only
  has a title is a section;
- a row with an empty STT, or whose STT cell is merged with the row above,
  continues the row above cell by cell: joined with a space after a page break
  (a word cut by the page), with a new line otherwise (a sub-item in the same row);
- every other row with an STT is a new record.
Nothing is dropped: what cannot be read becomes a Problem next to the record.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from config.directory import Directory
from domain.deadlines import parse_deadline
from domain.names import (OfficialMatcher, UnitMatcher, is_generic_unit, parse_officials,
                          split_units)
from domain.targets import parse_target
from intake.cells import clean, one_line
from intake.columns import INDICATOR, TASK, HeaderMap, read_header
from intake.readers import RawDocument, RawRow, RawTable
from intake.records import IndicatorRecord, Problem, TaskRecord
from intake.status import read_status

__all__ = ["build_records", "Logical"]

_ROMAN = re.compile(r"^(?=[IVXLC])M*(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})$")
_LETTER = re.compile(r"^[A-H]$")
_STT_TRIM = re.compile(r"^[\s(]+|[\s.):]+$")


@dataclass
class Logical:
    """One task or indicator assembled from one or more physical rows."""
    kind: str
    header: HeaderMap
    first: RawRow
    where: str                       # "Dòng 57", "Bảng 2, dòng 5"
    cells: list[str]
    section: str
    section_id: str
    segment: int                     # which table (for STT qualification)
    problems: list[Problem] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)   # cells beyond the header's columns

    def get(self, name: str) -> str:
        col = self.header.column(name)
        return self.cells[col] if col is not None and col < len(self.cells) else ""


@dataclass
class _State:
    header: HeaderMap | None = None
    current: Logical | None = None
    section: str = ""
    section_id: str = ""
    last_was_section: bool = False
    page_break: bool = False
    segment: int = 0


def collect(doc: RawDocument) -> tuple[list[Logical], list[Problem]]:
    """Logical rows of every task and indicator table in the document."""
    out: list[Logical] = []
    problems: list[Problem] = []
    state = _State()
    segments = 0
    for table in doc.tables:
        has_header = any(read_header(r.cells) for r in table.rows[:60])
        continues = (not has_header and state.header is not None and doc.kind in ("docx", "tsv")
                     and _width(table) == state.header.width)
        if continues:
            state.page_break = True     # a table split across pages
        else:
            state = _State(segment=segments)
        for raw in table.rows:
            if raw.is_blank():
                state.page_break = state.page_break or state.header is not None
                continue
            header = read_header(raw.cells)
            if header:
                if state.header and header.signature() == state.header.signature():
                    state.page_break = True        # header repeated after a page break
                else:
                    segments += 1
                    state = _State(header=header, segment=segments)
                continue
            if state.header is None:
                continue                          # title rows above the header
            if raw.gap_before:
                state.page_break = True
            _place(raw, table, state, out, problems)
            state.page_break = False
    return out, problems


def _width(table: RawTable) -> int:
    return max((len(r.cells) for r in table.rows if not r.is_blank()), default=0)


def _where(table: RawTable, raw: RawRow) -> str:
    if table.label:
        return f"{table.label[0].upper()}{table.label[1:]}, dòng {raw.number}"
    return f"Dòng {raw.number}"


def _place(raw: RawRow, table: RawTable, state: _State, out: list[Logical],
           problems: list[Problem]) -> None:
    header = state.header
    assert header is not None
    where = _where(table, raw)
    cells = list(raw.cells[: header.width]) + [""] * max(0, header.width - len(raw.cells))
    extra = [c for c in raw.cells[header.width:] if c.strip()]
    stt_col = header.column("stt")
    stt = _stt(cells[stt_col]) if stt_col is not None else ""
    merged_stt = stt_col is not None and stt_col in raw.merged_above
    title_col = header.column("title" if header.kind == TASK else "name")

    if stt and not merged_stt and _is_section(stt, cells, stt_col, title_col):
        title = one_line(clean(cells[title_col])) if title_col is not None else ""
        state.section_id, state.section = stt, f"{stt}. {title}" if title else stt
        state.current, state.last_was_section = None, True
        return

    if not stt or merged_stt:
        if state.current is None and state.last_was_section and title_col is not None \
                and _only(cells, title_col, raw.merged_above):
            state.section = f"{state.section} {one_line(clean(cells[title_col]))}"  # section title cut by a page
            return
        if state.current is not None:
            sep = " " if state.page_break else "\n"
            _join(state.current, cells, raw.merged_above, sep)
            _check_width(raw, where, state.current, extra, header)
            return
        # Content with nothing above to continue: keep it as its own record, flagged.
        stt = f"dòng {raw.number}"
        record = Logical(header.kind, header, raw, where, cells, state.section,
                         state.section_id, state.segment)
        record.problems.append(Problem(raw.number, stt, "error",
            f"{where}: có nội dung nhưng không có STT và không có dòng nào phía trên để nối vào; "
            f"đã nhập với STT tạm «{stt}», cần kiểm tra lại."))
        record.cells[stt_col if stt_col is not None else 0] = stt
        out.append(record)
        state.current, state.last_was_section = record, False
        return

    record = Logical(header.kind, header, raw, where, cells, state.section,
                     state.section_id, state.segment)
    _check_width(raw, where, record, extra, header)
    out.append(record)
    state.current, state.last_was_section = record, False


def _check_width(raw: RawRow, where: str, record: Logical, extra: list[str],
                 header: HeaderMap) -> None:
    """A row with more cells than the header keeps the surplus in the notes; one
    with fewer has its missing cells empty. Both are flagged: columns may have shifted."""
    stt = _stt(record.get("stt")) or None
    if extra:
        record.extra.extend(extra)
        shown = " | ".join(one_line(clean(c))[:60] for c in extra)
        record.problems.append(Problem(raw.number, stt, "error",
            f"{where} (STT {stt}): dòng có {len(raw.cells)} ô, nhiều hơn {header.width} cột của "
            f"tiêu đề; các ô thừa «{shown}» được giữ trong ghi chú, cần kiểm tra lại."))
    elif len(raw.cells) < header.width:
        record.problems.append(Problem(raw.number, stt, "warning",
            f"{where} (STT {stt}): dòng chỉ có {len(raw.cells)} ô trong khi tiêu đề có "
            f"{header.width} cột; các ô thiếu được để trống, cần kiểm tra cột có bị lệch không."))


def _stt(text: str) -> str:
    return _STT_TRIM.sub("", one_line(clean(text)))


def _is_section(stt: str, cells: list[str], stt_col: int | None, title_col: int | None) -> bool:
    if not (_ROMAN.match(stt) or _LETTER.match(stt)):
        return False
    others = [c for i, c in enumerate(cells) if i not in (stt_col, title_col) and c.strip()]
    return not others


def _only(cells: list[str], col: int, merged: frozenset[int]) -> bool:
    return all(not c.strip() or i == col or i in merged for i, c in enumerate(cells)) and bool(cells[col].strip())


def _join(record: Logical, cells: list[str], merged: frozenset[int], sep: str) -> None:
    for i, cell in enumerate(cells):
        if i in merged or not cell.strip() or i >= len(record.cells):
            continue
        before = record.cells[i]
        record.cells[i] = f"{before.rstrip()}{sep}{cell.lstrip()}" if before.strip() else cell


# -- records ----------------------------------------------------------------------

class RecordBuilder:
    """Turns logical rows into records, matching names against the directory."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.units = UnitMatcher(directory)
        self.officials = OfficialMatcher(directory)
        standing = directory.standing_unit
        self.standing_name = standing.name if standing else "văn phòng thường trực"

    # tasks
    def task(self, row: Logical) -> TaskRecord:
        problems = row.problems
        stt = _stt(row.get("stt"))
        label = f"{row.where} (STT {stt})"
        raw = {f: row.cells[i] for i, f in row.header.fields.items() if i < len(row.cells)}
        title = clean(row.get("title"))
        if not title:
            problems.append(Problem(row.first.number, stt, "error",
                f"{label}: không có tên nhiệm vụ; dòng vẫn được nhập để không mất, cần bổ sung."))
        lead_raw = split_units(clean(row.get("lead_units")))
        lead_units, matched = self._units(lead_raw, row, stt, label, lead=True)
        coordinating, _ = self._units(split_units(clean(row.get("coordinating_units"))),
                                      row, stt, label, lead=False)
        lead_official, co_leads, advisers = self._officials(clean(row.get("lead_official")),
                                                            label, stt, row, problems)
        deadline = parse_deadline(clean(row.get("deadline")))
        if deadline.kind == "unknown":
            text = one_line(deadline.raw)
            what = f"không đọc được thời hạn «{text}»" if text else "không có thời hạn"
            problems.append(Problem(row.first.number, stt, "warning",
                f"{label}: {what}; nhiệm vụ được nhập với thời hạn chưa xác định."))
        result = clean(row.get("result"))
        status, done_on, understood = read_status(result, one_line(clean(row.get("completed_on"))))
        if not understood:
            problems.append(Problem(row.first.number, stt, "warning",
                f"{label}: không rõ kết quả «{one_line(result)}» là đã hoàn thành hay chưa; "
                f"nhiệm vụ được nhập là đang thực hiện."))
        notes = "\n".join(filter(None, [clean(row.get("notes")), *map(clean, row.extra)]))
        if not lead_raw:
            problems.append(Problem(row.first.number, stt, "warning",
                f"{label}: không có đơn vị chủ trì; nhiệm vụ được giao cho {self.standing_name}."))
        return TaskRecord(
            stt=stt, section=row.section, title=title, lead_units=lead_units,
            lead_units_raw=lead_raw, coordinating_units=coordinating,
            lead_official=lead_official, advisers=advisers, output=clean(row.get("output")),
            deadline=deadline, status=status, completed_on=done_on, result_raw=result,
            notes=notes, row=row.first.number, raw=raw, unassigned=not matched,
            co_leads=co_leads)

    def _units(self, names: list[str], row: Logical, stt: str, label: str, lead: bool
               ) -> tuple[list[str], bool]:
        keys: list[str] = []
        unknown: list[str] = []
        for name in names:
            unit = self.units.match(name)
            if unit:
                if unit.key not in keys:
                    keys.append(unit.key)
            else:
                keys.append(name)
                if lead or not is_generic_unit(name):
                    unknown.append(name)
        matched = len(keys) > len(unknown)
        for name in unknown:
            if row.kind == INDICATOR:
                tail = f"chỉ tiêu được theo dõi qua {self.standing_name} cho đến khi danh bạ được bổ sung."
                problems_role = "cơ quan theo dõi, đánh giá"
                row.problems.append(Problem(row.first.number, stt, "warning",
                    f"{label}: không tìm thấy {problems_role} «{one_line(name)}» trong danh bạ; {tail}"))
                continue
            if lead and not matched:
                tail = f"nhiệm vụ được giao cho {self.standing_name} cho đến khi danh bạ được bổ sung."
            elif lead:
                tail = "đơn vị này chưa nhận được nhắc việc cho đến khi danh bạ được bổ sung."
            else:
                tail = "đơn vị phối hợp này được giữ nguyên văn, không nhận nhắc việc."
            role = "đơn vị chủ trì" if lead else "đơn vị phối hợp"
            row.problems.append(Problem(row.first.number, stt, "warning",
                f"{label}: không tìm thấy {role} «{one_line(name)}» trong danh bạ; {tail}"))
        return keys, matched

    def _officials(self, text: str, label: str, stt: str, row: Logical,
                   problems: list[Problem]) -> tuple[str | None, list[str], list[str]]:
        if not text:
            return None, [], []
        mentions = parse_officials(text)
        if not mentions:
            problems.append(Problem(row.first.number, stt, "warning",
                f"{label}: không đọc được lãnh đạo chủ trì từ «{one_line(text)}»; đã giữ nguyên văn."))
            return one_line(text), [], []
        leads, advisers = [], []
        for mention in mentions:
            official = self.officials.match(mention)
            if official is None:
                problems.append(Problem(row.first.number, stt, "warning",
                    f"{label}: không tìm thấy lãnh đạo «{mention.name}» trong danh bạ; "
                    f"đã giữ tên như văn bản ghi, chưa nhắc việc được cho người này."))
            value = official.key if official else mention.name
            (advisers if mention.role == "adviser" else leads).append(value)
        lead = leads[0] if leads else None
        return lead, leads[1:], advisers

    # indicators
    def indicator(self, row: Logical) -> IndicatorRecord:
        problems = row.problems
        stt = _stt(row.get("stt"))
        label = f"{row.where} (STT {stt})"
        raw = {f: row.cells[i] for i, f in row.header.fields.items() if i < len(row.cells)}
        name = clean(row.get("name"))
        if not name:
            problems.append(Problem(row.first.number, stt, "error",
                f"{label}: không có tên chỉ tiêu; dòng vẫn được nhập để không mất, cần bổ sung."))
        target_text = one_line(clean(row.get("target")))
        target = parse_target(target_text)
        if not target.parsed:
            what = f"không đọc được giá trị chỉ tiêu «{target_text}»" if target_text else "không có giá trị chỉ tiêu"
            problems.append(Problem(row.first.number, stt, "warning",
                f"{label}: {what}; đã giữ nguyên văn."))
        responsible, _ = self._units(split_units(clean(row.get("responsible"))), row, stt, label,
                                     lead=True)
        return IndicatorRecord(stt=stt, name=name, target=target, responsible=responsible,
                               result=clean(row.get("result")), row=row.first.number, raw=raw,
                               section=row.section, notes=clean(row.get("notes")))


def build_records(doc: RawDocument, directory: Directory
                  ) -> tuple[list[TaskRecord], list[IndicatorRecord], list[Problem]]:
    rows, problems = collect(doc)
    builder = RecordBuilder(directory)
    tasks: list[tuple[Logical, TaskRecord]] = []
    indicators: list[tuple[Logical, IndicatorRecord]] = []
    for row in rows:
        if row.kind == INDICATOR:
            indicators.append((row, builder.indicator(row)))
        else:
            tasks.append((row, builder.task(row)))
    _unique_stt(tasks, "nhiệm vụ")
    _unique_stt(indicators, "chỉ tiêu")
    for row in rows:                        # document order, tasks and indicators alike
        problems.extend(row.problems)
    return [t for _, t in tasks], [i for _, i in indicators], problems


def _unique_stt(pairs: list, what: str) -> None:
    """STT is the task's identity within a plan. When numbering restarts (per
    section or per appendix), qualify every STT with its section ("II.3"), then
    with its table ("2/II.3"); whatever still clashes is flagged and suffixed."""
    if not pairs:
        return
    levels = (
        lambda row, rec: rec.stt,
        lambda row, rec: f"{row.section_id}.{rec.stt}" if row.section_id else rec.stt,
        lambda row, rec: f"{row.segment}/{row.section_id}.{rec.stt}" if row.section_id
        else f"{row.segment}/{rec.stt}",
    )
    best: list[str] | None = None
    for level in levels:
        ids = [level(row, rec) for row, rec in pairs]
        if best is None or len(set(ids)) > len(set(best)):
            best = ids                      # the plainest level that separates the most
        if len(set(ids)) == len(ids):
            break
    ids = best
    seen: dict[str, int] = {}
    for (row, rec), new in zip(pairs, ids):
        seen[new] = seen.get(new, 0) + 1
        if seen[new] > 1:
            rec.stt = f"{new}#{seen[new]}"
            row.problems.append(Problem(row.first.number, rec.stt, "error",
                f"{row.where}: STT «{new}» của {what} bị trùng với một dòng khác trong cùng mục; "
                f"đã nhập với STT «{rec.stt}», cần sửa lại văn bản."))
        else:
            rec.stt = new
