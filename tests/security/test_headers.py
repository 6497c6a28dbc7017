"""Point 11: security headers on every response: pages, JSON, redirects, errors, the
report pages behind /r/ (with a CSP of their own), and HSTS when the public address
is https. A page's own CSP (script-src 'none') is kept."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from starlette.routing import Route

from domain.links import make_link
from security.helpers import ADMIN_PW, build_site, logged_in
from store.db import session_scope
from store.models import Report

PATHS = ("/login", "/healthz", "/api/me", "/api/openapi.json", "/dashboard", "/no-such-page", "/c/forged.token",
         "/r/forged.token")


def assert_hardened(response, path):
    h = response.headers
    assert h["x-content-type-options"] == "nosniff", path
    assert h["x-frame-options"] == "DENY", path
    assert "frame-ancestors 'none'" in h["content-security-policy"], path
    assert h["referrer-policy"] in ("same-origin", "no-referrer"), path


@pytest.fixture
def plain(tmp_path, sqlite_url, monkeypatch):
    return build_site(tmp_path, sqlite_url, monkeypatch)


def test_every_kind_of_response_is_hardened(plain):
    client = plain.client()
    for path in PATHS:
        response = client.get(path, follow_redirects=False)
        assert_hardened(response, path)
        assert "strict-transport-security" not in response.headers  # http public address: no HSTS
    assert client.post("/healthz").status_code == 405 and "x-frame-options" in client.post("/healthz").headers


def test_pages_keep_their_own_csp(plain):
    csp = plain.client().get("/login").headers["content-security-policy"]
    assert "script-src 'none'" in csp and "form-action 'self'" in csp and csp.count("frame-ancestors") == 1
    assert plain.client().get("/login").headers["referrer-policy"] == "same-origin"


def test_server_errors_are_hardened_too(plain):
    async def broken(request):
        raise RuntimeError("boom")

    plain.app.router.routes.append(Route("/broken", broken))
    response = plain.client().__class__(plain.app, raise_server_exceptions=False).get("/broken")
    assert response.status_code == 500
    assert_hardened(response, "/broken")


def test_report_pages_get_a_csp(plain, monkeypatch):
    import web.routes_report as routes_report

    monkeypatch.setattr(routes_report, "render_page", lambda data, report_id: "<!DOCTYPE html><p>Báo cáo</p>")
    with session_scope(plain.url) as s:
        s.add(Report(kind="daily", as_of=datetime.now(timezone.utc), data={}, short_text="x"))
    s = plain.settings
    url = make_link(s.link_key, s.public_url, "report/1", "", "bcd", "report",
                    expires_at=datetime.now(timezone.utc) + timedelta(days=1))
    response = plain.client().get(url[len(s.public_url):])
    assert response.status_code == 200 and "Báo cáo" in response.text
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["referrer-policy"] == "no-referrer"
    refused = plain.client().get("/r/forged.token")
    assert refused.status_code == 403 and "frame-ancestors 'none'" in refused.headers["content-security-policy"]


def test_hsts_when_the_public_address_is_https(tmp_path, db_url, monkeypatch):
    from security.helpers import add_user

    site = build_site(tmp_path, db_url, monkeypatch, env={"DONDOC_PUBLIC_URL": "https://dondoc.example.gov.vn"})
    add_user(db_url, "quantri", ADMIN_PW, "admin")
    client = logged_in(site, "quantri", ADMIN_PW)
    for path in ("/dashboard", "/login", "/healthz", "/api/me", "/no-such-page"):
        response = client.get(path, follow_redirects=False)
        assert response.headers["strict-transport-security"] == "max-age=31536000", path
        assert_hardened(response, path)
