"""Point 4: message texts (the outbox, report summaries) keep their signed links for an
administrator only; anyone else sees the links with their token replaced by "…", so a
leader or a viewer never holds a working /c/ or /g/ link. A viewer reads no message
text at all (issue 16: "viewer: read, no message bodies")."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from domain.links import make_link, token_from_url
from security.helpers import ADMIN_PW, ADMIN_TOKEN, VIEWER_PW, VIEWER_TOKEN, add_user, bearer, logged_in
from store.db import session_scope
from store.models import OutboxMessage, Report
from web.masking import mask_links

LATER = datetime.now(timezone.utc) + timedelta(days=30)
LEADER_PW = "mat-khau-lanh-dao-2026"


@pytest.fixture
def links(site):
    """Real signed links of each kind in an outbox message and a report summary."""
    s = site.settings
    made = {p: make_link(s.link_key, s.public_url, "p/1" if p != "report" else "report/1", "", "vhxh", p,
                         expires_at=LATER) for p in ("confirm", "extend", "incident", "report")}
    body = "Nhắc việc: xác nhận tại {confirm}\nGia hạn: {extend}\nSự cố: {incident}\nBáo cáo: {report}".format(**made)
    with session_scope(site.url) as db:
        db.add(OutboxMessage(recipient="phong-vhxh", title=f"Nhắc việc {made['confirm']}", body=body))
        db.add(Report(kind="daily", as_of=datetime.now(timezone.utc), short_text=f"Báo cáo ngày: {made['report']}",
                      html=f'<a href="{made["report"]}">Xem</a>'))
    return {p: token_from_url(u) for p, u in made.items()}


def working_links(text: str) -> list[str]:
    return re.findall(r"/[cgir]/[A-Za-z0-9_\-.]{8,}", text)


def test_mask_keeps_the_text_and_drops_only_tokens():
    text = "Mở https://dondoc.example/c/eyJzIjoi.abc_DEF-1 hoặc /g/.eJwx.sig để xem; /dashboard/reports giữ nguyên."
    assert mask_links(text) == "Mở https://dondoc.example/c/… hoặc /g/… để xem; /dashboard/reports giữ nguyên."


def test_leader_dashboard_outbox_has_no_working_link(site, links):
    add_user(site.url, "lanhdao", LEADER_PW, "leader")
    leader = logged_in(site, "lanhdao", LEADER_PW)
    page = leader.get("/dashboard/outbox")
    assert page.status_code == 200
    assert not any(token in page.text for token in links.values())
    assert "/c/…" in page.text and "/g/…" in page.text and "/i/…" in page.text and "/r/…" in page.text
    assert working_links(page.text) == [] and "Nhắc việc: xác nhận tại" in page.text
    assert "chỉ quản trị viên xem được đường dẫn đầy đủ" in page.text


def test_viewer_dashboard_outbox_has_no_message_text(site, links):
    viewer = logged_in(site, "xem", VIEWER_PW)
    page = viewer.get("/dashboard/outbox")
    assert page.status_code == 200
    assert not any(token in page.text for token in links.values()) and working_links(page.text) == []
    assert "Nhắc việc: xác nhận tại" not in page.text and "Gia hạn:" not in page.text
    assert '<pre class="message">' not in page.text
    assert "không xem được nội dung tin nhắn" in page.text and "/c/…</strong>" in page.text  # the subject, masked


def test_admin_dashboard_outbox_shows_the_messages_whole(site, links):
    admin = logged_in(site, "quantri", ADMIN_PW)
    page = admin.get("/dashboard/outbox")
    assert page.status_code == 200 and all(token in page.text for token in links.values())


def test_viewer_api_outbox_has_no_text_admin_is_whole(site, links):
    answer = site.client().get("/api/outbox", headers=bearer(VIEWER_TOKEN))
    assert answer.status_code == 200
    message = answer.json()["messages"][0]
    assert message["body"] is None and "/c/…" in message["title"]
    assert not any(token in answer.text for token in links.values())
    viewer = logged_in(site, "xem", VIEWER_PW)  # a viewer's session too
    seen = viewer.get("/api/outbox")
    assert seen.json()["messages"][0]["body"] is None and not any(token in seen.text for token in links.values())
    add_user(site.url, "lanhdao", LEADER_PW, "leader")
    masked = logged_in(site, "lanhdao", LEADER_PW).get("/api/outbox").json()["messages"][0]
    assert "/c/…" in masked["body"] and not any(token in masked["body"] for token in links.values())
    whole = site.client().get("/api/outbox", headers=bearer(ADMIN_TOKEN))
    assert all(token in whole.text for token in (links["confirm"], links["extend"], links["incident"]))


def test_viewer_report_summaries_are_masked_too(site, links):
    viewer = logged_in(site, "xem", VIEWER_PW)
    for path in ("/dashboard/reports", "/dashboard/reports/1"):
        page = viewer.get(path)
        assert page.status_code == 200 and links["report"] not in page.text, path
    api = site.client()
    for path in ("/api/reports", "/api/reports/1"):
        answer = api.get(path, headers=bearer(VIEWER_TOKEN))
        assert answer.status_code == 200 and links["report"] not in answer.text, path
        assert links["report"] in api.get(path, headers=bearer(ADMIN_TOKEN)).text
