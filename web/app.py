"""The web application (Starlette): /healthz here; links, dashboard, incidents,
reports and the API join it through web/routes_*.py modules. Every response gets
the security headers of web/headers.py."""
from __future__ import annotations

import asyncio
import contextlib

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from config.loader import Config
from config.settings import Settings
from web import health
from web.headers import SecurityHeaders
from web.throttle import Throttle


class TemporalHandle:
    """A lazily (re)connected Temporal client: the web stays up while Temporal restarts."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.client = None
        self._lock = asyncio.Lock()

    async def get(self):
        if self.client is not None:
            return self.client
        async with self._lock:
            if self.client is None:
                from services.temporal_client import connect

                with contextlib.suppress(Exception):
                    self.client = await asyncio.wait_for(
                        connect(self.settings), 5
                    )
        return self.client


async def healthz(request: Request) -> JSONResponse:
    """200 when the database, Temporal and a worker are all up, else 503. Anyone sees the
    verdict; the details (addresses, error texts) only an administrator or a bearer token."""
    s: Settings = request.app.state.settings
    client = await request.app.state.temporal.get()
    db_ok, db_msg = await asyncio.to_thread(health.check_database, s.database_url)
    t_ok, t_msg = await health.check_temporal(client)
    w_ok, w_msg = await health.check_worker(client, s.namespace, s.task_queue) if t_ok else (False, "temporal down")
    ok = db_ok and t_ok and w_ok
    checks = {"database": (db_ok, db_msg), "temporal": (t_ok, t_msg), "worker": (w_ok, w_msg)}
    detailed = await _may_see_details(request)
    body: dict = {"status": "ok" if ok else "degraded"}
    for name, (part_ok, detail) in checks.items():
        body[name] = {"ok": part_ok, "detail": detail} if detailed else {"ok": part_ok}
    return JSONResponse(body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"})


async def _may_see_details(request: Request) -> bool:
    from web.users import current_user

    try:
        user = await current_user(request)
    except Exception:  # noqa: BLE001 - the store may be what is down: then no details
        return False
    return user is not None and (user.via == "token" or (user.role == "admin" and not user.must_change))


class App(Starlette):
    """Starlette with the security headers outermost, on error responses too (web/headers.py)."""

    def __init__(self, *args, https: bool = False, **kwargs):
        self.https = https
        super().__init__(*args, **kwargs)

    def build_middleware_stack(self):
        return SecurityHeaders(super().build_middleware_stack(), https=self.https)


def create_app(settings: Settings, config: Config) -> Starlette:
    routes = [Route("/healthz", healthz)]
    routes += _extra_routes(settings, config)
    from web.errors import HANDLERS

    app = App(routes=routes, https=settings.public_url.startswith("https://"), exception_handlers=HANDLERS)
    app.state.settings = settings
    from services.unit_groups import with_edited_groups

    app.state.config = with_edited_groups(settings.database_url, config)  # the office's group edits too
    app.state.temporal = TemporalHandle(settings)
    app.state.throttle = Throttle()
    return app


def _extra_routes(settings: Settings, config: Config) -> list:
    """Each web/routes_*.py module contributes `routes(settings, config) -> list[Route]`,
    so pages (links, dashboard, incidents, reports, API) are added one file at a time."""
    import importlib
    import pkgutil

    import web

    found = []
    for info in sorted(pkgutil.iter_modules(web.__path__), key=lambda m: m.name):
        if info.name.startswith("routes_"):
            module = importlib.import_module(f"web.{info.name}")
            found += module.routes(settings, config)
    return found
