"""`dondoc import FILE [--plan NAME] [--dry-run] [--json] [--prune] [--under TASK_ID]`.

Exit 0: every row imported cleanly; 3: imported, with problems to look at;
2: nothing imported (unreadable file, no task table), with the reason.
"""
from __future__ import annotations

import asyncio
import sys

from cli.common import config_for, connect, fail, print_json, settings_for

EXIT_CLEAN, EXIT_NOTHING, EXIT_PROBLEMS = 0, 2, 3


def register(sub) -> None:
    p = sub.add_parser("import", help="nhập bảng nhiệm vụ (TSV/CSV/XLSX/DOCX/PDF) của một kế hoạch")
    p.add_argument("file", help="tệp bảng nhiệm vụ của kế hoạch (TSV, CSV, XLSX, DOCX hoặc PDF có lớp chữ)")
    p.add_argument("--plan", help="tên kế hoạch (mặc định: lấy từ văn bản)")
    p.add_argument("--dry-run", action="store_true", help="chỉ đọc và báo cáo, không thay đổi gì")
    p.add_argument("--json", action="store_true", help="in JSON")
    p.add_argument("--prune", action="store_true", help="hủy các nhiệm vụ không còn trong tệp mới")
    p.add_argument("--under", metavar="MÃ_NHIỆM_VỤ",
                   help="kế hoạch cấp dưới: các nhiệm vụ của tệp thành nhiệm vụ con của nhiệm vụ này "
                        "(nhiệm vụ này hoàn thành khi mọi nhiệm vụ con hoàn thành)")
    p.set_defaults(func=run)


def run(args) -> int:
    from intake import IntakeError, read_plan_isolated

    from services.unit_groups import with_edited_groups

    settings = settings_for(args)
    config = with_edited_groups(settings.database_url, config_for(args))  # groups edited on the dashboard too
    under_title = _check_under(settings, args.under) if args.under and not args.dry_run else ""
    try:
        result = read_plan_isolated(args.file, config.directory, plan=args.plan)
    except IntakeError as exc:
        fail(f"Không nhập được «{args.file}»: {exc}", code=EXIT_NOTHING)
    code = EXIT_PROBLEMS if result.problems else EXIT_CLEAN
    if args.dry_run:
        from datetime import datetime, timezone

        from services.import_preview import preview_messages

        messages = preview_messages(result, config, datetime.now(timezone.utc))
        if args.json:
            print_json({**result.to_dict(), "messages": messages.to_dict()})
        else:
            print_preview(result, messages)
        return code
    summary = asyncio.run(_import(settings, config, result, args.prune, show_progress=not args.json,
                                  under=args.under))
    if args.json:
        print_json({**summary.to_dict(), "problems": [p.to_dict() for p in result.problems]})
    else:
        print_summary(result, summary, under_title)
    return EXIT_PROBLEMS if (result.problems or summary.failed) else code


def _check_under(settings, task_id: str) -> str:
    """The title of the task the plan goes under; exit 2 with the reason when it cannot."""
    from services.delegation import DelegationError, check_parent

    try:
        return check_parent(settings.database_url, task_id)
    except DelegationError as err:
        fail(f"Không nhập được: {err}", code=EXIT_NOTHING)


async def _import(settings, config, result, prune: bool, show_progress: bool, under: str | None = None):
    from services.importer import import_plan

    client = await connect(settings)
    if not show_progress or not sys.stderr.isatty():
        return await import_plan(settings, config, result, client=client, prune=prune, under=under)
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        job = bar.add_task("Đang nhập", total=len(result.tasks))
        return await import_plan(settings, config, result, client=client, prune=prune, under=under,
                                 progress=lambda n: bar.update(job, completed=n))


def print_problems(result) -> None:
    for p in result.problems:
        tag = "LỖI" if p.severity == "error" else "Lưu ý"
        print(f"  [{tag}] {p.message}")


def print_preview(result, messages) -> None:
    print(f"Kế hoạch: {result.plan}")
    for line in messages.lines():
        print(f"  {line}")
    print(f"  {len(result.tasks)} nhiệm vụ, {len(result.indicators)} chỉ tiêu, {len(result.problems)} vấn đề")
    for t in result.tasks:
        due = t.deadline.due.strftime("%d/%m/%Y") if t.deadline.due else {"recurring": "định kỳ"}.get(t.deadline.kind, "chưa rõ hạn")
        print(f"  {t.stt:>6}  {due:<12} {one_line(t.title, 80)}")
    print_problems(result)


def one_line(text: str, width: int) -> str:
    """A cell of the preview table: line breaks of a wrapped title (Word cells keep them)
    become spaces, so each task stays one row; longer than `width` ends in "…"."""
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_summary(result, summary, under_title: str = "") -> None:
    print(f"Đã nhập kế hoạch «{result.plan}»:")
    print(f"  {summary.started} nhiệm vụ mới, {summary.amended} nhiệm vụ sửa đổi, "
          f"{summary.unchanged} không đổi, {summary.completed} đã hoàn thành, {len(result.indicators)} chỉ tiêu")
    if summary.parents:
        print(f"  {summary.parents} nhiệm vụ giao cho nhóm đơn vị: {summary.children_started} nhiệm vụ mới của đơn vị "
              f"thành viên, {summary.children_amended} sửa đổi, {summary.children_cancelled} hủy (đơn vị đã rời nhóm)")
    if under_title:
        print(f"  Các nhiệm vụ trên là nhiệm vụ con của nhiệm vụ «{under_title}»: nhiệm vụ đó hoàn thành khi "
              "mọi nhiệm vụ con hoàn thành.")
    if summary.gone:
        verb = "đã hủy" if summary.pruned else "không còn trong tệp (dùng --prune để hủy)"
        print(f"  {len(summary.gone)} nhiệm vụ {verb}: " + ", ".join(summary.gone))
    for task_id, error in summary.failed.items():
        print(f"  [LỖI] {task_id}: {error}")
    print_problems(result)
