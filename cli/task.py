"""`dondoc task ...`: one-off and recurring tasks from the command line.

  task add --title T --unit U [--unit U2] [--official NAME] (--due ISO-8601 | --deadline PHRASE) [--json]
  task show ID [--json]
  task list [--status open|completed|cancelled|"đang thực hiện"|"hoàn thành"|"đã hủy"] [--overdue] [--json]

``add`` writes the store row and starts the task's workflow (Temporal needed);
``show`` and ``list`` read the store only, so they work while Temporal is away.
"""
from __future__ import annotations

import asyncio
import hashlib
from datetime import date, datetime, timezone

from cli.common import config_for, connect, fail, print_json, settings_for

STATUS_VI = {"open": "đang thực hiện", "completed": "đã hoàn thành", "cancelled": "đã hủy",
             "awaiting_review": "chờ duyệt"}
RESULT_VI = {"early": "trước hạn", "on_time": "đúng hạn", "late": "quá hạn", None: "—"}
CYCLE_VI = {"open": "đang mở", "reported": "đã báo cáo", "missed": "chưa báo cáo (quá hạn)"}
DELIVERY_VI = {"sent": "đã gửi", "failed": "gửi lỗi", "pending": "đang gửi lại", "skipped": "bỏ qua"}
# `--status` words, compared after domain.text.ascii_fold (no diacritics, lower case).
STATUS_WORDS = {"open": "open", "dang thuc hien": "open", "completed": "completed", "hoan thanh": "completed",
                "da hoan thanh": "completed", "cancelled": "cancelled", "da huy": "cancelled", "huy": "cancelled",
                "awaiting_review": "awaiting_review", "cho duyet": "awaiting_review"}
LIST_HEADER = ("Hạn", "Trạng thái", "Kết quả", "Quá hạn", "Đơn vị chủ trì", "Mã", "Tên nhiệm vụ")


def parse_status(text: str) -> str:
    """'open' | 'completed' | 'cancelled' from the English word or the Vietnamese one, with or without diacritics."""
    import argparse

    from domain.text import ascii_fold

    found = STATUS_WORDS.get(ascii_fold(text or ""))
    if found is None:
        raise argparse.ArgumentTypeError(
            f"trạng thái '{text}' không hợp lệ: dùng \"đang thực hiện\", \"hoàn thành\", \"đã hủy\", "
            "\"chờ duyệt\" (hoặc open, completed, cancelled, awaiting_review)")
    return found


def register(sub) -> None:
    p = sub.add_parser("task", help="nhiệm vụ: thêm, xem, liệt kê")
    tsub = p.add_subparsers(dest="task_command", metavar="LỆNH_CON", title="các lệnh con")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    a = tsub.add_parser("add", help="thêm một nhiệm vụ và bắt đầu theo dõi hạn")
    a.add_argument("--title", required=True, help="tên nhiệm vụ")
    a.add_argument("--unit", required=True, action="append", help="đơn vị chủ trì (mã hoặc tên; có thể lặp lại)")
    a.add_argument("--official", help="lãnh đạo phụ trách (mã hoặc họ tên)")
    when = a.add_mutually_exclusive_group(required=True)
    when.add_argument("--due", help="hạn, ISO-8601: 2026-06-30 hoặc 2026-06-30T17:00 (không ghi múi giờ: giờ Việt Nam)")
    when.add_argument("--deadline", help='cụm từ thời hạn: "Quý II/2026", "Tháng 6/2026", "Thường xuyên", "Hằng năm"...')
    a.add_argument("--json", action="store_true", help="in JSON")
    a.set_defaults(func=run_add)

    s = tsub.add_parser("show", help="xem một nhiệm vụ")
    s.add_argument("id", help="mã nhiệm vụ")
    s.add_argument("--json", action="store_true", help="in JSON")
    s.set_defaults(func=run_show)

    ls = tsub.add_parser("list", help="liệt kê nhiệm vụ (hạn gần trước)")
    ls.add_argument("--status", type=parse_status, metavar="TRẠNG_THÁI",
                    help='chỉ nhiệm vụ ở trạng thái này: "đang thực hiện", "hoàn thành", "đã hủy", "chờ duyệt" '
                         "(hoặc open, completed, cancelled, awaiting_review; có dấu hay không dấu đều được)")
    ls.add_argument("--overdue", action="store_true",
                    help="chỉ nhiệm vụ một lần đang thực hiện đã quá hạn (hạn trước hôm nay, giờ Việt Nam)")
    ls.add_argument("--json", action="store_true", help="in JSON")
    ls.set_defaults(func=run_list)

    from cli.task_review import register_review

    register_review(tsub)  # task review ID --accept | --return --reason TEXT


# -- add -----------------------------------------------------------------------------

def build_spec(config, title: str, units: list[str], official: str | None, due: str | None, deadline: str | None):
    """The TaskSpec `task add` starts, or SystemExit with a Vietnamese reason."""
    from domain.calendar import VN_TZ
    from domain.deadlines import parse_deadline
    from domain.identity import task_workflow_id
    from contracts.tasks import TaskSpec

    title = (title or "").strip()
    if not title:
        fail("Chưa nêu tên nhiệm vụ (--title).", code=2)
    unit_keys = [_unit_key(config, u) for u in units]
    official_key = _official_key(config, official) if official else None
    due_day, due_at, kind, every, raw = None, None, "once", None, (due or deadline or "").strip()
    if due:
        try:
            moment = datetime.fromisoformat(due.strip().replace("Z", "+00:00"))
        except ValueError:
            fail(f"Hạn '{due}' không hợp lệ; dùng ISO-8601, ví dụ 2026-06-30 hoặc 2026-06-30T17:00.", code=2)
        if len(due.strip()) <= 10:  # a day: due at its end
            due_day = moment.date()
        else:
            due_at = (moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)).astimezone(VN_TZ)
            due_day = due_at.date()
    else:
        parsed = parse_deadline(deadline)
        if parsed.kind == "unknown":
            fail(f"Không đọc được thời hạn '{deadline}'. Ví dụ: \"Quý II/2026\", \"Tháng 6/2026\", "
                 "\"31/12/2026\", \"Thường xuyên\", \"Hằng năm\"; hoặc dùng --due 2026-06-30.", code=2)
        kind, every, due_day = parsed.kind, parsed.every, parsed.due
    identity = "|".join([title, ",".join(unit_keys), raw])
    stt = hashlib.sha1(identity.encode()).hexdigest()[:10]
    return TaskSpec(id=task_workflow_id("adhoc", stt), title=title, lead_units=unit_keys, lead_official=official_key,
                    plan="", stt=stt, deadline_raw=raw, deadline_kind=kind,
                    due=due_day.isoformat() if isinstance(due_day, date) else None,
                    due_at=due_at.astimezone(timezone.utc) if due_at else None, every=every)


def _unit_key(config, text: str) -> str:
    import sys

    from domain.names import UnitMatcher

    directory = config.directory
    if directory.group(text.strip()):
        return text.strip()
    # A group ("UBND các xã, phường, đặc khu") is found like a unit: the task fans out to its members.
    unit = directory.unit(text.strip()) or UnitMatcher(directory, groups=True).match(text.strip())
    if unit is None:
        office = directory.standing_unit
        sys.stderr.write(f"Cảnh báo: không thấy đơn vị '{text}' trong danh bạ; "
                         f"nhắc việc gửi {office.name if office else 'Văn phòng'} (thường trực).\n")
        return text.strip()
    return unit.key


def _official_key(config, text: str) -> str:
    from domain.names import OfficialMatcher, parse_officials

    directory = config.directory
    if directory.official(text.strip()):
        return text.strip()
    matcher = OfficialMatcher(directory)
    found = next((o for o in (matcher.match(m) for m in parse_officials(text)) if o), None)
    return found.key if found else text.strip()


def run_add(args) -> int:
    from services.unit_groups import with_edited_groups

    settings = settings_for(args)
    config = with_edited_groups(settings.database_url, config_for(args))
    spec = build_spec(config, args.title, args.unit, args.official, args.due, args.deadline)
    outcome = asyncio.run(add_task(settings, config, spec))
    if args.json:
        extra = {"children": outcome.children} if outcome.parent else {}
        print_json({"id": outcome.id, "started": outcome.started, "note": outcome.note, **extra})
    else:
        group = f"; giao {outcome.children} đơn vị, mỗi đơn vị một nhiệm vụ" if outcome.parent else ""
        print(f"Đã thêm nhiệm vụ {outcome.id}{group}" + (f" ({outcome.note})" if outcome.note else ""))
    return 0


async def add_task(settings, config, spec):
    """Start the task (a group's: a parent and one task per member unit, services/task_groups.py)."""
    from services.task_groups import start_record

    client = await connect(settings)
    return await start_record(client, settings, config, spec)


# -- show / list ------------------------------------------------------------------------

def run_show(args) -> int:
    from services.task_views import task_view

    settings = settings_for(args)
    view = task_view(settings.database_url, args.id)
    if view is None:
        fail(f"Không có nhiệm vụ {args.id}.", code=1)
    if args.json:
        print_json(view)
        return 0
    from domain.display import period_words, vn_date

    config = config_for(args)
    d = view["deadline"]
    print(f"{view['id']}: {view['title']}")
    due = vn_date(d.get("due"), "—")
    print(f"  Thời hạn: {d.get('raw') or due} (hạn {due})")
    print(f"  Trạng thái: {STATUS_VI.get(view['status'], view['status'])}; kết quả: {RESULT_VI.get(view['result'], '—')};"
          f" mức leo thang: {view['level']}")
    from services.task_review import judged_words

    if judged_words(view.get("evidence")):
        print(f"  Kết quả: {judged_words(view.get('evidence'))}")
    _print_progress(view.get("progress"))
    for c in view["cycles"]:
        state, result = CYCLE_VI.get(c["status"], c["status"]), RESULT_VI.get(c["result"], "—")
        print(f"  Kỳ {period_words(c['period'])}: hạn {vn_date(c['due'], '—')}, {state}, {result}")
    if "rollup" in view:  # a task for many units: its units' tasks (cli/task_children.py)
        from cli.task_children import print_children

        print_children(view, config)
    _print_notifications(settings.database_url, config, view["notifications"])
    return 0


def _print_progress(progress: dict | None) -> None:
    """The unit's latest progress report, as the task page shows it."""
    if not progress:
        return
    from domain.display import vn_datetime

    print(f"  Tiến độ: {progress['percent']}% (báo cáo lúc {vn_datetime(progress['at'])})"
          + (f": {progress['note']}" if progress.get("note") else ""))
    for label, key in (("Khó khăn, vướng mắc", "difficulty"), ("Đề xuất, kiến nghị", "proposal")):
        if progress.get(key):
            print(f"  {label}: {progress[key]}")


def _print_notifications(database_url: str, config, notifications: list[dict]) -> None:
    """Each message: when, which step, to whom (registered people by name), over what."""
    from domain.display import channel_words, step_label, vn_datetime
    from store.report_archive import person_names

    people = person_names(database_url, [n["recipient"] for n in notifications])
    for n in notifications:
        who = people.get(n["recipient"]) or _who(config, n["recipient"])
        print(f"  {vn_datetime(n['at'])}  {step_label(n['step'])} → {who} ({channel_words(n['channel'])}): "
              f"{DELIVERY_VI.get(n['status'], n['status'])}")


def _who(config, key: str) -> str:
    """A recipient by name: a unit's, an official's, the supervisors' group's."""
    d = config.directory
    found = d.unit(key) or d.official(key)
    from domain.recipients import SUPERVISORS_KEY

    return found.name if found else (d.supervisors_name if key == SUPERVISORS_KEY else key)


def run_list(args) -> int:
    from services.task_views import list_tasks

    settings = settings_for(args)
    rows = list_tasks(settings.database_url, args.status)
    today = _today_vn()
    from services.task_views import current_cycles

    cycles = current_cycles(settings.database_url, [r["id"] for r in rows if r["kind"] == "recurring"])
    if args.overdue:
        rows = [r for r in rows if _overdue(r, today, cycles.get(r["id"]))]
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("Không có nhiệm vụ quá hạn." if args.overdue else "Chưa có nhiệm vụ.")
        return 0
    config = config_for(args)
    from domain.calendar import WorkingCalendar

    cal = WorkingCalendar(config.calendar)
    table = [LIST_HEADER] + [_list_cells(r, config.directory, cal, today, cycles.get(r["id"])) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(LIST_HEADER) - 1)]
    for line in table:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths)) + "  " + line[-1])
    return 0


def _today_vn() -> date:
    from domain.calendar import VN_TZ

    return datetime.now(VN_TZ).date()


def _binding_due(row: dict, cycle: dict | None = None) -> date | None:
    """The day that binds now: a recurring task's current report period's, else the task's."""
    due = (cycle or {}).get("due") or row["due"]
    return date.fromisoformat(due) if due else None


def _overdue(row: dict, today: date, cycle: dict | None = None) -> bool:
    """An open task whose binding day is before today (Vietnam): the dashboard's rule (web/task_list.task_row)."""
    due = _binding_due(row, cycle)
    return row["status"] == "open" and due is not None and due < today


def _list_cells(row: dict, directory, cal, today: date, cycle: dict | None = None) -> tuple[str, ...]:
    from domain.display import days_overdue, overdue_words, period_words, vn_date

    late = ""
    if _overdue(row, today, cycle):  # the one phrase of the pages and reports: working days, calendar days beside
        late = overdue_words(*days_overdue(_binding_due(row, cycle), today, cal), capital=True)
    from domain.groups import label  # a unit's name, or a group's (a task for many units)

    units = ", ".join(label(directory, k) for k in row["lead_units"]) or "—"
    due = vn_date(row["due"], "—")
    if cycle:  # a recurring task: its current report period binds now
        due = f"{vn_date(cycle['due'])} (kỳ {period_words(cycle['period'])})"
    return (due, STATUS_VI.get(row["status"], row["status"]), RESULT_VI.get(row["result"], "—"),
            late or "—", units, row["id"], row["title"][:70])
