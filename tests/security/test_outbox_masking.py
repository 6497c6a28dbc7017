"""Point 4: message texts (the outbox, report summaries) keep their signed links for an
administrator only; anyone else sees the links with their token replaced by "…", so a
viewer never holds a working /c/ or /g/ link."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from domain.links import make_link, token_from_url
from security.helpers import ADMIN_PW, ADMIN_TOKEN, VIEWER_PW, VIEWER_TOKEN, bearer, logged_in
from store.db import session_scope
from store.models import OutboxMessage, Report
from web.masking import mask_links

LATER = datetime.now(timezone.utc) + timedelta(days=30)


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


def test_viewer_dashboard_outbox_has_no_working_link(site, links):
    viewer = logged_in(site, "xem", VIEWER_PW)
    page = viewer.get("/dashboard/outbox")
    assert page.status_code == 200
    assert not any(token in page.text for token in links.values())
    assert "/c/…" in page.text and "/g/…" in page.text and "/i/…" in page.text and "/r/…" in page.text
    assert working_links(page.text) == [] and "Nhắc việc: xác nhận tại" in page.text
    assert "chỉ quản trị viên xem được đường dẫn đầy đủ" in page.text


def test_admin_dashboard_outbox_shows_the_messages_whole(site, links):
    admin = logged_in(site, "quantri", ADMIN_PW)
    page = admin.get("/dashboard/outbox")
    assert page.status_code == 200 and all(token in page.text for token in links.values())


def test_viewer_api_outbox_is_masked_admin_is_whole(site, links):
    masked = site.client().get("/api/outbox", headers=bearer(VIEWER_TOKEN))
    assert masked.status_code == 200
    message = masked.json()["messages"][0]
    assert "/c/…" in message["body"] and "/c/…" in message["title"]
    assert not any(token in masked.text for token in links.values())
    viewer = logged_in(site, "xem", VIEWER_PW)  # a viewer's session too
    assert not any(token in viewer.get("/api/outbox").text for token in links.values())
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
