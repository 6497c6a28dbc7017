"""`dondoc indicators ...`: a plan's indicators and their values.

  indicators [--plan P] [--as-of DATE] [--json]         the targets, the latest value as of a
                                                         day, judged (met, not met, no data,
                                                         unclear: each unclear one with its reason)
  indicators report --plan P --stt N --value TEXT [--as-of DATE] [--source TEXT] [--note TEXT] [--json]

The list reads the store only (it works while Temporal is away); ``report`` sends the
value to the indicator's workflow (Temporal needed), which records and judges it and
ends the current cycle's reminders. Dates are typed dd/mm/yyyy.
"""
from __future__ import annotations

import asyncio
from datetime import datetime

from cli.common import config_for, connect, fail, print_json, settings_for

LIST_HEADER = ("STT", "Đánh giá", "Kết quả gần nhất", "Ngày số liệu", "Chỉ tiêu", "Cơ quan chủ trì", "Tên chỉ tiêu")
DATE_HELP = "dạng dd/mm/yyyy (mặc định: hôm nay)"


def register(sub) -> None:
    p = sub.add_parser("indicators", help="chỉ tiêu: kết quả so với chỉ tiêu, báo cáo giá trị")
    p.add_argument("--plan", help="tên kế hoạch (mặc định: mọi kế hoạch)")
    p.add_argument("--as-of", help="kết quả tính đến ngày này, " + DATE_HELP)
    p.add_argument("--json", action="store_true", help="in JSON")
    p.set_defaults(func=run_list)
    isub = p.add_subparsers(dest="indicators_command", metavar="LỆNH_CON", title="các lệnh con")
    r = isub.add_parser("report", help="báo cáo giá trị một chỉ tiêu (ghi nhận, đánh giá, dừng nhắc kỳ này)")
    r.add_argument("--plan", required=True, help="tên kế hoạch")
    r.add_argument("--stt", required=True, metavar="STT", help="số thứ tự của chỉ tiêu trong kế hoạch")
    r.add_argument("--value", required=True, metavar="GIÁ_TRỊ",
                   help='kết quả như đơn vị viết: "85%%", "Đạt 97%%", "Đang triển khai (khoảng 70 %%)"')
    r.add_argument("--as-of", help="ngày số liệu, " + DATE_HELP)
    r.add_argument("--source", metavar="NGUỒN", help="nguồn số liệu (văn bản, hệ thống)")
    r.add_argument("--note", help="ghi chú")
    r.add_argument("--json", action="store_true", help="in JSON")
    r.set_defaults(func=run_report)


def _day(text: str | None):
    from domain.display import read_vn_date

    if not text:
        return None
    day = read_vn_date(text)
    if day is None:
        fail(f"Ngày «{text}» không hợp lệ: dùng dạng dd/mm/yyyy, ví dụ 31/03/2026.", code=2)
    return day


# -- the list --------------------------------------------------------------------

def run_list(args) -> int:
    from services.indicator_views import indicator_items, indicators_json

    settings, config = settings_for(args), config_for(args)
    items = indicator_items(settings.database_url, config, plan=args.plan, as_of=_day(args.as_of))
    if args.plan and not items and not _plan_exists(settings.database_url, args.plan):
        fail(f"Không có kế hoạch «{args.plan}» trong cơ sở dữ liệu.", code=1)
    if args.json:
        print_json(indicators_json(items))
    else:
        print_table(items)
    return 0


def _plan_exists(database_url: str, plan: str) -> bool:
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Plan

    with session_scope(database_url) as s:
        return s.scalar(select(Plan.id).where(Plan.name == plan)) is not None


def print_table(items: list[dict]) -> None:
    """Aligned columns, the indicator's name last; each unclear one with its reason below."""
    from domain.display import vn_date
    from domain.indicator_values import status_words

    if not items:
        print("Chưa có chỉ tiêu nào.")
        return
    table = [LIST_HEADER] + [[i["stt"], status_words(i["latest"]["status"]), _cut(i["latest"]["value"], 40) or "—",
                              vn_date(i["latest"]["as_of"]) or "—", _cut(i["target"].get("raw", ""), 30),
                              _cut("; ".join(i["unit_names"]), 40), _cut(i["name"], 90)] for i in items]
    widths = [max(len(line[c]) for line in table) for c in range(len(LIST_HEADER) - 1)]
    for line in table:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths)) + "  " + line[-1])
    unclear = [i for i in items if i["latest"]["status"] == "unclear"]
    if unclear:
        print("\nCần xem xét (chưa tự đánh giá được):")
        for i in unclear:
            print(f"  - STT {i['stt']} «{i['name']}»: «{i['latest']['value']}» — {i['reason']}")
    counts = {s: sum(1 for i in items if i["latest"]["status"] == s) for s in ("met", "not_met", "no_data", "unclear")}
    print(f"\nTổng: {len(items)} chỉ tiêu; đạt {counts['met']}, chưa đạt {counts['not_met']}, "
          f"chưa báo cáo {counts['no_data']}, cần xem xét {counts['unclear']}.")


def _cut(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# -- report ----------------------------------------------------------------------

def run_report(args) -> int:
    from domain.calendar import VN_TZ
    from domain.identity import indicator_workflow_id
    from domain.indicator_values import read_value

    settings, config = settings_for(args), config_for(args)
    today = datetime.now(VN_TZ).date()
    values, errors = read_value({"value": args.value, "as_of": args.as_of or "", "source": args.source or "",
                                 "note": args.note or ""}, today)
    if errors:
        fail("Chưa báo cáo được: " + " ".join(errors.values()), code=2)
    workflow_id = indicator_workflow_id(args.plan, args.stt)
    item = _indicator(settings, config, workflow_id)
    if item is None:
        fail(f"Không tìm thấy chỉ tiêu số {args.stt} của kế hoạch «{args.plan}».", code=1)
    answer = asyncio.run(_send(settings, workflow_id, values))
    out = {"plan": args.plan, "stt": args.stt, "name": item["name"], "value": answer.value, "as_of": answer.as_of,
           "status": answer.status, "reason": answer.reason, "cycle": answer.cycle, "first": answer.first}
    if args.json:
        print_json(out)
    else:
        print_answer(out)
    return 0


def _indicator(settings, config, workflow_id: str) -> dict | None:
    from services.indicator_views import indicator_items

    found = indicator_items(settings.database_url, config, workflow_id=workflow_id)
    return found[0] if found else None


async def _send(settings, workflow_id: str, values: dict):
    from temporalio.client import WorkflowUpdateFailedError
    from temporalio.service import RPCError, RPCStatusCode

    from services.indicators import report_input, report_value

    client = await connect(settings)
    try:
        return await report_value(client, workflow_id, report_input(workflow_id, values, "cli"))
    except WorkflowUpdateFailedError as err:
        fail(f"Không ghi nhận được: {getattr(err.cause, 'message', err)}", code=1)
    except RPCError as err:
        if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            fail("Chỉ tiêu này không còn được theo dõi (quy trình đã kết thúc hoặc chưa khởi động); "
                 "chưa ghi nhận gì.", code=1)
        fail(f"Temporal không phản hồi ({err.status.name}); chưa ghi nhận gì, hãy thử lại.", code=1)
    except asyncio.TimeoutError:
        fail("Worker không phản hồi; chưa ghi nhận gì, hãy thử lại.", code=1)


def print_answer(out: dict) -> None:
    from domain.display import vn_date
    from domain.indicator_values import status_words

    again = "" if out["first"] else " (đã ghi nhận trước đó)"
    print(f"Đã ghi nhận kết quả chỉ tiêu số {out['stt']} «{out['name']}»{again}: {out['value']} "
          f"(số liệu ngày {vn_date(out['as_of'])}) — {status_words(out['status'])}.")
    if out["reason"]:
        print(f"  Cần xem xét: {out['reason']}")
    if out["cycle"]:
        from domain.display import period_words

        print(f"  Đã dừng nhắc báo cáo {period_words(out['cycle'])}.")
