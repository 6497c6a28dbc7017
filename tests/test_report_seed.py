"""A plan like seed 003 (Phụ lục 02: 51 tasks), written out by hand from the document,
for the report tests. Deadlines as the document states them:

  Thường xuyên (monthly report): 1-8, 16, 17, 19, 20, 26-29, 32, 33, 41, 45, 46  (21 tasks)
  Tháng 02/2026 -> 2026-02-28: 34
  Quý I/2026, Tháng 3/2026 -> 2026-03-31: 13, 18, 21, 22, 23, 35, 42, 47, 49
  Tháng 4/2026 -> 2026-04-30: 38, 39, 40, 43, 44
  Tháng 5/2026 -> 2026-05-31: 36
  Quý II/2026, Tháng 6/2026 -> 2026-06-30: 9, 10, 11, 14, 15, 37
  Quý III/2026 -> 2026-09-30: 24
  Tháng 12/2026, 12/2026 -> 2026-12-31: 12, 25, 30, 31, 48, 50, 51
"""
from __future__ import annotations

from datetime import date

from store.db import session_scope
from store.models import Cycle, Indicator, Plan, Task

PLAN = "Thông báo số 01-TB/BCĐ"
RECURRING = {1, 2, 3, 4, 5, 6, 7, 8, 16, 17, 19, 20, 26, 27, 28, 29, 32, 33, 41, 45, 46}
DUE = {
    34: date(2026, 2, 28),
    **{n: date(2026, 3, 31) for n in (13, 18, 21, 22, 23, 35, 42, 47, 49)},
    **{n: date(2026, 4, 30) for n in (38, 39, 40, 43, 44)},
    36: date(2026, 5, 31),
    **{n: date(2026, 6, 30) for n in (9, 10, 11, 14, 15, 37)},
    24: date(2026, 9, 30),
    **{n: date(2026, 12, 31) for n in (12, 25, 30, 31, 48, 50, 51)},
}
# Lead units of the tasks the tests group by unit (from the document's "Đơn vị chủ trì").
UNITS = {
    21: ["Các cơ quan, đơn vị, địa phương"], 47: ["Các cơ quan, đơn vị, địa phương"],
    23: ["so-khcn"], 49: ["so-khcn", "so-tai-chinh"], 35: ["cong-an-tp"], 42: ["cong-an-tp"],
    13: ["so-tai-chinh"], 34: ["cong-an-tp"],
}
# What the tests say happened (completion day, evidence).
COMPLETED = {
    34: date(2026, 2, 20),   # early
    22: date(2026, 3, 15),   # early
    13: date(2026, 3, 31),   # on time
    18: date(2026, 4, 10),   # late
    38: date(2026, 4, 20),   # early (counts only from 20/4)
    49: date(2026, 5, 5),    # late (counts only from 5/5)
    9: None,                 # the document said "Hoàn thành", no day
}
CANCELLED = {51}
UNKNOWN_STT = "52"           # an extra task whose deadline the document did not give


def task_id(stt: int | str) -> str:
    return f"task/seed/{stt}"


def insert_seed_plan(url: str, *, with_history: bool = True) -> None:
    with session_scope(url) as s:
        plan = Plan(name=PLAN, source="003_7469a4b9d1440296.txt")
        s.add(plan)
        s.flush()
        for n in range(1, 52):
            recurring = n in RECURRING
            t = Task(
                id=task_id(n), plan_id=plan.id, stt=str(n), section="", title=f"Nhiệm vụ số {n}",
                lead_units=UNITS.get(n, ["so-khcn"] if n % 2 else ["Các sở, ban, ngành thành phố"]),
                deadline_kind="recurring" if recurring else "once",
                deadline_raw="Thường xuyên" if recurring else DUE[n].strftime("Tháng %m/%Y"),
                due=None if recurring else DUE[n], every="month" if recurring else None,
            )
            if with_history and n in COMPLETED:
                t.status, t.completed_on = "completed", COMPLETED[n]
                if COMPLETED[n] is not None:
                    t.evidence = {"document_number": f"{n}/KH-UBND", "issued_on": COMPLETED[n].isoformat(),
                                  "summary": f"Kế hoạch thực hiện nhiệm vụ số {n}"}
            if with_history and n in CANCELLED:
                t.status = "cancelled"
            s.add(t)
        s.add(Task(id=task_id(UNKNOWN_STT), plan_id=plan.id, stt=UNKNOWN_STT, title="Nhiệm vụ chưa rõ hạn",
                   lead_units=["vhxh"], deadline_kind="unknown",
                   deadline_raw="Theo thời gian tại các Nghị quyết, Quyết định, Kế hoạch đã phê duyệt"))
        if with_history:
            # Task 1 reported March on 30/3; task 2 never reported March.
            s.add(Cycle(task_id=task_id(1), period="2026-03", due=date(2026, 3, 31), status="reported",
                        result="early", reported_on=date(2026, 3, 30)))
            s.add(Cycle(task_id=task_id(2), period="2026-03", due=date(2026, 3, 31), status="missed"))
        for i, (target, result) in enumerate([
            ({"raw": "31%", "comparator": "≥", "value": 31, "unit": "%"}, "32%"),
            ({"raw": "Đạt 85% dân số", "comparator": "≥", "value": 85, "unit": "%"}, "80%"),
            ({"raw": "100%", "comparator": "≥", "value": 100, "unit": "%"}, "Đạt"),
            ({"raw": "≥80%", "comparator": "≥", "value": 80, "unit": "%"}, ""),
        ], start=1):
            s.add(Indicator(plan_id=plan.id, stt=str(i), name=f"Chỉ tiêu {i}", target=target, result=result))
