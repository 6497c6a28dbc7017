"""The web application (Starlette): /healthz here; links, dashboard, incidents,
reports and the API join it through web/routes_*.py modules."""
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
                from temporalio.client import Client

                with contextlib.suppress(Exception):
                    self.client = await asyncio.wait_for(
                        Client.connect(self.settings.temporal_address, namespace=self.settings.namespace), 5
                    )
        return self.client


async def healthz(request: Request) -> JSONResponse:
    s: Settings = request.app.state.settings
    client = await request.app.state.temporal.get()
    db_ok, db_msg = await asyncio.to_thread(health.check_database, s.database_url)
    t_ok, t_msg = await health.check_temporal(client)
    w_ok, w_msg = await health.check_worker(client, s.namespace, s.task_queue) if t_ok else (False, "temporal down")
    ok = db_ok and t_ok and w_ok
    body = {
        "status": "ok" if ok else "degraded",
        "database": {"ok": db_ok, "detail": db_msg},
        "temporal": {"ok": t_ok, "detail": t_msg},
        "worker": {"ok": w_ok, "detail": w_msg},
    }
    return JSONResponse(body, status_code=200 if ok else 503)


def create_app(settings: Settings, config: Config) -> Starlette:
    routes = [Route("/healthz", healthz)]
    routes += _extra_routes(settings, config)
    app = Starlette(routes=routes)
    app.state.settings = settings
    app.state.config = config
    app.state.temporal = TemporalHandle(settings)
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
