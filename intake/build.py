"""Logical rows → task and indicator records: fields read, names matched against
the directory, every doubt kept as a Problem beside its record.

Row assembly (headers, sections, continuation rows) is intake/tables.py; this is
what comes after it, the same for every format.
"""
from __future__ import annotations

from domain.directory import Directory, Unit
from domain.deadlines import parse_deadline
from domain.names import OfficialMatcher, UnitMatcher, is_generic_unit, parse_officials
from domain.targets import parse_target
from intake.cells import clean, one_line
from intake.columns import INDICATOR
from intake.readers import RawDocument
from intake.records import IndicatorRecord, Problem, TaskRecord
from intake.status import read_status
from intake.tables import Logical, collect, stt_text

__all__ = ["build_records", "RecordBuilder"]


class RecordBuilder:
    """Turns logical rows into records, matching names against the directory."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.units = UnitMatcher(directory)
        # A task's lead units may name a group ("Các xã, phường, đặc khu"): its key is
        # kept, and the import fans the task out to the group's members.
        self.lead_units = UnitMatcher(directory, groups=True) if directory.groups else self.units
        self.officials = OfficialMatcher(directory)
        standing = directory.standing_unit
        self.standing_name = standing.name if standing else "văn phòng thường trực"

    # tasks
    def task(self, row: Logical) -> TaskRecord:
        problems = row.problems
        stt = stt_text(row.get("stt"))
        label = f"{row.where} (STT {stt})"
        raw = {f: row.cells[i] for i, f in row.header.fields.items() if i < len(row.cells)}
        title = clean(row.get("title"))
        if not title:
            problems.append(Problem(row.first.number, stt, "error",
                f"{label}: không có tên nhiệm vụ; dòng vẫn được nhập để không mất, cần bổ sung."))
        lead_found = self.lead_units.find(clean(row.get("lead_units")))
        lead_raw = [name for name, _ in lead_found]
        lead_units, matched = self._units(lead_found, row, stt, label, lead=True)
        coordinating, _ = self._units(self.units.find(clean(row.get("coordinating_units"))),
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

    def _units(self, found: list[tuple[str, Unit | None]], row: Logical, stt: str, label: str,
               lead: bool) -> tuple[list[str], bool]:
        """Unit keys (the name as written when not in the directory) and whether
        any is known; each unknown one is reported."""
        keys: list[str] = []
        unknown: list[str] = []
        for name, unit in found:
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
        stt = stt_text(row.get("stt"))
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
        responsible, _ = self._units(self.units.find(clean(row.get("responsible"))), row, stt,
                                     label, lead=True)
        return IndicatorRecord(stt=stt, name=name, target=target, responsible=responsible,
                               result=clean(row.get("result")), row=row.first.number, raw=raw,
                               result_as_of=row.header.result_as_of if clean(row.get("result")) else "",
                               target_year=row.header.target_year,
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
        for problem in row.problems:
            problem.page = problem.page if problem.page is not None else row.first.page
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
