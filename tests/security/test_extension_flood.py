"""A task link cannot flood the lead official with extension requests: one request per
task and cycle waits at a time; the next is refused with a message (and sends nothing)
until the first is decided; after the decision a new one may be made."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from store.db import session_scope
from store.models import Event, OutboxMessage
from test_web_links import NOW, csrf, link, web  # noqa: F401 (the web fixture: app, fake Temporal, outbox)


def ask(web, path: str, days: int = 40, reason: str = "Chờ kinh phí"):  # noqa: F811
    token = path.rsplit("/", 1)[1]
    return web.post(path + "/extend", data={"csrf_token": csrf.link_token(web.settings.secret_key, token),
                                            "new_due": (NOW.date() + timedelta(days=days)).isoformat(),
                                            "reason": reason})


def lead_messages(web) -> int:  # noqa: F811
    with session_scope(web.db) as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage)
                        .where(OutboxMessage.recipient == "phan-viet-dien"))


def test_a_second_request_waits_for_the_first_decision(web):  # noqa: F811
    path = link(web)
    assert ask(web, path).status_code == 200 and lead_messages(web) == 1
    for attempt in range(5):
        again = ask(web, path, days=50 + attempt, reason=f"Lần {attempt}")
        assert again.status_code == 409 and "đang chờ" in again.text
    assert lead_messages(web) == 1
    with session_scope(web.db) as s:
        assert s.scalar(select(func.count()).select_from(Event).where(Event.kind == "extension_requested")) == 1

    approve = link(web, purpose="extend", recipient="phan-viet-dien")
    review = web.get(approve)
    request_id = review.text.split('name="request_id" value="', 1)[1].split('"', 1)[0]
    gtoken = approve.rsplit("/", 1)[1]
    decided = web.post(approve, data={"csrf_token": csrf.link_token(web.settings.secret_key, gtoken),
                                      "request_id": request_id, "decision": "decline"})
    assert decided.status_code == 200
    assert ask(web, path, days=60, reason="Lý do mới").status_code == 200 and lead_messages(web) == 2
