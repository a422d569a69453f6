"""The colour of Windows' taskbar, which the tray icons sit on.

Windows has two settings: apps' mode (AppsUseLightTheme, what Qt's colour scheme follows) and the system's mode
(SystemUsesLightTheme: the taskbar and Start). A common setup is light apps on a dark taskbar; icons drawn for the
app theme would then be dark on dark. ``registry`` is the winreg module (tests pass fake-winreg).
"""

from __future__ import annotations

from typing import Any

PERSONALIZE_KEY = r"Software\Microsoft\Windows\CurrentVersion\Themes\Personalize"


def taskbar_is_dark(registry: Any = None) -> bool | None:
    """True for a dark taskbar, False for a light one, None when Windows does not say (older than Windows 10)."""
    if registry is None:
        import winreg as registry  # type: ignore[import-not-found,no-redef]
    try:
        with registry.OpenKey(registry.HKEY_CURRENT_USER, PERSONALIZE_KEY) as key:
            value, _ = registry.QueryValueEx(key, "SystemUsesLightTheme")
    except OSError:
        return None
    return value == 0 if isinstance(value, int) else None
