"""`dondoc config check [FILE]`: validate a configuration, naming each error with its key."""
from __future__ import annotations

from config.loader import ConfigError, load_config, resolve_path


def register(sub) -> None:
    p = sub.add_parser("config", help="kiểm tra cấu hình")
    csub = p.add_subparsers(dest="config_command", metavar="LỆNH_CON", title="các lệnh con")
    c = csub.add_parser("check", help="kiểm tra tệp cấu hình TOML")
    c.add_argument("file", nargs="?", help="tệp cấu hình (mặc định: --config, DONDOC_CONFIG hoặc mặc định)")
    c.set_defaults(func=check)


def check(args) -> int:
    path = resolve_path(args.file or args.config)
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        print(f"{path}: {len(exc.errors)} lỗi")
        for e in exc.errors:
            print(f"  - {e}")
        return 1
    d = cfg.directory
    print(
        f"{path}: hợp lệ — {len(d.units)} đơn vị, {len(d.officials)} lãnh đạo, "
        f"{len(d.supervisors)} kênh Ban Chỉ đạo, {len(cfg.schedules)} lịch báo cáo"
    )
    return 0
