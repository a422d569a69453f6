"""Launch at login: the Linux entry for real on disk (a temporary XDG_CONFIG_HOME), the macOS and Windows contents
from their plain functions."""

from __future__ import annotations

import plistlib
import subprocess
from pathlib import Path

import pytest
from desktop import need

from pdtray.app import autostart
from pdtray.app.autostart import (
    AutostartError,
    LaunchAgent,
    XdgAutostart,
    desktop_entry,
    exec_line,
    launch_agent_plist,
    launch_command,
    run_key_value,
)


def test_exec_line_leaves_plain_arguments_alone():
    assert exec_line(["/opt/pdtray/bin/python", "-m", "pdtray"]) == "/opt/pdtray/bin/python -m pdtray"


def test_exec_line_quotes_spaces_and_escapes_twice():
    # A space needs quotes. Inside quotes $ and " take a backslash (Exec rules), then every backslash is doubled
    # (string-value rules), so the file holds \\$ and \\".
    assert exec_line(["/home/a b/py"]) == '"/home/a b/py"'
    assert exec_line(["/x$y/py"]) == '"/x\\\\$y/py"'
    assert exec_line(['/say "hi"/py']) == '"/say \\\\"hi\\\\"/py"'
    # A literal backslash is escaped by both levels: four in the file.
    assert exec_line(["C:\\py"]) == '"C:\\\\\\\\py"'
    # % starts a field code; a literal one is doubled, quoted or not.
    assert exec_line(["/100%/py"]) == "/100%%/py"
    assert exec_line(["/100% x/py"]) == '"/100%% x/py"'


def test_desktop_entry_has_the_keys_a_session_reads():
    text = desktop_entry(["/opt/p y/python", "-m", "pdtray"])
    lines = text.splitlines()
    assert lines[0] == "[Desktop Entry]"
    assert "Type=Application" in lines
    assert 'Exec="/opt/p y/python" -m pdtray' in lines
    assert "X-GNOME-Autostart-Delay=5" in lines
    assert "Terminal=false" in lines


def test_desktop_entry_passes_desktop_file_validate(tmp_path):
    need("desktop-file-validate")
    path = tmp_path / "pdtray.desktop"
    path.write_text(desktop_entry(["/home/a b/$venv/bin/python", "-m", "pdtray"]))
    result = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "", result.stdout  # no warnings either


def test_launch_agent_runs_the_command_at_load_and_does_not_respawn():
    plist = plistlib.loads(launch_agent_plist(["/Applications/pdtray.app/Contents/MacOS/pdtray"]))
    assert plist == {
        "Label": "io.github.pdtray",
        "ProgramArguments": ["/Applications/pdtray.app/Contents/MacOS/pdtray"],
        "RunAtLoad": True,
        "KeepAlive": False,
        "ProcessType": "Interactive",
    }


def test_run_key_value_quotes_paths_with_spaces():
    assert run_key_value(["C:\\Program Files\\pdtray\\pdtray.exe"]) == '"C:\\Program Files\\pdtray\\pdtray.exe"'
    assert run_key_value(["C:\\py\\pythonw.exe", "-m", "pdtray"]) == "C:\\py\\pythonw.exe -m pdtray"


def test_launch_command_frozen_runs_the_bundle_itself():
    assert launch_command(executable="/opt/pdtray/pdtray", frozen=True) == ["/opt/pdtray/pdtray"]


def test_launch_command_from_a_virtualenv_uses_its_python():
    assert launch_command(executable="/v/bin/python3", frozen=False, platform="linux") == [
        "/v/bin/python3",
        "-m",
        "pdtray",
    ]


def test_launch_command_on_windows_prefers_pythonw(tmp_path):
    python = tmp_path / "python.exe"
    python.write_bytes(b"")
    (tmp_path / "pythonw.exe").write_bytes(b"")
    assert launch_command(executable=str(python), frozen=False, platform="win32") == [
        str(tmp_path / "pythonw.exe"),
        "-m",
        "pdtray",
    ]


def test_xdg_autostart_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    entry = autostart.autostart_for("linux")
    assert isinstance(entry, XdgAutostart)
    path = tmp_path / "xdg" / "autostart" / "pdtray.desktop"
    assert entry.location() == str(path)
    assert not entry.is_enabled()

    autostart.apply(True, entry, ["/old/python", "-m", "pdtray"])
    assert entry.is_enabled()
    assert "Exec=/old/python -m pdtray\n" in path.read_text()

    # Enabling again rewrites the command: pdtray moved to a new virtualenv.
    autostart.apply(True, entry, ["/new/python", "-m", "pdtray"])
    assert "Exec=/new/python -m pdtray\n" in path.read_text()
    assert sorted(p.name for p in path.parent.iterdir()) == ["pdtray.desktop"]  # no temporary files left

    autostart.apply(False, entry)
    assert not path.exists()
    assert not entry.is_enabled()
    autostart.apply(False, entry)  # already off: nothing to do, no error


def test_relative_xdg_config_home_is_ignored_as_the_spec_says(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert XdgAutostart().location() == str(tmp_path / ".config" / "autostart" / "pdtray.desktop")


def test_launch_agent_on_disk(tmp_path):
    agent = LaunchAgent(home=tmp_path)
    agent.enable(["/Applications/pdtray.app/Contents/MacOS/pdtray"])
    path = tmp_path / "Library" / "LaunchAgents" / "io.github.pdtray.plist"
    assert plistlib.loads(path.read_bytes())["ProgramArguments"] == ["/Applications/pdtray.app/Contents/MacOS/pdtray"]
    agent.disable()
    assert not agent.is_enabled()


def test_unwritable_autostart_dir_says_where(tmp_path):
    blocker = tmp_path / "xdg"
    blocker.write_text("a file where the config dir should be")
    entry = XdgAutostart(config_home=blocker)
    with pytest.raises(AutostartError, match=str(Path(blocker / "autostart" / "pdtray.desktop"))):
        entry.enable(["/p"])
