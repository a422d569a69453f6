"""Letting the running pdtray take the focus when a second start asks it to open its popup (Windows).

Windows gives the foreground only to the process the user last interacted with: the running tray would open its
popup behind other windows. The second start, which the user just launched, may hand its right on with
AllowSetForegroundWindow before it asks.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

ASFW_ANY = -1


def focus_handoff(platform: str = sys.platform) -> Callable[[], None] | None:
    """What the second start calls before asking the first to open; None where nothing is needed."""
    return allow_any_to_take_focus if platform == "win32" else None


def allow_any_to_take_focus() -> None:
    import ctypes

    ctypes.windll.user32.AllowSetForegroundWindow(ASFW_ANY)  # type: ignore[attr-defined]
