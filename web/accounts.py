"""Changes to a database user that end their sessions: a new password, a new role,
deactivation, a logout. Each raises the row's ``session_version``; a session cookie
names the version it was made with (web/users.py), so every older cookie stops
working at once, on every web instance. Blocking: call through a thread.

Users from the configuration file change there: a new ``password_hash`` or ``role``
in the file ends their sessions the same way (their version is a digest of the entry).
"""
from __future__ import annotations

import re
import secrets

from web.passwords import hash_password, verify_password

MIN_PASSWORD_LEN = 10
# admin and office act (import, tasks, people); only admin manages accounts and sees the
# messages' signed links whole; leader and viewer read (a leader approves through signed
# links); a viewer reads no message texts (web/masking.py).
ROLES = ("admin", "office", "leader", "viewer")
ROLE_LABELS = {"admin": "Quản trị", "office": "Văn phòng thường trực", "leader": "Lãnh đạo",
               "viewer": "Chỉ xem"}
ACTING_ROLES = ("admin", "office")
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,99}$")


class AccountError(ValueError):
    """A refusal worded for the person (Vietnamese)."""


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
    """Give a database user another role (one of ROLES); their sessions end. False: no such user."""
    from store.db import session_scope

    if role not in ROLES:
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


def one_time_password() -> str:
    return secrets.token_urlsafe(12)


def create_user(database_url: str, username: str, role: str, taken: tuple = ()) -> str:
    """A new database user with a one-time password (to change at first login, like the
    first administrator's); returns that password. ``taken``: names the configuration uses."""
    from store.db import session_scope
    from store.models import User

    username = (username or "").strip()
    if role not in ROLES:
        raise AccountError(f"Vai trò «{role}» không hợp lệ; chọn một trong: {', '.join(ROLES)}.")
    if not _USERNAME.match(username):
        raise AccountError("Tên đăng nhập cần 2–100 ký tự: chữ không dấu, số, dấu chấm, gạch dưới "
                           "hoặc gạch ngang.")
    password = one_time_password()
    with session_scope(database_url) as session:
        if username in taken or _user_row(session, username) is not None:
            raise AccountError(f"Tài khoản «{username}» đã có.")
        session.add(User(username=username, password_hash=hash_password(password), role=role,
                         must_change_password=True))
    return password


def reset_password(database_url: str, username: str) -> str | None:
    """A new one-time password (returned) for a database user; every session ends. None: no such user."""
    from store.db import session_scope

    password = one_time_password()
    with session_scope(database_url) as session:
        user = _user_row(session, username)
        if user is None:
            return None
        user.password_hash = hash_password(password)
        user.must_change_password = True
        user.session_version = (user.session_version or 0) + 1
    return password


def list_users(database_url: str) -> list[dict]:
    """The database users by name: username, role, role_label, active, must_change_password."""
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import User

    with session_scope(database_url) as session:
        return [{"username": u.username, "role": u.role, "role_label": ROLE_LABELS.get(u.role, u.role),
                 "active": bool(u.active), "must_change_password": bool(u.must_change_password)}
                for u in session.scalars(select(User).order_by(User.username))]
