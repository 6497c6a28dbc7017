"""The web application (Starlette): health now; links, dashboard and API join it
through web/routes.py modules as they are built."""
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
    """Pages and API from web/routes.py when present (the web issue builds them)."""
    try:
        from web import routes as page_routes
    except ImportError as exc:
        if exc.name != "web.routes":
            raise
        return []
    return page_routes.routes(settings, config)
