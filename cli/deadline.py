"""`dondoc deadline --json PHRASE...`: how dondoc reads deadline phrases."""
from __future__ import annotations

from cli.common import print_json
from domain.deadlines import parse_deadline

KIND_VI = {"once": "một lần", "recurring": "định kỳ", "unknown": "chưa xác định"}
EVERY_VI = {"month": "hằng tháng", "year": "hằng năm"}


def register(sub) -> None:
    p = sub.add_parser("deadline", help="đọc cụm từ thời hạn (\"Quý I/2026\", \"Thường xuyên\"...)")
    p.add_argument("phrases", nargs="+", metavar="CỤM_TỪ", help="một hay nhiều cụm từ thời hạn như trong văn bản")
    p.add_argument("--json", action="store_true", help="in JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    results = [parse_deadline(p).to_dict() for p in args.phrases]
    if args.json:
        print_json(results)
        return 0
    for r in results:
        due = r["due"] or "—"
        every = EVERY_VI.get(r["every"] or "", "")
        print(f"{r['raw']!r}: {KIND_VI[r['kind']]} {due} {every}".rstrip())
    return 0
