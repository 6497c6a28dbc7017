"""Settings from the environment (12-factor). Secrets live only here, never in files
we commit: the secret key is generated into the data folder when unset.

One secret, two derived keys (HMAC-SHA256 of the secret with a purpose label), so a
session cookie can never pass for a link or the other way round: ``session_key``
signs the dashboard's sessions, ``link_key`` the links in messages. Links signed
with the raw secret before the split are still accepted by the web pages (they try
``link_key`` first, then the raw secret) until they expire."""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

TASK_QUEUE = "dondoc"
MIN_SECRET_KEY_BYTES = 32


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    web_port: int
    public_url: str
    temporal_port: int
    temporal_ui_port: int
    temporal_address: str          # where to connect
    external_temporal: bool        # True when DONDOC_TEMPORAL_ADDRESS is set: start no server
    database_url: str
    config_path: str | None
    log_format: str
    task_queue: str
    namespace: str
    # mTLS to a Temporal cluster elsewhere (DONDOC_TEMPORAL_TLS_*): file paths, "" when unused.
    temporal_tls_ca: str = ""
    temporal_tls_cert: str = ""
    temporal_tls_key: str = ""
    temporal_tls_server_name: str = ""

    @property
    def secret_key(self) -> str:
        return load_secret_key(self.data_dir)

    @property
    def session_key(self) -> str:
        """Signs the dashboard's session cookies (web/users.py)."""
        return derive_key(self.secret_key, "session")

    @property
    def link_key(self) -> str:
        """Signs the links in messages (domain/links.py)."""
        return derive_key(self.secret_key, "link")


def derive_key(secret: str, purpose: str) -> str:
    """A key for one purpose: HMAC-SHA256 of the secret over a purpose label, as hex."""
    return hmac.new(secret.encode(), f"dondoc.key.v1|{purpose}".encode(), hashlib.sha256).hexdigest()


def secret_key_problem(env: dict[str, str] | None = None) -> str | None:
    """Why DONDOC_SECRET_KEY cannot be used (too short to resist guessing), or None."""
    key = (os.environ if env is None else env).get("DONDOC_SECRET_KEY", "")
    size = len(key.encode())
    if key and size < MIN_SECRET_KEY_BYTES:
        return (f"DONDOC_SECRET_KEY quá ngắn ({size} byte): cần ít nhất {MIN_SECRET_KEY_BYTES} byte ngẫu nhiên "
                "để phiên đăng nhập và đường dẫn ký số không bị đoán ra. Tạo khóa mới, ví dụ: "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(48))', "
                "hoặc bỏ biến này để hệ thống tự tạo khóa trong thư mục dữ liệu. Chưa khởi động gì.")
    return None


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} không phải số nguyên (must be an integer)")


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("DONDOC_DATA_DIR") or "./data").resolve()
    web_port = _int(env, "DONDOC_WEB_PORT", 8000)
    temporal_port = _int(env, "DONDOC_TEMPORAL_PORT", 7233)
    external = bool(env.get("DONDOC_TEMPORAL_ADDRESS"))
    return Settings(
        data_dir=data_dir,
        web_port=web_port,
        public_url=(env.get("DONDOC_PUBLIC_URL") or f"http://127.0.0.1:{web_port}").rstrip("/"),
        temporal_port=temporal_port,
        temporal_ui_port=_int(env, "DONDOC_TEMPORAL_UI_PORT", 8233),
        temporal_address=env.get("DONDOC_TEMPORAL_ADDRESS") or f"127.0.0.1:{temporal_port}",
        external_temporal=external,
        database_url=env.get("DONDOC_DATABASE_URL") or f"sqlite:///{data_dir / 'dondoc.sqlite3'}",
        config_path=env.get("DONDOC_CONFIG") or None,
        log_format=env.get("DONDOC_LOG_FORMAT", "console"),
        task_queue=env.get("DONDOC_TASK_QUEUE", TASK_QUEUE),
        namespace=env.get("DONDOC_TEMPORAL_NAMESPACE", "default"),
        temporal_tls_ca=env.get("DONDOC_TEMPORAL_TLS_CA", ""),
        temporal_tls_cert=env.get("DONDOC_TEMPORAL_TLS_CERT", ""),
        temporal_tls_key=env.get("DONDOC_TEMPORAL_TLS_KEY", ""),
        temporal_tls_server_name=env.get("DONDOC_TEMPORAL_TLS_SERVER_NAME", ""),
    )


def load_secret_key(data_dir: Path) -> str:
    """DONDOC_SECRET_KEY, else a key generated once into the data folder (mode 0600)."""
    key = os.environ.get("DONDOC_SECRET_KEY")
    if key:
        return key
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)  # 64 characters: well over MIN_SECRET_KEY_BYTES
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
