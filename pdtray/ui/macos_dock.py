"""No Dock icon for the tray app on macOS when it runs as a plain Python process (pipx, a virtualenv).

The .app bundle says LSUIElement in its Info.plist, so macOS shows no Dock icon and no app menu for it. A plain
process has no Info.plist, and Qt makes it a regular, Dock-showing app; asking NSApplication for the "accessory"
activation policy after the QApplication exists gives the same result as LSUIElement. Called through the
Objective-C runtime with ctypes: pdtray does not depend on PyObjC for one call.
"""

from __future__ import annotations

import logging
import sys

log = logging.getLogger(__name__)
#: NSApplicationActivationPolicyAccessory: no Dock icon, no menu bar, may show windows
ACCESSORY = 1


def needs_accessory_policy(platform: str = sys.platform, executable: str = sys.executable) -> bool:
    """Only a plain process on macOS: a bundle's Info.plist already says so, and elsewhere there is no Dock."""
    return platform == "darwin" and ".app/Contents/MacOS/" not in executable


def hide_dock_icon() -> bool:
    """Makes this process an accessory app; False (and a log line) where the runtime refuses."""
    import ctypes
    import ctypes.util

    try:
        objc = ctypes.cdll.LoadLibrary(ctypes.util.find_library("objc") or "libobjc.dylib")
        objc.objc_getClass.restype = ctypes.c_void_p
        objc.objc_getClass.argtypes = [ctypes.c_char_p]
        objc.sel_registerName.restype = ctypes.c_void_p
        objc.sel_registerName.argtypes = [ctypes.c_char_p]
        get = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)(("objc_msgSend", objc))
        set_policy = ctypes.CFUNCTYPE(ctypes.c_bool, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long)(
            ("objc_msgSend", objc)
        )
        app = get(objc.objc_getClass(b"NSApplication"), objc.sel_registerName(b"sharedApplication"))
        return bool(set_policy(app, objc.sel_registerName(b"setActivationPolicy:"), ACCESSORY))
    except (OSError, AttributeError) as exc:
        log.info("could not hide the Dock icon: %s", exc)
        return False
