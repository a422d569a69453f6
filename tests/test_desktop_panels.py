"""End to end in real panels people use, beside trayer and the bare watcher of the other desktop tests:

- Xfce's panel (xfce4-panel with xfwm4): its notification area hosts pdtray as a StatusNotifierItem; the tooltip
  names who is on call; a real click on the icon opens the popup by the panel, out of the task list, and a
  second click on the icon closes it.
- sway with waybar (Wayland): waybar's tray hosts the item; a click (waybar sends Activate) opens the popup as a
  floating window of the popup's size, not tiled over the screen; activating again closes it.

Screenshots of each panel, its tray and the popup go to the desktop test output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from desktop import (
    ITEM,
    colourful_box,
    dbus_call,
    dbus_session,
    item_property,
    need,
    registered_item,
    screenshot,
    stop,
    sway_desktop,
    visible_windows,
    wait_for,
    xdotool,
    xfce_desktop,
    xvfb,
)

pytestmark = pytest.mark.desktop

ON_CALL = re.compile(r"Platform Primary — Alice Nguyen \(L1, L2\), until")
POPUP_SIZE = (420, 560)


def quiet_config(folder: Path) -> Path:
    """No reminder or incident notice while the tooltip is read: Qt shows a notice in the tooltip for a while."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.json").write_text(json.dumps({"lead_times": [60], "notify_incidents": False}))
    return folder


def start_pdtray(env: dict[str, str], tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    log = tmp_path / "pdtray.log"
    app = subprocess.Popen(
        [sys.executable, "-m", "pdtray", "--demo"], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    return app, log


def tooltip_with_data(env: dict[str, str]) -> str:
    item = wait_for(lambda: registered_item(env), 30, "pdtray's item registered with the panel's watcher")
    assert "pdtray" in item_property(env, item, "Id")
    return wait_for(
        lambda: (t := item_property(env, item, "ToolTip")) and "Updated" in t and t, 30, "the tooltip with data"
    )


def net_wm_state(display: str, window_id: str) -> str:
    return subprocess.run(
        ["xprop", "-id", window_id, "_NET_WM_STATE"],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
    ).stdout


def test_xfce_panel_tooltip_and_a_click_opens_the_popup_by_the_panel(tmp_path, screenshots_dir):
    need("Xvfb", "xdotool", "xprop", "import", "convert")
    with xvfb() as display, xfce_desktop(display, tmp_path / "home") as desktop:
        env = {
            **os.environ,
            **desktop,
            "QT_QPA_PLATFORM": "xcb",
            "PDTRAY_CONFIG_DIR": str(quiet_config(tmp_path / "config")),
            "PDTRAY_CACHE_DIR": str(tmp_path / "cache"),
        }
        env.pop("PAGERDUTY_TOKEN", None)
        app, log = start_pdtray(env, tmp_path)
        try:
            tooltip = tooltip_with_data(env)
            assert ON_CALL.search(tooltip), tooltip[-900:]
            time.sleep(1)  # the panel draws the new pixmap
            panel = screenshot(display, screenshots_dir / "1-xfce-panel.png")
            # the icon: the only colour in the grey panel (26 px high, at the top), right of the task list
            box = wait_for(lambda: colourful_box(panel, 0, 26), 5, "pdtray's icon drawn in the panel")
            x, y = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
            assert x > 1000 and box[2] - box[0] <= 24, box
            assert visible_windows(display, "^pdtray$") == []
            xdotool(display, "mousemove", str(x), str(y))
            xdotool(display, "click", "1")
            popup = wait_for(
                lambda: [w for w in visible_windows(display, "^pdtray$") if w.width >= 400], 10, "the popup"
            )[0]
            # by the panel and the icon: just under the 26 px panel, its right part over the icon, its own size
            assert 26 <= popup.y <= 40, popup
            assert popup.x <= x <= popup.x + popup.width + 8, (popup, x)
            assert (popup.width, popup.height) == POPUP_SIZE
            state = net_wm_state(display, popup.id)
            assert "_NET_WM_STATE_SKIP_TASKBAR" in state and "_NET_WM_STATE_SKIP_PAGER" in state, state
            time.sleep(0.5)
            screenshot(display, screenshots_dir / "2-xfce-popup.png")
            # a second click on the icon closes it: the click takes the focus away first, then activates the icon
            xdotool(display, "click", "1")
            wait_for(lambda: visible_windows(display, "^pdtray$") == [], 5, "the popup closed by a second click")
            time.sleep(1)
            assert visible_windows(display, "^pdtray$") == []  # and not opened again by that click
            # the menu, as Xfce draws it from pdtray's exported menu: who is on call first
            xdotool(display, "click", "3")
            time.sleep(1)
            screenshot(display, screenshots_dir / "3-xfce-menu.png")
            xdotool(display, "key", "Escape")
        finally:
            code = stop(app)
        output = log.read_text(errors="replace")
        assert code == 0, output
        assert "Traceback" not in output, output


def test_sway_waybar_tray_opens_a_floating_popup_of_its_size(tmp_path, screenshots_dir):
    need("dbus-daemon", "dbus-send")
    with dbus_session(bare=True, shared=True) as bus, sway_desktop(bus) as sway:
        env = {
            **os.environ,
            **sway.client_env,
            "PDTRAY_CONFIG_DIR": str(quiet_config(tmp_path / "config")),
            "PDTRAY_CACHE_DIR": str(tmp_path / "cache"),
        }
        for name in ("PAGERDUTY_TOKEN", "DISPLAY"):
            env.pop(name, None)
        app, log = start_pdtray(env, tmp_path)
        try:
            tooltip = tooltip_with_data(env)
            assert ON_CALL.search(tooltip), tooltip[-900:]
            time.sleep(1)
            bar = sway.screenshot(screenshots_dir / "1-sway-waybar.png")
            box = colourful_box(bar, 0, 28)
            assert box is not None and box[0] > 1000, box  # waybar's tray, at the right of the bar
            assert sway.windows("io.github.pdtray") == []
            item = registered_item(env)
            assert item is not None
            # waybar's left click is an Activate call with the pointer's position
            dbus_call(env, item[0], item[1], f"{ITEM}.Activate", f"int32:{(box[0] + box[2]) // 2}", "int32:14")
            [popup] = wait_for(lambda: sway.windows("io.github.pdtray"), 10, "the popup in sway's tree")
            # floating (sway tiles every other window over the 1280x772 below the bar), at the popup's own size
            assert popup["is_floating"], popup
            assert (popup["rect"]["width"], popup["rect"]["height"]) == POPUP_SIZE, popup["rect"]
            assert popup["rect"]["y"] >= 28  # below the bar
            time.sleep(0.5)
            sway.screenshot(screenshots_dir / "2-sway-popup.png")
            dbus_call(env, item[0], item[1], f"{ITEM}.Activate", "int32:0", "int32:0")
            wait_for(lambda: sway.windows("io.github.pdtray") == [], 5, "the popup closed by a second activation")
        finally:
            code = stop(app)
        output = log.read_text(errors="replace")
        assert code == 0, output
        assert "Traceback" not in output, output
