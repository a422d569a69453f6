"""The token: environment first, then the OS keyring; keyring failures become messages, never a file."""

from __future__ import annotations

import keyring
import pytest
from conftest import MemoryKeyring
from keyring.backends import fail
from keyring.errors import KeyringLocked

from pdtray.app.secrets import (
    KEYRING_SERVICE,
    KEYRING_USERNAME,
    KeyringUnavailableError,
    TokenOrigin,
    delete_keyring_token,
    load_token,
    read_keyring_token,
    write_keyring_token,
)
from pdtray.pagerduty import TokenMissingError


def test_environment_wins_over_keyring(isolated, monkeypatch):
    isolated.set_password(KEYRING_SERVICE, KEYRING_USERNAME, "from-keyring")
    monkeypatch.setenv("PAGERDUTY_TOKEN", " from-env ")
    token = load_token()
    assert (token.value, token.origin) == ("from-env", TokenOrigin.ENVIRONMENT)


def test_keyring_round_trip(isolated, tmp_path):
    write_keyring_token("  abc123  ")
    assert isolated.items == {(KEYRING_SERVICE, KEYRING_USERNAME): "abc123"}
    token = load_token()
    assert (token.value, token.origin) == ("abc123", TokenOrigin.KEYRING)
    delete_keyring_token()
    assert read_keyring_token() is None
    delete_keyring_token()  # deleting what is not there is fine
    with pytest.raises(TokenMissingError, match="Settings"):
        load_token()
    # nothing was written to our files
    assert not any(tmp_path.rglob("*.json"))


def test_token_repr_hides_the_value():
    write_keyring_token("hunter2-token")
    token = load_token()
    assert "hunter2" not in repr(token) and "hunter2" not in str(token) and "hunter2" not in f"{token}"


def test_no_keyring_backend_explains_the_environment_variable():
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(KeyringUnavailableError) as caught:
        load_token()
    assert "PAGERDUTY_TOKEN" in str(caught.value)
    assert "no OS keyring" in str(caught.value)
    with pytest.raises(KeyringUnavailableError):
        write_keyring_token("x")


class LockedKeyring(MemoryKeyring):
    def get_password(self, service, username):
        raise KeyringLocked("collection is locked")

    def set_password(self, service, username, password):
        raise KeyringLocked("collection is locked")


def test_locked_keyring_says_unlock():
    keyring.set_keyring(LockedKeyring())
    with pytest.raises(KeyringUnavailableError, match="locked; unlock it"):
        load_token()
    with pytest.raises(KeyringUnavailableError, match="set the environment variable PAGERDUTY_TOKEN"):
        write_keyring_token("x")
