"""The webhook (public https deployments): the secret is checked first, a wrong one
is refused with 403 and changes nothing; a right one links a person and the bot
answers in Zalo; registration goes to setWebhook with that secret."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from config.loader import EXAMPLES, load_config
from config.settings import load_settings
from services.people import add_person, invite, person_view
from store.db import session_scope
from store.models import Event
from web.app import create_app
from web.routes_zalo import WEBHOOK_PATH, register_webhook, webhook_secret


@pytest.fixture
def app_parts(sqlite_url, tmp_path, monkeypatch, fake_zalo):
    monkeypatch.setenv("DONDOC_SECRET_KEY", "webhook-" + "k" * 40)
    settings = load_settings({"DONDOC_DATA_DIR": str(tmp_path), "DONDOC_DATABASE_URL": sqlite_url,
                              "DONDOC_PUBLIC_URL": "https://dondoc.example.gov.vn"})
    config = load_config(EXAMPLES / "drill.toml")
    return settings, config, TestClient(create_app(settings, config))


def update(chat_id: str, text: str, message_id: str) -> dict:
    return {"ok": True, "result": {"event_name": "message.text.received", "message": {
        "from": {"id": chat_id, "display_name": "Lan", "is_bot": False},
        "chat": {"id": chat_id, "chat_type": "PRIVATE"}, "text": text, "message_id": message_id,
        "date": 1750316131602}}}


def events(url: str) -> int:
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(Event))


@pytest.mark.parametrize("headers", [{}, {"X-Bot-Api-Secret-Token": "sai-ma-bi-mat"},
                                     {"X-Bot-Api-Secret-Token": ""}])
def test_a_wrong_secret_is_refused_and_changes_nothing(app_parts, headers, fake_zalo):
    settings, config, client = app_parts
    person = add_person(settings.database_url, "Nguyễn Thị Lan", ["vhxh"], directory=config.directory)
    code = invite(settings.database_url, person, datetime.now(timezone.utc))["code"]
    answer = client.post(WEBHOOK_PATH, json=update("lan-chat", code, "m1"), headers=headers)
    assert answer.status_code == 403 and answer.json()["ok"] is False
    assert person_view(settings.database_url, config, person)["zalo"]["linked"] is False
    assert events(settings.database_url) == 0 and fake_zalo.messages == []


def test_the_right_secret_links_the_person_and_the_bot_answers(app_parts, fake_zalo):
    settings, config, client = app_parts
    person = add_person(settings.database_url, "Nguyễn Thị Lan", ["vhxh"], directory=config.directory)
    code = invite(settings.database_url, person, datetime.now(timezone.utc))["code"]
    secret = {"X-Bot-Api-Secret-Token": webhook_secret(settings.secret_key)}
    started = time.monotonic()
    answer = client.post(WEBHOOK_PATH, json=update("lan-chat", f"mã {code}", "m2"), headers=secret)
    assert answer.status_code == 200 and answer.json() == {"ok": True}
    assert time.monotonic() - started < 5
    assert person_view(settings.database_url, config, person)["zalo"]["linked"] is True
    assert any("Nguyễn Thị Lan" in t for t in fake_zalo.texts("lan-chat"))
    again = client.post(WEBHOOK_PATH, json=update("lan-chat", f"mã {code}", "m2"), headers=secret)
    assert again.status_code == 200 and len(fake_zalo.texts("lan-chat")) == 1  # the same message, answered once
    assert client.post(WEBHOOK_PATH, content=b"not json", headers=secret).status_code == 400


def test_registration_sends_the_https_address_and_the_secret(app_parts, fake_zalo):
    settings, config, _ = app_parts
    assert register_webhook(settings, config) is None
    [call] = [r for r in fake_zalo.requests if r.method == "setWebhook"]
    assert call.status == 200
    plain = load_settings({"DONDOC_DATA_DIR": str(settings.data_dir), "DONDOC_DATABASE_URL": settings.database_url,
                           "DONDOC_PUBLIC_URL": "http://127.0.0.1:8000"})
    assert register_webhook(plain, config) is None
    assert len([r for r in fake_zalo.requests if r.method == "setWebhook"]) == 1  # polling instead: nothing sent
