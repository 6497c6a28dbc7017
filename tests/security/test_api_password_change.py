"""Point 6: the JSON API refuses a session that must still change its one-time
password (403, in Vietnamese, pointing at /account/password); bearer tokens are
unaffected."""
from __future__ import annotations

from security.helpers import ADMIN_TOKEN, add_user, bearer, csrf_field, login

ONE_TIME = "mot-lan-duy-nhat-2026"
OWN = "mat-khau-rieng-moi-2026"


def test_api_refuses_a_session_on_its_one_time_password(site):
    add_user(site.url, "moi", ONE_TIME, "admin", must_change_password=True)
    client = site.client()
    assert login(client, "moi", ONE_TIME).status_code == 303
    for method, path in (("GET", "/api/me"), ("GET", "/api/tasks"), ("GET", "/api/outbox"),
                         ("GET", "/api/openapi.json"), ("POST", "/api/tasks/p/1/cancel")):
        answer = client.request(method, path, json={"reason": "x"} if method == "POST" else None)
        assert answer.status_code == 403, path
        body = answer.json()
        assert body["error"] == "password_change_required" and body["location"] == "/account/password"
        assert "/account/password" in body["message"] and "đổi mật khẩu" in body["message"]
    # Bearer tokens are not sessions: unaffected.
    assert site.client().get("/api/me", headers=bearer(ADMIN_TOKEN)).json()["username"] == "script"
    # Once the password is changed, the same browser may use the API.
    token = csrf_field(client.get("/account/password").text)
    done = client.post("/account/password", data={"csrf_token": token, "current": ONE_TIME, "new": OWN,
                                                  "repeat": OWN}, follow_redirects=False)
    assert done.status_code == 303
    assert client.get("/api/me").json() == {"username": "moi", "role": "admin", "via": "session"}
