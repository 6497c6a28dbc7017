"""Point 14: /healthz tells anyone only the verdict (and which part is up, as true or
false); the details (database address, error texts) are for a logged-in
administrator or a bearer token. /api/openapi.json needs a login."""
from __future__ import annotations

import json

from security.helpers import ADMIN_PW, ADMIN_TOKEN, VIEWER_PW, VIEWER_TOKEN, bearer, build_site, logged_in, sha

DOWN_DB = "postgresql+psycopg://bi-mat-user@127.0.0.1:1/kho-bi-mat"


class Away:
    async def get(self):
        return None


def test_anonymous_sees_only_the_verdict(site):
    site.app.state.temporal = Away()
    answer = site.client().get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "degraded", "database": {"ok": True}, "temporal": {"ok": False},
                             "worker": {"ok": False}}
    viewer = logged_in(site, "xem", VIEWER_PW)       # a viewer's session is no better
    assert "detail" not in viewer.get("/healthz").text


def test_details_for_an_admin_session_or_a_bearer_token(site):
    site.app.state.temporal = Away()
    admin = logged_in(site, "quantri", ADMIN_PW)
    for client, headers in ((admin, {}), (site.client(), bearer(ADMIN_TOKEN)), (site.client(), bearer(VIEWER_TOKEN))):
        body = client.get("/healthz", headers=headers).json()
        assert body["status"] == "degraded" and body["temporal"] == {"ok": False, "detail": "not connected"}
        assert body["database"] == {"ok": True, "detail": "ok"}


def test_a_broken_database_s_address_and_error_stay_private(tmp_path, monkeypatch):
    users = ({"username": "script", "password_hash": "", "role": "admin", "token_sha256": sha(ADMIN_TOKEN)},)
    down = build_site(tmp_path, DOWN_DB, monkeypatch, users=users)
    down.app.state.temporal = Away()
    answer = down.client().get("/healthz")
    assert answer.status_code == 503 and answer.json()["status"] == "degraded"
    for secret in ("127.0.0.1", "bi-mat", "OperationalError", "psycopg", "detail"):
        assert secret not in answer.text, secret
    answer = down.client().get("/healthz", headers={"cookie": "dondoc_session=anything"})  # store down: no details
    assert "detail" not in answer.text
    detailed = down.client().get("/healthz", headers=bearer(ADMIN_TOKEN)).json()
    assert detailed["database"]["ok"] is False and "OperationalError" in json.dumps(detailed)


def test_openapi_needs_a_login(site):
    anonymous = site.client().get("/api/openapi.json")
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "unauthorized"
    assert "paths" not in anonymous.text
    assert site.client().get("/api/openapi.json", headers=bearer(VIEWER_TOKEN)).json()["openapi"].startswith("3.")
    viewer = logged_in(site, "xem", VIEWER_PW)
    assert "/api/plans/import" in viewer.get("/api/openapi.json").json()["paths"]
