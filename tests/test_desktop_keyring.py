"""The token in a real Secret Service: gnome-keyring-daemon on a private D-Bus session, used by real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from desktop import secret_service

pytestmark = pytest.mark.desktop


def python(env: dict[str, str], code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_token_round_trip_through_the_secret_service(tmp_path, demo):
    with secret_service(tmp_path / "home") as env:
        env.pop("PAGERDUTY_TOKEN", None)
        env.pop("PYTHON_KEYRING_BACKEND", None)
        env["PDTRAY_CONFIG_DIR"] = str(tmp_path / "config")
        backend = python(env, "import keyring; print(type(keyring.get_keyring()).__module__)")
        assert backend == "keyring.backends.SecretService"
        python(env, f"from pdtray.app.secrets import write_keyring_token; write_keyring_token({demo.token!r})")
        # another process finds it, and so does the command line
        assert (
            python(env, "from pdtray.app.secrets import load_token; t = load_token(); print(t.origin.value)")
            == "keyring"
        )
        cli = subprocess.run(
            [sys.executable, "-m", "pdtray", "next", "--json", "--api-url", demo.url],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert cli.returncode == 0, cli.stderr
        assert json.loads(cli.stdout)["user"]["name"] == "Demo User"
        # not in our files
        for path in (tmp_path / "config").rglob("*"):
            if path.is_file():
                assert demo.token not in path.read_text(errors="replace")
        python(env, "from pdtray.app.secrets import delete_keyring_token; delete_keyring_token()")
        assert python(env, "from pdtray.app.secrets import read_keyring_token; print(read_keyring_token())") == "None"


def test_no_session_bus_means_a_clear_message(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DBUS_SESSION_BUS_ADDRESS", "PAGERDUTY_TOKEN"}}
    env["PDTRAY_CONFIG_DIR"] = str(tmp_path / "config")
    env["HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "pdtray", "oncall"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 3
    assert "PAGERDUTY_TOKEN" in done.stderr
    assert "keyring" in done.stderr
