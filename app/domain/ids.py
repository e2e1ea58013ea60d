"""Identifier and token generation compatible with Better Auth's ``generateId``."""

from __future__ import annotations

import secrets
import string

__all__ = ("ALPHABET", "generate_id")

ALPHABET = string.ascii_letters + string.digits
"""Better Auth draws ids and session tokens from ``[a-zA-Z0-9]``."""


def generate_id(size: int = 32) -> str:
    """A random, URL-safe id of ``size`` characters from ``[a-zA-Z0-9]`` (Better Auth's form)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(size))
