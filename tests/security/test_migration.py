"""Migration 0004: the users table gains session_version, active and the failed-login
bookkeeping; existing rows keep working (version 0, active, no failures)."""
from __future__ import annotations

from datetime import datetime, timezone

from alembic import command
from sqlalchemy import inspect, text

from config.loader import DEFAULT_CONFIG, load_config
from store.db import make_engine, session_scope
from store.migrate import alembic_config, upgrade
from store.models import Base, User
from web.passwords import hash_password
from web.users import authenticate


def test_0004_adds_the_columns_and_keeps_existing_users(db_url):
    with make_engine(db_url).begin() as conn:
        Base.metadata.drop_all(conn)
    command.upgrade(alembic_config(db_url), "0003")
    with make_engine(db_url).begin() as conn:
        conn.execute(text("INSERT INTO users (username, password_hash, role, must_change_password, created_at) "
                          "VALUES ('cu', :h, 'admin', :f, :t)"),
                     {"h": hash_password("mat-khau-cu-2026"), "f": False, "t": datetime.now(timezone.utc)})
    upgrade(db_url)
    columns = {c["name"] for c in inspect(make_engine(db_url)).get_columns("users")}
    assert {"session_version", "active", "failed_logins", "last_failed_login_at"} <= columns
    with session_scope(db_url) as s:
        user = s.query(User).filter_by(username="cu").one()
        assert (user.session_version, user.active, user.failed_logins, user.last_failed_login_at) == (0, True, 0, None)
    assert authenticate(db_url, load_config(DEFAULT_CONFIG), "cu", "mat-khau-cu-2026").version == "0"
    command.downgrade(alembic_config(db_url), "0003")
    columns = {c["name"] for c in inspect(make_engine(db_url)).get_columns("users")}
    assert "session_version" not in columns and "password_hash" in columns
