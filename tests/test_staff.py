"""Staff logins: constant work whatever the name, throttling, signed session tokens, TOML lines."""

from __future__ import annotations

import base64
import hashlib
import threading
import tomllib

import pytest
from typer.testing import CliRunner

from shopagent import staff
from shopagent.cli import app
from shopagent.settings import Settings
from shopagent.staff import (
    ITERATIONS,
    LoginGuard,
    LoginRefused,
    LoginThrottled,
    account_entry,
    issue_token,
    read_token,
    role_of,
    staff_from_token,
    toml_entry,
)

PASSWORD = "correct horse"
SECRET = b"s" * 32


@pytest.fixture(scope="module")
def entries() -> dict[str, str]:
    return {"ann": account_entry("agent", PASSWORD), "lena": account_entry("lead", PASSWORD)}


@pytest.fixture
def settings(entries, tmp_path) -> Settings:  # noqa: ANN001
    return Settings(staff_accounts=dict(entries), data_dir=tmp_path)


@pytest.fixture
def pbkdf2_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The iterations of each PBKDF2 call made through shopagent.staff."""
    calls: list[int] = []
    real = hashlib.pbkdf2_hmac

    def counting(name: str, password: bytes, salt: bytes, iterations: int, *args: object) -> bytes:
        calls.append(iterations)
        return real(name, password, salt, iterations, *args)

    monkeypatch.setattr(staff.hashlib, "pbkdf2_hmac", counting)
    return calls


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


# ---------------------------------------------------------------- constant work


def test_role_of_answers_as_before(settings: Settings) -> None:
    assert role_of(settings, "ann", PASSWORD) == "agent" and role_of(settings, "lena", PASSWORD) == "lead"
    assert role_of(settings, "ann", "wrong password") is None
    assert role_of(settings, "nobody", PASSWORD) is None


@pytest.mark.parametrize("case", ["known, right", "known, wrong", "unknown", "no colon", "bad hash",
                                  "bad role", "empty"])
def test_the_same_pbkdf2_work_whatever_the_name(case: str, entries, tmp_path, pbkdf2_calls) -> None:  # noqa: ANN001
    accounts = dict(entries) | {"nocolon": "agent-no-hash", "badhash": "agent:pbkdf2_sha256$x$y",
                                "badrole": "root:" + entries["ann"].split(":", 1)[1], "empty": ""}
    settings = Settings(staff_accounts=accounts, data_dir=tmp_path)
    name, password = {"known, right": ("ann", PASSWORD), "known, wrong": ("ann", "nope nope"),
                      "unknown": ("nobody", PASSWORD), "no colon": ("nocolon", PASSWORD),
                      "bad hash": ("badhash", PASSWORD), "bad role": ("badrole", PASSWORD),
                      "empty": ("empty", PASSWORD)}[case]
    role = role_of(settings, name, password)
    assert (role == "agent") == (case == "known, right")
    assert pbkdf2_calls == [ITERATIONS]


# ---------------------------------------------------------------- throttling


def _fail(guard: LoginGuard, settings: Settings, name: str = "ann", address: str = "10.0.0.1") -> None:
    with pytest.raises(LoginRefused) as info:
        guard.check(settings, name, "wrong password", address)
    assert type(info.value) is LoginRefused and str(info.value) == "wrong name or password"


def test_unknown_name_and_wrong_password_read_the_same(settings: Settings) -> None:
    guard = LoginGuard(now=Clock())
    messages = []
    for name in ("ann", "nobody"):
        with pytest.raises(LoginRefused) as info:
            guard.check(settings, name, "wrong password", "10.0.0.1")
        messages.append((type(info.value), str(info.value)))
    assert messages[0] == messages[1] == (LoginRefused, "wrong name or password")
    assert guard.check(settings, "lena", PASSWORD, "10.0.0.2") == "lead"


def test_throttled_per_name_with_a_doubling_delay(settings: Settings, pbkdf2_calls) -> None:  # noqa: ANN001
    clock = Clock()
    guard = LoginGuard(now=clock)
    for i in range(5):  # from five addresses: the name is what is counted
        _fail(guard, settings, address=f"10.0.0.{i}")
    pbkdf2_calls.clear()
    with pytest.raises(LoginThrottled) as info:
        guard.check(settings, "ann", PASSWORD, "10.9.9.9")  # even the right password waits
    assert info.value.retry_after_s == 30 and str(info.value) == "too many failed logins; try again in 30 s"
    assert isinstance(info.value, LoginRefused) and pbkdf2_calls == []  # the password was not checked
    assert guard.check(settings, "lena", PASSWORD, "10.9.9.9") == "lead"  # other names are not held up
    clock.t += 10
    with pytest.raises(LoginThrottled) as info:
        guard.check(settings, "ann", PASSWORD, "10.9.9.9")
    assert info.value.retry_after_s == 20
    clock.t += 20
    _fail(guard, settings, address="10.0.0.7")  # the sixth failure: 60 s
    with pytest.raises(LoginThrottled) as info:
        guard.check(settings, "ann", PASSWORD, "10.9.9.9")
    assert info.value.retry_after_s == 60
    for expected in (120, 240, 480, 900, 900):
        clock.t += info.value.retry_after_s
        _fail(guard, settings, address="10.0.0.7")
        with pytest.raises(LoginThrottled) as info:
            guard.check(settings, "ann", PASSWORD, "10.9.9.9")
        assert info.value.retry_after_s == expected  # doubling, capped at 15 minutes
    clock.t += 900 + 15 * 60  # quiet for a whole window after the lockout: forgotten
    assert guard.failures(name="ann") == 0
    assert guard.check(settings, "ann", PASSWORD, "10.9.9.9") == "agent"


def test_throttled_per_address(settings: Settings) -> None:
    clock = Clock()
    guard = LoginGuard(now=clock)
    for i in range(5):  # five different names from one address
        _fail(guard, settings, name=f"guess{i}", address="203.0.113.5")
    with pytest.raises(LoginThrottled):
        guard.check(settings, "lena", PASSWORD, "203.0.113.5")
    assert guard.check(settings, "lena", PASSWORD, "198.51.100.1") == "lead"  # another address is fine
    clock.t += 30
    assert guard.check(settings, "lena", PASSWORD, "203.0.113.5") == "lead"


def test_a_success_clears_the_names_failures(settings: Settings) -> None:
    clock = Clock()
    guard = LoginGuard(now=clock)
    for _ in range(4):
        _fail(guard, settings)
    assert guard.failures(name="ann") == 4
    assert guard.check(settings, "ann", PASSWORD, "10.0.0.2") == "agent"
    assert guard.failures(name="ann") == 0
    for _ in range(4):
        _fail(guard, settings, address="10.0.0.3")
    assert guard.check(settings, "ann", PASSWORD, "10.0.0.3") == "agent"  # not locked: the count restarted


def test_failures_are_forgotten_after_the_window(settings: Settings) -> None:
    clock = Clock()
    guard = LoginGuard(now=clock)
    for _ in range(4):
        _fail(guard, settings)
    clock.t += 15 * 60 + 1
    _fail(guard, settings)  # one recent failure, not five
    assert guard.check(settings, "ann", PASSWORD, "10.0.0.1") == "agent"
    for i in range(50):
        _fail(guard, settings, name=f"n{i}", address=f"a{i}")
    clock.t += 15 * 60 + 1
    guard.failures(name="ann")
    with guard._lock:
        guard._forget(clock(), [])
    assert guard._streaks == {}  # state is bounded: nothing older than the window is kept


def test_parallel_guesses_cannot_slip_past_the_count(settings: Settings) -> None:
    guard = LoginGuard(now=Clock())
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            guard.check(settings, "ann", "wrong password", "10.0.0.1")
        except LoginThrottled:
            outcomes.append("throttled")
        except LoginRefused:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused"] * 5 + ["throttled"] * 3


def test_the_number_of_tracked_keys_is_capped(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staff, "MAX_TRACKED", 20)
    monkeypatch.setattr(staff, "role_of", lambda *args: None)  # no PBKDF2: only the bookkeeping
    clock = Clock()
    guard = LoginGuard(now=clock)
    for i in range(100):
        clock.t += 1
        with pytest.raises(LoginRefused):
            guard.check(settings, f"n{i}", "x", f"a{i}")
    assert len(guard._streaks) <= 22 and ("name", "n99") in guard._streaks


# ---------------------------------------------------------------- tokens


def test_token_round_trip_and_expiry(settings: Settings) -> None:
    token = issue_token(SECRET, "lena", "lead", ttl_s=3600, now=1_000_000)
    assert read_token(SECRET, token, now=1_000_000 + 3599) == ("lena", "lead")
    assert read_token(SECRET, token, now=1_000_000 + 3600) is None
    assert staff_from_token(settings, SECRET, issue_token(SECRET, "lena", "lead", ttl_s=60)) == ("lena", "lead")
    assert staff_from_token(settings, SECRET, issue_token(SECRET, "lena", "lead", ttl_s=60, now=0)) is None


def test_tampered_and_malformed_tokens_are_refused() -> None:
    token = issue_token(SECRET, "ann", "agent", ttl_s=3600)
    body, mac = token.split(".")
    forged = base64.urlsafe_b64encode(base64.urlsafe_b64decode(body + "==").replace(b"agent", b"lead")).decode()
    assert read_token(SECRET, f"{forged.rstrip('=')}.{mac}") is None
    assert read_token(b"another secret", token) is None
    flipped = mac[:-2] + ("A" if mac[-2] != "A" else "B") + mac[-1]
    assert read_token(SECRET, f"{body}.{flipped}") is None
    for bad in ("", ".", "abc", "a.b.c", f"{body}.", f".{mac}", "ü.ü", "!!!.???", "x" * 10_000):
        assert read_token(SECRET, bad) is None


def test_a_token_needs_the_role_still_in_the_settings(settings: Settings, tmp_path) -> None:  # noqa: ANN001
    token = issue_token(SECRET, "lena", "lead", ttl_s=3600)
    assert staff_from_token(settings, SECRET, token) == ("lena", "lead")
    demoted = Settings(staff_accounts={"lena": account_entry("agent", PASSWORD)}, data_dir=tmp_path)
    assert staff_from_token(demoted, SECRET, token) is None
    removed = Settings(staff_accounts={}, data_dir=tmp_path)
    assert staff_from_token(removed, SECRET, token) is None


# ---------------------------------------------------------------- TOML


@pytest.mark.parametrize("name", ["ann", "ann_b-2", 'evil"name', "a b", "x\\y", "ünï", "tab\there",
                                  "line\nbreak", "", "a.b", "[x]", 'x = "lead:y"\n[other]'])
def test_toml_entry_parses_back_to_the_same_name(name: str) -> None:
    entry = "agent:pbkdf2_sha256$200000$c2FsdA==$aGFzaA=="
    parsed = tomllib.loads(toml_entry(name, entry))
    assert parsed == {"staff_accounts": {name: entry}}


def test_cli_staff_password_prints_valid_toml() -> None:
    result = CliRunner().invoke(app, ["staff-password", 'evil"name', "--role", "lead"],
                                input="long enough pw\nlong enough pw\n")
    assert result.exit_code == 0, result.output
    toml_text = result.output[result.output.index("[staff_accounts]"):]
    accounts = tomllib.loads(toml_text)["staff_accounts"]
    assert list(accounts) == ['evil"name'] and accounts['evil"name'].startswith("lead:pbkdf2_sha256$")
