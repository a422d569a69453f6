"""One instance per user and config dir, over a real local socket (offscreen; the desktop test starts pdtray
twice as real processes)."""

from __future__ import annotations

import socket
import sys
import uuid
from pathlib import Path

import pytest

from pdtray.ui.single_instance import SingleInstance, ask_running_instance, server_name


@pytest.fixture
def name(tmp_path) -> str:
    if sys.platform == "win32":
        return f"pdtray-test-{uuid.uuid4().hex[:10]}"
    return str(tmp_path / "pdtray.sock")


def test_name_depends_on_the_config_dir(tmp_path):
    assert server_name(tmp_path / "a") != server_name(tmp_path / "b")
    assert server_name(tmp_path / "a") == server_name(tmp_path / "a" / ".." / "a")


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes have no path")
def test_socket_lives_in_the_users_runtime_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    path = Path(server_name(tmp_path / "config"))
    assert path.parent == tmp_path / "run" and path.name.startswith("pdtray-") and path.suffix == ".sock"
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    assert Path(server_name(tmp_path / "config")).parent == tmp_path / "tmp"


def test_second_start_asks_the_first_to_open(qtbot, qapp, name):
    first = SingleInstance(name)
    assert first.listen()
    try:
        with qtbot.waitSignal(first.open_requested, timeout=5_000):
            assert SingleInstance(name).listen() is False
    finally:
        first.close()


def test_nothing_listening_means_no_instance(qapp, name):
    assert ask_running_instance(name) is False


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes leave no file behind")
def test_a_socket_left_by_a_crash_does_not_block_starting(qtbot, qapp, name):
    path = Path(name)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))  # bound, never listening, then closed: the file stays, as after a crash
    stale.close()
    assert path.exists()
    first = SingleInstance(name)
    try:
        assert first.listen() is True
        with qtbot.waitSignal(first.open_requested, timeout=5_000):
            assert ask_running_instance(name) is True
    finally:
        first.close()
    assert not path.exists()  # closing the server removes its socket
