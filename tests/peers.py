"""Real network peers on loopback, for tests, the benchmark and `./dondoc up` drills.

FakeZalo answers like the Zalo Bot API (https://bot.zaloplatforms.com/docs/, and
notifiers/zalo.py's notes): every call is ``{base}/bot{TOKEN}/{method}`` (GET or POST;
parameters as JSON, form or query string), and every answer is HTTP 200 with a JSON
object -- a refusal too:

    {"ok": true,  "result": ...}
    {"ok": false, "error_code": <code>, "description": "..."}

Codes answered: 401 "Unauthorized" for a token not in ``tokens`` (default: the drill's
and the bench's, ``KNOWN_TOKENS``); 400 for a bad request ("Bad Request: text is too
long" over 2,000 characters, "Bad Request: chat not found" in ``strict`` mode for a
chat that never wrote to the bot, "Bad Request: webhook is active" for getUpdates
while a webhook is set, setWebhook without an https url or an 8-256 character
secret_token); 404 for an unknown method or path; 408 "Request timeout" when
getUpdates waited (up to its ``timeout``, at most 30 s) and nothing came; 429 "Too
Many Requests" past ``quota(n)``; whatever ``fail_chat``/``fail_next`` are told.
``answer_raw(...)`` makes the next answers something else (an HTML page, a 502).

Methods: sendMessage {chat_id, text}, getMe, getUpdates {timeout} (one queued update
per call), setWebhook {url, secret_token}, deleteWebhook, getWebhookInfo. One fake is
one bot: the known tokens are its names. ``user_writes(chat_id, text)`` is a person
writing to the bot: it queues a ``message.text.received`` update for getUpdates (the
fake never calls webhooks) and lets ``strict`` mode send to that chat.

``requests`` keeps every call; ``ZaloRequest.status`` is 200 when it was accepted,
else the error_code answered. ``messages`` are the accepted sendMessage calls.

FakeSMTP is a real SMTP server (aiosmtpd) that keeps every message, decoded.

Plain use:   z = FakeZalo(); base = z.start(); ...; z.messages; z.stop()
Pytest:      fixtures ``fake_zalo`` (also sets DONDOC_ZALO_API_URL) and ``fake_smtp``.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

KNOWN_TOKENS = frozenset({"111111:drilltoken", "111111:benchtoken"})  # tests/config drills, bench/stack.py
TEXT_LIMIT = 2000
MAX_POLL = 30.0                      # getUpdates waits at most this long
_PATH = re.compile(r"^/bot(?P<token>[^/]*)/(?P<method>[A-Za-z]+)$")
_METHODS = {"sendMessage", "getMe", "getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo"}


@dataclass(frozen=True)
class ZaloRequest:
    method: str          # "sendMessage", "getMe", ...
    token: str
    chat_id: str
    text: str
    status: int          # 200 when accepted, else the error_code answered (HTTP is always
                         # 200); for an ``answer_raw`` answer its HTTP status, 0 for a raw 200
    at: float
    description: str = ""


@dataclass
class _Failure:
    code: int
    description: str
    times: int | None    # None: always


@dataclass
class _Raw:
    status: int
    body: bytes
    content_type: str


def _refusal(code: int, description: str) -> dict:
    return {"ok": False, "error_code": code, "description": description}


def _code(code: int | None, status: int | None, default: int) -> int:
    """``status=`` is the old keyword (the fake used to answer with HTTP statuses)."""
    return code if code is not None else status if status is not None else default


class FakeZalo:
    """A local stand-in for bot-api.zaloplatforms.com."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, strict: bool = False,
                 tokens: set[str] | frozenset[str] | None = None) -> None:
        self._addr = (host, port)
        self.strict = strict
        self.tokens = set(KNOWN_TOKENS if tokens is None else tokens)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._chat_failures: dict[str, _Failure] = {}
        self._next_failures: list[_Failure] = []
        self._raw: list[_Raw] = []
        self._quota: int | None = None
        self._written: set[str] = set()
        self._updates: deque[dict] = deque()
        self._webhook: dict | None = None
        self._stopping = False
        self.requests: list[ZaloRequest] = []

    # -- control -------------------------------------------------------------
    def start(self) -> str:
        """Start serving in a thread; returns the base URL for DONDOC_ZALO_API_URL."""
        self._stopping = False
        self._server = ThreadingHTTPServer(self._addr, self._handler())
        self._server.daemon_threads = True
        server = self._server
        self._thread = threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05),
                                        name="fake-zalo", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._arrived.notify_all()  # long polls answer now
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "FakeZalo is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_chat(self, chat_id: str, times: int | None = None, code: int | None = None,
                  description: str = "Bad Request: chat not found", *, status: int | None = None) -> None:
        """Refuse messages to ``chat_id`` with Zalo ``code`` (default 400; ``status=`` is
        an alias), always or the next ``times`` ones."""
        with self._lock:
            self._chat_failures[chat_id] = _Failure(_code(code, status, 400), description, times)

    def fail_next(self, times: int = 1, code: int | None = None, description: str = "Too Many Requests",
                  *, status: int | None = None) -> None:
        """Refuse the next ``times`` sendMessage calls, whatever their chat, with Zalo
        ``code`` (default 429; ``status=`` is an alias)."""
        with self._lock:
            self._next_failures += [_Failure(_code(code, status, 429), description, 1) for _ in range(times)]

    def quota(self, n: int | None) -> None:
        """Accept ``n`` more sendMessage calls, then answer 429 "Too Many Requests"
        (until ``heal()`` or ``quota(None)``)."""
        with self._lock:
            self._quota = n

    def answer_raw(self, times: int = 1, status: int = 200, body: bytes | str = b"<html>maintenance</html>",
                   content_type: str = "text/html; charset=utf-8") -> None:
        """Answer the next ``times`` calls (any method) with this raw HTTP answer --
        what a proxy or a maintenance page might send instead of Zalo's JSON."""
        raw = _Raw(status, body.encode() if isinstance(body, str) else body, content_type)
        with self._lock:
            self._raw += [raw] * times

    def heal(self) -> None:
        with self._lock:
            self._chat_failures.clear()
            self._next_failures.clear()
            self._raw.clear()
            self._quota = None

    def user_writes(self, chat_id: str, text: str, display_name: str = "Người dùng thử",
                    user_id: str | None = None) -> dict:
        """A person writes ``text`` to the bot from ``chat_id``: queues the update
        getUpdates returns, and lets strict mode send to that chat. Returns the update."""
        update = {"event_name": "message.text.received",
                  "message": {"from": {"id": user_id or chat_id, "display_name": display_name, "is_bot": False},
                              "chat": {"id": chat_id, "chat_type": "PRIVATE"},
                              "text": text, "message_id": uuid.uuid4().hex[:20],
                              "date": int(time.time() * 1000)}}
        with self._lock:
            self._written.add(chat_id)
            self._updates.append(update)
            self._arrived.notify_all()
        return update

    @property
    def webhook(self) -> dict | None:
        with self._lock:
            return dict(self._webhook) if self._webhook else None

    @property
    def messages(self) -> list[ZaloRequest]:
        """The messages accepted (what a person would have seen)."""
        with self._lock:
            return [r for r in self.requests if r.method == "sendMessage" and r.status == 200]

    def texts(self, chat_id: str) -> list[str]:
        return [m.text for m in self.messages if m.chat_id == chat_id]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ZaloRequest]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                break
            time.sleep(0.02)
        return self.messages

    def __enter__(self) -> FakeZalo:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- serving -------------------------------------------------------------
    def _failure_for(self, chat_id: str) -> _Failure | None:
        # Called with the lock held.
        if self._next_failures:
            return self._next_failures.pop(0)
        failure = self._chat_failures.get(chat_id)
        if failure is None:
            return None
        if failure.times is not None:
            failure.times -= 1
            if failure.times <= 0:
                del self._chat_failures[chat_id]
        return failure

    def _answer(self, token: str, method: str, payload: dict) -> dict:
        if token not in self.tokens:
            return _refusal(401, "Unauthorized")
        if method not in _METHODS:
            return _refusal(404, "Not Found")
        return getattr(self, f"_{method}")(payload)

    def _sendMessage(self, payload: dict) -> dict:
        chat_id, text = payload.get("chat_id"), payload.get("text")
        if not isinstance(chat_id, str) or not chat_id:
            return _refusal(400, "Bad Request: chat_id is required")
        if not isinstance(text, str) or not text:
            return _refusal(400, "Bad Request: text is required")
        if len(text) > TEXT_LIMIT:
            return _refusal(400, "Bad Request: text is too long")
        with self._lock:
            failure = self._failure_for(chat_id)
            if failure is not None:
                return _refusal(failure.code, failure.description)
            if self.strict and chat_id not in self._written:
                return _refusal(400, "Bad Request: chat not found")
            if self._quota is not None:
                if self._quota <= 0:
                    return _refusal(429, "Too Many Requests")
                self._quota -= 1
        return {"ok": True, "result": {"message_id": uuid.uuid4().hex[:20], "date": int(time.time() * 1000)}}

    def _getMe(self, payload: dict) -> dict:
        return {"ok": True, "result": {"id": "111111", "account_name": "bot.dondoc",
                                       "account_type": "BASIC", "can_join_groups": False}}

    def _getUpdates(self, payload: dict) -> dict:
        try:
            wait = min(max(float(payload.get("timeout", MAX_POLL)), 0.0), MAX_POLL)
        except (TypeError, ValueError):
            return _refusal(400, "Bad Request: timeout must be a number")
        deadline = time.monotonic() + wait
        with self._arrived:
            while True:
                if self._webhook is not None:
                    return _refusal(400, "Bad Request: webhook is active")
                if self._updates:
                    return {"ok": True, "result": self._updates.popleft()}
                left = deadline - time.monotonic()
                if left <= 0 or self._stopping:
                    return _refusal(408, "Request timeout")
                self._arrived.wait(left)

    def _setWebhook(self, payload: dict) -> dict:
        url, secret = payload.get("url"), payload.get("secret_token")
        if not isinstance(url, str) or not re.match(r"^https://[^/?#\s]+", url):
            return _refusal(400, "Bad Request: url must be an https URL")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            return _refusal(400, "Bad Request: secret_token must be 8 to 256 characters")
        with self._lock:
            self._webhook = {"url": url, "secret_token": secret, "updated_at": int(time.time() * 1000)}
            self._arrived.notify_all()
        return {"ok": True, "result": {"url": url, "updated_at": self._webhook["updated_at"]}}

    def _deleteWebhook(self, payload: dict) -> dict:
        with self._lock:
            self._webhook = None
        return {"ok": True, "result": {"url": "", "updated_at": int(time.time() * 1000)}}

    def _getWebhookInfo(self, payload: dict) -> dict:
        with self._lock:
            hook = self._webhook
            return {"ok": True, "result": {"url": hook["url"] if hook else "",
                                           "updated_at": hook["updated_at"] if hook else 0}}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: a split message reuses its connection
            # The answer's head and body are two writes: with Nagle's algorithm the body
            # waited for the client's delayed ACK, 40 ms per request that the real
            # service does not add (and that hid the senders' own cost in the bench).
            disable_nagle_algorithm = True

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                path, _, query = self.path.partition("?")
                match = _PATH.match(path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                payload = dict(parse_qsl(query))
                kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                try:
                    if kind == "application/x-www-form-urlencoded":
                        payload.update(parse_qsl(raw.decode("utf-8")))
                        body = payload
                    else:
                        body = json.loads(raw.decode("utf-8")) if raw else {}
                        if isinstance(body, dict):
                            body = {**payload, **body}
                except (UnicodeDecodeError, json.JSONDecodeError):
                    body = None
                token = match["token"] if match else ""
                method = match["method"] if match else ""
                with fake._lock:
                    raw_answer = fake._raw.pop(0) if fake._raw else None
                if raw_answer is not None:
                    answer = None
                elif match is None:
                    answer = _refusal(404, "Not Found")
                elif not isinstance(body, dict):
                    answer = _refusal(400, "Bad Request: invalid JSON")
                else:
                    answer = fake._answer(token, method, body)
                    payload = body
                if answer is None:
                    status, data, content_type = raw_answer.status, raw_answer.body, raw_answer.content_type
                    code, description = raw_answer.status if raw_answer.status != 200 else 0, "raw answer"
                else:
                    status, data = 200, json.dumps(answer, ensure_ascii=False).encode("utf-8")
                    content_type = "application/json; charset=utf-8"
                    code = 200 if answer.get("ok") else answer["error_code"]
                    description = answer.get("description", "")
                with fake._lock:
                    fake.requests.append(ZaloRequest(method, token, str(payload.get("chat_id", "")),
                                                     str(payload.get("text", "")), code, time.time(), description))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, *args) -> None:  # keep test output clean
                pass

        return Handler


@dataclass(frozen=True)
class MailMessage:
    sender: str
    recipients: list[str]
    subject: str
    text: str            # the text/plain part, decoded
    html: str            # the text/html part, decoded ("" if none)
    raw: bytes = field(repr=False)


class _Keeper:
    def __init__(self, peer: FakeSMTP) -> None:
        self.peer = peer

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        text = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        self.peer._keep(MailMessage(
            sender=envelope.mail_from,
            recipients=list(envelope.rcpt_tos),
            subject=str(msg.get("Subject", "")),
            text=text.get_content() if text is not None else "",
            html=html.get_content() if html is not None else "",
            raw=envelope.original_content or envelope.content,
        ))
        return "250 Message accepted for delivery"


class FakeSMTP:
    """A real SMTP server on loopback (no TLS, no login) that keeps what it gets."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self._port = host, port
        self.port = 0
        self.messages: list[MailMessage] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server = None

    def start(self) -> int:
        """Start serving in a thread; returns the port."""
        from aiosmtpd.smtp import SMTP

        ready = threading.Event()
        loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            server = loop.run_until_complete(loop.create_server(
                lambda: SMTP(_Keeper(self), hostname="fake-smtp.local", enable_SMTPUTF8=True),
                self.host, self._port))
            self._server = server
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            server.close()
            loop.run_until_complete(server.wait_closed())
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="fake-smtp", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("FakeSMTP did not start")
        return self.port

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = None

    def mailto(self, to: str, sender: str = "dondoc@drill.local") -> str:
        """The Apprise URL that sends to ``to`` through this server."""
        return (f"mailto://{sender.split('@')[1]}?smtp={self.host}&port={self.port}"
                f"&to={to}&from={sender}&mode=insecure")

    def to(self, address: str) -> list[MailMessage]:
        return [m for m in list(self.messages) if address in m.recipients]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[MailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.02)
        return list(self.messages)

    def _keep(self, message: MailMessage) -> None:
        with self._lock:
            self.messages.append(message)

    def __enter__(self) -> FakeSMTP:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


@pytest.fixture
def fake_zalo(monkeypatch):
    """A FakeZalo on a random port, with DONDOC_ZALO_API_URL pointing at it."""
    zalo = FakeZalo()
    monkeypatch.setenv("DONDOC_ZALO_API_URL", zalo.start())
    yield zalo
    zalo.stop()


@pytest.fixture
def fake_smtp():
    """A FakeSMTP on a random port; ``fake_smtp.mailto(address)`` gives the Apprise URL."""
    smtp = FakeSMTP()
    smtp.start()
    yield smtp
    smtp.stop()
