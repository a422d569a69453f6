"""Real desktop pieces for end-to-end tests: Xvfb, an XEmbed tray host, a private D-Bus session, a Secret Service.

Each is a real program from Debian started by the test and stopped after it. Where one is missing the test is
skipped, except under PDTRAY_REQUIRE_DESKTOP=1 (set by .ci/run), where it fails: CI must not pass by skipping.
"""

from __future__ import annotations

import contextlib
import json
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


def redact_links(path: Path) -> int:
    """Paints over every line of a screenshot that holds link-blue text (pdtray shows email addresses and phone
    numbers as links), so that no contact detail is kept in the test output; returns how many rows it covered."""
    raw = subprocess.run(["convert", str(path), "-depth", "8", "rgb:-"], capture_output=True, check=True).stdout
    width = int(subprocess.run(["identify", "-format", "%w", str(path)], capture_output=True, text=True).stdout)
    rows = len(raw) // (width * 3)
    marked = [
        y
        for y in range(rows)
        if any(
            raw[i] < 90 and raw[i + 1] < 90 and raw[i + 2] > 170 for i in range(y * width * 3, (y + 1) * width * 3, 3)
        )
    ]
    if marked:
        spans = []
        for y in marked:
            if spans and y <= spans[-1][1] + 3:
                spans[-1][1] = y
            else:
                spans.append([y, y])
        draws = [f"rectangle 0,{max(0, a - 3)} {width},{b + 3}" for a, b in spans]
        subprocess.run(
            ["convert", str(path), "-fill", "#808080", *(x for d in draws for x in ("-draw", d)), str(path)],
            check=True,
        )
    return len(marked)


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


#: a session bus any user may join: sway refuses to run as root, pdtray (in the test's Python) runs as the tester
SHARED_BUS_CONFIG = BARE_BUS_CONFIG.replace(
    '<policy context="default">', '<policy context="default">\n    <allow user="*"/>'
)


@contextlib.contextmanager
def dbus_session(
    *, bare: bool = False, shared: bool = False, environment: dict[str, str] | None = None
) -> Iterator[dict[str, str]]:
    """A private session bus; yields the environment variables that point a child process at it. ``bare``: with
    no service files, so that nothing (a notification daemon, say) is started on demand; ``shared``: open to
    every user; ``environment``: what services started on demand see (xfconfd reads XDG_CONFIG_HOME)."""
    need("dbus-daemon")
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as config:
        config.write(SHARED_BUS_CONFIG if shared else BARE_BUS_CONFIG)
    how = [f"--config-file={config.name}"] if bare or shared else ["--session"]
    process = subprocess.Popen(
        ["dbus-daemon", *how, "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(environment or {})},
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


# -- StatusNotifierItem: what a panel reads and calls over D-Bus ---------------------------------------------

ITEM = "org.kde.StatusNotifierItem"


def dbus_call(env: dict[str, str], dest: str, path: str, method: str, *args: str) -> str:
    done = subprocess.run(
        ["dbus-send", "--session", "--print-reply", f"--dest={dest}", path, method, *args],
        env=env,
        capture_output=True,
        text=True,
    )
    return done.stdout if done.returncode == 0 else ""


def item_property(env: dict[str, str], item: tuple[str, str], name: str) -> str:
    service, path = item
    return dbus_call(env, service, path, "org.freedesktop.DBus.Properties.Get", f"string:{ITEM}", f"string:{name}")


def registered_item(env: dict[str, str]) -> tuple[str, str] | None:
    out = dbus_call(
        env,
        "org.kde.StatusNotifierWatcher",
        "/StatusNotifierWatcher",
        "org.freedesktop.DBus.Properties.Get",
        "string:org.kde.StatusNotifierWatcher",
        "string:RegisteredStatusNotifierItems",
    )
    found = re.search(r'string "([^"]+)"', out)
    if not found:
        return None
    service, _, path = found.group(1).partition("/")
    return service, "/" + (path or "StatusNotifierItem")


def bus_has(env: dict[str, str], name: str) -> bool:
    return name in dbus_call(env, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames")


def colourful_box(png: Path, top: int, height: int) -> tuple[int, int, int, int] | None:
    """The bounding box (x0, y0, x1, y1) of saturated pixels in a horizontal strip of a screenshot: where a
    panel, which is grey, shows pdtray's amber/red icon. None if there are none."""
    raw = subprocess.run(
        ["convert", str(png), "-crop", f"10000x{height}+0+{top}", "+repage", "-depth", "8", "ppm:-"],
        capture_output=True,
        check=True,
    ).stdout
    _header, rest = raw.split(b"\n", 1)
    while rest.startswith(b"#"):
        rest = rest.split(b"\n", 1)[1]
    dims, rest = rest.split(b"\n", 1)
    _maxval, pixels = rest.split(b"\n", 1)
    width, rows = (int(v) for v in dims.split())
    xs, ys = [], []
    for y in range(rows):
        for x in range(width):
            r, g, b = pixels[(y * width + x) * 3 : (y * width + x) * 3 + 3]
            if max(r, g, b) - min(r, g, b) > 90:
                xs.append(x)
                ys.append(y + top)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


XFCE_PANEL_CONFIG = """<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="length" type="uint" value="100"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="icon-size" type="uint" value="16"/>
      <property name="size" type="uint" value="26"/>
      <property name="plugin-ids" type="array">
        <value type="int" value="1"/><value type="int" value="2"/><value type="int" value="3"/>
        <value type="int" value="4"/>
      </property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="tasklist"/>
    <property name="plugin-2" type="string" value="separator">
      <property name="expand" type="bool" value="true"/>
      <property name="style" type="uint" value="0"/>
    </property>
    <property name="plugin-3" type="string" value="systray">
      <property name="square-icons" type="bool" value="true"/>
    </property>
    <property name="plugin-4" type="string" value="clock"/>
  </property>
</channel>
"""


@contextlib.contextmanager
def xfce_desktop(display: str, home: Path) -> Iterator[dict[str, str]]:
    """Xfce as Debian ships it, cut to a top panel of a task list, the notification area (its systray plugin hosts
    XEmbed and StatusNotifierItem icons) and a clock, with xfwm4 managing windows; on its own session bus.
    Yields the environment for a client of that desktop."""
    need("xfce4-panel", "xfwm4", "dbus-daemon", "dbus-send")
    channel = home / "config" / "xfce4" / "xfconf" / "xfce-perchannel-xml"
    channel.mkdir(parents=True, exist_ok=True)
    (channel / "xfce4-panel.xml").write_text(XFCE_PANEL_CONFIG)
    settings = {"XDG_CONFIG_HOME": str(home / "config"), "HOME": str(home), "DISPLAY": display}
    with dbus_session(environment=settings) as bus:
        env = {**os.environ, **bus, **settings}
        started = []
        try:
            for program in (["xfwm4"], ["xfce4-panel"]):
                started.append(subprocess.Popen(program, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_for(lambda: bus_has(env, "org.kde.StatusNotifierWatcher"), 20, "xfce4-panel's systray on the bus")
            yield {**bus, "DISPLAY": display}
        finally:
            for process in reversed(started):
                stop(process)


WAYBAR_CONFIG = {
    "layer": "top",
    "position": "top",
    "height": 28,
    "modules-left": ["sway/workspaces"],
    "modules-right": ["tray", "clock"],
    "tray": {"icon-size": 22, "spacing": 6},
}


@dataclass
class Sway:
    """A running sway with waybar: ``client_env`` points a Wayland client (pdtray) at it; ``run`` runs a tool
    (swaymsg, grim) as sway's own user."""

    runtime: Path
    client_env: dict[str, str]
    user_prefix: list[str]

    def run(self, *command: str) -> str:
        env = {
            **os.environ,
            "XDG_RUNTIME_DIR": str(self.runtime),
            "WAYLAND_DISPLAY": "wayland-1",
            "SWAYSOCK": str(next(self.runtime.glob("sway-ipc.*.sock"))),
        }
        return subprocess.run(
            [*self.user_prefix, "env", *(f"{k}={v}" for k, v in env.items() if k in SWAY_VARS), *command],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def tree(self) -> dict:
        import json

        return json.loads(self.run("swaymsg", "-t", "get_tree"))

    def windows(self, app_id: str) -> list[dict]:
        """sway's containers for ``app_id``, tiled or floating, with their rect and whether they float."""
        found = []

        def walk(node: dict, floating: bool) -> None:
            if node.get("app_id") == app_id:
                found.append({**node, "is_floating": floating})
            for child in node.get("nodes", []):
                walk(child, floating)
            for child in node.get("floating_nodes", []):
                walk(child, True)

        walk(self.tree(), False)
        return found

    def screenshot(self, path: Path) -> Path:
        shot = self.runtime / "shot.png"
        self.run("grim", str(shot))
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, path)
        return path


SWAY_CONFIG = "xwayland disable\noutput HEADLESS-1 resolution 1280x800\nbar {\n  swaybar_command waybar\n}\n"
SWAY_VARS = ("XDG_RUNTIME_DIR", "WAYLAND_DISPLAY", "SWAYSOCK", "PATH")


@contextlib.contextmanager
def sway_desktop(bus: dict[str, str]) -> Iterator[Sway]:
    """sway on its headless backend with waybar (whose tray module is the StatusNotifierItem host), at 1280x800.
    sway refuses to run as root, so under root it runs as ``nobody`` in a runtime directory of its own; the bus
    must then be a ``shared`` one."""
    need("sway", "waybar", "swaymsg", "grim")
    user_prefix = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
    base = Path(tempfile.mkdtemp(prefix="pdtray-sway-"))
    base.chmod(0o755)
    runtime, config = base / "run", base / "config"
    (config / "sway").mkdir(parents=True)
    (config / "waybar").mkdir(parents=True)
    runtime.mkdir(mode=0o700)
    (config / "sway" / "config").write_text(
        "output HEADLESS-1 resolution 1280x800\nbar {\n  swaybar_command waybar\n}\n"
    )

    (config / "waybar" / "config").write_text(json.dumps(WAYBAR_CONFIG))
    if user_prefix:
        for path in (runtime, config, *config.rglob("*")):
            shutil.chown(path, "nobody")
    env = {
        "XDG_RUNTIME_DIR": str(runtime),
        "XDG_CONFIG_HOME": str(config),
        "HOME": str(config),
        "WLR_BACKENDS": "headless",
        "WLR_LIBINPUT_NO_DEVICES": "1",
        "WLR_RENDERER": "pixman",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        **bus,
    }
    log = (base / "sway.log").open("wb")
    process = subprocess.Popen(
        [*user_prefix, "env", *(f"{k}={v}" for k, v in env.items()), "sway"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: (runtime / "wayland-1").exists() or process.poll() is not None, 20, "sway's socket")
        if process.poll() is not None:
            raise AssertionError(f"sway exited: {(base / 'sway.log').read_text(errors='replace')[-2000:]}")
        wait_for(lambda: bus_has({**os.environ, **bus}, "org.kde.StatusNotifierWatcher"), 20, "waybar's tray")
        client_runtime = base / "client-run"
        client_runtime.mkdir(mode=0o700)
        yield Sway(
            runtime,
            {
                **bus,
                "QT_QPA_PLATFORM": "wayland",
                "WAYLAND_DISPLAY": str(runtime / "wayland-1"),
                "XDG_RUNTIME_DIR": str(client_runtime),
            },
            user_prefix,
        )
    finally:
        stop(process)
        log.close()
        shutil.rmtree(base, ignore_errors=True)
