"""The log: a rotating file for the tray app, and no token in it however it is logged."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from pdtray.app import log
from pdtray.app.secrets import TOKEN_ENV, load_token

TOKEN = "u+Zx3kQ9vB7mW2pLr5tY"  # the shape of a PagerDuty REST API key: 20 characters


def test_remembered_secrets_and_credential_shapes_are_redacted():
    log.remember_secret(TOKEN)
    assert log.redact(f"refresh failed for {TOKEN}!") == "refresh failed for [redacted]!"
    # values pdtray never loaded, recognised by their shape
    assert log.redact("headers: {'Authorization': 'Token token=abcdefgh12345678'}") == (
        "headers: {'Authorization': '[redacted]'}"
    )
    assert log.redact("Token token=zzzzzzzz9999") == "Token token=[redacted]"
    assert log.redact('{"routing_key": "R0123456789abcdef0123456789abcdef", "event_action": "trigger"}') == (
        '{"routing_key": "[redacted]", "event_action": "trigger"}'
    )


def test_short_values_are_not_treated_as_secrets():
    log.remember_secret("on")  # "on" would otherwise vanish from "on call"
    assert log.redact("on call") == "on call"


def test_loading_the_token_from_the_environment_remembers_it(monkeypatch):
    other = "e" * 8 + "Token-From-Env"
    monkeypatch.setenv(TOKEN_ENV, other)
    load_token()
    assert other not in log.redact(f"x {other} y")


def test_tray_log_file_has_no_token_in_messages_or_tracebacks():
    path = log.setup(None, to_file=True)
    assert path == Path(os.environ["PDTRAY_LOG_DIR"]) / "pdtray.log"
    log.remember_secret(TOKEN)
    logger = logging.getLogger("pdtray.test")
    logger.warning("request with %s failed", TOKEN)
    logger.debug("not written at the default level")
    try:
        raise RuntimeError(f"bad token {TOKEN}")
    except RuntimeError:
        logger.exception("refresh crashed")
    sys.excepthook(ValueError, ValueError(f"uncaught {TOKEN}"), None)
    text = path.read_text()
    assert TOKEN not in text
    assert "request with [redacted] failed" in text
    assert "RuntimeError: bad token [redacted]" in text
    assert "uncaught exception" in text and "ValueError: uncaught [redacted]" in text
    assert "not written at the default level" not in text
    assert "pdtray 0.1.0, Python" in text.splitlines()[0]


def test_held_records_reach_the_file_first_and_redacted_once_it_opens():
    path = log.setup(None, to_file=True, hold=True)
    assert path == Path(os.environ["PDTRAY_LOG_DIR"]) / "pdtray.log"
    path.unlink(missing_ok=True)
    log.remember_secret(TOKEN)
    logging.getLogger("pdtray.test").warning("before the icon, with %s", TOKEN)
    logging.getLogger("pdtray.test").debug("not written at the default level")
    assert not path.exists()  # nothing opened yet
    assert log.open_file() == path
    logging.getLogger("pdtray.test").warning("after the icon")
    lines = path.read_text().splitlines()
    assert "pdtray 0.1.0, Python" in lines[0]
    assert lines[1].endswith("WARNING pdtray.test: before the icon, with [redacted]")
    assert lines[2].endswith("WARNING pdtray.test: after the icon") and len(lines) == 3
    assert log.open_file() is None  # once only: a second call changes nothing
    logging.getLogger("pdtray.test").warning("once")
    assert path.read_text().count("once") == 1


def test_log_level_debug_reaches_the_file():
    path = log.setup("debug", to_file=True)
    logging.getLogger("pdtray.test").debug("details")
    assert " DEBUG pdtray.test: details" in path.read_text()


def test_the_file_rotates_and_keeps_three_old_ones(monkeypatch):
    monkeypatch.setattr(log, "MAX_BYTES", 2_000)
    path = log.setup(None, to_file=True)
    for i in range(200):
        logging.getLogger("pdtray.test").info("line %d %s", i, "x" * 50)
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["pdtray.log", "pdtray.log.1", "pdtray.log.2", "pdtray.log.3"]
    assert all(p.stat().st_size <= 2_000 for p in path.parent.iterdir())
    assert "line 199" in path.read_text()


def test_unwritable_log_dir_still_starts(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the log dir should be")
    monkeypatch.setenv(log.LOG_DIR_ENV, str(blocker / "log"))
    assert log.setup(None, to_file=True) is None
    assert "cannot write the log file" in capsys.readouterr().err


def test_command_line_debug_log_over_http_shows_requests_not_the_token(demo):
    env = {**os.environ, "PAGERDUTY_TOKEN": demo.token, "PAGERDUTY_API_URL": demo.url}
    result = subprocess.run(
        [sys.executable, "-m", "pdtray", "--log-level", "debug", "oncall"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "DEBUG httpcore" in result.stderr  # the requests are logged...
    assert demo.token not in result.stderr + result.stdout  # ...without the token
    assert not (Path(os.environ["PDTRAY_LOG_DIR"]) / "pdtray.log").exists()  # commands do not write the file
