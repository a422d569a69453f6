"""Icons from resources/icons, loaded once each."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from PySide6.QtGui import QIcon

#: tray states whose icon is not in resources under their own name
_ALIASES = {"loading": "off"}


def icon_path(name: str) -> str:
    return str(files("pdtray.resources") / "icons" / f"{_ALIASES.get(name, name)}.svg")


@cache
def icon(name: str) -> QIcon:
    return QIcon(icon_path(name))


def app_icon() -> QIcon:
    return icon("pdtray")
