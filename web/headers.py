"""Security headers on every response (pages, JSON, errors, /healthz): no MIME
sniffing, never framed by another site, the referrer kept to our own origin, and
HSTS when the public address is https. A handler's own stricter values stay (a
page's full Content-Security-Policy, the report pages' ``no-referrer``); a CSP
without ``frame-ancestors`` gets it added.

Pure ASGI (no buffering), wrapped around the whole application, Starlette's error
responses included (web/app.py).
"""
from __future__ import annotations

from starlette.datastructures import MutableHeaders

DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
HSTS = "max-age=31536000"


class SecurityHeaders:
    def __init__(self, app, https: bool):
        self.app = app
        self.https = https

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                add_headers(MutableHeaders(scope=message), self.https)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_headers(headers: MutableHeaders, https: bool) -> None:
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    csp = headers.get("Content-Security-Policy")
    if csp is None:
        headers["Content-Security-Policy"] = DEFAULT_CSP
    elif "frame-ancestors" not in csp:
        headers["Content-Security-Policy"] = csp.rstrip("; ") + "; frame-ancestors 'none'"
    if https:
        headers.setdefault("Strict-Transport-Security", HSTS)
