"""`dondoc task review ID --accept | --return --reason TEXT [--json]`: the standing
office's decision on a result awaiting its review ([review] enabled = true).

Accepting closes the task, classified by the confirmation's moment; returning reopens
it: the unit is told why (Zalo and email, with its link) and the reminders resume.
Through the task workflow's ``review`` update (Temporal needed), keyed by the
confirmation under review and the decision: the same command again is one decision.
"""
from __future__ import annotations

import asyncio
import time

from cli.common import connect, fail, print_json, settings_for

REVIEWER = "dòng lệnh"          # who decided, on the timeline: the operator at the command line
RESULT_VI = {"early": "trước hạn", "on_time": "đúng hạn", "late": "quá hạn"}


def register_review(tsub) -> None:
    r = tsub.add_parser("review", help="duyệt kết quả đơn vị đã báo cáo: chấp nhận hoặc trả lại (Văn phòng)")
    r.add_argument("id", help="mã nhiệm vụ")
    how = r.add_mutually_exclusive_group(required=True)
    how.add_argument("--accept", action="store_true", help="chấp nhận kết quả: nhiệm vụ hoàn thành")
    how.add_argument("--return", dest="send_back", action="store_true",
                     help="trả lại kết quả cho đơn vị (cần --reason); hệ thống tiếp tục nhắc việc")
    r.add_argument("--reason", default="", metavar="LÝ_DO", help="lý do trả lại (đơn vị nhận nguyên văn)")
    r.add_argument("--json", action="store_true", help="in JSON")
    r.set_defaults(func=run_review)


def run_review(args) -> int:
    from services.task_review import judged_view, read_review
    from services.task_views import task_view

    settings = settings_for(args)
    view = task_view(settings.database_url, args.id)
    if view is None:
        fail(f"Không có nhiệm vụ {args.id}.", code=1)
    decision = "accept" if args.accept else "return"
    req = read_review(decision, args.reason, view, REVIEWER)
    if req.errors:
        fail(" ".join(req.errors.values()), code=2 if "reason" in req.errors else 1)
    answer = asyncio.run(_send(settings, args.id, req.arg))
    after = _settled(settings.database_url, args.id) or view
    out = {"id": args.id, "decision": decision, "status": after["status"], "result": after.get("result"),
           "completed_on": after.get("completed_on"), "reason": req.arg["reason"], "first": answer.get("first", True),
           **judged_view(after.get("evidence") if decision == "accept" else view.get("evidence"))}
    if args.json:
        print_json(out)
    elif decision == "accept":
        print(f"Đã chấp nhận kết quả: nhiệm vụ hoàn thành {RESULT_VI.get(out['result'] or '', '')}".rstrip()
              + _dates(after) + ".")
    else:
        print(f"Đã trả lại kết quả cho đơn vị (lý do: {req.arg['reason']}); đơn vị được báo qua Zalo và thư "
              "điện tử kèm đường dẫn báo cáo lại, hệ thống tiếp tục nhắc việc.")
    return 0


def _dates(view: dict) -> str:
    from services.task_review import judged_words

    words = judged_words(view.get("evidence"))
    return f" ({words})" if words else ""


async def _send(settings, task_id: str, arg: dict) -> dict:
    from temporalio.client import WorkflowUpdateFailedError
    from temporalio.service import RPCError, RPCStatusCode

    client = await connect(settings)
    try:
        return await client.get_workflow_handle(task_id).execute_update("review", arg, id=arg["key"],
                                                                       result_type=dict)
    except WorkflowUpdateFailedError as err:
        cause = err.cause or err
        fail(str(getattr(cause, "message", "") or cause), code=1)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            fail("Nhiệm vụ đã kết thúc; không còn kết quả chờ duyệt.", code=1)
        fail(f"Temporal không nhận yêu cầu: {err.message}", code=1)


def _settled(database_url: str, task_id: str, seconds: float = 10) -> dict | None:
    """The store row once the workflow has written the decision (a moment after answering)."""
    from services.task_views import task_view

    deadline = time.monotonic() + seconds
    while True:
        view = task_view(database_url, task_id)
        if view is None or view["status"] != "awaiting_review" or time.monotonic() > deadline:
            return view
        time.sleep(0.2)
