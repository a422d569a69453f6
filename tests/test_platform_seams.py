"""macOS and Windows behaviour, tested on Linux through seams: a platform parameter, an injected clock, a process
whose output encoding is cp1252. The numbers are the items of the macOS and Windows issue."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pdtray.app.awake_clock import awake_clock, unbiased_interrupt_time
from pdtray.oncall import Ref
from pdtray.oncall.models import MyShifts, OnCall, User
from pdtray.oncall.summary import tooltip_text
from pdtray.ui.notifications import balloon_text
from pdtray.ui.single_instance import MAX_SOCKET_PATH, server_name
from pdtray.ui.tray_clicks import CONTEXT, DOUBLE_CLICK, MENU, MIDDLE_CLICK, NOTHING, OPEN, TRIGGER, ClickRouter

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# -- 2 and 11: clicks --------------------------------------------------------------------------------------------


def test_11_a_double_click_opens_the_popup_once():
    clock = Clock()
    router = ClickRouter("win32", double_click_interval=0.5, clock=clock)
    assert router.route(TRIGGER) == OPEN
    clock.now += 0.3
    assert router.route(DOUBLE_CLICK) == NOTHING  # the second half of the same double click
    clock.now += 5
    assert router.route(DOUBLE_CLICK) == OPEN  # a platform that sends DoubleClick alone still opens


def test_2_on_macos_a_right_click_shows_the_menu_and_a_left_click_only_the_popup():
    router = ClickRouter("darwin", clock=Clock())
    assert router.route(TRIGGER) == OPEN
    assert router.route(CONTEXT) == MENU
    linux = ClickRouter("linux", clock=Clock())
    assert linux.route(CONTEXT) == NOTHING  # Qt shows the attached menu itself
    assert linux.route(MIDDLE_CLICK) == OPEN  # a panel's SecondaryActivate


def test_2_11_the_tray_wires_it(qtbot, qapp):
    from PySide6.QtWidgets import QSystemTrayIcon

    from pdtray.ui.tray import Tray, TrayMenu

    reason = QSystemTrayIcon.ActivationReason
    linux = Tray(TrayMenu(), platform="linux")
    opened = []
    linux.activated.connect(lambda: opened.append(1))
    linux.icon.activated.emit(reason.Trigger)
    linux.icon.activated.emit(reason.DoubleClick)
    assert opened == [1] and linux.icon.contextMenu() is linux.menu
    mac = Tray(TrayMenu(), platform="darwin")
    assert mac.icon.contextMenu() is None  # else Cocoa pops the menu on every click
    shown = []
    mac.menu.popup = lambda pos: shown.append(pos)  # where the menu would open: recorded, not shown offscreen
    mac.icon.activated.emit(reason.Context)
    assert len(shown) == 1


# -- 7: Windows' 127-character tooltip ----------------------------------------------------------------------------


def test_7_on_windows_the_tooltip_keeps_my_status_and_incidents_within_127_characters():
    policy = Ref("PEP", "Platform")
    refs = [Ref(f"PS{i}", f"A rather long schedule name number {i}") for i in range(4)]
    alice = User("PA", "Alice Nguyen")
    rows = [OnCall(alice, policy, 1, ref, NOW - timedelta(hours=1), NOW + timedelta(hours=3)) for ref in refs]
    from pdtray.oncall import by_schedule

    me = User("PME", "Demo User")
    mine = MyShifts(me, (), (OnCall(me, policy, 1, refs[0], NOW + timedelta(minutes=10), NOW + timedelta(hours=12)),))
    args = (refs, by_schedule(rows, NOW), mine, NOW, UTC)
    kw = {"updated_at": NOW, "incidents": "2 open incidents assigned to you (1 not acknowledged)"}
    full = tooltip_text(*args, **kw)
    short = tooltip_text(*args, **kw, max_chars=127)
    assert len(full) > 127 and len(short) <= 127
    # what matters most first: my next shift (81 characters) whole, then my incidents in the 45 left (a line
    # break and 44 characters with the ellipsis); no room remains for the schedules or the freshness
    assert short.splitlines() == [
        "Your next shift: A rather long schedule name number 0, today at 14:10 (in 10 min)",
        "2 open incidents assigned to you (1 not ackn…",
    ]


def test_7_balloon_title_and_text_are_cut_with_an_ellipsis_on_windows():
    title, body = balloon_text("T" * 80, "b" * 300, platform="win32")
    assert (len(title), title[-1], len(body), body[-1]) == (63, "…", 255, "…")
    assert balloon_text("T" * 80, "b" * 300, platform="linux") == ("T" * 80, "b" * 300)


# -- 9: a redirected Windows console -------------------------------------------------------------------------------


def test_9_the_command_line_does_not_crash_on_a_cp1252_output(demo, tmp_path):
    hiro = demo.account.user_by_name("Hiro Tanaka")
    hiro.name = "Hiro 田中"  # not in cp1252
    env = {
        **os.environ,
        "PYTHONIOENCODING": "cp1252",
        "PAGERDUTY_API_URL": demo.url,
        "PAGERDUTY_TOKEN": demo.token,
    }
    shifts = demo.account.shift_schedule_by_name("Platform Shifts")
    text = subprocess.run(
        [sys.executable, "-m", "pdtray", "timeline", shifts.id], env=env, capture_output=True, timeout=60
    )
    assert text.returncode == 0, text.stderr
    assert b"Traceback" not in text.stderr and b"?  " in text.stdout  # the \u25b6 marker, replaced
    as_json = subprocess.run(
        [sys.executable, "-m", "pdtray", "oncall", "--json"], env=env, capture_output=True, timeout=60
    )
    assert as_json.returncode == 0, as_json.stderr
    names = {row["user"]["name"] for row in json.loads(as_json.stdout.decode("cp1252"))}
    assert "Hiro 田中" in names  # escaped as \\u7530\\u4e2d in the JSON, whole again when read


# -- 12: macOS socket path length ------------------------------------------------------------------------------


def test_12_a_socket_path_too_long_for_macos_is_shortened(tmp_path, monkeypatch):
    long_tmp = tmp_path / ("T" * 60)
    long_tmp.mkdir()
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(long_tmp))
    monkeypatch.setattr("getpass.getuser", lambda: "a.very.long.user.name.from.active.directory")
    name = server_name(tmp_path / "config", platform="darwin")
    assert len(name.encode()) <= MAX_SOCKET_PATH
    assert "a.very.long.user" not in name  # dropped from the name, not the folder's privacy
    monkeypatch.setenv("TMPDIR", str(tmp_path / ("x" * 120)))
    fallback = Path(server_name(tmp_path / "config", platform="darwin"))
    assert len(str(fallback).encode()) <= MAX_SOCKET_PATH
    assert fallback.parent == Path("/tmp") / f"pdtray-{os.getuid()}"


# -- 13: waking up on Windows --------------------------------------------------------------------------------------


def test_13_windows_uses_the_clock_that_leaves_out_sleep():
    assert awake_clock("win32") is unbiased_interrupt_time
    import time

    assert awake_clock("linux") is time.monotonic and awake_clock("darwin") is time.monotonic


def test_13_a_wake_is_seen_when_the_wall_clock_runs_ahead_of_the_awake_clock(qtbot, qloop, demo, tmp_path):
    from pdtray.app.connection import Connection
    from pdtray.app.refresh import RefreshService
    from pdtray.app.secrets import Token, TokenOrigin
    from pdtray.app.session import Session

    wall, awake = Clock(1_000.0), Clock(50.0)
    session = Session(lambda: Connection(Token(demo.token, TokenOrigin.DEMO), base_url=demo.url))
    service = RefreshService(session, wall_clock=wall, awake=awake)
    jumps = []
    service.clock_jumped.connect(lambda: jumps.append(1))
    wall.now += 10
    awake.now += 10  # ten seconds awake: no wake
    service._check_clock()
    assert jumps == []
    wall.now += 3_600
    awake.now += 10  # an hour passed on the wall, ten seconds awake: the machine slept
    service._check_clock()
    assert jumps == [1]
