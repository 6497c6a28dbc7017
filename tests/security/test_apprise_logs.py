"""Apprise's own log records never carry a channel's secret: an SMTP password (even
one with "/" or "#") or a bot token it was handed reaches no log handler."""
from __future__ import annotations

import logging

import pytest

from notifiers.transport import mask, send


@pytest.mark.parametrize("url, secret", [
    ("mailto://dondoc:Pa/ss#w0rd@127.0.0.1:1?to=a@b.vn&mode=insecure", "Pa/ss#w0rd"),
    ("mailtos://user:S3cr%2Ft@127.0.0.1:1?to=a@b.vn", "S3cr"),
    ("zalo://123456/SECRETPART/chat", "SECRETPART"),
])
def test_apprise_warnings_are_scrubbed(url, secret, caplog):
    caplog.set_level(logging.DEBUG)
    outcome = send(url, "tiêu đề", "nội dung")
    assert not outcome.ok
    assert secret not in (outcome.error or "") and secret not in mask(url)
    assert all(secret not in r.getMessage() for r in caplog.records)


def test_a_record_logged_by_apprise_itself_is_scrubbed(caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("apprise").warning("Invalid URL mailto://dondoc:TopSecret1@smtp.gov.vn and token 123456:abcDEF")
    text = caplog.records[-1].getMessage()
    assert "TopSecret1" not in text and "abcDEF" not in text and "mailto://dondoc:***@smtp.gov.vn" in text
