"""`dondoc zalo poll`: read what people send to the Zalo bot (sign-up codes, "hủy",
"đã nhận", "trợ giúp") by getUpdates long polling and answer them. `up` runs exactly
one poller when the configuration names a bot token; a deployment with a public
https address uses the webhook instead (POST /zalo/webhook)."""
from __future__ import annotations

import os
import signal
import threading

from cli.common import config_for, fail, migrated_database


def register(sub) -> None:
    p = sub.add_parser("zalo", help="bot Zalo: nhận tin người dùng gửi tới bot (đăng ký, hủy, đã nhận)")
    zsub = p.add_subparsers(dest="zalo_command", metavar="LỆNH_CON", title="các lệnh con")
    poll = zsub.add_parser("poll", help="đọc tin gửi tới bot bằng getUpdates (không cần địa chỉ công khai)")
    poll.set_defaults(func=run_poll)


def run_poll(args) -> int:
    from config.logging import get_logger
    from notifiers.transport import zalo_api_url
    from services.zalo_bot import poll_forever
    config = config_for(args)
    if not config.zalo.enabled:
        fail("Chưa cấu hình bot Zalo: đặt [zalo] bot_token = \"${ZALO_BOT_TOKEN}\" và biến môi trường ZALO_BOT_TOKEN.",
             code=2)
    database_url = migrated_database(args)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    get_logger(component="zalo_bot").info("zalo.poll.start")
    poll_forever(database_url, zalo_api_url(os.environ), config.zalo.bot_token, stop,
                 directory=config.directory)
    return 0
