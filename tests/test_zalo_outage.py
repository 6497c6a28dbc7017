"""A refused bot token (Zalo answers 401 at HTTP 200) is one outage: every message
goes on by email, the standing office is told once, not once per message, and the
outage ends when Zalo accepts a message again (a later 401 is a new outage)."""
from __future__ import annotations

import uuid

import pytest

from activities.deliver import DeliveryActivities
from config.settings import load_settings
from contracts.delivery import DeliverRequest, Recipient

BAD, GOOD = "111111:resettoken", "111111:drilltoken"


@pytest.fixture
def acts(sqlite_url, tmp_path, monkeypatch, fake_smtp):
    monkeypatch.setenv("DONDOC_SECRET_KEY", "outage-" + "x" * 40)
    monkeypatch.setenv("DONDOC_DATABASE_URL", sqlite_url)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url})
    office = Recipient("vhxh", "Văn phòng thường trực", "standing_office",
                       [f"zalo://{BAD}/office-chat", fake_smtp.mailto("office@drill.local")])
    return DeliveryActivities(sqlite_url, settings, standing_office=office, max_attempts=2)


def message(token: str, who: str, fake_smtp) -> DeliverRequest:
    person = Recipient(f"person:{who}", who, "unit", [f"zalo://{token}/{who}-chat", fake_smtp.mailto(f"{who}@drill.local")])
    return DeliverRequest(subject_id=f"task/{uuid.uuid4().hex[:6]}", cycle="", step="due", kind="reminder",
                          recipient=person, context={"title": "Rà soát thủ tục", "due": "2026-12-31", "days_left": 0})


def outage_notices(fake_smtp) -> list:
    return [m for m in fake_smtp.to("office@drill.local") if "Bot Zalo bị từ chối" in m.subject]


def test_one_notice_per_outage_and_email_meanwhile(acts, fake_zalo, fake_smtp):
    results = [acts.deliver_now(message(BAD, who, fake_smtp)) for who in ("lan", "binh", "hoa")]
    assert [(r.status, r.channel) for r in results] == [("sent", "email")] * 3
    assert all("zalo 401" in r.error and "resettoken" not in r.error for r in results)
    assert {"lan@drill.local", "binh@drill.local", "hoa@drill.local"} <= {a for m in fake_smtp.messages for a in m.recipients}
    [notice] = outage_notices(fake_smtp)
    assert "ZALO_BOT_TOKEN" in notice.text and "resettoken" not in notice.text

    assert acts.deliver_now(message(GOOD, "lan", fake_smtp)).channel == "zalo"  # Zalo accepts again: over
    acts.deliver_now(message(BAD, "binh", fake_smtp))
    assert len(outage_notices(fake_smtp)) == 2  # a new outage, told once more
