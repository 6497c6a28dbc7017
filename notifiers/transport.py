"""One transport for every channel: a notification URL in, one Outcome out.

Channels are named from the URL scheme: ``zalo``, ``email`` (mailto/mailtos),
``outbox`` (stored in the database, see notifiers/outbox.py), ``other``.

Zalo (``zalo://BOT_ID:SECRET/CHAT_ID``, and the other shapes Apprise accepts) goes
through notifiers/zalo.py, our own Bot API client: Zalo refuses with HTTP 200 and
``ok: false``, and only the body's ``error_code`` and ``description`` tell a reset
token (401) from a chat that cannot be reached (400) from a quota (429) -- Apprise's
plugin keeps none of them. A text over 2,000 characters goes as numbered parts.
``DONDOC_ZALO_API_URL`` replaces the Bot API's base URL
(``https://bot-api.zaloplatforms.com``), read at each send, so tests can point at a
local fake server and operators at a proxy.

Every other channel goes through Apprise. Its ``notify()`` answers a single
True/False for all its targets, so dondoc sends to one recipient URL per call and
keeps each delivery's own outcome. The failure reason is taken from what Apprise
logs at WARNING during the call (it never raises for a failed send), with every
secret of the URL scrubbed out.
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

from notifiers import zalo

ZALO_API_URL_ENV = "DONDOC_ZALO_API_URL"
ZALO_DEFAULT_API_URL = zalo.DEFAULT_BASE

_CHANNELS = {"zalo": "zalo", "mailto": "email", "mailtos": "email", "outbox": "outbox"}
# A secret query value runs to the next "&" (a "#" in a password is not a fragment here).
_SECRET_QUERY = re.compile(
    r"(?i)([?&](?:pass|password|pwd|token|secret|key|apikey|api_key|access_token)=)([^&]*)"
)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    channel: str
    error: str = ""             # "zalo 429: Too Many Requests", an SMTP reason, ...
    # False when retrying cannot help (the URL is unusable, the token or the chat is broken).
    transient: bool = True
    # The service's own error code, when it gave one (Zalo's ``error_code``: 401 the
    # bot's token was reset or is wrong, 400/404 this chat cannot be reached, 429 quota).
    code: int | None = None
    bot: str = ""               # zalo: the bot's id (never its secret), to tell outages apart

    @property
    def token_broken(self) -> bool:
        """Zalo answered 401: every message of this bot fails until an operator puts
        the new token in the configuration. Tell the standing office and the admins
        once per outage (per ``bot``), not once per message."""
        return not self.ok and self.channel == "zalo" and self.code == zalo.UNAUTHORIZED

    @property
    def chat_broken(self) -> bool:
        """Zalo answered 400/404 for this chat: this recipient's Zalo link is broken
        (never wrote to the bot, blocked it, wrong id); other chats are fine."""
        return not self.ok and self.channel == "zalo" and self.code in (zalo.BAD_REQUEST, zalo.NOT_FOUND)


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


# "@host" that ends the userinfo: a host (name, IPv4, [IPv6]) and an optional port,
# then the end or a "/", "?" or "#".
_AT_HOST = re.compile(r"@(?:\[[0-9A-Fa-f:.]+\]|[^/?#@:\s\[\]]+)(?::[0-9]*)?(?=$|[/?#])")
_IN_QUERY = re.compile(r"[?&][^?&=/#]*=[^&]*$")


def _split_userinfo(rest: str) -> tuple[str | None, str]:
    """(userinfo, host and the rest) of what follows "://"; userinfo None when there is
    none. A password may hold "/", "#", "?" or "@", so the userinfo ends at the last
    "@host" that is not inside a query value (``?to=a@b.vn``)."""
    found = None
    for m in _AT_HOST.finditer(rest):
        if not _IN_QUERY.search(rest[:m.start()]):
            found = m
    if found is None:
        return None, rest
    return rest[:found.start()], rest[found.start() + 1:]


def mask(url: str) -> str:
    """The URL with its bot token, password and secret query values hidden, for logs."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "***"
    if scheme.strip().lower() == "zalo":
        return _mask_zalo(url, rest)
    userinfo, rest = _split_userinfo(rest)
    if userinfo is not None and ":" in userinfo:
        userinfo = userinfo.split(":", 1)[0] + ":***"
    rest = _SECRET_QUERY.sub(r"\1***", rest)
    return f"{scheme}://" + (f"{userinfo}@" if userinfo is not None else "") + rest


def _mask_zalo(url: str, rest: str) -> str:
    masked = zalo.mask_url(url)
    if masked is not None:
        return masked
    # Not a usable zalo:// URL: hide whatever follows a leading bot id, and any token.
    rest = re.sub(r"^([0-9]+)(?::|%3[aA]|/)[^/?#]*", r"\1:***", rest)
    rest = _SECRET_QUERY.sub(r"\1***", rest)
    return "zalo://" + zalo.scrub(rest)


def _secrets_of(url: str) -> list[str]:
    """Every secret string in the URL, so error text can be scrubbed of them."""
    found: list[str] = []
    rest = url.partition("://")[2]
    if url.lower().startswith("zalo://"):
        try:
            token = zalo.parse_url(url).token
            found += [token, token.partition(":")[2]]
        except ValueError:
            pass
        m = re.match(r"^([0-9]+)(?::|%3[aA]|/)([^/?#]+)", rest)
        if m:
            found += [m.group(2), f"{m.group(1)}:{m.group(2)}"]
    else:
        userinfo = _split_userinfo(rest)[0]
        if userinfo and ":" in userinfo:
            found.append(userinfo.split(":", 1)[1])
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


_SENDING = threading.local()
_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<secret>[^@\s]+)@", re.I)


class _ScrubApprise(logging.Filter):
    """Apprise logs what it was given (an invalid token, a URL with its password) to
    every handler: its records are scrubbed of the secrets of the URL this thread is
    sending to, and of anything shaped like credentials, before anyone sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record stays as it is, minus its args
            text = str(record.msg)
        url = getattr(_SENDING, "url", "")
        text = scrub(text, url) if url else _BOT_TOKEN.sub(r"\1:***", text)
        record.msg, record.args = _USERINFO.sub(r"\g<scheme>\g<user>:***@", text), ()
        return True


logging.getLogger("apprise").addFilter(_ScrubApprise())


def zalo_api_url(environ: Mapping[str, str]) -> str:
    return (environ.get(ZALO_API_URL_ENV) or ZALO_DEFAULT_API_URL).rstrip("/")


def _instantiate(url: str, environ: Mapping[str, str]):
    from notifiers import outbox  # registers outbox:// with Apprise on first use

    outbox.register()
    # Memory-only store: Apprise must not write caches into the operator's home.
    asset = apprise.AppriseAsset(storage_mode=PersistentStoreMode.MEMORY)
    plugin = apprise.Apprise.instantiate(url, asset=asset)
    if plugin is not None and channel_of(url) == "outbox":
        plugin.database_url = outbox.database_url_from(environ)
    return plugin


def _send_zalo(url: str, title: str, body: str, environ: Mapping[str, str]) -> Outcome:
    """Each chat of the URL in turn (one, normally), stopping at the first failure.
    Zalo has no title field: a title goes on the text's first line."""
    try:
        target = zalo.parse_url(url)
    except ValueError as exc:  # the message names the bot as BOT_ID:*** at most
        return Outcome(False, "zalo", scrub(f"{mask(url)}: {exc}", url), transient=False)
    text = f"{title}\n{body}" if title else body
    base = zalo_api_url(environ)
    for chat in target.chats:
        answer = zalo.send_message(base, target.token, chat, text)
        if not answer.ok:
            error = scrub(answer.error, url)
            if len(target.chats) > 1:
                error = f"{error} (chat {chat})"
            # Unknown refusals (a non-JSON answer, a code Zalo does not document) are
            # retried like transient ones: the delivery's attempts are bounded.
            return Outcome(False, "zalo", error, transient=not zalo.is_permanent(answer),
                           code=answer.error_code, bot=target.bot_id)
    return Outcome(True, "zalo", bot=target.bot_id)


def send(url: str, title: str, body: str, html: str | None = None,
         *, environ: Mapping[str, str] | None = None, delivery_key: str | None = None) -> Outcome:
    """Send one message to one recipient URL and say how it went.

    ``html`` is used by channels that carry it (email: Apprise sends a
    multipart/alternative with a text part derived from it); others get ``body``.
    ``environ`` defaults to os.environ and is read now, not at import.
    ``delivery_key`` (the delivery log's key) is stored with an outbox text.
    """
    environ = os.environ if environ is None else environ
    channel = channel_of(url)
    if channel == "zalo":
        try:
            return _send_zalo(url, title, body, environ)
        except Exception as exc:  # noqa: BLE001 - a bug must become a recorded failure, not a crash
            return Outcome(False, channel, scrub(f"{type(exc).__name__}: {exc}", url))
    logger = logging.getLogger("apprise")
    capture = _WarningsOfThisThread()
    logger.addHandler(capture)
    _SENDING.url = url
    try:
        plugin = _instantiate(url, environ)
        if plugin is not None and channel == "outbox":
            plugin.delivery_key = delivery_key
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
        _SENDING.url = ""
    if ok:
        return Outcome(True, channel)
    reason = "; ".join(capture.messages) or "the service refused the message"
    return Outcome(False, channel, scrub(reason, url))
