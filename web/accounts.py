"""Changes to a database user that end their sessions: a new password, a new role,
deactivation, a logout. Each raises the row's ``session_version``; a session cookie
names the version it was made with (web/users.py), so every older cookie stops
working at once, on every web instance. Blocking: call through a thread.

Users from the configuration file change there: a new ``password_hash`` or ``role``
in the file ends their sessions the same way (their version is a digest of the entry).
"""
from __future__ import annotations

from web.passwords import hash_password, verify_password

MIN_PASSWORD_LEN = 10


def _user_row(session, username: str):
    from sqlalchemy import select

    from store.models import User

    return session.scalar(select(User).where(User.username == username))


def end_sessions(database_url: str, username: str) -> int | None:
    """Raise the user's session_version: the new version, or None for no such row."""
    from store.db import session_scope

    with session_scope(database_url) as session:
        user = _user_row(session, username)
        if user is None:
            return None
        user.session_version = (user.session_version or 0) + 1
        return user.session_version


def session_version(database_url: str, username: str) -> int | None:
    from store.db import session_scope

    with session_scope(database_url) as session:
        user = _user_row(session, username)
        return None if user is None else user.session_version


def change_password(database_url: str, username: str, current: str, new: str, repeat: str) -> str | None:
    """Change a database user's password; None on success, else what is wrong (in Vietnamese).
    Every session of the user ends (the page that asked gets a new one)."""
    from store.db import session_scope

    if len(new) < MIN_PASSWORD_LEN:
        return f"Mật khẩu mới cần ít nhất {MIN_PASSWORD_LEN} ký tự."
    if new != repeat:
        return "Hai lần nhập mật khẩu mới không khớp."
    if new == current:
        return "Mật khẩu mới phải khác mật khẩu hiện tại."
    with session_scope(database_url) as session:
        user = _user_row(session, username)
        if user is None:
            return "Tài khoản này khai báo trong tệp cấu hình; hãy đổi password_hash trong tệp đó."
        if not verify_password(current, user.password_hash):
            return "Mật khẩu hiện tại không đúng."
        user.password_hash = hash_password(new)
        user.must_change_password = False
        user.session_version = (user.session_version or 0) + 1
    return None


def set_role(database_url: str, username: str, role: str) -> bool:
    """Give a database user another role (admin | viewer); their sessions end. False: no such user."""
    from store.db import session_scope

    if role not in ("admin", "viewer"):
        raise ValueError(f"unknown role {role!r}")
    with session_scope(database_url) as session:
        user = _user_row(session, username)
        if user is None:
            return False
        if user.role != role:
            user.role = role
            user.session_version = (user.session_version or 0) + 1
        return True


def deactivate(database_url: str, username: str) -> bool:
    """Stop a database user: no more logins, every session ends. False: no such user."""
    from store.db import session_scope

    with session_scope(database_url) as session:
        user = _user_row(session, username)
        if user is None:
            return False
        user.active = False
        user.session_version = (user.session_version or 0) + 1
        return True
