"""What the windowing system lets pdtray decide about its own windows, by Qt platform name ("xcb", "wayland",
"windows", "cocoa"), so the choice is testable on any machine."""

from __future__ import annotations


def can_place_windows(platform_name: str) -> bool:
    """Wayland leaves where a window goes to the compositor (``move()`` is ignored); X11, Windows and macOS let
    the popup sit by the icon."""
    return not platform_name.startswith("wayland")


def wants_skip_hints(platform_name: str) -> bool:
    """Only X11 taskbars read EWMH states; a Wayland compositor or Windows lists a tool window on its own terms."""
    return platform_name == "xcb"


def keep_out_of_taskbar(platform_name: str, window_id: int) -> None:
    """Marks an unmapped window skip-taskbar and skip-pager where that is the platform's way."""
    if wants_skip_hints(platform_name):
        from pdtray.ui.x11_window_state import skip_taskbar_and_pager

        skip_taskbar_and_pager(window_id)
