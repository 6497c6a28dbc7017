"""What the task workflow's parts share (workflows/task.py, task_sending.py,
task_updates.py): its limits, the patch names, how it calls an activity, and the
pure helpers -- days in Vietnam, period labels, the validators' error texts.

No workflow state here: plain constants and functions. The patch names are
history: renaming one breaks the replay of every workflow that recorded it.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.options import STORE
    from domain.calendar import VN_TZ
    from domain.evidence import parse_day, text_errors

LINK_LEVELS = ("unit", "lead")  # who may confirm from a message; supervisors only read
MAX_ANSWERS = 50            # update keys remembered across runs
RECENT_CYCLES = 3           # closed cycles that still accept a (late) report
STEPS_PER_RUN = 100         # a one-off overdue for years continues-as-new now and then
ESCALATION_KINDS = ("escalation", "cycle_escalation")
# Patch: the lookups (task_cycle, task_plan, task_recipients: pure, in memory) run as
# local activities -- in the worker's own workflow task, their answers still recorded
# in history -- instead of scheduled activities, each of which cost a server round
# trip and one more workflow task (`dondoc bench`: start throughput, reminder lag).
LOCAL_LOOKUPS = "local-lookups"
# Patch: a step's sends and its store record run as local activities too, so a
# reminder is one workflow task (timer fired -> recipients, deliver, record -> next
# timer) instead of three workflow tasks and two activity-task round trips. Both stay
# idempotent: the delivery log's business key and the event key make a re-run after a
# lost workflow task a no-op. `dondoc bench`, reminder lag N=500 on 2 cores:
# see the README's Hiệu năng section.
LOCAL_SENDS = "local-sends"
# Patch: a cancelled task tells everyone reminded so far (and the unit) once, in a
# ``cancelled`` notice without a link; before it, a cancellation told nobody.
CANCEL_NOTICE = "cancel-notice"
# Patch: a confirmation is judged by the cited document's date of issue when it arrives
# within the grace window after it (the ``task_judge`` lookup, domain/review.py), and
# waits for the standing office's review where the deployment reviews results
# (workflows/task_review.py); before it, every confirmation was classified by its arrival.
JUDGED_MOMENT = "judged-moment"
# Patch: a step's recipients, messages and store record -- and the completion notice's
# recipients and messages -- in one local activity (``task_step``) instead of a lookup,
# one ``deliver`` per recipient and a ``task_record``: two workflow activations per
# reminder instead of four or more, and only keys and a count cross the boundary.
STEP_IN_ONE = "step-in-one"
# Patch: a new task's cycle, its task_assigned record and its first plan in one local
# activity (``task_begin``) instead of task_cycle, task_record and task_plan: a start
# costs the worker two activations instead of four (`dondoc bench`, start_rate_ratio).
BEGIN_IN_ONE = "begin-in-one"


async def run_activity(patch: str, name: str, arg, result_type, options: dict):
    """An activity, local once the workflow has taken `patch`, scheduled before it."""
    if workflow.patched(patch):
        return await workflow.execute_local_activity(name, arg, result_type=result_type, **options)
    return await workflow.execute_activity(name, arg, result_type=result_type, **options)


async def lookup(name: str, arg, result_type):
    return await run_activity(LOCAL_LOOKUPS, name, arg, result_type, STORE)


def iso_day(text: str) -> str:
    """The date of issue as ISO text, however the caller wrote it (validated before)."""
    day = parse_day(text)
    return day.isoformat() if day else text


def local_day(moment: datetime) -> date:
    return moment.astimezone(VN_TZ).date()


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time.max, VN_TZ).astimezone(timezone.utc)


def period_label(period: str) -> str:
    if len(period) == 7 and period[4] == "-":
        return f"tháng {period[5:]}/{period[:4]}"
    if period.isdigit():
        return f"năm {period}"
    return f"kỳ {period}"


# -- the validators' texts ----------------------------------------------------------

CHANGE_TEXT = {"title": "Tên nhiệm vụ", "output": "Sản phẩm đầu ra", "lead_units": "Đơn vị chủ trì",
               "lead_official": "Lãnh đạo phụ trách", "due": "Thời hạn"}


def vn_day(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def key_errors(key: str) -> list[str]:
    if not (key or "").strip():
        return ["Thiếu khóa chống gửi trùng (key)."]
    if len(key) > 300:
        return ["Khóa chống gửi trùng quá dài."]
    return []


def date_errors(text: str, label: str, not_after: date | None = None) -> list[str]:
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        return [f"{label} không hợp lệ (dùng dạng YYYY-MM-DD)."]
    if not_after is not None and day > not_after:
        return [f"{label} không thể ở tương lai."]
    return []


def length_errors(**fields: str) -> list[str]:
    return list(text_errors(**fields).values())


def raise_if(errors: list[str], kind: str) -> None:
    if errors:
        raise ApplicationError(" ".join(errors), type=kind)
