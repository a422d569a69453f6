"""End to end on the other kind of tray: StatusNotifierItem over D-Bus, as KDE Plasma, GNOME with the
AppIndicator extension and most Wayland panels host it. A real watcher (status-notifier-watcher) on a private
session bus, `pdtray --demo` as a real process on Xvfb; what a panel would read (the tooltip, the icon) is read
over D-Bus by another process, and Activate (a panel's left click) opens the popup."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from desktop import (
    ITEM,
    dbus_call,
    dbus_session,
    item_property,
    need,
    registered_item,
    stop,
    visible_windows,
    wait_for,
    xvfb,
)

pytestmark = pytest.mark.desktop


def test_status_notifier_item_tooltip_icon_and_activate(tmp_path):
    need("Xvfb", "dbus-daemon", "dbus-send", "status-notifier-watcher", "xwininfo")
    config = tmp_path / "config"
    config.mkdir()
    # no reminder or incident notice while the tooltip is read: Qt shows a message in the tooltip for a while
    (config / "settings.json").write_text(json.dumps({"lead_times": [60], "notify_incidents": False}))
    with xvfb() as display, dbus_session(bare=True) as bus:
        env = {
            **os.environ,
            **bus,
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "PDTRAY_CONFIG_DIR": str(config),
            "PDTRAY_CACHE_DIR": str(tmp_path / "cache"),
        }
        env.pop("PAGERDUTY_TOKEN", None)
        watcher = subprocess.Popen(
            ["status-notifier-watcher"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        log = (tmp_path / "pdtray.log").open("wb")
        app = None
        try:
            wait_for(
                lambda: (
                    "org.kde.StatusNotifierWatcher"
                    in dbus_call(env, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames")
                ),
                10,
                "the StatusNotifierWatcher on the bus",
            )
            app = subprocess.Popen(
                [sys.executable, "-m", "pdtray", "--demo"], env=env, stdout=log, stderr=subprocess.STDOUT
            )
            item = wait_for(lambda: registered_item(env), 30, "pdtray's item registered with the watcher")
            assert "pdtray" in item_property(env, item, "Id")
            tooltip = wait_for(
                lambda: (t := item_property(env, item, "ToolTip")) and "Updated" in t and t,
                30,
                "the tooltip with data",
            )
            assert "pdtray demo account" in tooltip
            assert re.search(r"Platform Primary — Alice Nguyen \(L1, L2\), until", tooltip), tooltip[-900:]
            assert "2 open incidents assigned to you (1 not acknowledged)" in tooltip
            assert len(item_property(env, item, "IconPixmap")) > 1000  # the drawn icon, badge and all
            assert visible_windows(display, "^pdtray$") == []
            dbus_call(env, item[0], item[1], f"{ITEM}.Activate", "int32:0", "int32:0")  # a panel's left click
            wait_for(lambda: visible_windows(display, "^pdtray$"), 10, "the popup after Activate")
        finally:
            code = stop(app) if app is not None else 0
            stop(watcher)
            log.close()
        output = (tmp_path / "pdtray.log").read_text(errors="replace")
        assert code == 0, output
        assert "Traceback" not in output, output
