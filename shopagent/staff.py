"""Staff logins for the copilot: salted PBKDF2 hashes in the settings, each with a role.

An entry is `name = "ROLE:pbkdf2_sha256$ITERATIONS$SALT$HASH"`. Roles: `agent` looks up
customers and drafts replies; `lead` may also start returns.

- `role_of` does the same PBKDF2 work whether or not the name exists, so a name cannot be
  told from its absence by timing.
- `LoginGuard` slows password guessing down: after MAX_FAILURES failed logins in a row for a
  name or for an address (each within WINDOW_S of the last), further attempts are refused
  without checking the password, for a delay that doubles from BASE_DELAY_S per extra
  failure, capped at MAX_DELAY_S. A success clears the name's failures.
- `issue_token` / `read_token` sign the staff cookie (HMAC-SHA256 over name, role and expiry);
  `staff_from_token` also checks that the name still has that role in the settings.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import secrets
import threading
import time
from collections.abc import Callable

from shopagent.settings import Settings

ROLES = ("agent", "lead")
ITERATIONS = 200_000
MAX_FAILURES = 5
WINDOW_S = 15 * 60
BASE_DELAY_S = 30
MAX_DELAY_S = 15 * 60
SWEEP_S = 10
MAX_TRACKED = 10_000  # names and addresses with recent failures; the oldest are forgotten beyond this
MAX_TOKEN_CHARS = 4096
_TOKEN_CONTEXT = b"shopagent-staff-token-v1\x00"
# Work done for an unknown name or a malformed entry: the same PBKDF2 as a real check, then a miss.
_DUMMY_SALT = secrets.token_bytes(16)
_DUMMY_DIGEST = base64.b64encode(secrets.token_bytes(32)).decode()


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


def _parse_entry(entry: str | None) -> tuple[str, bytes, int, str] | None:
    """(role, salt, iterations, digest) of a well-formed entry, else None."""
    if not entry or ":" not in entry:
        return None
    role, stored = entry.split(":", 1)
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != "pbkdf2_sha256" or role not in ROLES:
            return None
        return role, base64.b64decode(salt, validate=True), int(iterations), digest
    except ValueError:
        return None


def role_of(settings: Settings, name: str, password: str) -> str | None:
    """The account's role when the password matches, else None.

    An unknown name or a malformed entry runs the same PBKDF2 work (ITERATIONS) against a dummy
    hash, so the answer takes as long whatever the name.
    """
    parsed = _parse_entry(settings.staff_accounts.get(name))
    if parsed is None:
        candidate = hash_password(password, _DUMMY_SALT, ITERATIONS).split("$")[3]
        hmac.compare_digest(candidate, _DUMMY_DIGEST)
        return None
    role, salt, iterations, digest = parsed
    candidate = hash_password(password, salt, iterations).split("$")[3]
    return role if hmac.compare_digest(candidate.encode(), digest.encode()) else None


def role_named(settings: Settings, name: str | None) -> str | None:
    entry = settings.staff_accounts.get(name or "")
    return entry.split(":", 1)[0] if entry and ":" in entry else None


# ---------------------------------------------------------------- throttling


class LoginRefused(ValueError):
    """A login that did not succeed; the same message for an unknown name and a wrong password."""

    def __init__(self, message: str = "wrong name or password") -> None:
        super().__init__(message)


class LoginThrottled(LoginRefused):
    """Too many failed logins for this name or address; the password was not checked."""

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(f"too many failed logins; try again in {retry_after_s} s")


class _Streak:
    """Failed logins for one name or address: how many in a row, and the latest one's time."""

    __slots__ = ("count", "last")

    def __init__(self) -> None:
        self.count, self.last = 0, -math.inf

    def delay(self) -> float:
        """How long after the latest failure the next attempt must wait."""
        if self.count < MAX_FAILURES:
            return 0.0
        return float(min(BASE_DELAY_S * 2 ** min(self.count - MAX_FAILURES, 16), MAX_DELAY_S))

    def over(self, now: float) -> bool:
        """Quiet for a whole window after the lockout ended: forgotten."""
        return now - self.last >= WINDOW_S + self.delay()


class LoginGuard:
    """Checks staff logins and slows guessing down, per name and per address. Thread-safe.

    Failures count in a row while each comes within WINDOW_S of the end of the previous one's
    lockout; from the MAX_FAILURES-th, the next attempt waits BASE_DELAY_S, doubling with each
    further failure up to MAX_DELAY_S. A name or address quiet for a window after its lockout
    is forgotten, so the state holds only recent failures (and at most MAX_TRACKED keys).
    """

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._streaks: dict[tuple[str, str], _Streak] = {}  # ("name"|"addr", value) -> failures
        self._swept = -math.inf

    def check(self, settings: Settings, name: str, password: str, address: str) -> str:
        """The role on success; LoginThrottled while locked out, LoginRefused on a wrong login."""
        keys = [("name", name), ("addr", address)]
        with self._lock:
            now = self._now()
            self._forget(now, keys)
            wait = max(self._locked_for(key, now) for key in keys)
            if wait > 0:
                raise LoginThrottled(max(1, math.ceil(wait)))
            # Counted as a failure up front, so parallel guesses cannot slip past the count.
            for key in keys:
                streak = self._streaks.setdefault(key, _Streak())
                streak.count, streak.last = streak.count + 1, now
        role = role_of(settings, name, password)  # slow: outside the lock
        if role is None:
            raise LoginRefused()
        with self._lock:
            self._streaks.pop(keys[0], None)  # a success clears the name's failures
            streak = self._streaks.get(keys[1])
            if streak is not None:  # and takes back this attempt's provisional one for the address
                streak.count -= 1
                if streak.count <= 0:
                    del self._streaks[keys[1]]
        return role

    def failures(self, name: str | None = None, address: str | None = None) -> int:
        """Failures counted now for a name (or else an address)."""
        key = ("name", name) if name is not None else ("addr", address or "")
        with self._lock:
            streak = self._streaks.get(key)
            return 0 if streak is None or streak.over(self._now()) else streak.count

    def _locked_for(self, key: tuple[str, str], now: float) -> float:
        streak = self._streaks.get(key)
        if streak is None or not streak.delay():
            return 0.0
        return streak.last + streak.delay() - now

    def _forget(self, now: float, keys: list[tuple[str, str]]) -> None:
        """Drop streaks that are over (all keys every SWEEP_S, these keys always), then the
        keys with the oldest failures beyond MAX_TRACKED."""
        sweep = now - self._swept >= SWEEP_S or len(self._streaks) > MAX_TRACKED
        if sweep:
            self._swept = now
        for key in list(self._streaks) if sweep else [k for k in keys if k in self._streaks]:
            if self._streaks[key].over(now):
                del self._streaks[key]
        if len(self._streaks) > MAX_TRACKED:
            oldest = sorted(self._streaks, key=lambda k: self._streaks[k].last)
            for key in oldest[: len(self._streaks) - MAX_TRACKED]:
                del self._streaks[key]


# ---------------------------------------------------------------- session tokens


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, payload: bytes) -> bytes:
    if not secret:
        raise ValueError("the token secret is empty.")
    return hmac.new(secret, _TOKEN_CONTEXT + payload, hashlib.sha256).digest()


def issue_token(secret: bytes, name: str, role: str, ttl_s: int, now: float | None = None) -> str:
    """A signed token for the staff cookie: `PAYLOAD.MAC`, base64url, valid for ttl_s seconds."""
    if ttl_s <= 0:
        raise ValueError("a token needs a positive lifetime.")
    expires = int((time.time() if now is None else now) + ttl_s)
    payload = json.dumps([name, role, expires], ensure_ascii=True, separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_b64(_mac(secret, payload))}"


def read_token(secret: bytes, token: str, now: float | None = None) -> tuple[str, str] | None:
    """(name, role) from a token issue_token made with this secret; None when expired, tampered or malformed."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        return None
    body, signature = token.split(".")
    try:
        payload, mac = _unb64(body), _unb64(signature)
    except ValueError:  # binascii.Error and non-ASCII text alike
        return None
    if not hmac.compare_digest(mac, _mac(secret, payload)):
        return None
    try:
        name, role, expires = json.loads(payload)
    except ValueError:
        return None
    if not (isinstance(name, str) and isinstance(role, str) and type(expires) is int):
        return None
    if (time.time() if now is None else now) >= expires:
        return None
    return name, role


def staff_from_token(settings: Settings, secret: bytes, token: str, now: float | None = None) -> tuple[str, str] | None:
    """(name, role) from a valid token whose name still has that role in the settings, else None."""
    found = read_token(secret, token, now)
    if found is None or found[1] not in ROLES or role_named(settings, found[0]) != found[1]:
        return None
    return found


# ---------------------------------------------------------------- config lines

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_entry(name: str, entry: str) -> str:
    """The shopagent.toml lines for one login, valid TOML for any name."""
    key = name if _BARE_KEY.fullmatch(name) else _toml_string(name)
    return f"[staff_accounts]\n{key} = {_toml_string(entry)}"
