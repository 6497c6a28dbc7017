"""The transport against real peers on loopback: a fake Zalo Bot API, a real SMTP
server, and the outbox table on SQLite and PostgreSQL."""
from __future__ import annotations

import socket

import pytest
from peers import FakeZalo, fake_smtp, fake_zalo  # noqa: F401 (fixtures)
from sqlalchemy import select

from notifiers.transport import channel_of, mask, send
from store.db import session_scope
from store.models import OutboxMessage

TOKEN = "111111:drilltoken"
TEXT = "Nhiệm vụ «Chuyển đổi số» đến hạn ngày 30/06/2026. Xác nhận: http://127.0.0.1:8000/c/a_b-c.d"


def test_zalo_message_reaches_the_api_at_dondoc_zalo_api_url(fake_zalo):
    outcome = send(f"zalo://{TOKEN}/unit-chat", "", TEXT)

    assert outcome.ok and outcome.channel == "zalo" and outcome.error == ""
    [msg] = fake_zalo.messages
    assert (msg.token, msg.chat_id, msg.text) == (TOKEN, "unit-chat", TEXT)


def test_zalo_api_url_is_read_at_each_send(fake_zalo, monkeypatch):
    with FakeZalo() as other:
        monkeypatch.setenv("DONDOC_ZALO_API_URL", other.url + "/")
        assert send(f"zalo://{TOKEN}/lead-chat", "", "một").ok
    assert [m.chat_id for m in other.messages] == ["lead-chat"]
    assert fake_zalo.messages == []


def test_zalo_refusal_is_a_failure_with_the_reason_and_no_token(fake_zalo):
    fake_zalo.fail_chat("unit-chat", status=401, description="Unauthorized")

    outcome = send(f"zalo://{TOKEN}/unit-chat", "", TEXT)

    assert not outcome.ok and not outcome.transient and outcome.token_broken
    assert (outcome.error, outcome.code, outcome.bot) == ("zalo 401: Unauthorized", 401, "111111")
    assert "drilltoken" not in outcome.error
    assert fake_zalo.messages == []
    assert fake_zalo.requests[0].status == 401


def test_zalo_fails_n_times_then_accepts(fake_zalo):
    fake_zalo.fail_chat("unit-chat", times=2, status=429, description="Too Many Requests")
    results = [send(f"zalo://{TOKEN}/unit-chat", "", "x").ok for _ in range(3)]
    assert results == [False, False, True]
    assert len(fake_zalo.messages) == 1


def test_unreachable_zalo_is_a_transient_failure(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    monkeypatch.setenv("DONDOC_ZALO_API_URL", f"http://127.0.0.1:{port}")

    outcome = send(f"zalo://{TOKEN}/unit-chat", "", "x")

    assert not outcome.ok and outcome.transient and outcome.code is None
    assert outcome.error.startswith("zalo: lỗi kết nối (ConnectError")


def test_unusable_url_is_a_permanent_failure():
    outcome = send("nosuchscheme://whatever", "t", "b")
    assert not outcome.ok and not outcome.transient and outcome.channel == "other"


def test_vietnamese_email_survives_the_smtp_round_trip(fake_smtp):
    subject = "Nhắc việc: «Chuyển đổi số» còn 3 ngày làm việc"
    html = "<p>Kính gửi <b>Phòng Văn hóa - Xã hội</b>,</p><p>Hạn: 30/06/2026</p>"

    outcome = send(fake_smtp.mailto("unit@drill.local"), subject, "không dùng", html=html)

    assert outcome.ok and outcome.channel == "email", outcome.error
    [mail] = fake_smtp.wait_for(1)
    assert mail.recipients == ["unit@drill.local"]
    assert mail.subject == subject
    assert "Phòng Văn hóa - Xã hội" in mail.text and "30/06/2026" in mail.text
    assert "<b>Phòng Văn hóa - Xã hội</b>" in mail.html


def test_plain_email_without_html(fake_smtp):
    assert send(fake_smtp.mailto("bcd@drill.local"), "Tiêu đề", "Nội dung có dấu: ệ ữ ỗ").ok
    [mail] = fake_smtp.wait_for(1)
    assert mail.text.strip() == "Nội dung có dấu: ệ ữ ỗ" and mail.html == ""


def test_smtp_down_is_a_failure(fake_smtp):
    url = fake_smtp.mailto("unit@drill.local")
    fake_smtp.stop()
    outcome = send(url, "t", "b")
    assert not outcome.ok and outcome.channel == "email" and outcome.error


def test_outbox_stores_the_message(db_url, monkeypatch):
    monkeypatch.setenv("DONDOC_DATABASE_URL", db_url)

    outcome = send("outbox://phong-vhxh", "Nhắc việc", "Nhiệm vụ đến hạn")

    assert outcome.ok and outcome.channel == "outbox"
    with session_scope(db_url) as session:
        rows = session.scalars(select(OutboxMessage)).all()
        assert [(r.recipient, r.title, r.body) for r in rows] == [("phong-vhxh", "Nhắc việc", "Nhiệm vụ đến hạn")]


def test_outbox_without_tables_fails_with_a_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("DONDOC_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    outcome = send("outbox://phong-vhxh", "t", "b")
    assert not outcome.ok and "outbox" in outcome.error


def test_channel_names():
    assert channel_of(f"zalo://{TOKEN}/x") == "zalo"
    assert channel_of("mailto://a@b.c") == "email" and channel_of("MAILTOS://u:p@gmail.com") == "email"
    assert channel_of("outbox://x") == "outbox"
    assert channel_of("tgram://123/456") == "other" and channel_of("garbage") == "other"


def test_mask_hides_tokens_and_passwords():
    assert mask(f"zalo://{TOKEN}/unit-chat") == "zalo://111111:***/unit-chat"
    assert mask("zalo://111111%3Adrilltoken/unit-chat") == "zalo://111111:***/unit-chat"
    masked = mask("mailtos://officer:s3cret!@smtp.gmail.com?to=a@b.vn&pass=zz&token=tt")
    assert "s3cret" not in masked and "zz" not in masked and "tt" not in masked
    assert masked.startswith("mailtos://officer:***@smtp.gmail.com")
    assert mask("outbox://phong-vhxh") == "outbox://phong-vhxh"


@pytest.mark.parametrize("url,masked", [
    ("zalo://123456/S3CRETtoken/unit-chat", "zalo://123456:***/unit-chat"),
    ("zalo://123456:S3CRETtoken/a/b", "zalo://123456:***/a/b"),
    ("zalo://unit-chat?token=123456:S3CRETtoken", "zalo://123456:***/unit-chat"),
    ("zalo://123456:S3CRETtoken", "zalo://123456:***"),            # no chat: still hidden
    ("zalo://123456/S3CRETtoken", "zalo://123456:***"),
])
def test_mask_hides_zalo_tokens_in_every_shape(url, masked):
    assert mask(url) == masked and "S3CRET" not in mask(url)


@pytest.mark.parametrize("url,secret,kept", [
    ("mailtos://officer:pa/ss@smtp.gmail.com?to=a@b.vn", "pa/ss", "mailtos://officer:***@smtp.gmail.com?to=a@b.vn"),
    ("mailtos://officer:pa#ss@smtp.gmail.com?to=a@b.vn", "pa#ss", "mailtos://officer:***@smtp.gmail.com?to=a@b.vn"),
    ("mailtos://officer:p@ss?w/d@smtp.gmail.com:465/x", "p@ss?w/d", "mailtos://officer:***@smtp.gmail.com:465/x"),
    ("mailto://smtp.vn?user=u&pass=a#b&to=x@y.vn", "a#b", "mailto://smtp.vn?user=u&pass=***&to=x@y.vn"),
])
def test_mask_parses_passwords_with_url_delimiters(url, secret, kept):
    assert mask(url) == kept and secret not in mask(url)
