"""Icons from resources/icons, loaded once each.

The tray icons come in three sets: for a light panel, for a dark panel, and monochrome "template" images for the
macOS menu bar, which macOS tints itself (and which therefore tell the states apart by shape alone).
"""

from __future__ import annotations

import math
import sys
from functools import cache
from pathlib import Path

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap

#: tray states whose icon is not in resources under their own name
_ALIASES = {"loading": "off"}
VARIANTS = ("light", "dark", "mono")


@cache
def resource_dir() -> Path:
    """Where ``pdtray.resources`` is, in a checkout, an install or a bundle alike. Not importlib.resources: its
    import (zip support and all) cost 3 ms of the start, for paths on disk."""
    import pdtray.resources

    return Path(pdtray.resources.__file__).parent


def icon_path(name: str, variant: str = "light") -> str:
    icons = resource_dir() / "icons"
    if name == "pdtray":
        return str(icons / "pdtray.svg")
    return str(icons / "tray" / variant / f"{_ALIASES.get(name, name)}.svg")


def palette_is_dark() -> bool:
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def panel_is_dark() -> bool:
    """The desktop's colour scheme where Qt knows it (Qt 6.5+ reads it from the platform), else the palette.

    Asking for the scheme can cost a D-Bus round trip to the desktop portal (about 20 ms), so the first icon is
    chosen from the palette alone and corrected once the app is running. Qt's enum namespace is imported here, not
    with the module: it takes 15 ms, and the first icon does not need it."""
    from PySide6.QtCore import Qt

    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return palette_is_dark()


def tray_variant(preference: str, *, platform: str | None = None, dark: bool | None = None) -> str:
    """Which set to draw the tray with: ``preference`` is the setting ("auto", "light" or "dark")."""
    if (platform or sys.platform) == "darwin":
        return "mono"
    if preference in ("light", "dark"):
        return preference
    if dark is None and (platform or sys.platform) == "win32":
        from pdtray.ui.windows_taskbar import taskbar_is_dark

        dark = taskbar_is_dark()  # the taskbar's own mode, which may differ from the apps' (Qt's colour scheme)
    return "dark" if (panel_is_dark() if dark is None else dark) else "light"


@cache
def icon(name: str, variant: str = "light") -> QIcon:
    result = QIcon(icon_path(name, variant))
    if variant == "mono":
        result.setIsMask(True)  # a template image: macOS draws it in the menu bar's own colour
    return result


BADGE_SIZES = (16, 22, 24, 32, 48, 64)
BADGE_URGENT = "#D92D20"  # waits for an acknowledgement: the on-call red
BADGE_CALM = "#3B4350"  # all acknowledged
BADGE_GLYPH_SCALE = 0.7  # the state's icon under a badge, as a share of the full size
BADGE_DISC, BADGE_DISC_WIDE = 0.58, 0.66  # the disc's diameter for one digit and for "9+"


def badge_label_path(text: str) -> str:
    name = text.replace("+", "plus")
    return str(resource_dir() / "icons" / "badge" / f"{name}.svg")


@cache
def badged(name: str, variant: str, count: int, urgent: bool) -> QIcon:
    """The tray icon with the number of my open incidents in a disc at its top right ("9+" beyond nine).

    Each size is drawn when a tray host first asks for it (:class:`_BadgeEngine`), not all six up front: drawing
    them took 35 ms of the start, while an X11 panel asks for one size and a macOS or Windows tray for one or two.
    """
    if count <= 0:
        return icon(name, variant)
    engine = _BadgeEngine(name, variant, str(count) if count < 10 else "9+", urgent)
    _ENGINES.append(engine)  # the icon holds the engine by a C++ pointer: keep its Python side alive with it
    result = QIcon(engine)
    result.setIsMask(variant == "mono")
    return result


#: every badge engine made (one per count, state and variant seen: badged() is cached, so a handful)
_ENGINES: list[QIconEngine] = []


class _BadgeEngine(QIconEngine):
    """Draws the badged icon at the size asked for, once per size in device pixels.

    The disc has a white rim so that it stands apart from the red "on call" icon under it. The number is drawn from
    outlines in resources (packaging/make_icons.py makes them), not with a font: the first text a Qt process draws
    loads its font machinery, about 4 MB that a tray icon should not cost. In the monochrome macOS set the number
    is cut out of a black disc, since macOS tints the whole image."""

    def __init__(self, name: str, variant: str, text: str, urgent: bool) -> None:
        super().__init__()
        self._args = (name, variant, text, urgent)
        self._drawn: dict[int, QPixmap] = {}

    def clone(self) -> QIconEngine:
        engine = _BadgeEngine(*self._args)
        _ENGINES.append(engine)
        return engine

    def availableSizes(self, *_mode_and_state: object) -> list[QSize]:
        return [QSize(size, size) for size in BADGE_SIZES]

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        # On a high-DPI screen (Retina, Windows at 150 % and up) the pixmap has more pixels than its logical size:
        # drawn in its real pixels, then given its ratio, or the badge would come out at a fraction of its size.
        pixels = max(1, round(min(size.width(), size.height()) * scale))
        drawn = self._drawn.get(pixels)
        if drawn is None:
            drawn = self._drawn[pixels] = _draw_badge(pixels, *self._args)
        result = QPixmap(drawn)
        result.setDevicePixelRatio(scale)
        return result

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        # The device's pixels per logical pixel, from the painter's transform (which carries the high-DPI scale)
        # rather than painter.device(): the X11 tray paints onto a widget class PySide6 does not know, and finding a
        # Python type for it built the enums of every paint device class (91 of them, 15 ms of the first start).
        to_device = painter.deviceTransform()
        scale = math.hypot(to_device.m11(), to_device.m12()) or 1.0
        painter.drawPixmap(rect, self.scaledPixmap(rect.size(), mode, state, scale))


def _disc_svg(diameter: int, size: int, mono: bool, urgent: bool) -> bytes:
    """A disc ``diameter`` pixels wide in a rim of 1/16 of the icon's ``size`` (white; black in the mono set)."""
    fill = "#000" if mono else (BADGE_URGENT if urgent else BADGE_CALM)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {diameter} {diameter}">'
        f'<circle cx="{diameter / 2}" cy="{diameter / 2}" r="{diameter / 2 - 0.5}" fill="{fill}" '
        f'stroke="{"#000" if mono else "#fff"}" stroke-width="{max(1.0, size / 16)}"/></svg>'
    ).encode()


def _draw_badge(size: int, name: str, variant: str, text: str, urgent: bool) -> QPixmap:
    """The badged icon, ``size`` device pixels square."""
    from PySide6.QtCore import QByteArray, QRectF
    from PySide6.QtGui import QColor
    from PySide6.QtSvg import QSvgRenderer

    base = icon(name, variant)
    label = QSvgRenderer(badge_label_path(text))
    aspect = label.viewBoxF().width() / max(1.0, label.viewBoxF().height())
    mono = variant == "mono"
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    # The state's glyph shrinks into the bottom-left corner, its centre clear of the disc: the clock's hands, the
    # bell and the warning sign still tell the states apart under a badge.
    inner = round(size * BADGE_GLYPH_SCALE)
    painter.drawPixmap(0, size - inner, base.pixmap(QSize(inner, inner), 1.0))  # drawn at its size: crisper
    diameter = round(size * (BADGE_DISC if len(text) == 1 else BADGE_DISC_WIDE))
    disc = QRectF(size - diameter, 0, diameter, diameter)
    # the disc is an SVG too: QPainter's pens and brushes cost 25-30 ms the first time in PySide6, which resolves
    # their overloads through Qt's whole enum namespace, and that was most of drawing the icon at the start
    QSvgRenderer(QByteArray(_disc_svg(diameter, size, mono, urgent))).render(painter, disc)
    height = diameter * (0.62 if len(text) == 1 else 0.42)
    width = min(height * aspect, diameter * 0.8)
    height = width / aspect
    glyph = QRectF(disc.center().x() - width / 2, disc.center().y() - height / 2, width, height)
    if mono:
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
    label.render(painter, glyph)
    painter.end()
    return pixmap


def app_icon() -> QIcon:
    return icon("pdtray")
