"""Who may use the dashboard and the API: password hashes, the first administrator,
signed session cookies and bearer tokens.

Users come from two places, checked in this order:
  1. the configuration, ``[[users]]`` entries (read-only here; operators edit the file):
        [[users]]
        username = "vanphong"
        password_hash = "scrypt$16384$8$1$<salt b64>$<hash b64>"   # python -m web.users hash
        role = "admin"                     # admin (may act) | viewer (reads only)
        token_sha256 = "<hex sha256 of an API bearer token>"          # optional, for /api
  2. the ``users`` table (the administrator ``./dondoc up`` creates on first run).

No new dependency: hashlib.scrypt (memory-hard), PBKDF2-SHA256 accepted too for
hashes made by other tools (``pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>``).

Sessions are a cookie signed with the settings' secret key (itsdangerous, timed),
so no middleware and no server-side store are needed: any web instance can read
it, and the session ends when it expires or the user logs out.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import sys
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SESSION_COOKIE = "dondoc_session"
SESSION_MAX_AGE_S = 12 * 3600  # one working day and then some
ROLES = ("admin", "viewer")


@dataclass(frozen=True)
class CurrentUser:
    username: str
    role: str
    csrf: str = ""      # the session's CSRF secret ("" for bearer-token callers)
    via: str = "session"  # session | token
    must_change: bool = False  # logged in with the one-time password: change it first

    @property
    def can_act(self) -> bool:
        return self.role == "admin"


# -- passwords ---------------------------------------------------------------
def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored``; False for any unknown or broken hash."""
    try:
        scheme, *parts = (stored or "").split("$")
        if scheme == "scrypt":
            n, r, p, salt, want = parts
            got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                                 p=int(p), dklen=len(base64.b64decode(want)), maxmem=2**26)
        elif scheme == "pbkdf2_sha256":
            iterations, salt, want = parts
            got = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations),
                                      dklen=len(base64.b64decode(want)))
        else:
            return False
        return hmac.compare_digest(got, base64.b64decode(want))
    except (ValueError, TypeError):
        return False


# -- who exists --------------------------------------------------------------
def _config_users(config) -> list[dict]:
    return [u for u in getattr(config, "users", ()) or () if isinstance(u, dict) and u.get("username")]


def _db_user(database_url: str, username: str):
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import User

    with session_scope(database_url) as session:
        return session.scalar(select(User).where(User.username == username))


def authenticate(database_url: str, config, username: str, password: str) -> CurrentUser | None:
    username = (username or "").strip()
    for entry in _config_users(config):
        if entry["username"] == username:
            ok = verify_password(password, str(entry.get("password_hash", "")))
            return CurrentUser(username, _role(entry.get("role"))) if ok else None
    user = _db_user(database_url, username) if username else None
    if user is not None and verify_password(password, user.password_hash):
        return CurrentUser(user.username, _role(user.role), must_change=bool(user.must_change_password))
    return None


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
def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="dondoc.session.v1")


def make_session(secret: str, user: CurrentUser) -> str:
    # A fresh CSRF secret per login: a token stolen from an old session is worthless.
    data = {"u": user.username, "r": user.role, "x": secrets.token_urlsafe(16)}
    if user.must_change:
        data["m"] = 1
    return _serializer(secret).dumps(data)


def read_session(secret: str, cookie: str | None) -> CurrentUser | None:
    if not cookie:
        return None
    try:
        data = _serializer(secret).loads(cookie, max_age=SESSION_MAX_AGE_S)
        return CurrentUser(str(data["u"]), _role(data.get("r")), csrf=str(data["x"]), must_change=bool(data.get("m")))
    except (BadSignature, SignatureExpired, KeyError, TypeError):
        return None


def current_user(request) -> CurrentUser | None:
    """The caller of a request: a bearer token (API clients) or the session cookie."""
    settings, config = request.app.state.settings, request.app.state.config
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return user_for_token(config, auth[7:].strip())
    return read_session(settings.secret_key, request.cookies.get(SESSION_COOKIE))


def _main(argv: list[str]) -> int:
    """``python -m web.users hash`` prints a password hash for a [[users]] entry;
    ``python -m web.users token`` prints a new API token and its token_sha256."""
    import getpass

    if argv[:1] == ["hash"]:
        print(hash_password(getpass.getpass("Mật khẩu: ")))
        return 0
    if argv[:1] == ["token"]:
        token = secrets.token_urlsafe(32)
        print(f"token        = {token}\ntoken_sha256 = {hashlib.sha256(token.encode()).hexdigest()}")
        return 0
    print("usage: python -m web.users (hash | token)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))


MIN_PASSWORD_LEN = 10


def change_password(database_url: str, username: str, current: str, new: str, repeat: str) -> str | None:
    """Change a database user's password; None on success, else what is wrong (in Vietnamese).
    Users from the configuration file change theirs in the file (a new password_hash)."""
    from store.db import session_scope
    from store.models import User
    from sqlalchemy import select

    if len(new) < MIN_PASSWORD_LEN:
        return f"Mật khẩu mới cần ít nhất {MIN_PASSWORD_LEN} ký tự."
    if new != repeat:
        return "Hai lần nhập mật khẩu mới không khớp."
    if new == current:
        return "Mật khẩu mới phải khác mật khẩu hiện tại."
    with session_scope(database_url) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            return "Tài khoản này khai báo trong tệp cấu hình; hãy đổi password_hash trong tệp đó."
        if not verify_password(current, user.password_hash):
            return "Mật khẩu hiện tại không đúng."
        user.password_hash = hash_password(new)
        user.must_change_password = False
    return None
