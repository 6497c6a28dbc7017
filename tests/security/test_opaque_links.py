"""A link's payload carries an opaque id only (the store maps it): a forwarded message
tells nothing of the task or the recipient, a link can be revoked one by one, and a
forged or altered id is refused. Links sent before stay valid until they expire."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from domain.links import LinkError, make_link, token_from_url
from store.db import session_scope
from store.links import issue, live_links, resolve, revoke
from store.models import Base, LinkRecord

SECRET = "opaque-links-" + "k" * 40
NOW = datetime(2026, 11, 30, 8, tzinfo=timezone.utc)


@pytest.fixture
def url(db_url):
    from store.db import make_engine

    Base.metadata.create_all(make_engine(db_url))
    return db_url


def new_link(url, purpose="confirm", days=30, subject="task/ke-hoach-57/12") -> str:
    return issue(url, SECRET, "https://dondoc.example.gov.vn", subject, "", "phong-vhxh", purpose,
                 NOW + timedelta(days=days), NOW)


def test_the_token_reveals_nothing(url):
    link = new_link(url)
    token = token_from_url(link)
    assert link.startswith("https://dondoc.example.gov.vn/c/v2.")
    readable = base64.urlsafe_b64decode(token[3:].split(".")[0] + "==").decode("utf-8", "replace")
    for secret_fact in ("ke-hoach-57", "phong-vhxh", "confirm", "2026"):
        assert secret_fact not in token and secret_fact not in readable
    claims = resolve(url, SECRET, token, NOW)
    assert (claims.subject_id, claims.recipient, claims.purpose) == ("task/ke-hoach-57/12", "phong-vhxh", "confirm")


def test_a_revoked_link_is_refused_and_the_others_still_work(url):
    first, second = token_from_url(new_link(url)), token_from_url(new_link(url, days=31))
    assert token_from_url(new_link(url)) == first  # the same link asked again is the same URL
    [one, _] = live_links(url, "task/ke-hoach-57/12", NOW)
    assert revoke(url, one["id"], "admin", NOW, subject_id="task/ke-hoach-57/12")
    assert not revoke(url, one["id"], "admin", NOW)  # already revoked
    refused = [t for t in (first, second) if _refusal(url, t) == "revoked"]
    assert len(refused) == 1
    assert len(live_links(url, "task/ke-hoach-57/12", NOW)) == 1
    with session_scope(url) as s:
        assert s.scalar(select(LinkRecord).where(LinkRecord.id == one["id"])).revoked_by == "admin"


def _refusal(url, token) -> str | None:
    try:
        resolve(url, SECRET, token, NOW)
    except LinkError as err:
        return err.reason
    return None


@pytest.mark.parametrize("alter, reason", [
    (lambda t: t[:10] + ("A" if t[10] != "A" else "B") + t[11:], "forged"),   # an altered signature or id
    (lambda t: t.replace("v2.", "v2.x", 1), "forged"),
])
def test_forged_tokens_are_refused(url, alter, reason):
    assert _refusal(url, alter(token_from_url(new_link(url)))) == reason


def test_a_signed_id_that_was_never_issued_is_refused(url):
    from itsdangerous import URLSafeSerializer

    token = "v2." + URLSafeSerializer(SECRET, salt="dondoc.link.v2").dumps("never-issued")
    assert _refusal(url, token) == "forged"


def test_expired(url):
    token = token_from_url(new_link(url, days=1))
    assert _refusal(url, token) is None
    with pytest.raises(LinkError) as err:
        resolve(url, SECRET, token, NOW + timedelta(days=1, seconds=1))
    assert err.value.reason == "expired"


def test_a_link_sent_before_opaque_ids_still_works(url):
    old = token_from_url(make_link(SECRET, "https://x", "task/1", "", "vhxh", "confirm", expires_at=NOW + timedelta(days=3)))
    assert resolve(url, SECRET, old, NOW).subject_id == "task/1"


# -- revoking from the task's dashboard page ----------------------------------------------

def _task_with_link(site) -> tuple[str, str]:
    from store.models import Task

    with session_scope(site.url) as s:
        s.add(Task(id="task/thu-hoi/1", title="Báo cáo số liệu chuyển đổi số", lead_units=["vhxh"],
                   deadline_kind="once", status="open"))
    link = issue(site.url, site.settings.link_key, site.settings.public_url, "task/thu-hoi/1", "", "vhxh",
                 "confirm", datetime.now(timezone.utc) + timedelta(days=30))
    return "task/thu-hoi/1", link


def test_the_standing_office_revokes_a_link_from_the_task_page(site):
    from security.helpers import ADMIN_PW, csrf_field, logged_in

    task_id, link = _task_with_link(site)
    path = "/c/" + token_from_url(link)
    assert site.client().get(path).status_code == 200
    admin = logged_in(site, "quantri", ADMIN_PW)
    page = admin.get(f"/dashboard/tasks/{task_id}")
    assert "Đường dẫn đang hiệu lực" in page.text and "Phòng Văn hóa - Xã hội" in page.text
    link_id = live_links(site.url, task_id, datetime.now(timezone.utc))[0]["id"]
    done = admin.post(f"/dashboard/links/{link_id}/revoke", data={"csrf_token": csrf_field(page.text),
                                                                  "task_id": task_id}, follow_redirects=False)
    assert done.status_code == 303 and "revoked=1" in done.headers["location"]
    refused = site.client().get(path)
    assert refused.status_code == 410 and "thu hồi" in refused.text
    assert live_links(site.url, task_id, datetime.now(timezone.utc)) == []


def test_a_viewer_cannot_revoke(site):
    from security.helpers import VIEWER_PW, csrf_field, logged_in

    task_id, link = _task_with_link(site)
    viewer = logged_in(site, "xem", VIEWER_PW)
    page = viewer.get(f"/dashboard/tasks/{task_id}")
    assert "Thu hồi</button>" not in page.text
    link_id = live_links(site.url, task_id, datetime.now(timezone.utc))[0]["id"]
    refused = viewer.post(f"/dashboard/links/{link_id}/revoke", data={"csrf_token": csrf_field(page.text),
                                                                      "task_id": task_id})
    assert refused.status_code == 403
    assert site.client().get("/c/" + token_from_url(link)).status_code == 200
