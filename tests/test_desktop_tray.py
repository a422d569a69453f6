"""End to end on a real X server: Xvfb and trayer (an XEmbed tray host), with `pdtray --demo` as a real process.

Asserts that the icon is embedded in the tray and that a left click opens the popup, and writes screenshots of the
tray, the tooltip, the schedule list, my incidents, a timeline, the menu, the settings dialog and About.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest
from desktop import (
    dbus_session,
    embedded_icons,
    need,
    notification_daemon,
    notify_monitor,
    redact_links,
    screenshot,
    stop,
    tray_host,
    visible_windows,
    wait_for,
    xdotool,
    xvfb,
)

pytestmark = pytest.mark.desktop


def displayed_notifications(env: dict[str, str]) -> int:
    """How many notifications dunst has on screen, as its own control tool counts them."""
    done = subprocess.run(["dunstctl", "count", "displayed"], env=env, capture_output=True, text=True)
    return int(done.stdout.strip() or -1)


def test_icon_embeds_and_a_left_click_opens_the_popup(tmp_path, screenshots_dir):
    need("Xvfb", "trayer", "xwininfo", "xdotool", "import")
    # a desktop as people have it: an X server, a tray host, a session bus and a notification daemon
    with (
        xvfb() as display,
        tray_host(display),
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
        # the bus has no StatusNotifierWatcher, so Qt uses the XEmbed tray that trayer hosts
        log = (tmp_path / "pdtray.log").open("wb")
        app = subprocess.Popen(
            [sys.executable, "-m", "pdtray", "--demo"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            icons = wait_for(
                lambda: [w for w in embedded_icons(display) if w.name == "pdtray"], 30, "pdtray's icon inside trayer"
            )
            assert 16 <= icons[0].width <= 32 and 16 <= icons[0].height <= 32
            # the first refresh: the icon turns from "loading" to "soon", and two urgent notices go out (the demo
            # user's unacknowledged high-urgency incident, the shift in 10 minutes); dunst keeps urgent ones until
            # dismissed, so pdtray keeps only the newest up rather than stacking them over the popup
            titles = wait_for(
                lambda: (t := [c[1] for c in notify_calls()]) and len(t) >= 2 and t, 30, "both start-up notices"
            )
            assert sorted(re.sub(r"\d+ min", "N min", t.split(":")[0]) for t in titles) == [
                "Incident for you",
                "On call in N min",
            ], titles
            wait_for(lambda: displayed_notifications(env) == 1, 5, "one notification left on screen")
            time.sleep(1)
            # where the icon is now: trayer sizes its panel to the icons it holds, so the first position can move
            icon = next(w for w in embedded_icons(display) if w.name == "pdtray")
            x, y = icon.centre
            screenshot(display, screenshots_dir / "1-tray.png", icon, margin=40)
            assert visible_windows(display, "^pdtray$") == []  # no popup before the click
            xdotool(display, "mousemove", str(x), str(y))
            time.sleep(2.5)
            screenshot(display, screenshots_dir / "2-tooltip.png")
            xdotool(display, "click", "1")
            popup = wait_for(
                lambda: [w for w in visible_windows(display, "^pdtray$") if w.width >= 400 and w.height >= 500],
                10,
                "the popup after a left click",
            )[0]
            # everything the notifications said is in the popup: none is left over it
            wait_for(lambda: displayed_notifications(env) == 0, 5, "the notification withdrawn as the popup opened")
            # by the icon: its right edge near the icon, its top just below the top panel
            assert popup.y < 80 and abs(popup.x + popup.width - x) < popup.width
            # out of taskbars and pagers (no window manager runs here, so the states are pdtray's own)
            state = subprocess.run(
                ["xprop", "-id", popup.id, "_NET_WM_STATE"], env=env, capture_output=True, text=True
            ).stdout
            assert "_NET_WM_STATE_SKIP_TASKBAR" in state and "_NET_WM_STATE_SKIP_PAGER" in state, state
            time.sleep(0.5)
            screenshot(display, screenshots_dir / "3-schedules.png", popup)
            xdotool(display, "key", "ctrl+2")  # my incidents
            time.sleep(0.5)
            screenshot(display, screenshots_dir / "3b-incidents.png", popup)
            xdotool(display, "key", "ctrl+1")  # back to the schedules, with the filter focused
            time.sleep(0.3)
            xdotool(display, "type", "--delay", "40", "platform pri")
            xdotool(display, "key", "Return")
            time.sleep(2)
            screenshot(display, screenshots_dir / "4-timeline.png", popup)
            xdotool(display, "key", "Escape")  # back to the list
            time.sleep(0.3)
            xdotool(display, "key", "ctrl+a")
            xdotool(display, "type", "--delay", "40", "platform shifts")  # a shift-based schedule, two lanes now
            xdotool(display, "key", "Return")
            time.sleep(2)
            screenshot(display, screenshots_dir / "4b-shift-based-timeline.png", popup)
            xdotool(display, "key", "Escape")  # back to the list
            time.sleep(0.3)
            # Services: find one, its chain at every level; then the card of its last level's person (Jonas Berg,
            # whose contact methods the demo token may not read: no contact detail is in a kept screenshot)
            xdotool(display, "key", "ctrl+3")
            time.sleep(1.5)
            xdotool(display, "type", "--delay", "40", "web")
            xdotool(display, "key", "Return")
            time.sleep(2)
            screenshot(display, screenshots_dir / "4c-escalation.png", popup)
            xdotool(display, "key", "End", "Return")
            time.sleep(2)
            card = screenshot(display, screenshots_dir / "4d-person-card.png", popup)
            assert redact_links(card) > 0  # the email was on it, as a link: now painted over
            assert redact_links(card) == 0
            xdotool(display, "key", "Escape")  # back to the chain
            time.sleep(0.3)
            xdotool(display, "key", "Escape")  # back to the services
            time.sleep(0.3)
            xdotool(display, "key", "ctrl+1")
            time.sleep(0.3)
            xdotool(display, "key", "Escape")  # clears the filter
            time.sleep(0.3)
            assert visible_windows(display, "^pdtray$"), "Escape with a filter typed clears it, not the popup"
            xdotool(display, "key", "Escape")  # and closes the popup
            wait_for(lambda: not visible_windows(display, "^pdtray$"), 5, "the popup to close on Escape")
            # A second start (the application menu, a terminal) opens the running one's popup and exits.
            second = subprocess.run(
                [sys.executable, "-m", "pdtray", "--demo"], env=env, capture_output=True, text=True, timeout=30
            )
            assert second.returncode == 0, second.stderr
            assert "already running" in second.stderr
            wait_for(lambda: visible_windows(display, "^pdtray$"), 10, "the popup, opened by the second start")
            assert len([w for w in embedded_icons(display) if w.name == "pdtray"]) == 1
            xdotool(display, "key", "Escape")
            wait_for(lambda: not visible_windows(display, "^pdtray$"), 5, "the popup to close on Escape")
            xdotool(display, "mousemove", str(x), str(y), "click", "3")
            time.sleep(1)
            screenshot(display, screenshots_dir / "5-menu.png")
            # up from the end: Quit, About pdtray, then Settings (who is on call and my status come first, in a number
            # that depends on what is watched)
            xdotool(display, "key", "Up", "Up", "Up", "Return")
            dialog = wait_for(lambda: visible_windows(display, "pdtray Settings"), 10, "the settings dialog")[0]
            time.sleep(0.5)
            screenshot(display, screenshots_dir / "6-settings.png", dialog)
            xdotool(display, "key", "Escape")
            wait_for(lambda: not visible_windows(display, "pdtray Settings"), 5, "the settings dialog to close")
            xdotool(display, "mousemove", str(x), str(y), "click", "3")
            time.sleep(1)
            xdotool(display, "key", "Up", "Up", "Return")  # up from the end: Quit, then About pdtray
            about = wait_for(lambda: visible_windows(display, "About pdtray"), 10, "the About box")[0]
            time.sleep(0.5)
            screenshot(display, screenshots_dir / "7-about.png", about)
        finally:
            code = stop(app)
            log.close()
        output = (tmp_path / "pdtray.log").read_text(errors="replace")
        assert code == 0, output
        assert "Traceback" not in output, output
        assert "555" not in output  # no contact detail in the log (the demo's numbers are 212 555 01xx)
