"""`dondoc incident ...`: the 24-hour incident-report rule from the command line.

  incident open --unit U --title T [--detected-at ISO-8601] [--severity LEVEL] [--json]
  incident show SỐ [--json]
  incident list [--status open|reported] [--json]
  incident report ID --number N --issued-on YYYY-MM-DD --summary S
                  (--followed | --not-followed) [--note X] [--json]

``open`` needs Temporal (it starts the workflow); ``show`` and ``list`` read the
store only, so they work while Temporal is away. Each subcommand has an async
twin (``open_incident_cmd``, ``report_cmd``) that tests and other code await.
"""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

from domain.calendar import VN_TZ

from cli.common import config_for, connect, fail, print_json, settings_for

STATUS_VI = {"open": "đang mở", "reported": "đã báo cáo"}
RESULT_VI = {"on_time": "đúng hạn", "late": "quá hạn", None: "—"}
DELIVERY_VI = {"sent": "đã gửi", "failed": "gửi lỗi", "pending": "đang gửi lại", "skipped": "bỏ qua"}


def register(sub) -> None:
    p = sub.add_parser("incident", help="sự cố: mở, xem, liệt kê, báo cáo (quy định báo cáo trong 24 giờ)")
    isub = p.add_subparsers(dest="incident_command", metavar="LỆNH_CON", title="các lệnh con")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    o = isub.add_parser("open", help="mở một sự cố và bắt đầu đếm 24 giờ")
    o.add_argument("--unit", required=True, help="đơn vị (mã hoặc tên trong danh bạ)")
    o.add_argument("--title", required=True, help="tên/mô tả ngắn sự cố")
    o.add_argument("--detected-at", help="thời điểm phát hiện, ISO-8601 (không ghi múi giờ: giờ Việt Nam); mặc định: bây giờ")
    o.add_argument("--severity", default="", help="mức độ (tùy ý, ví dụ: cao)")
    o.add_argument("--json", action="store_true", help="in JSON")
    o.set_defaults(func=run_open)

    s = isub.add_parser("show", help="xem một sự cố")
    s.add_argument("id", help="mã sự cố (incident/N hoặc N)")
    s.add_argument("--json", action="store_true", help="in JSON")
    s.set_defaults(func=run_show)

    ls = isub.add_parser("list", help="liệt kê sự cố (đang mở trước)")
    ls.add_argument("--status", choices=("open", "reported"),
                    help="chỉ sự cố ở trạng thái này: open (chưa báo cáo) hoặc reported (đã báo cáo)")
    ls.add_argument("--json", action="store_true", help="in JSON")
    ls.set_defaults(func=run_list)

    r = isub.add_parser("report", help="ghi nhận báo cáo sự cố (thay cho trang web)")
    r.add_argument("id", help="mã sự cố (incident/N hoặc N)")
    r.add_argument("--number", required=True, help="số ký hiệu văn bản báo cáo")
    r.add_argument("--issued-on", required=True, help="ngày ban hành (dd/mm/yyyy hoặc yyyy-mm-dd)")
    r.add_argument("--summary", required=True, help="trích yếu nội dung")
    g = r.add_mutually_exclusive_group(required=True)
    g.add_argument("--followed", dest="followed", action="store_true",
                   help="đã thực hiện theo điều phối của lực lượng chuyên trách")
    g.add_argument("--not-followed", dest="followed", action="store_false",
                   help="không theo điều phối của lực lượng chuyên trách")
    r.add_argument("--note", default="", help="ghi chú")
    r.add_argument("--key", help="khóa chống trùng (mặc định: mỗi lệnh một khóa)")
    r.add_argument("--json", action="store_true", help="in JSON")
    r.set_defaults(func=run_report)


def _store(settings, fn, *args, **kw):
    """Run a store read; a missing or unmigrated database gets a plain answer."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    try:
        return fn(settings.database_url, *args, **kw)
    except (OperationalError, ProgrammingError) as exc:
        fail(f"Không đọc được cơ sở dữ liệu ({str(exc.orig).splitlines()[0][:200]}). "
             "Hãy chạy './dondoc migrate' hoặc './dondoc up'.", code=2)


def _vn(moment: str | None) -> str:
    if not moment:
        return "—"
    return datetime.fromisoformat(moment).astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")


def _number(incident_id: str) -> str:
    """"incident/1" as people say it: "số 1" (what ``incident show``/``report`` take)."""
    return "số " + str(incident_id).rsplit("/", 1)[-1]


def _left(view: dict) -> str:
    from domain.text import duration_words

    if view["status"] != "open":
        return f"{STATUS_VI['reported']} ({RESULT_VI.get(view['result'], view['result'])})"
    if view["seconds_overdue"]:
        return f"QUÁ HẠN {duration_words(view['seconds_overdue'])}"
    return f"còn {duration_words(view['seconds_left'])}"


# -- open ----------------------------------------------------------------------------
async def open_incident_cmd(settings, config, *, unit: str, title: str, detected_at: str | None = None,
                            severity: str = "", client=None) -> dict:
    """Open an incident and return ``{"id", "unit", "detected_at", "due"}``; raises
    IncidentInputError for input to correct."""
    from services.incidents import open_incident

    opened = await open_incident(client or (lambda: connect(settings)), settings, config, unit=unit, title=title, detected_at=detected_at,
                                 severity=severity, opened_by="cli")
    return {"id": opened.id, "unit": opened.unit_name, "unit_key": opened.unit_key,
            "detected_at": opened.detected_at.isoformat(), "due": opened.due_at.isoformat()}


def run_open(args) -> int:
    from services.incidents import IncidentInputError

    settings, config = settings_for(args), config_for(args)
    try:
        opened = asyncio.run(open_incident_cmd(settings, config, unit=args.unit, title=args.title,
                                               detected_at=args.detected_at, severity=args.severity))
    except IncidentInputError as err:
        fail(str(err), code=2)
    if args.json:
        print_json({"id": opened["id"]})
    else:
        print(f"Đã mở sự cố {_number(opened['id'])} ({opened['unit']}); phát hiện {_vn(opened['detected_at'])}, "
              f"hạn báo cáo {_vn(opened['due'])}.")
    return 0


# -- show / list ---------------------------------------------------------------------------
def run_show(args) -> int:
    from services.incident_views import incident_view

    settings, config = settings_for(args), config_for(args)
    view = _store(settings, incident_view, config, args.id)
    if view is None:
        fail(f"Không có sự cố '{args.id}'.", code=1)
    if args.json:
        print_json(view)
        return 0
    print(f"Sự cố {_number(view['id'])}: {view['title']}")
    print(f"  Đơn vị: {view['unit']}   Mức độ: {view['severity'] or '—'}")
    print(f"  Phát hiện: {_vn(view['detected_at'])}   Hạn báo cáo: {_vn(view['due'])}   {_left(view)}")
    if view["report"]:
        rep = view["report"]
        print(f"  Báo cáo: số {rep.get('number')} ngày {rep.get('issued_on')} lúc {_vn(view['reported_at'])}: "
              f"{rep.get('summary')}")
        print("  Theo điều phối của lực lượng chuyên trách: " + ("có" if rep.get("followed_coordination") else "không"))
    _print_notifications(config, view["notifications"])
    return 0


def _print_notifications(config, notifications: list[dict]) -> None:
    """The messages sent, in words: when, what, to whom, over what, with what result."""
    from domain.display import channel_words, step_label
    from domain.recipients import SUPERVISORS_KEY

    if notifications:
        print("  Thông báo đã gửi:")
    d = config.directory
    for n in notifications:
        found = d.unit(n["recipient"]) or d.official(n["recipient"])
        who = found.name if found else d.supervisors_name if n["recipient"] == SUPERVISORS_KEY else n["recipient"]
        print(f"  - {_vn(n['at'])}  {step_label(n['step'])} → {who} ({channel_words(n['channel'])}): "
              f"{DELIVERY_VI.get(n['status'], n['status'])}")


def run_list(args) -> int:
    from services.incident_views import list_incidents

    settings, config = settings_for(args), config_for(args)
    views = _store(settings, list_incidents, config, status=args.status)
    if args.json:
        print_json(views)
        return 0
    if not views:
        print("Chưa có sự cố nào.")
        return 0
    print(f"{'Số':<5} {'Tình trạng':<28} Đơn vị: sự cố")
    for v in views:
        print(f"{str(v['id']).rsplit('/', 1)[-1]:<5} {_left(v):<28} {v['unit']}: {v['title']}")
    return 0


# -- report ------------------------------------------------------------------------------
async def report_cmd(settings, incident_id: str, *, number: str, issued_on: str, summary: str,
                     followed: bool, note: str = "", key: str | None = None, reporter: str = "cli",
                     client=None) -> dict:
    from contracts.incidents import IncidentReport
    from services.incidents import outcome_dict, report_incident

    client = client or await connect(settings)
    report = IncidentReport(key=key or f"cli:{uuid.uuid4().hex[:16]}", number=number, issued_on=issued_on,
                            summary=summary, followed_coordination=followed, reporter=reporter, note=note)
    return outcome_dict(await report_incident(client, incident_id, report))


def run_report(args) -> int:
    from services.incidents import ReportRejected, ReportUnavailable

    from domain.display import read_vn_date

    settings = settings_for(args)
    typed = read_vn_date(args.issued_on)  # dd/mm/yyyy as people type it, sent on as ISO
    issued_on = typed.isoformat() if typed else args.issued_on
    try:
        outcome = asyncio.run(report_cmd(settings, args.id, number=args.number, issued_on=issued_on,
                                         summary=args.summary, followed=args.followed, note=args.note,
                                         key=args.key))
    except ReportRejected as err:
        fail(f"Báo cáo bị từ chối: {err}", code=2)
    except ReportUnavailable:
        fail("Chưa ghi nhận được báo cáo: worker không phản hồi kịp. Hãy kiểm tra './dondoc up' rồi thử lại.", code=3)
    except LookupError:
        fail(f"Không có sự cố đang mở '{args.id}' (đã kết thúc hoặc không tồn tại).", code=1)
    if args.json:
        print_json(outcome)
    elif outcome["first"]:
        print(f"Đã ghi nhận báo cáo sự cố {_number(outcome['incident_id'])}: {RESULT_VI[outcome['result']]}.")
    else:
        print(f"Sự cố {_number(outcome['incident_id'])} đã được báo cáo trước đó ({RESULT_VI[outcome['result']]}); "
              "không có gì thay đổi.")
    return 0
