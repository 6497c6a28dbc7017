"""`dondoc people ...`: the people who receive messages, and their Zalo sign-up.

  people add --name NAME --unit UNIT [--unit U2] [--role officer|lead|supervisor|office] [--email ADDR] [--json]
  people invite ID [--days 7] [--bot-name NAME] [--bot-link URL] [--json]
  people show ID [--json]
  people list [--all] [--json]
  people deactivate ID [--json]

Each command brings the database to the latest migration first (people live in
tables newer than some existing data folders).
"""
from __future__ import annotations

from datetime import datetime, timezone

from cli.common import migrated_database, config_for, fail, print_json

ROLES = ("officer", "lead", "supervisor", "office")


def register(sub) -> None:
    p = sub.add_parser("people", help="người nhận tin: thêm, mời đăng ký Zalo, xem, liệt kê")
    psub = p.add_subparsers(dest="people_command", metavar="LỆNH_CON", title="các lệnh con")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    a = psub.add_parser("add", help="thêm một người")
    a.add_argument("--name", required=True, help="họ tên")
    a.add_argument("--unit", action="append", default=[], help="đơn vị (mã, tên hoặc tên gọi khác; có thể lặp lại)")
    a.add_argument("--role", choices=ROLES, default="officer",
                   help="vai trò: officer (cán bộ đầu mối), lead (lãnh đạo phụ trách), "
                        "supervisor (Ban Chỉ đạo), office (Văn phòng thường trực)")
    a.add_argument("--email", help="địa chỉ email")
    a.add_argument("--json", action="store_true", help="in JSON")
    a.set_defaults(func=run_add)

    i = psub.add_parser("invite", help="cấp mã đăng ký Zalo dùng một lần")
    i.add_argument("id", type=int, help="mã người")
    i.add_argument("--days", type=int, default=7, help="số ngày mã còn hiệu lực (mặc định 7)")
    i.add_argument("--bot-name", default=None, help="tên bot Zalo in trong hướng dẫn (mặc định: [zalo] bot_name)")
    i.add_argument("--bot-link", default=None, help="đường liên kết tới bot (mặc định: [zalo] bot_link)")
    i.add_argument("--json", action="store_true", help="in JSON")
    i.set_defaults(func=run_invite)

    s = psub.add_parser("show", help="xem một người")
    s.add_argument("id", type=int, help="mã người")
    s.add_argument("--json", action="store_true", help="in JSON")
    s.set_defaults(func=run_show)

    ls = psub.add_parser("list", help="liệt kê người nhận tin")
    ls.add_argument("--all", action="store_true", help="kể cả người đã ngừng theo dõi")
    ls.add_argument("--json", action="store_true", help="in JSON")
    ls.set_defaults(func=run_list)

    d = psub.add_parser("deactivate", help="ngừng gửi tin cho một người (hủy liên kết Zalo, vô hiệu mã)")
    d.add_argument("id", type=int, help="mã người")
    d.add_argument("--json", action="store_true", help="in JSON")
    d.set_defaults(func=run_deactivate)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def run_add(args) -> int:
    from services.people import PeopleError, add_person, person_view

    config = config_for(args)
    url = migrated_database(args)
    try:
        person_id = add_person(url, args.name, args.unit, args.role, args.email, directory=config.directory)
    except PeopleError as exc:
        fail(str(exc), code=2)
    view = person_view(url, config, person_id)
    if args.json:
        print_json(view)
    else:
        print(f"Đã thêm {view['name']} (mã {person_id}), {view['role_label']}"
              + (f", {', '.join(view['units'])}" if view["units"] else "") + ".")
        print(f"Cấp mã đăng ký Zalo: ./dondoc people invite {person_id}")
    return 0


def run_invite(args) -> int:
    from domain.people import vn_moment
    from services.people import PeopleError, invite

    url = migrated_database(args)
    from services.people import bot_identity

    bot_name, bot_link = bot_identity(config_for(args))
    try:
        out = invite(url, args.id, _now(), days=args.days, bot_name=args.bot_name or bot_name,
                     bot_link=args.bot_link or bot_link)
    except PeopleError as exc:
        fail(str(exc), code=2)
    if args.json:
        print_json(out)
    else:
        print(out["text"])
        print(f"\nMã: {out['code']} (hết hạn lúc {vn_moment(datetime.fromisoformat(out['expires_at']))}; "
              "mã chỉ hiện một lần, hãy chuyển ngay cho người nhận).")
    return 0


def run_show(args) -> int:
    from services.people import person_view

    config = config_for(args)
    view = person_view(migrated_database(args), config, args.id)
    if view is None:
        fail(f"Không có người mã {args.id}.", code=1)
    if args.json:
        print_json(view)
        return 0
    print(f"{view['id']}: {view['name']} — {view['role_label']}" + ("" if view["active"] else " (đã ngừng theo dõi)"))
    print(f"  Đơn vị: {', '.join(view['units']) or '—'}")
    print(f"  Email: {view['email'] or '—'}")
    print(f"  Zalo: {_zalo_words(view['zalo'])}")
    return 0


def _zalo_words(zalo: dict) -> str:
    if not zalo["linked"]:
        return "chưa liên kết"
    when = vn_when(zalo["linked_at"])
    return f"đã liên kết lúc {when}" + (" — gửi tin đang lỗi" if zalo["broken"] else "")


def vn_when(iso: str | None) -> str:
    from domain.people import vn_moment

    return vn_moment(datetime.fromisoformat(iso)) if iso else "—"


def run_list(args) -> int:
    from services.people import list_people

    config = config_for(args)
    rows = list_people(migrated_database(args), config, include_inactive=args.all)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("Chưa có người nhận tin. Thêm bằng: ./dondoc people add --name \"Họ tên\" --unit MÃ_ĐƠN_VỊ")
    for r in rows:
        zalo = "Zalo: " + ("lỗi" if r["zalo"]["broken"] else "có" if r["zalo"]["linked"] else "chưa")
        state = "" if r["active"] else " (đã ngừng)"
        print(f"{r['id']:>4}  {r['name'][:30]:<30} {r['role_label']:<28} {zalo:<11} {', '.join(r['units'])}{state}")
    return 0


def run_deactivate(args) -> int:
    from services.people import deactivate

    url = migrated_database(args)
    if not deactivate(url, args.id, _now()):
        fail(f"Không có người mã {args.id}.", code=1)
    if args.json:
        print_json({"id": args.id, "active": False})
    else:
        print(f"Đã ngừng gửi tin cho người mã {args.id} (đã hủy liên kết Zalo và vô hiệu các mã chưa dùng).")
    return 0
