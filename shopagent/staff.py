"""Staff logins for the copilot: salted PBKDF2 hashes in the settings, each with a role.

An entry is `name = "ROLE:pbkdf2_sha256$ITERATIONS$SALT$HASH"`. Roles: `agent` looks up
customers and drafts replies; `lead` may also start returns.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from shopagent.settings import Settings

ROLES = ("agent", "lead")
ITERATIONS = 200_000


def hash_password(password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def account_entry(role: str, password: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}.")
    if len(password) < 8:
        raise ValueError("use a password of at least 8 characters.")
    return f"{role}:{hash_password(password)}"


def role_of(settings: Settings, name: str, password: str) -> str | None:
    """The account's role when the password matches, else None (same time either way for a known name)."""
    entry = settings.staff_accounts.get(name)
    if not entry or ":" not in entry:
        return None
    role, stored = entry.split(":", 1)
    try:
        _, iterations, salt, digest = stored.split("$")
        candidate = hash_password(password, base64.b64decode(salt), int(iterations)).split("$")[3]
    except ValueError:
        return None
    return role if hmac.compare_digest(candidate, digest) and role in ROLES else None


def role_named(settings: Settings, name: str | None) -> str | None:
    entry = settings.staff_accounts.get(name or "")
    return entry.split(":", 1)[0] if entry and ":" in entry else None
