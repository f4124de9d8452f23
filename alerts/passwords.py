"""Passwords of dashboard accounts, kept only as argon2id hashes: one hasher for the process,
shared by sign-in, the admin page, `jibao user add` and the demo's accounts."""

from __future__ import annotations

from argon2 import PasswordHasher

HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash."""
    return HASHER.hash(password)
