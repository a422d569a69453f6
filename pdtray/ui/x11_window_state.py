"""Keeps pdtray's popup and toasts out of X11 taskbars and pagers.

Qt marks a ``Qt.Tool`` window as a utility window but sets no ``_NET_WM_STATE_SKIP_TASKBAR``, so taskbars that list
utility windows (LXQt's, tint2's) show a "pdtray" button while the popup is open. Qt has no API for the hint; it
does keep atoms it finds in ``_NET_WM_STATE`` when it maps a window, so the hint is written through libX11 just
before each show (a window manager drops ``_NET_WM_STATE`` when a window is hidden; replacing what an earlier
showing left is safe, as Qt adds its own states again). Imported only on X11."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

log = logging.getLogger(__name__)

XA_ATOM = 4
PROP_MODE_REPLACE = 0
SKIP_STATES = ("_NET_WM_STATE_SKIP_TASKBAR", "_NET_WM_STATE_SKIP_PAGER")


class _Xlib:
    """One libX11 connection for the life of the process, opened on first use."""

    def __init__(self) -> None:
        name = ctypes.util.find_library("X11")
        if name is None:
            raise OSError("libX11 not found")
        lib = ctypes.CDLL(name)
        lib.XOpenDisplay.restype = ctypes.c_void_p
        lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
        lib.XInternAtom.restype = ctypes.c_ulong
        lib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        lib.XChangeProperty.argtypes = [
            ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
            ctypes.c_void_p, ctypes.c_int,
        ]  # fmt: skip
        lib.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        display = lib.XOpenDisplay(os.environ.get("DISPLAY", "").encode() or None)
        if not display:
            raise OSError("cannot open the X display")
        self.lib = lib
        self.display = display
        self.state = lib.XInternAtom(display, b"_NET_WM_STATE", 0)
        self.skip = [lib.XInternAtom(display, name.encode(), 0) for name in SKIP_STATES]


_xlib: _Xlib | None = None


def skip_taskbar_and_pager(window_id: int) -> bool:
    """Adds the skip-taskbar and skip-pager states to an unmapped window; False (logged) where X11 can't be
    reached, which costs a taskbar button and nothing else."""
    global _xlib
    try:
        if _xlib is None:
            _xlib = _Xlib()
        atoms = (ctypes.c_ulong * len(_xlib.skip))(*_xlib.skip)
        _xlib.lib.XChangeProperty(
            _xlib.display, window_id, _xlib.state, XA_ATOM, 32, PROP_MODE_REPLACE, atoms, len(_xlib.skip)
        )
        _xlib.lib.XSync(_xlib.display, 0)  # written before Qt maps the window from its own connection
    except OSError as exc:
        log.info("could not keep the popup out of the taskbar: %s", exc)
        return False
    return True
