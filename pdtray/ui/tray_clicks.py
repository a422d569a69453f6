"""What a click on the tray icon means, on each platform: open the popup, show the menu, or nothing.

Qt reports clicks as activation reasons, and platforms differ in what they send:
- a double click arrives as Trigger then DoubleClick (Windows, X11): acted on twice it would open the popup and
  close it again at once, so a DoubleClick right after a Trigger that was acted on is ignored;
- macOS's Cocoa tray pops the context menu on any click once a menu is set, and emits Trigger as well, so every
  click opened both; there pdtray sets no context menu and shows its menu itself on Context (a right or ctrl
  click), as menu-bar apps do;
- a middle click (a StatusNotifierItem's SecondaryActivate) opens the popup too, rather than being dropped.

Plain Python with the platform and the clock passed in, so the decisions are tested on any machine.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

OPEN = "open"
MENU = "menu"
NOTHING = "nothing"

#: Qt's activation reasons, by name: Trigger, DoubleClick, MiddleClick, Context
TRIGGER, DOUBLE_CLICK, MIDDLE_CLICK, CONTEXT = "Trigger", "DoubleClick", "MiddleClick", "Context"


def menu_attached(platform: str = sys.platform) -> bool:
    """Whether the menu is given to Qt (which then shows it on a right click) or shown by pdtray (macOS)."""
    return platform != "darwin"


class ClickRouter:
    def __init__(
        self,
        platform: str = sys.platform,
        *,
        double_click_interval: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._platform = platform
        self._interval = double_click_interval
        self._clock = clock
        self._last_open: float | None = None

    def route(self, reason: str) -> str:
        now = self._clock()
        if reason == CONTEXT:
            return NOTHING if menu_attached(self._platform) else MENU
        if reason == DOUBLE_CLICK and self._last_open is not None and now - self._last_open <= self._interval:
            return NOTHING  # the second half of a double click whose first half already opened the popup
        if reason in (TRIGGER, DOUBLE_CLICK, MIDDLE_CLICK):
            self._last_open = now
            return OPEN
        return NOTHING
