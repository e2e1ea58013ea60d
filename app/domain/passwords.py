"""Password hashing in Better Auth's format (``@better-auth/utils`` scrypt), verified both ways.

``saltHex:keyHex`` where the 32-character hex salt string itself (not its bytes) salts
scrypt(N=16384, r=16, p=1, dkLen=64) over the NFKC-normalised password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from functools import lru_cache

__all__ = ("MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "dummy_hash", "hash_password", "verify_password")

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
_N, _R, _P, _DKLEN = 16384, 16, 1, 64
_MAXMEM = 64 * 1024 * 1024  # Python's default 32 MiB is too small for N=16384, r=16


def _derive(password: str, salt: str) -> bytes:
    normalized = unicodedata.normalize("NFKC", password).encode()
    return hashlib.scrypt(normalized, salt=salt.encode(), n=_N, r=_R, p=_P, dklen=_DKLEN, maxmem=_MAXMEM)


def hash_password(password: str, salt: str | None = None) -> str:
    """``saltHex:keyHex``; ``salt`` (32 hex characters) only for reproducible fixtures, random otherwise."""
    salt = salt or secrets.token_hex(16)
    return f"{salt}:{_derive(password, salt).hex()}"


def verify_password(stored: str, password: str) -> bool:
    """Constant-time check of ``password`` against a stored ``saltHex:keyHex``; False if malformed."""
    salt, sep, key_hex = stored.partition(":")
    if not sep or not salt or len(key_hex) != _DKLEN * 2:
        return False
    return hmac.compare_digest(_derive(password, salt).hex(), key_hex.lower())


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to verify against when the account does not exist, so both paths cost one scrypt."""
    return hash_password(secrets.token_urlsafe(16))
