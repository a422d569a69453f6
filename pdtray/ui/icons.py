"""Icons from resources/icons, loaded once each.

The tray icons come in three sets: for a light panel, for a dark panel, and monochrome "template" images for the
macOS menu bar, which macOS tints itself (and which therefore tell the states apart by shape alone).
"""

from __future__ import annotations

import sys
from functools import cache
from importlib.resources import files

from PySide6.QtGui import QGuiApplication, QIcon, QPalette

#: tray states whose icon is not in resources under their own name
_ALIASES = {"loading": "off"}
VARIANTS = ("light", "dark", "mono")


def icon_path(name: str, variant: str = "light") -> str:
    icons = files("pdtray.resources") / "icons"
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
    return str(files("pdtray.resources") / "icons" / "badge" / f"{name}.svg")


@cache
def badged(name: str, variant: str, count: int, urgent: bool) -> QIcon:
    """The tray icon with the number of my open incidents in a disc at its top right ("9+" beyond nine).

    The disc has a white rim so that it stands apart from the red "on call" icon under it. The number is drawn from
    outlines in resources (packaging/make_icons.py makes them), not with a font: the first text a Qt process draws
    loads its font machinery, about 4 MB that a tray icon should not cost. In the monochrome macOS set the number
    is cut out of a black disc, since macOS tints the whole image."""
    base = icon(name, variant)
    if count <= 0:
        return base
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
    from PySide6.QtSvg import QSvgRenderer

    text = str(count) if count < 10 else "9+"
    label = QSvgRenderer(badge_label_path(text))
    aspect = label.viewBoxF().width() / max(1.0, label.viewBoxF().height())
    mono = variant == "mono"
    result = QIcon()
    for logical in BADGE_SIZES:
        full = base.pixmap(logical, logical)
        # On a high-DPI screen (Retina, Windows at 150 % and up) the pixmap has more pixels than its logical size:
        # draw in its real pixels, then give it its ratio back, or the badge comes out at a fraction of its size.
        ratio = full.devicePixelRatio()
        size = full.width()
        pixmap = QPixmap(size, size)
        pixmap.fill(QColor(0, 0, 0, 0))
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        # The state's glyph shrinks into the bottom-left corner, its centre clear of the disc: the clock's hands,
        # the bell and the warning sign still tell the states apart under a badge.
        glyph_pixmap = base.pixmap(round(logical * BADGE_GLYPH_SCALE))  # drawn at its size: crisper than shrunk
        glyph_pixmap.setDevicePixelRatio(1.0)
        inner = glyph_pixmap.width()
        painter.drawPixmap(0, size - inner, glyph_pixmap)
        diameter = round(size * (BADGE_DISC if len(text) == 1 else BADGE_DISC_WIDE))
        disc = QRectF(size - diameter, 0, diameter, diameter)
        painter.setPen(QPen(QColor("#000" if mono else "#fff"), max(1.0, size / 16)))
        painter.setBrush(QColor("#000" if mono else (BADGE_URGENT if urgent else BADGE_CALM)))
        painter.drawEllipse(disc.adjusted(0.5, 0.5, -0.5, -0.5))
        height = diameter * (0.62 if len(text) == 1 else 0.42)
        width = min(height * aspect, diameter * 0.8)
        height = width / aspect
        glyph = QRectF(disc.center().x() - width / 2, disc.center().y() - height / 2, width, height)
        if mono:
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        label.render(painter, glyph)
        painter.end()
        pixmap.setDevicePixelRatio(ratio)
        result.addPixmap(pixmap)
    result.setIsMask(mono)
    return result


def app_icon() -> QIcon:
    return icon("pdtray")
