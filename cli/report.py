"""`./dondoc report daily | period | appendix`.

  report daily [--as-of ISO-8601] [--plan P] [--json] [--send]
      The daily report computed from the store as it stood at --as-of (default now).
      --send runs the report workflow (the one the 16:00 schedule runs) now: it
      archives the report and sends it to the supervisors; with --json it prints
      {"id", "url", "deliveries": [...]}.
  report period (--quarter 2026Q1|"Quý II/2026" | --month 2026-05|"Tháng 5/2026") [--plan P] [--as-of ISO] [--json]
      The counts the quarterly reports write, in prose and in a table.
  report appendix --plan P --format xlsx|docx -o FILE [--as-of ISO]
      The plan's table with the result column and the evidence filled in, and under
      it the count of tasks of each result (they add up to the number of rows).

--as-of: an ISO 8601 instant; without a zone it is Vietnam time; a bare date means
16:00 (the daily report's hour) of that day in Vietnam.
"""
from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import date, datetime, time, timedelta, timezone

from cli.common import config_for, connect, fail, print_json, settings_for
from domain.calendar import VN_TZ
from domain.display import overdue_words, vn_date

SEND_TIMEOUT_S = 120


def parse_period(quarter: str | None = None, month: str | None = None) -> tuple[str | None, str | None]:
    """("2026Q2", None) or (None, "2026-05") from "2026Q2", "Quý II/2026", "quý 2/2026", "Q2/2026",
    "2026-05", "Tháng 5/2026" (domain.periods, the rule the dashboard reads them with too);
    SystemExit(2) with a Vietnamese reason otherwise."""
    from domain.periods import read_month, read_quarter

    if quarter is not None:
        key = read_quarter(quarter)
        if key:
            return key, None
        fail(f"--quarter {quarter!r}: không đọc được quý. Ví dụ: \"Quý II/2026\", \"quý 2/2026\", \"Q2/2026\" "
             "hoặc 2026Q2.", code=2)
    key = read_month(month)
    if key:
        return None, key
    fail(f"--month {month!r}: không đọc được tháng. Ví dụ: \"Tháng 5/2026\" hoặc 2026-05.", code=2)


def _store_ready(fn):
    """A store without tables (a fresh data folder) gets a plain answer, not a traceback."""
    import functools

    @functools.wraps(fn)
    def wrapper(args):
        from sqlalchemy.exc import OperationalError, ProgrammingError

        try:
            return fn(args)
        except (OperationalError, ProgrammingError) as exc:
            fail("Không đọc được cơ sở dữ liệu (chưa tạo bảng hoặc không kết nối được): "
                 f"{str(exc).splitlines()[0][:200]}. Hãy chạy './dondoc migrate' hoặc './dondoc up'.", code=2)
    return wrapper


def parse_as_of(text: str | None) -> datetime:
    if not text:
        return datetime.now(timezone.utc)
    text = text.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(16, 0), VN_TZ).astimezone(timezone.utc)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        fail(f"--as-of {text!r}: không phải thời điểm ISO 8601 (ví dụ 2026-04-15T16:00+07:00)", code=2)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VN_TZ)
    return moment.astimezone(timezone.utc)


def register(sub) -> None:
    p = sub.add_parser("report", help="báo cáo: hằng ngày, theo kỳ, phụ lục kết quả")
    rs = p.add_subparsers(dest="report_command", metavar="LOẠI", title="các loại báo cáo")

    d = rs.add_parser("daily", help="báo cáo hằng ngày (16:00)")
    d.add_argument("--as-of", help="thời điểm tính báo cáo (ISO 8601; mặc định: bây giờ)")
    d.add_argument("--plan", help="chỉ một kế hoạch")
    d.add_argument("--json", action="store_true", help="in JSON")
    d.add_argument("--send", action="store_true", help="chạy quy trình báo cáo ngay: lưu và gửi Ban Chỉ đạo")
    d.set_defaults(func=cmd_daily)

    q = rs.add_parser("period", help="tổng hợp theo quý hoặc tháng")
    g = q.add_mutually_exclusive_group(required=True)
    g.add_argument("--quarter", help='quý: "Quý II/2026", "quý 2/2026", "Q2/2026" hoặc 2026Q2')
    g.add_argument("--month", help='tháng: "Tháng 5/2026" hoặc 2026-05')
    q.add_argument("--plan", help="chỉ một kế hoạch")
    q.add_argument("--as-of", help="thời điểm đọc kết quả (mặc định: bây giờ)")
    q.add_argument("--json", action="store_true", help="in JSON")
    q.set_defaults(func=cmd_period)

    a = rs.add_parser("appendix", help="phụ lục kế hoạch có cột kết quả thực tế và văn bản chứng minh")
    a.add_argument("--plan", required=True, help="tên kế hoạch")
    a.add_argument("--format", choices=("xlsx", "docx"), required=True, help="định dạng tệp: xlsx (Excel) hoặc docx (Word)")
    a.add_argument("-o", "--output", required=True, help="tệp ghi ra")
    a.add_argument("--as-of", help="thời điểm đọc kết quả (mặc định: bây giờ)")
    a.set_defaults(func=cmd_appendix)

    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


# -- daily -----------------------------------------------------------------------

@_store_ready
def cmd_daily(args) -> int:
    settings = settings_for(args)
    config = config_for(args)
    as_of = parse_as_of(args.as_of)
    if args.send:
        return asyncio.run(_send_daily(args, settings, as_of))
    from notifiers.report_pages import short_text
    from store.report_loading import daily_data

    data = daily_data(settings.database_url, config, as_of, plan=args.plan)
    if args.json:
        print_json(data)
    else:
        sys.stdout.write(short_text(data) + "\n")
        if data["overdue"]:
            sys.stdout.write("\nNhiệm vụ quá hạn:\n")
            for r in data["overdue"]:
                late = overdue_words(r.get("working_days_overdue"), r["days_overdue"])
                sys.stdout.write(f"  [{r['plan']}] STT {r['stt']}: {r['title'][:100]} — hạn {vn_date(r['due'])}, "
                                 f"{late} ({', '.join(r['lead_unit_names'])})\n")
    return 0


async def _send_daily(args, settings, as_of: datetime) -> int:
    from workflows.report import WORKFLOW_NAME, ReportInput, ReportOutcome

    client = await connect(settings)
    explicit = bool(args.as_of)
    wf_id = f"report/manual/{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    try:
        outcome = await asyncio.wait_for(client.execute_workflow(
            WORKFLOW_NAME,
            ReportInput(kind="daily", working_days_only=False, send=True,
                        as_of=as_of.isoformat() if explicit else None),
            id=wf_id, task_queue=settings.task_queue, result_type=ReportOutcome,
            execution_timeout=timedelta(seconds=SEND_TIMEOUT_S)), SEND_TIMEOUT_S + 5)
    except asyncio.TimeoutError:
        fail(f"Quy trình báo cáo {wf_id} chưa xong sau {SEND_TIMEOUT_S} giây: worker có đang chạy không "
             "('./dondoc up')?", code=1)
    except Exception as exc:  # noqa: BLE001 - the workflow's failure, said plainly
        fail(f"Gửi báo cáo không thành công ({wf_id}): {exc}", code=1)
    if args.json:
        print_json({"id": outcome.id, "url": outcome.url, "as_of": outcome.as_of, "workflow_id": wf_id,
                    "deliveries": outcome.deliveries})
    else:
        sys.stdout.write(f"Đã lưu báo cáo số {outcome.id}: {outcome.url}\n")
        for d in outcome.deliveries:
            sys.stdout.write(f"  {d['recipient']} ({d['group']}): {d['status']} {d.get('channel', '')} "
                             f"{d.get('error', '')}\n")
    failed = [d for d in outcome.deliveries if d["status"] != "sent"]
    return 1 if failed else 0


# -- period ----------------------------------------------------------------------

@_store_ready
def cmd_period(args) -> int:
    from store.report_loading import period_data

    quarter, month = parse_period(args.quarter, args.month)
    settings = settings_for(args)
    config = config_for(args)
    try:
        data = period_data(settings.database_url, config, quarter=quarter, month=month,
                           as_of=parse_as_of(args.as_of), plan=args.plan)
    except ValueError as exc:
        fail(str(exc), code=2)
    if args.json:
        print_json(data)
        return 0
    out = [data["prose"], "", period_table(data)]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def period_table(data: dict) -> str:
    """The counts as a small text table: domain.report.period_figures, each part
    indented under the figure it makes up."""
    from domain.report import period_figures

    rows = [("  " * depth + label, value) for depth, label, value in period_figures(data)]
    width = max(len(k) for k, _ in rows)
    lines = [f"{'Nội dung'.ljust(width)}  Số lượng", "-" * (width + 10)]
    lines += [f"{k.ljust(width)}  {v:>8}" for k, v in rows]
    if data["rows"]:
        lines += ["", f"Nhiệm vụ theo tiến độ trong {data['label']}:"]
        for row in data["rows"]:
            lines.append(f"  STT {row['stt']:>4}  {row['due'] or '':10}  {row['state_vi']:29}  {row['title'][:80]}")
    return "\n".join(lines)


# -- appendix --------------------------------------------------------------------

@_store_ready
def cmd_appendix(args) -> int:
    from notifiers.appendix_files import write_appendix
    from store.report_loading import appendix_data

    settings = settings_for(args)
    config = config_for(args)
    as_of = parse_as_of(args.as_of)
    try:
        appendix = appendix_data(settings.database_url, config, args.plan, as_of)
    except LookupError:
        fail(f"Không có kế hoạch «{args.plan}» trong cơ sở dữ liệu ('./dondoc task list' để xem).", code=2)
    local = as_of.astimezone(VN_TZ)
    title = f"Phụ lục kết quả thực hiện nhiệm vụ — {args.plan} (tính đến ngày {local:%d/%m/%Y})"
    path = write_appendix(appendix.rows, args.format, args.output, title, appendix.totals, appendix.indicators,
                          appendix.units)
    (_, _, total), *classes = appendix.totals
    parts = "; ".join(f"{label.lower()} {n}" for _, label, n in classes if n)
    sys.stdout.write(f"Đã ghi {path} ({total} nhiệm vụ{' — ' + parts if parts else ''}).\n")
    return 0
