"""Point 9: sessions can be revoked. The cookie carries the user's session_version;
a logout, a password change, a role change and a deactivation raise it, so every
older session (another browser, a stolen cookie) stops working."""
from __future__ import annotations

from dataclasses import replace

from security.helpers import ADMIN_PW, VIEWER_PW, csrf_field, logged_in, login
from store.db import session_scope
from store.models import User
from web.accounts import deactivate, set_role
from web.passwords import hash_password

NEW_PW = "mat-khau-moi-hon-2026"


def version(site, username):
    with session_scope(site.url) as s:
        return s.query(User).filter_by(username=username).one().session_version


def dead(client) -> bool:
    page = client.get("/dashboard", follow_redirects=False)
    api = client.get("/api/me")
    return page.status_code == 303 and page.headers["location"].startswith("/login") and api.status_code == 401


def test_logout_ends_every_session_of_the_user(site):
    office, home = logged_in(site, "quantri", ADMIN_PW), logged_in(site, "quantri", ADMIN_PW, "198.51.100.3")
    stolen = office.cookies.get("dondoc_session")
    before = version(site, "quantri")
    assert office.post("/logout", data={"csrf_token": csrf_field(office.get("/dashboard").text)},
                       follow_redirects=False).status_code == 303
    assert version(site, "quantri") == before + 1
    assert dead(home)                                  # the other browser is out too
    replay = site.client()
    replay.cookies.set("dondoc_session", stolen)       # and the cookie copied before the logout
    assert dead(replay)


def test_password_change_ends_the_other_sessions_not_this_one(site):
    here, there = logged_in(site, "quantri", ADMIN_PW), logged_in(site, "quantri", ADMIN_PW, "198.51.100.4")
    token = csrf_field(here.get("/account/password").text)
    done = here.post("/account/password", data={"csrf_token": token, "current": ADMIN_PW, "new": NEW_PW,
                                                "repeat": NEW_PW}, follow_redirects=False)
    assert done.status_code == 303
    assert dead(there)
    assert here.get("/dashboard", follow_redirects=False).status_code == 200
    assert here.get("/api/me").json()["username"] == "quantri"


def test_role_change_ends_sessions(site):
    client = logged_in(site, "quantri", ADMIN_PW)
    assert client.get("/api/me").json()["role"] == "admin"
    assert set_role(site.url, "quantri", "viewer")
    assert dead(client)
    again = logged_in(site, "quantri", ADMIN_PW)
    assert again.get("/api/me").json()["role"] == "viewer"


def test_deactivation_ends_sessions_and_logins(site):
    client = logged_in(site, "xem", VIEWER_PW)
    assert deactivate(site.url, "xem")
    assert dead(client)
    page = login(site.client(), "xem", VIEWER_PW)
    assert page.status_code == 401 and "không đúng" in page.text


def test_a_cookie_without_a_version_or_with_an_old_one_is_refused(site):
    from web.users import CurrentUser, make_session

    old = make_session(site.settings.session_key, CurrentUser("quantri", "admin", version="-1"))
    client = site.client()
    client.cookies.set("dondoc_session", old)
    assert dead(client)


def test_configured_user_sessions_end_when_the_entry_changes(site):
    users = tuple(site.config.users) + ({"username": "tep", "password_hash": hash_password("mat-khau-tep-2026"),
                                         "role": "admin"},)
    site.app.state.config = replace(site.config, users=users)
    client = logged_in(site, "tep", "mat-khau-tep-2026")
    assert client.get("/api/me").json()["username"] == "tep"
    changed = tuple(u if u["username"] != "tep" else dict(u, role="viewer") for u in users)
    site.app.state.config = replace(site.config, users=changed)
    assert dead(client)
