"""`dondoc migrate`: apply the database migrations (a cluster runs it once per release)."""
from __future__ import annotations

from cli.common import migrated_database


def register(sub) -> None:
    p = sub.add_parser("migrate", help="áp dụng migration cơ sở dữ liệu")
    p.set_defaults(func=run)


def run(args) -> int:
    migrated_database(args)
    print("Cơ sở dữ liệu đã ở phiên bản mới nhất.")
    return 0
