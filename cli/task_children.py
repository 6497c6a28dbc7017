"""`task show` of a parent task in words: its units' tasks and the roll-up."""
from __future__ import annotations

from domain.groups import label

STATUS_VI = {"open": "đang thực hiện", "completed": "đã hoàn thành", "cancelled": "đã hủy",
             "awaiting_review": "chờ duyệt"}
RESULT_VI = {"early": "trước hạn", "on_time": "đúng hạn", "late": "quá hạn"}


def print_children(view: dict, config) -> None:
    r = view["rollup"]
    print(f"  Các đơn vị: đã hoàn thành {r['completed']}/{r['total']} (đúng hạn hoặc trước hạn {r['on_time']}, "
          f"quá hạn {r['late']}); chưa hoàn thành {r['open']}, trong đó quá hạn {r['overdue']}")
    for child in view["children"]:
        state = STATUS_VI.get(child["status"], child["status"])
        result = f", {RESULT_VI[child['result']]}" if child["result"] in RESULT_VI else ""
        print(f"    {label(config.directory, child['unit'])}: {state}{result}  ({child['id']})")
