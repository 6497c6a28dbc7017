"""`dondoc web`: the web application alone (for a cluster; `up` runs it for you)."""
from __future__ import annotations

from cli.common import config_for, require_secret_key, settings_for


def register(sub) -> None:
    p = sub.add_parser("web", help="chạy ứng dụng web (liên kết xác nhận, bảng điều khiển, /healthz)")
    p.add_argument("--host", default="127.0.0.1", help="địa chỉ lắng nghe (mặc định 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="mặc định DONDOC_WEB_PORT (8000)")
    p.set_defaults(func=run)


def run(args) -> int:
    import uvicorn

    from web.app import create_app

    from web.routes_zalo import register_webhook

    require_secret_key()
    settings, config = settings_for(args), config_for(args)
    app = create_app(settings, config)
    problem = register_webhook(settings, config)
    if problem:
        print(problem, flush=True)
    uvicorn.run(app, host=args.host, port=args.port or settings.web_port, log_level="warning")
    return 0
