"""The API token: from PAGERDUTY_TOKEN, else the OS keyring. Never written anywhere else.

keyring is imported only when the token is first needed: backend discovery costs ~0.2 s and ~20 MB, and a
command run with PAGERDUTY_TOKEN set never pays it. Keyring failures (no backend, locked collection, D-Bus errors)
become TokenMissingError with a message saying what to do instead; there is no plain-text fallback.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from pdtray.app.log import remember_secret
from pdtray.pagerduty.errors import TokenMissingError

TOKEN_ENV = "PAGERDUTY_TOKEN"
#: how long the UI waits for the OS keyring before it says the keyring does not answer (an unlock prompt left
#: open, a stuck Secret Service); the call itself goes on in its own thread
KEYRING_TIMEOUT = 15.0
KEYRING_SERVICE = "pdtray"
KEYRING_USERNAME = "pagerduty-api-token"
ROUTING_KEY_ENV = "PDTRAY_ROUTING_KEY"
T = TypeVar("T")


class TokenOrigin(StrEnum):
    ENVIRONMENT = "environment"
    KEYRING = "keyring"
    DEMO = "demo"
    #: signed in with PagerDuty (OAuth): ``value`` is the stored sign-in, tokens and all
    OAUTH = "oauth"


@dataclass(frozen=True)
class Token:
    value: str
    origin: TokenOrigin

    def __repr__(self) -> str:  # never show the value, even in a debugger or a log of locals
        return f"Token(origin={self.origin.value!r}, value=<hidden>)"

    __str__ = __repr__


class KeyringUnavailableError(TokenMissingError):
    """No working OS keyring: the UI explains PAGERDUTY_TOKEN instead of storing the token in a file."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        #: what is wrong with the keyring, as a clause ("the OS keyring is locked; ...")
        self.reason = reason


def _keyring_problem(exc: Exception) -> KeyringUnavailableError:
    from keyring import errors

    if isinstance(exc, errors.KeyringLocked):
        what = "the OS keyring is locked; unlock it (for example by logging in to the desktop session)"
    elif isinstance(exc, errors.NoKeyringError):
        what = "no OS keyring is available on this machine (no Secret Service, Keychain or Credential Manager)"
    else:
        what = f"the OS keyring could not be used ({type(exc).__name__})"
    return KeyringUnavailableError(
        f"{what[0].upper()}{what[1:]}. pdtray stores the API token only there; alternatively set the environment "
        f"variable {TOKEN_ENV}.",
        reason=what,
    )


def read_secret(username: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        value = keyring.get_password(KEYRING_SERVICE, username) or None
    except (KeyringError, RuntimeError, OSError) as exc:
        raise _keyring_problem(exc) from None
    remember_secret(value)
    return value


def write_secret(username: str, value: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    remember_secret(value)
    try:
        keyring.set_password(KEYRING_SERVICE, username, value.strip())
    except (KeyringError, RuntimeError, OSError) as exc:
        raise _keyring_problem(exc) from None


def read_keyring_token(prefix: str = "") -> str | None:
    """The API key stored for the first account (``prefix`` ""), or another (see pdtray.app.accounts)."""
    return read_secret(prefix + KEYRING_USERNAME)


def write_keyring_token(token: str, prefix: str = "") -> None:
    write_secret(prefix + KEYRING_USERNAME, token)


def _routing_key_username(service_id: str) -> str:
    return f"routing-key:{service_id}"


def read_routing_key(service_id: str) -> str | None:
    """A service's Events API v2 integration key: PDTRAY_ROUTING_KEY (for scripts), else the keyring."""
    from_env = os.environ.get(ROUTING_KEY_ENV, "").strip()
    if from_env:
        remember_secret(from_env)
        return from_env
    return read_secret(_routing_key_username(service_id))


def stored_routing_key(service_id: str) -> str | None:
    """As read_routing_key, but a missing or locked keyring means "no key": paging then goes through the REST API
    with the token instead of failing."""
    try:
        return read_routing_key(service_id)
    except KeyringUnavailableError:
        return None


def write_routing_key(service_id: str, key: str) -> None:
    """Kept like the token, and for the same reason: anyone holding it can page that service's on-call."""
    write_secret(_routing_key_username(service_id), key)


def delete_keyring_token(prefix: str = "") -> None:
    delete_keyring_entry(prefix + KEYRING_USERNAME)


def delete_keyring_entry(username: str) -> None:
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(KEYRING_SERVICE, username)
    except PasswordDeleteError:
        return
    except (KeyringError, RuntimeError, OSError) as exc:
        raise _keyring_problem(exc) from None


def load_token(prefix: str = "") -> Token:
    """The token to use, or TokenMissingError saying how to provide one. ``prefix`` picks an account other than
    the first (whose entries have none); PAGERDUTY_TOKEN stands for the first account only."""
    from_env = os.environ.get(TOKEN_ENV, "").strip() if not prefix else ""
    if from_env:
        remember_secret(from_env)
        return Token(from_env, TokenOrigin.ENVIRONMENT)
    try:
        stored = read_keyring_token(prefix)
    except KeyringUnavailableError as exc:
        raise KeyringUnavailableError(
            f"No PagerDuty API token: {TOKEN_ENV} is not set, and {exc.reason}. Set {TOKEN_ENV}, or try pdtray "
            "without an account with --demo.",
            reason=exc.reason,
        ) from None
    if stored:
        remember_secret(stored)
        return Token(stored, TokenOrigin.KEYRING)
    from pdtray.app.sign_in import read_sign_in

    signed_in = read_sign_in(prefix)
    if signed_in is not None:
        return Token(signed_in.to_json(), TokenOrigin.OAUTH)
    raise TokenMissingError(
        f"Not signed in: choose Sign in with PagerDuty in pdtray's Settings (or run `pdtray login`), enter an API "
        f"key there (it is kept in the OS keyring), or set {TOKEN_ENV}. To try pdtray without an account, add --demo."
    )


async def off_the_ui_thread(fn: Callable[[], T], *, timeout: float | None = None) -> T:
    """Runs a keyring call (or anything that may read the keyring, such as load_token) in a thread of its own.

    A keyring that does not answer in time becomes KeyringUnavailableError, the same error a locked one gives, so
    callers already handle it: the tray shows the problem and keeps running."""
    from pdtray.app.blocking import CallTimedOutError, call_in_thread

    timeout = KEYRING_TIMEOUT if timeout is None else timeout
    try:
        return await call_in_thread(fn, timeout=timeout, name="pdtray-keyring")
    except CallTimedOutError:
        what = (
            f"the OS keyring did not answer within {timeout:g} s (it may be waiting for you to unlock it, or its "
            "service is stuck)"
        )
        raise KeyringUnavailableError(
            f"{what[0].upper()}{what[1:]}. pdtray will ask again; alternatively set {TOKEN_ENV}.", reason=what
        ) from None
