"""A small client for the Zalo Bot API (https://bot.zaloplatforms.com/docs), over httpx.

Every call is ``POST {base}/bot<TOKEN>/<method>`` with a JSON body, and every answer
is meant to be a JSON object ``{"ok", "result", "description", "error_code"}``. Zalo
reports a refusal with HTTP status 200 and ``ok: false`` (401 token reset or wrong,
429 quota exceeded, 400 bad request such as a chat that never wrote to the bot, 404,
408 nothing to return from getUpdates, 403 documented as "internal server error"),
so the body is read, never the status line alone. Here, any answer that is not
HTTP 200 carrying a JSON object with ``ok: true`` is a failure.

Use: ``call(base, token, method, params, timeout)`` for any method;
``send_message(base, token, chat_id, text)`` (numbered parts over 2,000 characters);
``get_updates``, ``get_me``, ``set_webhook``, ``delete_webhook``, ``get_webhook_info``;
``is_permanent``/``is_transient``/``token_broken``/``chat_broken`` to classify an
answer; ``parse_url``/``mask_url`` for zalo:// URLs (notifiers/zalo_urls.py, with
``mask_token`` and ``scrub``; re-exported here). Nothing here raises for what
the network or the service does: every outcome is a ``ZaloAnswer``.

Why not Apprise's zalo:// plugin (dondoc's transport used it before): on a refusal it
logs only "error=200" -- the HTTP status -- and drops the body's ``error_code`` and
``description``, which are what tell a reset token (401: tell the office and the
admins) from a broken chat link (400) from a quota (429: retry later).

Why not the ``python-zalo-bot`` SDK (PyPI, 0.1.9 checked; installable, MIT, pure
Python, needs ``httpx<0.29``): it is python-telegram-bot adapted, and keeps Telegram's
error model -- it raises only on HTTP statuses other than 2xx and, on HTTP 200, returns
the body's ``result`` without looking at ``ok``, so Zalo's "200 + ok:false" refusals
come back as ``None`` instead of an error; its exceptions carry a message, never the
``error_code``. Its sending calls are coroutines (the delivery activity sends from a
worker thread), it defaults to the old ``bot-api.zapps.me`` host, and it brings a
Telegram-shaped object model (updater, dispatcher, media and passport classes) dondoc
does not use: more weight, and less right, than this file.

Secrets: the token (``BOT_ID:SECRET``) only ever goes into the request URL. It is never
put in a description, an exception message or a log line; where a token has to be
named it is written ``BOT_ID:***`` (``mask_token``). httpx logs each request's URL at
INFO on the ``httpx`` logger; a filter on that logger masks ``/bot<TOKEN>/`` there.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

# zalo:// URLs and the token's secrecy (importing it installs the httpx log filter).
from notifiers.zalo_urls import ZaloTarget, mask_token, mask_url, parse_url, scrub  # noqa: F401 (re-exported)

DEFAULT_BASE = "https://bot-api.zaloplatforms.com"
TEXT_LIMIT = 2000                  # sendMessage text: 1 to 2,000 characters
DEFAULT_TIMEOUT = 10.0             # seconds, for one HTTP call (connecting: at most 4)

# Documented error codes.
BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, TIMEOUT, QUOTA = 400, 401, 403, 404, 408, 429

NOT_JSON = "trả lời không phải JSON"


@dataclass(frozen=True)
class ZaloAnswer:
    """One answer of the Bot API (or the failure to get one).

    ``ok`` is True only for HTTP 200 with a JSON object whose ``ok`` is true.
    ``error_code`` is Zalo's code from the body (None for a network error or an answer
    that did not carry one); ``http_status`` is None when no HTTP answer came back.
    """
    ok: bool
    result: Any = None
    error_code: int | None = None
    description: str = ""
    http_status: int | None = None
    method: str = ""

    @property
    def error(self) -> str:
        """"zalo 429: Too Many Requests", "zalo: lỗi kết nối (...)", or "" when ok."""
        if self.ok:
            return ""
        if self.error_code is not None:
            return f"zalo {self.error_code}: {self.description}"
        return f"zalo: {self.description}"


# -- classification ------------------------------------------------------------

def token_broken(answer: ZaloAnswer) -> bool:
    """401: the token was reset or is wrong; nothing sent with it will pass until an
    operator puts the new one in the configuration."""
    return not answer.ok and answer.error_code == UNAUTHORIZED


def chat_broken(answer: ZaloAnswer) -> bool:
    """400/404 on sendMessage: this chat cannot be reached (it never wrote to the bot,
    blocked it, or the id is wrong); other chats of the same bot may be fine."""
    return (not answer.ok and answer.error_code in (BAD_REQUEST, NOT_FOUND)
            and answer.method == "sendMessage")


def is_permanent(answer: ZaloAnswer) -> bool:
    """Retrying the same call cannot help: 401 (token), 400/404 (the chat or the request)."""
    return not answer.ok and answer.error_code in (UNAUTHORIZED, BAD_REQUEST, NOT_FOUND)


def is_transient(answer: ZaloAnswer) -> bool:
    """A later retry may pass: 429 quota, 408 timeout, 403 ("internal server error") and
    5xx, an HTTP 5xx from something in between, or no answer at all (network error)."""
    if answer.ok:
        return False
    code = answer.error_code
    if code is not None:
        return code in (QUOTA, TIMEOUT, FORBIDDEN) or code >= 500
    return answer.http_status is None or answer.http_status >= 500 or answer.http_status in (408, 429)



# -- calls ---------------------------------------------------------------------

_shared: httpx.Client | None = None
_shared_lock = threading.Lock()


def shared_client() -> httpx.Client:
    """The process's one HTTP client for the Bot API, made on first use. A client of
    its own per message cost more CPU than the rest of a delivery (each loads the CA
    bundle into a new SSL context: `dondoc bench`'s burst profile) and opened a new
    connection and TLS session each time; this one keeps its connections. httpx's
    client is safe to share between threads (the delivery activity sends from several)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = httpx.Client(timeout=DEFAULT_TIMEOUT, follow_redirects=False)
        return _shared


def _url(base: str, token: str, method: str) -> str:
    return f"{(base or DEFAULT_BASE).rstrip('/')}/bot{quote(token, safe=':')}/{method}"


def call(base: str, token: str, method: str, params: Mapping[str, Any] | None = None,
         timeout: float = DEFAULT_TIMEOUT, *, client: httpx.Client | None = None) -> ZaloAnswer:
    """Call ``method`` with ``params`` (sent as JSON) and say how it went; never raises
    for what the network or the service does."""
    url = _url(base, token, method)
    limits = httpx.Timeout(timeout, connect=min(4.0, timeout))
    try:
        response = (client or shared_client()).post(url, json=dict(params or {}), timeout=limits)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:  # connect/read errors, timeouts, bad base URLs
        return ZaloAnswer(False, description=scrub(f"lỗi kết nối ({type(exc).__name__}: {exc})", token),
                          method=method)
    return _read(response, token, method)


def _read(response: httpx.Response, token: str, method: str) -> ZaloAnswer:
    status = response.status_code
    try:
        body = json.loads(response.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        body = None
    if not isinstance(body, dict):
        kind = response.headers.get("content-type", "").split(";")[0].strip() or "không rõ kiểu"
        what = NOT_JSON if body is None else "trả lời JSON không phải một đối tượng"
        return ZaloAnswer(False, description=f"{what} (HTTP {status}, {kind})", http_status=status, method=method)
    code = body.get("error_code")
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    description = scrub(str(body.get("description") or ""), token)
    if status == 200 and body.get("ok") is True:
        return ZaloAnswer(True, result=body.get("result"), description=description, http_status=status,
                          method=method)
    if not description:
        description = f"HTTP {status}" if status != 200 else "bị từ chối (ok: false)"
    elif status != 200:
        description = f"{description} (HTTP {status})"
    return ZaloAnswer(False, result=body.get("result"), error_code=code, description=description,
                      http_status=status, method=method)


# -- messages ------------------------------------------------------------------

def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """``text`` as it is when it fits, else numbered parts ``(1/3) …`` of at most
    ``limit`` characters each (prefix included), cut at line breaks (a line too long
    for a part is cut at spaces), the link -- the last line containing "http" -- and
    what follows it kept together in the last part."""
    if len(text) <= limit:
        return [text]
    lines = text.split("\n")
    link_at = max((i for i, line in enumerate(lines) if "http" in line), default=None)
    head, tail = (lines, []) if link_at is None else (lines[:link_at], lines[link_at:])
    count = -(-len(text) // limit)
    for _ in range(10):  # the prefix's width depends on the count, which depends on it
        parts = _pack(head, tail, limit - len(f"({count}/{count}) "))
        if len(parts) <= count:
            break
        count = len(parts)
    return [f"({i}/{len(parts)}) {part}" for i, part in enumerate(parts, 1)]


def _pack(head: list[str], tail: list[str], budget: int) -> list[str]:
    chunks = _greedy(head, budget)
    if tail:
        end = "\n".join(tail)
        if len(end) > budget:  # a very long link block: cut it, keeping the link line whole if it can
            chunks += _greedy(tail, budget)
        elif chunks and len(chunks[-1]) + 1 + len(end) <= budget:
            chunks[-1] = f"{chunks[-1]}\n{end}"
        else:
            chunks.append(end)
    return [c for c in chunks if c.strip()] or [""]


def _greedy(lines: list[str], budget: int) -> list[str]:
    chunks: list[str] = []
    current: str | None = None
    for line in lines:
        for piece in _cut_line(line, budget):
            if current is None:
                current = piece
            elif len(current) + 1 + len(piece) <= budget:
                current = f"{current}\n{piece}"
            else:
                chunks.append(current)
                current = piece
    if current is not None:
        chunks.append(current)
    return chunks


def _cut_line(line: str, budget: int) -> list[str]:
    pieces = []
    while len(line) > budget:
        cut = line.rfind(" ", 0, budget + 1)
        if cut <= 0:
            cut = budget
        pieces.append(line[:cut].rstrip())
        line = line[cut:].lstrip()
    pieces.append(line)
    return pieces


def send_message(base: str, token: str, chat_id: str, text: str, *, timeout: float = DEFAULT_TIMEOUT,
                 client: httpx.Client | None = None) -> ZaloAnswer:
    """Send ``text`` to ``chat_id``, split into numbered parts when it is over 2,000
    characters, in order, stopping at the first failure (whose answer is returned,
    its description saying which part when there are several). On success ``result``
    is the list of the parts' results."""
    parts = split_text(text)
    results = []
    for i, part in enumerate(parts, 1):
        answer = call(base, token, "sendMessage", {"chat_id": chat_id, "text": part}, timeout, client=client)
        if not answer.ok:
            if len(parts) > 1:
                answer = ZaloAnswer(False, answer.result, answer.error_code,
                                    f"{answer.description} (phần {i}/{len(parts)})",
                                    answer.http_status, answer.method)
            return answer
        results.append(answer.result)
    return ZaloAnswer(True, result=results, http_status=200, method="sendMessage")


def get_updates(base: str, token: str, timeout: int = 30) -> ZaloAnswer:
    """One incoming event (long polling up to ``timeout`` seconds); 408 when none came."""
    return call(base, token, "getUpdates", {"timeout": timeout}, timeout + 10)


def get_me(base: str, token: str, timeout: float = DEFAULT_TIMEOUT) -> ZaloAnswer:
    return call(base, token, "getMe", {}, timeout)


def set_webhook(base: str, token: str, url: str, secret_token: str,
                timeout: float = DEFAULT_TIMEOUT) -> ZaloAnswer:
    return call(base, token, "setWebhook", {"url": url, "secret_token": secret_token}, timeout)


def delete_webhook(base: str, token: str, timeout: float = DEFAULT_TIMEOUT) -> ZaloAnswer:
    return call(base, token, "deleteWebhook", {}, timeout)


def get_webhook_info(base: str, token: str, timeout: float = DEFAULT_TIMEOUT) -> ZaloAnswer:
    return call(base, token, "getWebhookInfo", {}, timeout)
