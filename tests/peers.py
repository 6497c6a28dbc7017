"""Real network peers on loopback, for tests, the benchmark and `./dondoc up` drills.

FakeZalo speaks the Zalo Bot API's sendMessage as Apprise's zalo:// plugin and the
platform's documentation describe it (https://bot.zaloplatforms.com/docs/):

    POST {base}/bot{BOT_TOKEN}/sendMessage     JSON {"chat_id": "...", "text": "..."}
    200  {"ok": true, "result": {"message_id": "...", "date": <ms since epoch>}}
    4xx  {"ok": false, "error_code": <status>, "description": "..."}

Text must be 1..2,000 characters; a token must look like "<digits>:<letters>".
It can be told to fail a chat id always or N times, or the next N requests.

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
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

_TOKEN = re.compile(r"^[0-9]+:[A-Za-z0-9_-]+$")
_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")


@dataclass(frozen=True)
class ZaloRequest:
    method: str          # "sendMessage", "getMe", ...
    token: str
    chat_id: str
    text: str
    status: int          # what we answered
    at: float


@dataclass
class _Failure:
    status: int
    description: str
    times: int | None    # None: always


class FakeZalo:
    """A local stand-in for bot-api.zaloplatforms.com."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._addr = (host, port)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._chat_failures: dict[str, _Failure] = {}
        self._next_failures: list[_Failure] = []
        self.requests: list[ZaloRequest] = []

    # -- control -------------------------------------------------------------
    def start(self) -> str:
        """Start serving in a thread; returns the base URL for DONDOC_ZALO_API_URL."""
        self._server = ThreadingHTTPServer(self._addr, self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-zalo", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "FakeZalo is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_chat(self, chat_id: str, times: int | None = None, status: int = 400,
                  description: str = "Bad Request: chat not found") -> None:
        """Refuse messages to ``chat_id`` (always, or the next ``times`` ones)."""
        with self._lock:
            self._chat_failures[chat_id] = _Failure(status, description, times)

    def fail_next(self, times: int = 1, status: int = 500,
                  description: str = "Internal Server Error") -> None:
        """Refuse the next ``times`` requests, whatever their chat."""
        with self._lock:
            self._next_failures += [_Failure(status, description, 1) for _ in range(times)]

    def heal(self) -> None:
        with self._lock:
            self._chat_failures.clear()
            self._next_failures.clear()

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
        with self._lock:
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

    def _answer(self, token: str, method: str, payload: dict) -> tuple[int, dict]:
        if not _TOKEN.match(token):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if method == "getMe":
            return 200, {"ok": True, "result": {"id": token.split(":")[0], "account_name": "bot.dondoc",
                                                "account_type": "BASIC", "can_join_groups": True}}
        if method != "sendMessage":
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        chat_id, text = payload.get("chat_id"), payload.get("text")
        if not isinstance(chat_id, str) or not chat_id:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat_id is required"}
        if not isinstance(text, str) or not 1 <= len(text) <= 2000:
            return 400, {"ok": False, "error_code": 400,
                         "description": "Bad Request: text must be 1 to 2000 characters"}
        failure = self._failure_for(chat_id)
        if failure is not None:
            return failure.status, {"ok": False, "error_code": failure.status, "description": failure.description}
        return 200, {"ok": True, "result": {"message_id": uuid.uuid4().hex[:20], "date": int(time.time() * 1000)}}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                match = _PATH.match(self.path.split("?", 1)[0])
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    payload = json.loads(raw.decode("utf-8")) if raw else {}
                except (UnicodeDecodeError, json.JSONDecodeError):
                    payload = None
                if match is None:
                    status, answer, token, method = 404, {"ok": False, "error_code": 404,
                                                          "description": "Not Found"}, "", ""
                elif not isinstance(payload, dict):
                    token, method = match["token"], match["method"]
                    status, answer = 400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid JSON"}
                    payload = {}
                else:
                    token, method = match["token"], match["method"]
                    status, answer = fake._answer(token, method, payload)
                with fake._lock:
                    fake.requests.append(ZaloRequest(method, token, str(payload.get("chat_id", "")),
                                                     str(payload.get("text", "")), status, time.time()))
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

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
