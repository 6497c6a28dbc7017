"""The ``site`` fixture of the security tests (helpers in helpers.py)."""
from __future__ import annotations

import pytest

from security.helpers import ADMIN_PW, ADMIN_TOKEN, VIEWER_PW, VIEWER_TOKEN, Site, add_user, build_site, sha


@pytest.fixture
def site(tmp_path, db_url, monkeypatch) -> Site:
    """An admin and a viewer in the users table; bearer tokens of both roles in the configuration."""
    users = ({"username": "script", "password_hash": "", "role": "admin", "token_sha256": sha(ADMIN_TOKEN)},
             {"username": "reader", "password_hash": "", "role": "viewer", "token_sha256": sha(VIEWER_TOKEN)})
    found = build_site(tmp_path, db_url, monkeypatch, users=users)
    add_user(db_url, "quantri", ADMIN_PW, "admin")
    add_user(db_url, "xem", VIEWER_PW, "viewer")
    return found
