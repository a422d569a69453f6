"""macOS and Windows behaviour, tested on Linux through seams: a platform parameter, an injected clock, a process
whose output encoding is cp1252. The numbers are the items of the macOS and Windows issue."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import finish

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
    finish(qloop, service.stop())  # the refresh the wake started is not left running into the next test


# -- 5 and 6: launch at login on Windows ---------------------------------------------------------------------------


@pytest.fixture
def registry():
    import fake_winreg

    fake_winreg.use_backend(fake_winreg.InMemoryBackend())  # an empty registry for each test
    return fake_winreg


def test_5_the_command_line_launcher_is_never_what_runs_at_login(tmp_path):
    from pdtray.app.autostart import launch_command

    bundle = tmp_path / "pdtray"
    assert launch_command(executable=str(bundle / "pdtray-cli.exe"), frozen=True, platform="win32") == [
        str(bundle / "pdtray.exe")
    ]
    assert launch_command(executable=str(bundle / "pdtray.exe"), frozen=True, platform="win32") == [
        str(bundle / "pdtray.exe")
    ]


def test_6_task_managers_switch_is_what_settings_shows(registry):
    from pdtray.app.autostart import APP_NAME, STARTUP_APPROVED_KEY, RunKey

    run_key = RunKey(registry)
    assert run_key.is_enabled() is False
    run_key.enable([r"C:\pdtray\pdtray.exe"])
    assert run_key.is_enabled() is True
    # switched off in Task Manager's Startup tab: the value stays, StartupApproved says disabled (first byte 3)
    approved = registry.CreateKey(registry.HKEY_CURRENT_USER, STARTUP_APPROVED_KEY)
    registry.SetValueEx(approved, APP_NAME, 0, registry.REG_BINARY, bytes([3] + [0] * 11))
    assert run_key.is_enabled() is False
    run_key.enable([r"C:\pdtray\pdtray.exe"])  # ticking the box in Settings again turns it back on
    assert run_key.is_enabled() is True
    registry.SetValueEx(approved, APP_NAME, 0, registry.REG_BINARY, bytes([2] + [0] * 11))
    assert run_key.is_enabled() is True  # an even first byte: enabled
    run_key.disable()
    assert run_key.is_enabled() is False


# -- 16: the taskbar's colour, not the apps' -------------------------------------------------------------------


def test_16_the_tray_icons_follow_the_taskbars_colour(registry, monkeypatch):
    from pdtray.ui import icons
    from pdtray.ui.windows_taskbar import PERSONALIZE_KEY, taskbar_is_dark

    assert taskbar_is_dark(registry) is None  # Windows said nothing: the app theme decides
    key = registry.CreateKey(registry.HKEY_CURRENT_USER, PERSONALIZE_KEY)
    registry.SetValueEx(key, "AppsUseLightTheme", 0, registry.REG_DWORD, 1)  # light apps ...
    registry.SetValueEx(key, "SystemUsesLightTheme", 0, registry.REG_DWORD, 0)  # ... on a dark taskbar
    assert taskbar_is_dark(registry) is True
    monkeypatch.setitem(sys.modules, "winreg", registry)
    monkeypatch.setattr(icons, "panel_is_dark", lambda: False)  # what Qt's colour scheme (the apps') says
    assert icons.tray_variant("auto", platform="win32") == "dark"
    assert icons.tray_variant("auto", platform="linux") == "light"
    assert icons.tray_variant("light", platform="win32") == "light"  # an explicit choice wins


# -- 10: the incident badge on a high-DPI screen ---------------------------------------------------------------

BADGE_PROBE = """
from PySide6.QtWidgets import QApplication
app = QApplication([])
from pdtray.ui.icons import BADGE_CALM, badged
from PySide6.QtGui import QColor
calm = QColor(BADGE_CALM)
pix = badged("on-call", "light", 3, False).pixmap(32, 32)
img = pix.toImage()
w, h = img.width(), img.height()
def is_badge(c):
    return c.alpha() > 200 and all(abs(a - b) < 12 for a, b in zip(c.getRgb()[:3], calm.getRgb()[:3]))
hits = [(x, y) for y in range(h) for x in range(w) if is_badge(img.pixelColor(x, y))]
xs, ys = [x for x, _ in hits], [y for _, y in hits]
print(pix.devicePixelRatio(), min(xs) / w, max(xs) / w, min(ys) / h, max(ys) / h)
"""


def _badge_box(scale: str) -> list[float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": scale}
    done = subprocess.run([sys.executable, "-c", BADGE_PROBE], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [float(v) for v in done.stdout.split()]


def test_10_the_badge_sits_top_right_at_full_size_at_twice_the_pixels():
    ratio1, *one = _badge_box("1")
    ratio2, *two = _badge_box("2")
    assert (ratio1, ratio2) == (1.0, 2.0)
    # the disc spans the right 62 % of the icon from its top, at either density (within a pixel or two of 32)
    assert one[0] > 0.35 and one[1] > 0.85 and one[2] < 0.1 and one[3] > 0.45
    assert all(abs(a - b) < 0.07 for a, b in zip(one, two, strict=True)), (one, two)


# -- 3 and 17: what the packaging promises -------------------------------------------------------------------------


def test_3_17_the_macos_bundle_and_the_python_range_promise_what_is_true():
    import tomllib

    root = Path(__file__).resolve().parents[1]
    spec = (root / "packaging" / "pdtray.spec").read_text()
    # the .app from the windowed bootloader, for the macOS versions the pinned Qt (6.9+) supports
    assert 'console=sys.platform not in ("win32", "darwin")' in spec
    assert '"LSMinimumSystemVersion": "13.0"' in spec and '"LSUIElement": True' in spec
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    # qasync 0.28 fails on Python 3.14: the range says so rather than promise it works
    assert project["requires-python"] == ">=3.11,<3.14"
    assert project["gui-scripts"] == {"pdtrayw": "pdtray.cli.main:main"}


# -- 1 and 8: notifications that the system would drop ------------------------------------------------------------


def _notice(urgent: bool = True):
    from datetime import UTC, datetime

    from pdtray.app.reminders import OutgoingNotice
    from pdtray.oncall.notice_text import Message
    from pdtray.oncall.reminders import MyShift, Notice, NoticeKind

    start = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    shift = MyShift("PS", "Platform Primary", "PS", start, start + timedelta(hours=8), ())
    reminder = Notice(NoticeKind.REMINDER, shift, start - timedelta(minutes=15), timedelta(minutes=15))
    message = Message("On call in 15 min: Platform Primary", "starts at 15:00")
    return OutgoingNotice(reminder.key, message, "PS", reminder, urgent)


def test_1_macos_outside_an_app_bundle_shows_pdtrays_own_toast(qtbot, qapp):
    from pdtray.ui.notifications import Notifier, native_available
    from pdtray.ui.tray import Tray, TrayMenu

    assert native_available("darwin", "/Users/me/.local/pipx/venvs/pdtray/bin/python") is False
    assert native_available("darwin", "/Applications/pdtray.app/Contents/MacOS/pdtray") is True
    tray = Tray(TrayMenu(), platform="darwin")
    balloons = []
    tray.icon.showMessage = lambda *a: balloons.append(a)  # macOS's balloon goes through the refusing centre
    notifier = Notifier(tray, platform="darwin", executable="/usr/local/bin/python3")
    opened, snoozed = [], []
    notifier.open_requested.connect(opened.append)
    notifier.snooze_requested.connect(snoozed.append)
    notifier.show(_notice())
    [toast] = notifier.toasts
    assert toast.isVisible() and balloons == []
    assert (toast.title.text(), toast.body.text()) == ("On call in 15 min: Platform Primary", "starts at 15:00")
    assert [b.text() for b in toast.buttons] == ["Open", "Snooze 5 min"]
    toast.buttons[0].click()
    assert opened == ["PS"]
    notifier.show(_notice())
    notifier.toasts[-1].buttons[1].click()
    assert len(snoozed) == 1 and snoozed[0].lead == timedelta(minutes=15)


def test_8_a_notifier_that_cannot_be_made_does_not_lose_the_notification(qtbot, qloop, qapp, monkeypatch):
    import desktop_notifier

    from pdtray.ui.notifications import Notifier, app_icon_file
    from pdtray.ui.tray import Tray, TrayMenu

    def broken(*args, **kwargs):
        raise RuntimeError("no notification backend")

    monkeypatch.setattr(desktop_notifier, "DesktopNotifier", broken)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
    tray = Tray(TrayMenu(), platform="linux")
    shown = []
    tray.icon.showMessage = lambda title, body, *rest: shown.append((title, body))
    Notifier(tray, platform="linux").show(_notice())
    qtbot.waitUntil(lambda: bool(shown), timeout=5_000)
    assert shown == [("On call in 15 min: Platform Primary", "starts at 15:00")]
    assert app_icon_file("win32").endswith("pdtray-256.png")  # Windows' toasts take no SVG
    assert app_icon_file("linux").endswith("pdtray.svg")


# -- 3, 4 and 12: the rest of what only macOS or Windows does ---------------------------------------------------


def test_3_a_plain_python_process_on_macos_asks_for_no_dock_icon():
    from pdtray.ui.macos_dock import needs_accessory_policy

    assert needs_accessory_policy("darwin", "/Users/me/.local/pipx/venvs/pdtray/bin/python") is True
    assert needs_accessory_policy("darwin", "/Applications/pdtray.app/Contents/MacOS/pdtray") is False  # LSUIElement
    assert needs_accessory_policy("linux", "/usr/bin/python3") is False


def test_4_a_translocated_app_is_not_registered_to_launch_at_login(tmp_path):
    from pdtray.app.autostart import AutostartError, LaunchAgent

    agent = LaunchAgent(home=tmp_path)
    translocated = "/private/var/folders/xy/T/AppTranslocation/1A2B/d/pdtray.app/Contents/MacOS/pdtray"
    with pytest.raises(AutostartError, match=r"Move pdtray\.app to Applications"):
        agent.enable([translocated])
    assert not agent.is_enabled()
    agent.enable(["/Applications/pdtray.app/Contents/MacOS/pdtray"])
    assert agent.is_enabled()


def test_12_the_second_start_on_windows_hands_the_focus_on():
    from pdtray.ui.windows_focus import allow_any_to_take_focus, focus_handoff

    assert focus_handoff("win32") is allow_any_to_take_focus
    assert focus_handoff("linux") is None and focus_handoff("darwin") is None
