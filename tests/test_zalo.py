"""The Zalo Bot API client (notifiers/zalo.py) and the zalo:// transport, against a
strict FakeZalo that answers like Zalo: HTTP 200 and a JSON body, refusals as
``ok: false`` with ``error_code`` and ``description``."""
from __future__ import annotations

import logging
import socket
import threading
import time

import pytest
from peers import FakeZalo

from notifiers import zalo
from notifiers.transport import send

TOKEN = "111111:drilltoken"
URL = f"zalo://{TOKEN}/unit-chat"
LINK = "http://dondoc.test/c/eyJzIjoidGFzay0xIn0.c2lnbmF0dXJl"


@pytest.fixture
def strict(monkeypatch):
    """A strict FakeZalo (a chat must have written to the bot) at DONDOC_ZALO_API_URL."""
    fake = FakeZalo(strict=True)
    monkeypatch.setenv("DONDOC_ZALO_API_URL", fake.start())
    yield fake
    fake.stop()


def long_text(chars: int) -> str:
    line = "Nhiệm vụ «Chuyển đổi số» của Phòng Văn hóa - Xã hội chưa báo cáo kết quả thực hiện."
    lines, size = [], 0
    while size < chars - len(LINK) - 1:
        piece = f"{len(lines) + 1:03d}. {line}"
        lines.append(piece)
        size += len(piece) + 1
    text = "\n".join(lines)[: chars - len(LINK) - 1].rstrip()
    return f"{text}\n{LINK}"


# -- every answer shape, end to end through transport.send -------------------

def _wrote(z):
    z.user_writes("unit-chat", "Mã đăng ký 123456")


CASES = [
    # id, setup, url, ok, code, transient, error (exact or prefix), broken
    ("ok", _wrote, URL, True, None, True, "", ""),
    ("401 unknown token", _wrote, "zalo://111111:wrongsecret/unit-chat", False, 401, False,
     "zalo 401: Unauthorized", "token"),
    ("429 quota, fail_next", lambda z: (_wrote(z), z.fail_next(1)), URL, False, 429, True,
     "zalo 429: Too Many Requests", ""),
    ("429 quota, quota(0)", lambda z: (_wrote(z), z.quota(0)), URL, False, 429, True,
     "zalo 429: Too Many Requests", ""),
    ("400 chat never wrote", lambda z: None, URL, False, 400, False,
     "zalo 400: Bad Request: chat not found", "chat"),
    ("403 internal server error", lambda z: (_wrote(z), z.fail_next(1, 403, "Internal Server Error")), URL,
     False, 403, True, "zalo 403: Internal Server Error", ""),
    ("200 but not JSON", lambda z: (_wrote(z), z.answer_raw()), URL, False, None, True,
     "zalo: trả lời không phải JSON (HTTP 200, text/html)", ""),
    ("502 from a proxy", lambda z: (_wrote(z), z.answer_raw(status=502, body="<h1>Bad Gateway</h1>")), URL,
     False, None, True, "zalo: trả lời không phải JSON (HTTP 502, text/html)", ""),
    ("200, ok:false without a code", lambda z: (_wrote(z), z.answer_raw(body='{"ok": false}',
                                                                          content_type="application/json")),
     URL, False, None, True, "zalo: bị từ chối (ok: false)", ""),
    ("HTTP 201 is not an answer", lambda z: (_wrote(z), z.answer_raw(status=201, body='{"ok": true}',
                                                                       content_type="application/json")),
     URL, False, None, True, "zalo: HTTP 201", ""),
]


@pytest.mark.parametrize("setup,url,ok,code,transient,error,broken", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_each_answer_shape_through_the_transport(strict, setup, url, ok, code, transient, error, broken):
    setup(strict)

    outcome = send(url, "", "Nhắc việc: còn 3 ngày làm việc.")

    assert (outcome.ok, outcome.channel, outcome.code, outcome.error) == (ok, "zalo", code, error)
    if not ok:
        assert outcome.transient is transient
    assert outcome.token_broken is (broken == "token") and outcome.chat_broken is (broken == "chat")
    assert outcome.bot == "111111"
    assert "drilltoken" not in outcome.error and "wrongsecret" not in outcome.error
    assert [m.chat_id for m in strict.messages] == (["unit-chat"] if ok else [])


def test_the_token_never_reaches_a_log_line(strict, caplog):
    caplog.set_level(logging.DEBUG)
    _wrote(strict)

    assert send(URL, "", "một").ok
    assert not send("zalo://111111:wrongsecret/unit-chat", "", "hai").ok
    assert not send("zalo://111111:wrongsecret", "", "ba").ok  # no chat

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "drilltoken" not in logged and "wrongsecret" not in logged
    assert "/bot111111:***/sendMessage" in logged  # httpx's request line, masked


def test_a_network_error_is_transient_and_names_no_token(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    answer = zalo.call(f"http://127.0.0.1:{port}", TOKEN, "getMe", {}, 2)
    assert (answer.ok, answer.error_code, answer.http_status) == (False, None, None)
    assert zalo.is_transient(answer) and not zalo.is_permanent(answer)
    assert answer.error.startswith("zalo: lỗi kết nối") and "drilltoken" not in repr(answer)


def test_a_title_goes_on_the_first_line(strict):
    _wrote(strict)
    assert send(URL, "Đề nghị gia hạn", "Nội dung").ok
    assert strict.texts("unit-chat") == ["Đề nghị gia hạn\nNội dung"]


def test_every_chat_of_a_url_and_the_failing_one_named(strict):
    strict.user_writes("a", "hi")
    outcome = send(f"zalo://{TOKEN}/a/b", "", "x")
    assert strict.texts("a") == ["x"] and not outcome.ok
    assert outcome.error == "zalo 400: Bad Request: chat not found (chat b)"


# -- long texts ----------------------------------------------------------------

def test_4500_characters_arrive_as_3_numbered_parts_in_order_with_the_link_last(strict):
    _wrote(strict)
    text = long_text(4500)
    assert len(text) == 4500

    outcome = send(URL, "", text)

    assert outcome.ok, outcome.error
    parts = strict.texts("unit-chat")
    assert [p[:6] for p in parts] == ["(1/3) ", "(2/3) ", "(3/3) "]
    assert all(len(p) <= 2000 for p in parts)
    assert [LINK in p for p in parts] == [False, False, True] and parts[-1].endswith(LINK)
    assert "\n".join(p[6:] for p in parts) == text  # cut at line breaks, nothing lost


def test_a_failure_midway_stops_the_parts(strict):
    _wrote(strict)
    strict.quota(1)

    outcome = send(URL, "", long_text(4500))

    assert (outcome.ok, outcome.code, outcome.transient) == (False, 429, True)
    assert outcome.error == "zalo 429: Too Many Requests (phần 2/3)"
    assert [t[:6] for t in strict.texts("unit-chat")] == ["(1/3) "]
    assert [r.method for r in strict.requests] == ["sendMessage", "sendMessage"]  # part 3 never tried


@pytest.mark.parametrize("text,count", [
    ("ngắn", 1),
    ("x" * 2000, 1),
    ("x" * 2001, 2),                                   # one line, no spaces: cut hard
    (("từ " * 1500).strip(), 3),                       # one line: cut at spaces
    ("\n".join(["dòng " * 30] * 150) + "\n" + LINK, 12),  # two-digit counts keep the limit
])
def test_split_text_keeps_every_part_within_the_limit(text, count):
    parts = zalo.split_text(text)
    assert len(parts) == count and all(0 < len(p) <= 2000 for p in parts)
    if count > 1:
        assert [p.split(" ", 1)[0] for p in parts] == [f"({i}/{count})" for i in range(1, count + 1)]
    if LINK in text:
        assert LINK in parts[-1] and not any(LINK in p for p in parts[:-1])


def test_the_link_and_what_follows_it_stay_together_in_the_last_part():
    head = "\n".join(["Phòng Văn hóa - Xã hội " * 3] * 40)
    text = f"{head}\nXác nhận: {LINK}\nTrân trọng."
    parts = zalo.split_text(text)
    assert len(parts) == 2 and parts[-1].endswith(f"Xác nhận: {LINK}\nTrân trọng.")


def test_the_api_refuses_a_text_over_2000_characters(strict):
    _wrote(strict)
    answer = zalo.call(strict.url, TOKEN, "sendMessage", {"chat_id": "unit-chat", "text": "x" * 2001})
    assert (answer.ok, answer.error_code, answer.description) == (False, 400, "Bad Request: text is too long")
    assert zalo.is_permanent(answer) and zalo.chat_broken(answer)  # a 400 on sendMessage


# -- getUpdates, getMe, webhooks ---------------------------------------------

def test_get_updates_times_out_with_408_then_returns_what_a_user_wrote(strict):
    started = time.monotonic()
    idle = zalo.get_updates(strict.url, TOKEN, timeout=1)
    waited = time.monotonic() - started
    assert (idle.ok, idle.error_code, idle.description) == (False, 408, "Request timeout")
    assert 0.8 <= waited < 5 and zalo.is_transient(idle)

    strict.user_writes("6ede9afa66b88fe6d6a9", "Xin chào", display_name="Ted")
    strict.user_writes("6ede9afa66b88fe6d6a9", "Mã 123456", display_name="Ted")
    first, second = (zalo.get_updates(strict.url, TOKEN, timeout=1) for _ in range(2))

    assert first.ok and first.result["event_name"] == "message.text.received"
    message = first.result["message"]
    assert message["from"] == {"id": "6ede9afa66b88fe6d6a9", "display_name": "Ted", "is_bot": False}
    assert message["chat"] == {"id": "6ede9afa66b88fe6d6a9", "chat_type": "PRIVATE"}
    assert message["text"] == "Xin chào" and message["message_id"] and message["date"] > 0
    assert second.result["message"]["text"] == "Mã 123456"  # one event per call, in order
    # Having written, the chat can now be sent to.
    assert zalo.send_message(strict.url, TOKEN, "6ede9afa66b88fe6d6a9", "Đã đăng ký").ok


def test_a_long_poll_returns_as_soon_as_a_user_writes(strict):
    got = []
    poll = threading.Thread(target=lambda: got.append(zalo.get_updates(strict.url, TOKEN, timeout=10)))
    started = time.monotonic()
    poll.start()
    time.sleep(0.2)
    strict.user_writes("c1", "xin chào")
    poll.join(5)
    assert got and got[0].ok and time.monotonic() - started < 3


def test_get_me():
    with FakeZalo(strict=True) as fake:
        me = zalo.get_me(fake.url, TOKEN)
        assert me.ok and me.result == {"id": "111111", "account_name": "bot.dondoc", "account_type": "BASIC",
                                       "can_join_groups": False}
        refused = zalo.get_me(fake.url, "111111:notknown")
        assert (refused.error_code, refused.description) == (401, "Unauthorized") and zalo.token_broken(refused)
        unknown = zalo.call(fake.url, TOKEN, "sendPhoto", {})
        assert (unknown.ok, unknown.error_code) == (False, 404)


@pytest.mark.parametrize("url,secret,ok", [
    ("https://dondoc.example.vn/zalo/hook", "s" * 8, True),
    ("https://dondoc.example.vn/zalo/hook", "s" * 256, True),
    ("https://dondoc.example.vn/zalo/hook", "s" * 7, False),
    ("https://dondoc.example.vn/zalo/hook", "s" * 257, False),
    ("https://dondoc.example.vn/zalo/hook", "", False),
    ("http://dondoc.example.vn/zalo/hook", "s" * 16, False),
    ("dondoc.example.vn/zalo/hook", "s" * 16, False),
])
def test_set_webhook_validation(strict, url, secret, ok):
    answer = zalo.set_webhook(strict.url, TOKEN, url, secret)
    assert answer.ok is ok
    if not ok:
        assert answer.error_code == 400 and answer.description.startswith("Bad Request")
    info = zalo.get_webhook_info(strict.url, TOKEN)
    assert info.ok and info.result["url"] == (url if ok else "")


def test_get_updates_does_not_work_while_a_webhook_is_set(strict):
    strict.user_writes("c1", "xin chào")
    assert zalo.set_webhook(strict.url, TOKEN, "https://dondoc.example.vn/hook", "secret-token-1").ok

    refused = zalo.get_updates(strict.url, TOKEN, timeout=1)
    assert (refused.ok, refused.error_code, refused.description) == (False, 400, "Bad Request: webhook is active")

    assert zalo.delete_webhook(strict.url, TOKEN).ok
    assert zalo.get_webhook_info(strict.url, TOKEN).result["url"] == ""
    assert zalo.get_updates(strict.url, TOKEN, timeout=1).result["message"]["text"] == "xin chào"


# -- classification, URLs, scrubbing --------------------------------------------

def _a(code=None, http=200, ok=False, method="sendMessage"):
    return zalo.ZaloAnswer(ok, error_code=code, description="d", http_status=http, method=method)


@pytest.mark.parametrize("answer,permanent,transient,token,chat", [
    (_a(ok=True), False, False, False, False),
    (_a(401), True, False, True, False),
    (_a(400), True, False, False, True),
    (_a(404), True, False, False, True),
    (_a(400, method="setWebhook"), True, False, False, False),
    (_a(429), False, True, False, False),
    (_a(408), False, True, False, False),
    (_a(403), False, True, False, False),
    (_a(500), False, True, False, False),
    (_a(None, http=None), False, True, False, False),   # network error
    (_a(None, http=503), False, True, False, False),
    (_a(None, http=200), False, False, False, False),   # not JSON: neither (the transport retries it)
])
def test_classification(answer, permanent, transient, token, chat):
    assert (zalo.is_permanent(answer), zalo.is_transient(answer), zalo.token_broken(answer),
            zalo.chat_broken(answer)) == (permanent, transient, token, chat)


@pytest.mark.parametrize("url,token,chats", [
    ("zalo://111111:drilltoken/unit-chat", TOKEN, ("unit-chat",)),
    ("zalo://111111%3Adrilltoken/unit-chat", TOKEN, ("unit-chat",)),
    ("zalo://111111/drilltoken/unit-chat", TOKEN, ("unit-chat",)),
    ("zalo://unit-chat?token=111111:drilltoken", TOKEN, ("unit-chat",)),
    ("zalo://111111:drilltoken/a/b?to=c,d", TOKEN, ("a", "b", "c", "d")),
])
def test_parse_url_shapes(url, token, chats):
    target = zalo.parse_url(url)
    assert (target.token, target.chats) == (token, chats) and "drilltoken" not in repr(target)


@pytest.mark.parametrize("url", ["zalo://111111:drilltoken", "zalo://unit-chat", "zalo://111111:drill token/x",
                                 "zalo://?token=drilltoken&to=x"])
def test_unusable_zalo_urls_fail_at_once_without_the_secret(url):
    with pytest.raises(ValueError) as err:
        zalo.parse_url(url)
    assert "drilltoken" not in str(err.value) and "drill token" not in str(err.value)
    outcome = send(url, "", "x")
    assert not outcome.ok and not outcome.transient and "drilltoken" not in outcome.error


def test_scrub_and_mask_token():
    assert zalo.mask_token(TOKEN) == "111111:***" and zalo.mask_token("garbage") == "***"
    text = f"at {TOKEN} and 111111%3Adrilltoken and 222222:OtherSecret1 at 10:30am"
    assert zalo.scrub(text, TOKEN) == "at 111111:*** and 111111:*** and 222222:*** at 10:30am"
