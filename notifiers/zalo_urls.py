"""zalo:// URLs and the secrecy of the bot token, for notifiers/zalo.py (which
re-exports these names).

``parse_url`` reads a zalo:// URL in the shapes Apprise accepts, ``mask_url`` and
``mask_token`` write it and its token with the secret hidden (``BOT_ID:***``), and
``scrub`` takes a token -- or anything shaped like one -- out of a text. Importing
this module puts a filter on the ``httpx`` logger that masks ``/bot<TOKEN>/`` in the
request URLs it logs at INFO.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, unquote

_TOKEN_SHAPE = re.compile(r"^(?P<id>[0-9]+):(?P<secret>[A-Za-z0-9_-]+)$")
# Something shaped like a bot token (digits, colon, 8+ characters with a letter), not "10:30".
_TOKEN_IN_TEXT = re.compile(r"\b([0-9]+)(?::|%3[aA])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{8,}")
# "/bot<TOKEN>" in a request URL: "/bot<digits>:…", or "/bot…" before a method's name.
_BOT_PATH = re.compile(r"/bot(?:(?P<id>[0-9]+)(?::|%3[aA])[^/?#\s\"']*"
                       r"|[^/?#\s\"']+(?=/(?:send|get|set|delete)[A-Za-z]*\b))")


# -- secrets -------------------------------------------------------------------

def mask_token(token: str) -> str:
    """``BOT_ID:***`` (or ``***`` when the token has no bot id in front)."""
    bot_id, sep, _ = (token or "").partition(":")
    return f"{bot_id}:***" if sep and bot_id.isdigit() else "***"


def scrub(text: str, token: str = "") -> str:
    """``text`` without ``token`` (whole, quoted, or its secret part) nor anything
    shaped like a bot token."""
    if token:
        _, sep, secret = token.partition(":")
        for s in sorted({token, quote(token, safe=""), quote(token, safe=":"), secret if sep else ""},
                        key=len, reverse=True):
            if len(s) >= 3:
                text = text.replace(s, mask_token(token) if s != secret else "***")
    return _TOKEN_IN_TEXT.sub(r"\1:***", text)


class _MaskBotTokens(logging.Filter):
    """httpx logs ``HTTP Request: POST https://…/bot<TOKEN>/sendMessage`` at INFO."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed log call is not ours to break
            return True
        masked = _BOT_PATH.sub(lambda m: f"/bot{m['id']}:***" if m["id"] else "/bot***", message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def _install_log_filter() -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _MaskBotTokens) for f in logger.filters):
        logger.addFilter(_MaskBotTokens())


_install_log_filter()


# -- zalo:// URLs --------------------------------------------------------------

@dataclass(frozen=True)
class ZaloTarget:
    """What a zalo:// URL names: the bot's token and the chat ids to send to."""
    token: str = field(repr=False)
    chats: tuple[str, ...]

    @property
    def bot_id(self) -> str:
        return self.token.partition(":")[0]


def parse_url(url: str) -> ZaloTarget:
    """The token and chats of a zalo:// URL, in the shapes Apprise accepts:
    ``zalo://BOT_ID:SECRET/CHAT``, ``zalo://BOT_ID%3ASECRET/CHAT``,
    ``zalo://BOT_ID/SECRET/CHAT``, ``zalo://CHAT?token=BOT_ID:SECRET``; more chats
    as further path segments or ``?to=a,b``. Raises ValueError, its message free of
    the token, when there is no usable token or no chat."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.strip().lower() != "zalo":
        raise ValueError("không phải URL zalo://")
    rest, _, query = rest.partition("?")
    rest = rest.partition("#")[0]
    qs = parse_qs(query.partition("#")[0], keep_blank_values=True)
    m = re.match(r"^([0-9]+)(?::|%3[aA])(.*)$", rest)
    if m:  # BOT_ID:SECRET/... -- the colon is not a port
        rest = f"{m.group(1)}/{m.group(2)}"
    entries = [unquote(e) for e in rest.split("/") if e]
    if qs.get("token"):
        token = unquote(qs["token"][0]).strip()
    elif len(entries) >= 2 and entries[0].isdigit():
        token = f"{entries[0]}:{entries[1]}"
        entries = entries[2:]
    else:
        raise ValueError("URL zalo:// thiếu token của bot (dạng zalo://BOT_ID:TOKEN/CHAT_ID)")
    for value in qs.get("to", []):
        entries += [c.strip() for c in re.split(r"[,\s]+", unquote(value)) if c.strip()]
    if not _TOKEN_SHAPE.match(token):
        raise ValueError(f"token của bot không hợp lệ ({mask_token(token)})")
    if not entries:
        raise ValueError(f"URL zalo:// của bot {mask_token(token)} không có chat id")
    return ZaloTarget(token, tuple(entries))


def mask_url(url: str) -> str | None:
    """``zalo://BOT_ID:***/CHAT[/CHAT…]`` for a zalo:// URL, whatever its shape; None
    when it cannot be parsed (the caller then hides more)."""
    try:
        target = parse_url(url)
    except ValueError:
        return None
    return f"zalo://{mask_token(target.token)}/" + "/".join(quote(c, safe="") for c in target.chats)

