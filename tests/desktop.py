"""Real desktop pieces for end-to-end tests: Xvfb, an XEmbed tray host, a private D-Bus session, a Secret Service.

Each is a real program from Debian started by the test and stopped after it. Where one is missing the test is
skipped, except under PDTRAY_REQUIRE_DESKTOP=1 (set by .ci/run), where it fails: CI must not pass by skipping.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRE_ENV = "PDTRAY_REQUIRE_DESKTOP"


def need(*programs: str) -> None:
    missing = [p for p in programs if shutil.which(p) is None]
    if not missing:
        return
    message = f"this test needs {', '.join(missing)} (.ci/run lists the Debian packages that provide them)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(message + f"; {REQUIRE_ENV}=1 makes this a failure")
    pytest.skip(message)


def wait_for(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.1) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def stop(process: subprocess.Popen[bytes]) -> int | None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    return process.returncode


@contextlib.contextmanager
def xvfb(width: int = 1280, height: int = 800) -> Iterator[str]:
    """A fresh X server; yields its DISPLAY (":N"), chosen by Xvfb itself so parallel runs do not clash."""
    need("Xvfb")
    read, write = os.pipe()
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        stop(process)
        raise AssertionError("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        stop(process)


@dataclass
class Window:
    id: str
    name: str
    x: int
    y: int
    width: int
    height: int

    @property
    def centre(self) -> tuple[int, int]:
        return self.x + self.width // 2, self.y + self.height // 2


_TREE_LINE = re.compile(
    r'^(\s*)(0x[0-9a-f]+) (?:"([^"]*)"|\(has no name\)).*?(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)'
)


def window_tree(display: str) -> list[tuple[int, Window]]:
    """(depth, window) for every window, with absolute positions, from xwininfo.

    xwininfo gives up (BadWindow, exit 1) when a window goes away while it walks the tree, as a starting or
    closing app's windows do; it is asked again, a few times, before that counts as a failure."""
    for attempt in range(5):
        done = subprocess.run(
            ["xwininfo", "-root", "-tree"], env={**os.environ, "DISPLAY": display}, capture_output=True, text=True
        )
        if done.returncode == 0:
            break
        if attempt == 4:
            raise AssertionError(f"xwininfo failed five times in a row: {done.stderr.strip()[-500:]}")
        time.sleep(0.05)
    out = done.stdout
    rows = []
    for line in out.splitlines():
        match = _TREE_LINE.match(line)
        if match:
            indent, wid, name, w, h, x, y = match.groups()
            rows.append((len(indent), Window(wid, name or "", int(x), int(y), int(w), int(h))))
    return rows


def embedded_icons(display: str, host: str = "panel") -> list[Window]:
    """Windows inside the tray host's panel: the embedded icons (one level or two down, wrappers included)."""
    rows = window_tree(display)
    for i, (depth, window) in enumerate(rows):
        if window.name == host:
            inside = []
            for child_depth, child in rows[i + 1 :]:
                if child_depth <= depth:
                    break
                if child.name:
                    inside.append(child)
            return inside
    return []


def xdotool(display: str, *args: str) -> str:
    return subprocess.run(
        ["xdotool", *args], env={**os.environ, "DISPLAY": display}, capture_output=True, text=True, check=False
    ).stdout


def visible_windows(display: str, name: str) -> list[Window]:
    found = []
    for wid in xdotool(display, "search", "--onlyvisible", "--name", name).split():
        geometry = xdotool(display, "getwindowgeometry", "--shell", wid)
        values = dict(line.split("=", 1) for line in geometry.splitlines() if "=" in line)
        if values:
            found.append(
                Window(wid, name, int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"]))
            )
    return found


def screenshot(display: str, path: Path, window: Window | None = None, margin: int = 0) -> Path:
    """A PNG of the whole screen, or of one window's area (with a margin, clipped to the screen)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    command = ["import", "-window", "root"]
    if window is not None:
        x, y = max(0, window.x - margin), max(0, window.y - margin)
        command += ["-crop", f"{window.width + 2 * margin}x{window.height + 2 * margin}+{x}+{y}", "+repage"]
    subprocess.run([*command, str(path)], env={**os.environ, "DISPLAY": display}, check=True, capture_output=True)
    return path


@contextlib.contextmanager
def tray_host(display: str) -> Iterator[subprocess.Popen[bytes]]:
    """trayer, an XEmbed tray host, as a dark top panel. Now and then trayer exits at start (seen about once in
    ten starts on a fresh Xvfb): it is started again, up to three times, and its own words are kept for the
    failure message."""
    need("trayer", "xwininfo")
    command = [
        "trayer", "--edge", "top", "--align", "right", "--widthtype", "request", "--height", "28",
        "--transparent", "false", "--tint", "0x2b2b2b", "--SetDockType", "true", "--SetPartialStrut", "true",
    ]  # fmt: skip
    said = b""
    for _attempt in range(3):
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(
                command, env={**os.environ, "DISPLAY": display}, stdout=subprocess.DEVNULL, stderr=errors
            )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and process.poll() is None:
                if any(w.name == "panel" for _, w in window_tree(display)):
                    break
                time.sleep(0.1)
            if process.poll() is None and any(w.name == "panel" for _, w in window_tree(display)):
                break
            stop(process)
            errors.seek(0)
            said = errors.read()[-2000:]
    else:
        raise AssertionError(f"trayer's panel did not come up in three tries; trayer said: {said!r}")
    try:
        yield process
    finally:
        stop(process)


#: a session bus that starts no services on demand: asking for one that is not running fails at once
BARE_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@contextlib.contextmanager
def dbus_session(*, bare: bool = False) -> Iterator[dict[str, str]]:
    """A private session bus; yields the environment variables that point a child process at it. ``bare``: with
    no service files, so that nothing (a notification daemon, say) is started on demand."""
    need("dbus-daemon")
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as config:
        config.write(BARE_BUS_CONFIG)
    how = [f"--config-file={config.name}"] if bare else ["--session"]
    process = subprocess.Popen(
        ["dbus-daemon", *how, "--nofork", "--print-address=1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdout is not None
    address = process.stdout.readline().decode().strip()
    try:
        yield {"DBUS_SESSION_BUS_ADDRESS": address}
    finally:
        stop(process)
        os.unlink(config.name)


@contextlib.contextmanager
def secret_service(home: Path) -> Iterator[dict[str, str]]:
    """gnome-keyring's Secret Service, unlocked, on a private bus, with a throwaway HOME."""
    need("gnome-keyring-daemon", "dbus-daemon")
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_RUNTIME_DIR": str(home / "run")}
    (home / "run").mkdir(parents=True, exist_ok=True, mode=0o700)
    with dbus_session() as bus:
        env.update(bus)
        daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert daemon.stdin is not None
        daemon.stdin.write(b"throwaway-password")
        daemon.stdin.close()

        def registered() -> bool:
            probe = subprocess.run(
                [
                    "dbus-send",
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            return "boolean true" in probe.stdout

        try:
            wait_for(registered, 15, "gnome-keyring's Secret Service on the bus")
            yield env
        finally:
            stop(daemon)


DUNSTRC = """
[global]
    font = DejaVu Sans 9
    width = 360
    origin = top-right
    offset = 10x40
[urgency_low]
    timeout = 30
[urgency_normal]
    timeout = 30
[urgency_critical]
    timeout = 0
"""


@contextlib.contextmanager
def notification_daemon(display: str, bus: dict[str, str], home: Path) -> Iterator[subprocess.Popen[bytes]]:
    """dunst on the private bus, drawing on the test's X server; waits until it owns the service name."""
    need("dunst", "dbus-send")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dunstrc"
    config.write_text(DUNSTRC)
    env = {**os.environ, **bus, "DISPLAY": display, "HOME": str(home)}
    process = subprocess.Popen(
        ["dunst", "-config", str(config)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )

    def registered() -> bool:
        probe = subprocess.run(
            [
                "dbus-send",
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.Notifications",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        return "boolean true" in probe.stdout

    try:
        wait_for(registered, 15, "dunst on the session bus")
        yield process
    finally:
        stop(process)


@contextlib.contextmanager
def notify_monitor(bus: dict[str, str], log_file: Path) -> Iterator[Callable[[], list[tuple[str, str, str]]]]:
    """Records every Notify call on the bus; yields a function returning (app, title, body) for each so far."""
    need("dbus-monitor")
    out = log_file.open("wb")
    process = subprocess.Popen(
        ["dbus-monitor", "--session", "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"],
        env={**os.environ, **bus},
        stdout=out,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)

    def calls() -> list[tuple[str, str, str]]:
        text = log_file.read_text(errors="replace")
        found = []
        for block in text.split("method call")[1:]:
            if "member=Notify" not in block:
                continue
            strings = re.findall(r'^\s+string "(.*)"$', block, re.MULTILINE)
            if len(strings) >= 4:
                found.append((strings[0], strings[2], strings[3]))
        return found

    try:
        yield calls
    finally:
        stop(process)
        out.close()
