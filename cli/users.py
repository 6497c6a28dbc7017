"""`dondoc users ...`: the dashboard's accounts in the database.

  users add NAME --role admin|office|leader|viewer [--json]   a one-time password, printed once
  users list [--json]
  users reset NAME [--json]        a new one-time password; the user's sessions end
  users deactivate NAME [--json]   no more logins; the user's sessions end

A one-time password must be changed at the first login (as the first administrator's).
Accounts in the configuration file ([[users]]) are edited there. Each command brings
the database to the latest migration first.
"""
from __future__ import annotations

from cli.common import migrated_database, config_for, fail, print_json

ROLE_HELP = "vai trò: admin (Quản trị), office (Văn phòng thường trực), leader (Lãnh đạo), viewer (Chỉ xem)"


def register(sub) -> None:
    p = sub.add_parser("users", help="tài khoản đăng nhập bảng điều khiển: thêm, liệt kê, cấp lại mật khẩu, khóa")
    usub = p.add_subparsers(dest="users_command", metavar="LỆNH_CON", title="các lệnh con")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    a = usub.add_parser("add", help="thêm tài khoản (in mật khẩu dùng một lần)")
    a.add_argument("name", help="tên đăng nhập")
    a.add_argument("--role", required=True, help=ROLE_HELP)
    a.add_argument("--json", action="store_true", help="in JSON")
    a.set_defaults(func=run_add)

    ls = usub.add_parser("list", help="liệt kê tài khoản")
    ls.add_argument("--json", action="store_true", help="in JSON")
    ls.set_defaults(func=run_list)

    r = usub.add_parser("reset", help="cấp mật khẩu dùng một lần mới; các phiên đăng nhập kết thúc")
    r.add_argument("name", help="tên đăng nhập")
    r.add_argument("--json", action="store_true", help="in JSON")
    r.set_defaults(func=run_reset)

    d = usub.add_parser("deactivate", help="khóa tài khoản; các phiên đăng nhập kết thúc")
    d.add_argument("name", help="tên đăng nhập")
    d.add_argument("--json", action="store_true", help="in JSON")
    d.set_defaults(func=run_deactivate)


def _unknown(name: str):
    fail(f"Không có tài khoản «{name}» trong cơ sở dữ liệu. Xem danh sách: ./dondoc users list", code=2)


def run_add(args) -> int:
    from web.accounts import ROLE_LABELS, ROLES, AccountError, create_user

    if args.role not in ROLES:
        fail(f"Vai trò «{args.role}» không hợp lệ; chọn một trong: {', '.join(ROLES)}.", code=2)
    taken = tuple(str(u.get("username")) for u in getattr(config_for(args), "users", ()) or ()
                  if isinstance(u, dict))
    try:
        password = create_user(migrated_database(args), args.name, args.role, taken=taken)
    except AccountError as exc:
        fail(str(exc), code=2)
    if args.json:
        print_json({"username": args.name.strip(), "role": args.role, "password": password})
    else:
        print(f"Đã tạo tài khoản «{args.name.strip()}» ({ROLE_LABELS[args.role]}).")
        print(f"Mật khẩu dùng một lần: {password}")
        print("Mật khẩu chỉ hiện một lần; người dùng phải đổi mật khẩu ở lần đăng nhập đầu.")
    return 0


def run_list(args) -> int:
    from web.accounts import list_users

    rows = list_users(migrated_database(args))
    if args.json:
        print_json([{k: r[k] for k in ("username", "role", "active", "must_change_password")} for r in rows])
        return 0
    if not rows:
        print("Chưa có tài khoản nào trong cơ sở dữ liệu. Thêm bằng: ./dondoc users add TÊN --role office")
        return 0
    print(f"{'Tài khoản':<30} {'Vai trò':<22} Trạng thái")
    for r in rows:
        state = "đang dùng" if r["active"] else "đã khóa"
        pending = ", chưa đổi mật khẩu dùng một lần" if r["must_change_password"] else ""
        print(f"{r['username'][:30]:<30} {r['role_label']:<22} {state}{pending}")
    return 0


def run_reset(args) -> int:
    from web.accounts import reset_password

    password = reset_password(migrated_database(args), args.name)
    if password is None:
        _unknown(args.name)
    if args.json:
        print_json({"username": args.name, "password": password})
    else:
        print(f"Đã cấp mật khẩu dùng một lần mới cho «{args.name}»: {password}")
        print("Các phiên đăng nhập cũ của tài khoản này đã kết thúc; mật khẩu phải được đổi khi đăng nhập.")
    return 0


def run_deactivate(args) -> int:
    from web.accounts import deactivate

    if not deactivate(migrated_database(args), args.name):
        _unknown(args.name)
    if args.json:
        print_json({"username": args.name, "active": False})
    else:
        print(f"Đã khóa tài khoản «{args.name}»; các phiên đăng nhập của tài khoản này đã kết thúc.")
    return 0
