"""Cross-site request protection for every POST.

Two checks, both required:
  - a form token: for a signed link, an HMAC of the link's own token (so a form
    only works for the link it was served with, on any web instance, with no
    server state); for the dashboard, the per-login secret in the session cookie;
  - the request's origin (Sec-Fetch-Site, Origin, else Referer) must be ours:
    the public URL or the host the request came to. Old browsers that send none
    still need the form token.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlsplit

FIELD = "csrf_token"
HEADER = "x-csrf-token"


def link_token(secret: str, link: str) -> str:
    mac = hmac.new(secret.encode(), b"dondoc.csrf.link.v1|" + link.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode().rstrip("=")


def check_link_token(secret: str, link: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(link_token(secret, link), given)


def check_session_token(expected: str, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(expected, given)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(request, public_url: str) -> bool:
    """False when the browser says the request comes from another site."""
    if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        return False
    ours = {_origin(public_url), _origin(str(request.base_url))}
    origin = request.headers.get("origin")
    if origin:
        return origin.lower() in ours  # "null" (sandboxed frames, file://) is never ours
    referer = request.headers.get("referer")
    if referer:
        return _origin(referer) in ours
    return True
