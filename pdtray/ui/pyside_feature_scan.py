"""PySide6 reads the source of every module imported after it: make that read cheap and leave nothing behind.

To support ``from __feature__ import snake_case`` (PYSIDE-2029), PySide6 hooks the import of each module and
asks whether its source names "PySide6". It asks through ``inspect.getsource``, which keeps every line of every
file in ``linecache`` for the life of the process: on the tray's start that is some 230 files, 8.5 MB of Python
strings held for ever (a tenth of the tray's memory), and 15-20 ms of the start spent splitting them into lines.

The question asked here is the same (does the file's text contain "PySide6"?), answered from the file's bytes
without keeping them. Modules without a ``.py`` file get PySide6's own answer. pdtray uses no ``__feature__``; the
answer still stays right for any module that does. Should a PySide6 release rename what is replaced, nothing is
replaced and PySide6 works as it shipped.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

#: where PySide6 keeps the hook (loaded with PySide6 itself)
FEATURE_MODULE = "shibokensupport.feature"


def names_pyside(module: ModuleType, fallback: Callable[[ModuleType], bool]) -> bool:
    """Whether ``module``'s source file contains "PySide6", read as bytes and let go of."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return fallback(module)
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False  # as PySide6's own answer for a module whose source cannot be read


def scan_sources_cheaply() -> bool:
    """Replaces PySide6's source check once PySide6 is imported. Returns whether it did."""
    import PySide6  # noqa: F401  (loads the hook)

    feature = sys.modules.get(FEATURE_MODULE)
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(original) or getattr(original, "__module__", None) == __name__:
        return False

    def mod_uses_pyside(module: ModuleType) -> bool:
        return names_pyside(module, original)

    mod_uses_pyside.__module__ = __name__
    mod_uses_pyside.replaced = original  # type: ignore[attr-defined]
    feature._mod_uses_pyside = mod_uses_pyside  # type: ignore[attr-defined]
    return True
