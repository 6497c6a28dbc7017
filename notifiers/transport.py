"""One transport for every channel: an Apprise URL in, one Outcome out.

Apprise's ``notify()`` answers a single True/False for all its targets, so dondoc
sends to one recipient URL per call and keeps each delivery's own outcome. The
failure reason is taken from what Apprise logs at WARNING during the call (it
never raises for a failed send), with every secret of the URL scrubbed out.

Channels are named from the URL scheme: ``zalo``, ``email`` (mailto/mailtos),
``outbox`` (stored in the database, see notifiers/outbox.py), ``other``.

Zalo: ``DONDOC_ZALO_API_URL`` replaces the Zalo Bot API's base URL
(``https://bot-api.zaloplatforms.com``), read at each send, so tests can point at a
local fake server and operators at a proxy. The plugin builds its request URL from
its ``notify_url`` attribute; we set that attribute on the one plugin instance we
send with, so nothing global is patched.
"""
from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

import apprise
from apprise.common import NotifyFormat, PersistentStoreMode

ZALO_API_URL_ENV = "DONDOC_ZALO_API_URL"
ZALO_DEFAULT_API_URL = "https://bot-api.zaloplatforms.com"

_CHANNELS = {"zalo": "zalo", "mailto": "email", "mailtos": "email", "outbox": "outbox"}
_SECRET_QUERY = re.compile(
    r"(?i)([?&](?:pass|password|pwd|token|secret|key|apikey|api_key|access_token)=)([^&#]*)"
)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    channel: str
    error: str = ""
    # False when retrying cannot help (the URL itself is unusable).
    transient: bool = True


def channel_of(url: str) -> str:
    scheme = url.split("://", 1)[0].strip().lower() if "://" in url else ""
    return _CHANNELS.get(scheme, "other")


def channel_suffixes(targets: list[str]) -> list[str]:
    """Each target's name in the delivery log's per-channel keys: its channel, and a
    count from the second target of the same channel on ("zalo", "email", "email2")."""
    seen: dict[str, int] = {}
    out = []
    for url in targets:
        channel = channel_of(url)
        seen[channel] = seen.get(channel, 0) + 1
        out.append(channel if seen[channel] == 1 else f"{channel}{seen[channel]}")
    return out


def mask(url: str) -> str:
    """The URL with its bot token, password and secret query values hidden, for logs."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "***"
    netloc_end = len(rest)
    for stop in "/?#":
        pos = rest.find(stop)
        if pos != -1:
            netloc_end = min(netloc_end, pos)
    netloc, tail = rest[:netloc_end], rest[netloc_end:]
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        netloc = f"{userinfo}@{host}"
    elif scheme.lower() == "zalo":
        # zalo://BOT_ID:TOKEN/CHAT -- the token follows the bot id's colon.
        netloc = re.sub(r"^([0-9]+)(?::|%3[aA]).*$", r"\1:***", netloc)
    tail = _SECRET_QUERY.sub(r"\1***", tail)
    return f"{scheme}://{netloc}{tail}"


def _secrets_of(url: str) -> list[str]:
    """Every secret string in the URL, so error text can be scrubbed of them."""
    found: list[str] = []
    rest = url.partition("://")[2]
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in netloc:
        userinfo = netloc.rsplit("@", 1)[0]
        if ":" in userinfo:
            found.append(userinfo.split(":", 1)[1])
    elif url.lower().startswith("zalo://"):
        m = re.match(r"^([0-9]+)(?::|%3[aA])([^/?#]+)", rest)
        if m:
            found += [m.group(2), f"{m.group(1)}:{m.group(2)}"]
    found += [m.group(2) for m in _SECRET_QUERY.finditer(url)]
    found += [unquote(s) for s in found]
    # Longest first, so a full token is replaced before its parts.
    return sorted({s for s in found if len(s) >= 3}, key=len, reverse=True)


_BOT_TOKEN = re.compile(r"\b([0-9]+):[A-Za-z0-9_-]{4,}")


def scrub(text: str, url: str) -> str:
    """Error text without the URL's secrets, nor anything shaped like a bot token."""
    for secret in _secrets_of(url):
        text = text.replace(secret, "***")
    return _BOT_TOKEN.sub(r"\1:***", text)


class _WarningsOfThisThread(logging.Handler):
    """Collects Apprise's WARNING+ records emitted by the calling thread only:
    activities run concurrently, and one send must not take another's reason."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            try:
                self.messages.append(record.getMessage())
            except Exception:  # a malformed log call must not break a send
                self.messages.append(str(record.msg))


def _zalo_api_url(environ: Mapping[str, str]) -> str:
    return (environ.get(ZALO_API_URL_ENV) or ZALO_DEFAULT_API_URL).rstrip("/")


def _instantiate(url: str, environ: Mapping[str, str]):
    from notifiers import outbox  # registers outbox:// with Apprise on first use

    outbox.register()
    # Memory-only store: Apprise must not write caches into the operator's home.
    asset = apprise.AppriseAsset(storage_mode=PersistentStoreMode.MEMORY)
    plugin = apprise.Apprise.instantiate(url, asset=asset)
    if plugin is not None and channel_of(url) == "outbox":
        plugin.database_url = outbox.database_url_from(environ)
    if plugin is not None and channel_of(url) == "zalo":
        # The plugin formats notify_url with its token: keep that placeholder.
        plugin.notify_url = _zalo_api_url(environ) + "/bot{token}/sendMessage"
    return plugin


def send(url: str, title: str, body: str, html: str | None = None,
         *, environ: Mapping[str, str] | None = None) -> Outcome:
    """Send one message to one recipient URL and say how it went.

    ``html`` is used by channels that carry it (email: Apprise sends a
    multipart/alternative with a text part derived from it); others get ``body``.
    ``environ`` defaults to os.environ and is read now, not at import.
    """
    environ = os.environ if environ is None else environ
    channel = channel_of(url)
    logger = logging.getLogger("apprise")
    capture = _WarningsOfThisThread()
    logger.addHandler(capture)
    try:
        plugin = _instantiate(url, environ)
        if plugin is None:
            reason = "; ".join(capture.messages) or "unsupported or invalid notification URL"
            return Outcome(False, channel, scrub(f"{mask(url)}: {reason}", url), transient=False)
        if html is not None and channel == "email":
            ok = plugin.notify(body=html, title=title, body_format=NotifyFormat.HTML)
        else:
            ok = plugin.notify(body=body, title=title, body_format=NotifyFormat.TEXT)
    except Exception as exc:  # a plugin bug must become a recorded failure, not a crash
        return Outcome(False, channel, scrub(f"{type(exc).__name__}: {exc}", url))
    finally:
        logger.removeHandler(capture)
    if ok:
        return Outcome(True, channel)
    reason = "; ".join(capture.messages) or "the service refused the message"
    return Outcome(False, channel, scrub(reason, url))
