"""Password hashes: scrypt (memory-hard, in the standard library), PBKDF2-SHA256
accepted too for hashes made by other tools.

The stored text names its parameters, so the cost can rise without breaking old
hashes: ``scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>`` and
``pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>``. A database user whose hash
is not made with today's parameters gets a new one at the next successful login
(web/users.py). An unknown user is checked against DUMMY_HASH, so a login takes
the same time whether the name exists or not.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1   # 128 MiB of memory per hash (128 * r * N bytes)
SCRYPT_MAXMEM = 256 * 1024 * 1024           # hashlib refuses above 32 MiB unless told
SCRYPT_MAX_N = 2**20                        # a hash asking for more is refused, not computed
MAX_PARALLEL_HASHES = 4                     # at most 4 x 128 MiB at once, however many logins arrive
_HASHING = threading.BoundedSemaphore(MAX_PARALLEL_HASHES)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    """The one place the scrypt work is done (tests count the calls)."""
    if n > SCRYPT_MAX_N or p > 16 or 128 * r * n > SCRYPT_MAXMEM // 2:
        raise ValueError("scrypt parameters too large")
    with _HASHING:
        return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=SCRYPT_MAXMEM)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, 32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


# A well-formed hash of nothing anybody knows: checking against it costs what a real check costs.
DUMMY_HASH = f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(bytes(16))}${_b64(bytes(32))}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored``; False for any unknown or broken hash."""
    try:
        scheme, *parts = (stored or "").split("$")
        if scheme == "scrypt":
            n, r, p, salt, want = parts
            got = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p), len(base64.b64decode(want)))
        elif scheme == "pbkdf2_sha256":
            iterations, salt, want = parts
            got = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations),
                                      dklen=len(base64.b64decode(want)))
        else:
            return False
        return hmac.compare_digest(got, base64.b64decode(want))
    except (ValueError, TypeError):
        return False


def usable(stored: str) -> bool:
    """Whether ``stored`` looks like a hash we can check (an empty one never matches)."""
    return (stored or "").split("$", 1)[0] in ("scrypt", "pbkdf2_sha256") and stored.count("$") >= 3


def check(password: str, stored: str) -> bool:
    """verify_password, with the same work done when there is no usable hash to check."""
    if not usable(stored):
        verify_password(password, DUMMY_HASH)
        return False
    return verify_password(password, stored)


def needs_rehash(stored: str) -> bool:
    """True for a hash not made with today's scrypt parameters (an old N=2^14, PBKDF2)."""
    parts = (stored or "").split("$")
    return parts[:4] != ["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P)]
