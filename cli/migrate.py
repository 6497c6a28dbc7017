"""`dondoc migrate`: apply the database migrations (a cluster runs it once per release)."""
from __future__ import annotations

from cli.common import settings_for


def register(sub) -> None:
    p = sub.add_parser("migrate", help="áp dụng migration cơ sở dữ liệu")
    p.set_defaults(func=run)


def run(args) -> int:
    from store.migrate import upgrade

    settings = settings_for(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # the default SQLite file lives there
    upgrade(settings.database_url)
    print("Cơ sở dữ liệu đã ở phiên bản mới nhất.")
    return 0
