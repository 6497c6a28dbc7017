"""Who may use the dashboard and the API: the first administrator, logins, signed
session cookies and bearer tokens.

Users come from two places, checked in this order:
  1. the configuration, ``[[users]]`` entries (read-only here; operators edit the file):
        [[users]]
        username = "vanphong"
        password_hash = "scrypt$131072$8$1$<salt b64>$<hash b64>"   # python -m web.users hash
        role = "admin"                     # admin | office (may act) | leader | viewer (read only)
        token_sha256 = "<hex sha256 of an API bearer token>"          # optional, for /api
  2. the ``users`` table (the administrator ``./dondoc up`` creates on first run).

Password hashes are in web/passwords.py; changes that end sessions in web/accounts.py;
the login back-off in web/throttle.py.

Sessions are a cookie signed with the settings' ``session_key`` (itsdangerous, timed).
The cookie names the user's session version; each request checks it against the
store (the row's ``session_version``; for a configured user, a digest of its entry),
so a logout, a new password, a new role or a deactivation ends every older session.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import sys
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from web.accounts import ACTING_ROLES, ROLES
from web.accounts import MIN_PASSWORD_LEN, change_password  # noqa: F401 (the pages' and tests' names)
from web.passwords import SCRYPT_N, SCRYPT_P, SCRYPT_R, check, hash_password, needs_rehash  # noqa: F401
from web.passwords import verify_password  # noqa: F401

SESSION_COOKIE = "dondoc_session"
SESSION_MAX_AGE_S = 12 * 3600  # one working day and then some


@dataclass(frozen=True)
class CurrentUser:
    username: str
    role: str
    csrf: str = ""      # the session's CSRF secret ("" for bearer-token callers)
    via: str = "session"  # session | token
    must_change: bool = False  # logged in with the one-time password: change it first
    version: str = ""   # the session version this user's sessions must carry

    @property
    def can_act(self) -> bool:
        return self.role in ACTING_ROLES

    @property
    def can_manage_accounts(self) -> bool:
        return self.role == "admin"


# -- who exists --------------------------------------------------------------
def _config_users(config) -> list[dict]:
    return [u for u in getattr(config, "users", ()) or () if isinstance(u, dict) and u.get("username")]


def _config_entry(config, username: str) -> dict | None:
    return next((u for u in _config_users(config) if u["username"] == username), None)


def config_version(entry: dict) -> str:
    """A configured user's session version: changes when the entry's hash, role or token does."""
    fields = "|".join(str(entry.get(k, "")) for k in ("password_hash", "role", "token_sha256"))
    return "c" + hashlib.sha256(fields.encode()).hexdigest()[:16]


def _db_user(database_url: str, username: str):
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import User

    with session_scope(database_url) as session:
        return session.scalar(select(User).where(User.username == username))


def authenticate(database_url: str, config, username: str, password: str) -> CurrentUser | None:
    """The user these credentials name, or None. Exactly one password check either way
    (an unknown name is checked against a dummy hash), so the time says nothing."""
    username = (username or "").strip()
    entry = _config_entry(config, username) if username else None
    if entry is not None:
        ok = check(password, str(entry.get("password_hash", "")))
        return CurrentUser(username, _role(entry.get("role")), version=config_version(entry)) if ok else None
    user = _db_user(database_url, username) if username else None
    if not check(password, user.password_hash if user is not None else ""):
        return None
    if not user.active:
        return None
    if needs_rehash(user.password_hash):
        _rehash(database_url, user.id, user.password_hash, password)
    return CurrentUser(user.username, _role(user.role), must_change=bool(user.must_change_password),
                       version=str(user.session_version))


def _rehash(database_url: str, user_id: int, old_hash: str, password: str) -> None:
    """Today's parameters for a hash made with older ones (unless it changed meanwhile)."""
    from sqlalchemy import update

    from store.db import session_scope
    from store.models import User

    with session_scope(database_url) as session:
        session.execute(update(User).where(User.id == user_id, User.password_hash == old_hash)
                        .values(password_hash=hash_password(password))
                        .execution_options(synchronize_session=False))


def _role(value) -> str:
    return value if value in ROLES else "viewer"


def user_for_token(config, token: str) -> CurrentUser | None:
    """The configured user whose ``token_sha256`` is the hash of this bearer token."""
    if not token:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    for entry in _config_users(config):
        want = str(entry.get("token_sha256", "")).lower()
        if want and hmac.compare_digest(want, digest):
            return CurrentUser(entry["username"], _role(entry.get("role")), via="token")
    return None


def ensure_admin(database_url: str, config) -> str | None:
    """On first run (no user anywhere) create ``admin`` with a random one-time password
    and return it so ``./dondoc up`` can print it; otherwise None."""
    from sqlalchemy import func, select

    from store.db import session_scope
    from store.models import User

    if _config_users(config):
        return None
    with session_scope(database_url) as session:
        if session.scalar(select(func.count()).select_from(User)):
            return None
        password = secrets.token_urlsafe(12)
        session.add(User(username="admin", password_hash=hash_password(password), role="admin",
                         must_change_password=True))
    return password


# -- sessions ----------------------------------------------------------------
def _serializer(key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt="dondoc.session.v2")


def make_session(key: str, user: CurrentUser) -> str:
    # A fresh CSRF secret per login: a token stolen from an old session is worthless.
    data = {"u": user.username, "r": user.role, "x": secrets.token_urlsafe(16), "v": user.version}
    if user.must_change:
        data["m"] = 1
    return _serializer(key).dumps(data)


def read_session(key: str, cookie: str | None) -> dict | None:
    """The signed, unexpired content of a session cookie (not yet checked against the store)."""
    if not cookie:
        return None
    try:
        data = _serializer(key).loads(cookie, max_age=SESSION_MAX_AGE_S)
        return data if isinstance(data, dict) and {"u", "x", "v"} <= set(data) else None
    except (BadSignature, SignatureExpired):
        return None


def session_user(database_url: str, config, data: dict) -> CurrentUser | None:
    """The user of a session whose version is still the user's own; None once it was ended."""
    username, version, csrf = str(data["u"]), str(data["v"]), str(data["x"])
    entry = _config_entry(config, username)
    if entry is not None:
        if not hmac.compare_digest(version, config_version(entry)):
            return None
        return CurrentUser(username, _role(entry.get("role")), csrf=csrf, version=version)
    user = _db_user(database_url, username)
    if user is None or not user.active or not hmac.compare_digest(version, str(user.session_version)):
        return None
    return CurrentUser(user.username, _role(user.role), csrf=csrf, must_change=bool(user.must_change_password),
                       version=version)


async def current_user(request) -> CurrentUser | None:
    """The caller of a request: a bearer token (API clients) or the session cookie."""
    settings, config = request.app.state.settings, request.app.state.config
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return user_for_token(config, auth[7:].strip())
    data = read_session(settings.session_key, request.cookies.get(SESSION_COOKIE))
    if data is None:
        return None
    return await asyncio.to_thread(session_user, settings.database_url, config, data)


def _main(argv: list[str]) -> int:
    """``python -m web.users hash`` prints a password hash for a [[users]] entry;
    ``python -m web.users token`` prints a new API token and its token_sha256;
    ``role NAME ROLE`` and ``deactivate NAME`` change a database user (their sessions end)."""
    import getpass

    if argv[:1] == ["hash"]:
        print(hash_password(getpass.getpass("Mật khẩu: ")))
        return 0
    if argv[:1] == ["token"]:
        token = secrets.token_urlsafe(32)
        print(f"token        = {token}\ntoken_sha256 = {hashlib.sha256(token.encode()).hexdigest()}")
        return 0
    if argv[:1] == ["role"] and len(argv) == 3 and argv[2] in ROLES:
        return _change_user(argv)
    if argv[:1] == ["deactivate"] and len(argv) == 2:
        return _change_user(argv)
    print("usage: python -m web.users (hash | token | role NAME admin|office|leader|viewer | deactivate NAME)",
          file=sys.stderr)
    return 2


def _change_user(argv: list[str]) -> int:
    from config.settings import load_settings
    from web.accounts import deactivate, set_role

    url = load_settings().database_url
    found = set_role(url, argv[1], argv[2]) if argv[0] == "role" else deactivate(url, argv[1])
    print("Đã cập nhật; các phiên đăng nhập cũ của tài khoản này đã kết thúc." if found
          else f"Không có tài khoản «{argv[1]}» trong cơ sở dữ liệu.", file=sys.stdout if found else sys.stderr)
    return 0 if found else 1


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
