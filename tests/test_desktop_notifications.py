"""End to end: the 15-minute reminder of the demo shift reaches a real notification daemon (dunst on a private
D-Bus session) as an org.freedesktop.Notifications.Notify call, and does not come again after a restart."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest
from desktop import dbus_session, notification_daemon, notify_monitor, screenshot, stop, wait_for, xvfb

pytestmark = pytest.mark.desktop


def start_pdtray(env: dict[str, str], log_path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "pdtray", "--demo"], env=env, stdout=log_path.open("ab"), stderr=subprocess.STDOUT
    )


def test_reminder_arrives_once_with_schedule_time_and_handover(tmp_path, screenshots_dir):
    with (
        xvfb() as display,
        dbus_session() as bus,
        notification_daemon(display, bus, tmp_path / "home"),
        notify_monitor(bus, tmp_path / "monitor.log") as notify_calls,
    ):
        env = {
            **os.environ,
            **bus,
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "PDTRAY_CONFIG_DIR": str(tmp_path / "config"),
            "PDTRAY_CACHE_DIR": str(tmp_path / "cache"),
        }
        env.pop("PAGERDUTY_TOKEN", None)
        log = tmp_path / "pdtray.log"

        def reminders() -> list[tuple[str, str, str]]:
            return [call for call in notify_calls() if call[1].startswith("On call in")]

        app = start_pdtray(env, log)
        try:
            # the demo shift starts 10 minutes after launch, so the 15-minute reminder is due at once
            [(app_name, title, body)] = wait_for(reminders, 30, "the reminder's Notify call on the bus")
            time.sleep(1)
            screenshot(display, screenshots_dir / "reminder.png")
        finally:
            first_exit = stop(app)
        assert first_exit == 0, log.read_text()
        assert app_name == "pdtray"
        assert re.fullmatch(r"On call in (9|10) min: Platform Primary", title), title
        # the schedule and levels, when (local time), how long, and who hands over
        expected = r"L1 Platform, L2 Mobile · starts (today|tomorrow) at \d\d:\d\d, for 12 h\. "
        assert re.fullmatch(expected + r"Alice Nguyen hands over to you\.", body), body

        app = start_pdtray(env, log)  # a restart: same config, same demo account
        try:
            time.sleep(8)  # long enough to start, refresh and plan
            assert app.poll() is None, log.read_text()
        finally:
            second_exit = stop(app)
        assert second_exit == 0
        assert len(reminders()) == 1, notify_calls()
        assert "Traceback" not in log.read_text()


def test_without_a_notification_service_the_tray_balloon_shows_it(qtbot, qloop, monkeypatch):
    """desktop-notifier only logs a notification it could not deliver; pdtray must notice and show it itself."""
    from pdtray.app.reminders import OutgoingNotice
    from pdtray.oncall.notice_text import Message
    from pdtray.ui.notifications import Notifier
    from pdtray.ui.tray import Tray, TrayMenu

    with dbus_session(bare=True) as bus:  # a session bus, but no notification daemon and none started on demand
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus["DBUS_SESSION_BUS_ADDRESS"])
        tray = Tray(TrayMenu())
        shown = []
        tray.icon.showMessage = lambda title, body, *rest: shown.append((title, body))  # the Qt call, recorded
        notifier = Notifier(tray)
        notifier.show(OutgoingNotice("k", Message("On call in 15 min: Platform Primary", "starts at 15:00"), "PS"))
        qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
        assert shown == [("On call in 15 min: Platform Primary", "starts at 15:00")]
        opened = []
        notifier.open_requested.connect(opened.append)
        tray.icon.messageClicked.emit()  # a click on the balloon opens the popup on that schedule
        assert opened == ["PS"]
