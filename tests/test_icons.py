"""The icons in resources/: complete sets for every tray state and panel, and the app icon in every size and
container each platform wants, still matching its SVG."""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPalette

from pdtray.ui.icons import VARIANTS, icon, icon_path, panel_is_dark, tray_variant

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "resources" / "icons" / "app"
STATES = ("on-call", "soon", "off", "problem", "loading")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    width, height = struct.unpack(">II", data[16:24])  # IHDR comes first
    return width, height


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("state", STATES)
def test_every_tray_state_has_an_icon_in_every_variant(qapp, state, variant):
    assert Path(icon_path(state, variant)).is_file()
    pixmap = icon(state, variant).pixmap(22, 22)
    assert not pixmap.isNull() and pixmap.width() == 22
    assert icon(state, variant).isMask() == (variant == "mono")


def test_mono_icons_are_black_and_alpha_only(qapp):
    """macOS tints template images itself: any colour in them would be lost."""
    for state in STATES:
        image = icon(state, "mono").pixmap(32, 32).toImage().convertToFormat(QImage.Format.Format_ARGB32)
        colours = {image.pixelColor(x, y).getRgb() for x in range(32) for y in range(32)}
        assert any(a > 200 for *_, a in colours), f"{state}: nothing drawn"
        assert all(a == 0 or (r, g, b) == (0, 0, 0) for r, g, b, a in colours), state


def test_variant_follows_the_setting_and_the_platform():
    assert tray_variant("auto", platform="darwin", dark=True) == "mono"
    assert tray_variant("light", platform="darwin") == "mono"
    assert tray_variant("dark", platform="linux", dark=False) == "dark"
    assert tray_variant("light", platform="win32", dark=True) == "light"
    assert tray_variant("auto", platform="linux", dark=True) == "dark"
    assert tray_variant("auto", platform="linux", dark=False) == "light"


def test_panel_darkness_from_the_palette_when_the_platform_has_no_scheme(qapp):
    if QGuiApplication.styleHints().colorScheme().name != "Unknown":
        pytest.skip("this platform reports a colour scheme, which wins over the palette")
    original = QGuiApplication.palette()
    try:
        dark = QPalette(original)
        dark.setColor(QPalette.ColorRole.Window, QColor("#2b2b2b"))
        QGuiApplication.setPalette(dark)
        assert panel_is_dark() is True
        light = QPalette(original)
        light.setColor(QPalette.ColorRole.Window, QColor("#efefef"))
        QGuiApplication.setPalette(light)
        assert panel_is_dark() is False
    finally:
        QGuiApplication.setPalette(original)


def test_app_icon_pngs_in_every_size():
    for size in (16, 24, 32, 48, 64, 128, 256, 512, 1024):
        assert png_size((APP / f"pdtray-{size}.png").read_bytes()) == (size, size)


def test_ico_holds_the_windows_sizes_as_png():
    data = (APP / "pdtray.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = []
    for i in range(count):
        width, height, _colours, _res, _planes, _bpp, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * i : 22 + 16 * i]
        )
        width, height = width or 256, height or 256  # 0 means 256
        assert png_size(data[offset : offset + length]) == (width, height)
        sizes.append(width)
    assert sorted(sizes) == [16, 24, 32, 48, 64, 128, 256]


def test_icns_holds_the_macos_sizes_as_png():
    data = (APP / "pdtray.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    # PNG-carrying element types and the pixel size each must have
    expected = {b"icp4": 16, b"icp5": 32, b"icp6": 64, b"ic07": 128, b"ic08": 256, b"ic09": 512, b"ic10": 1024}
    expected |= {b"ic11": 32, b"ic12": 64, b"ic13": 256, b"ic14": 512}
    found = {}
    at = 8
    while at < len(data):
        kind, length = struct.unpack(">4sI", data[at : at + 8])
        if kind in expected:
            found[kind] = png_size(data[at + 8 : at + length])[0]
        at += length
    assert {b"ic07", b"ic08", b"ic09", b"ic10"} <= set(found)  # 128 to 1024: what Finder and the Dock use
    assert all(found[k] == expected[k] for k in found)


def test_pngs_match_the_svg(qapp):
    """Catches an SVG edited without running packaging/make_icons.py."""
    spec = importlib.util.spec_from_file_location("make_icons", ROOT / "packaging" / "make_icons.py")
    make_icons = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_icons)
    for size in (32, 256):
        fresh = QImage.fromData(make_icons.render_png(make_icons.SVG, size))
        stored = QImage(str(APP / f"pdtray-{size}.png"))
        fresh = fresh.convertToFormat(QImage.Format.Format_ARGB32)
        stored = stored.convertToFormat(QImage.Format.Format_ARGB32)
        differing = sum(
            1
            for x in range(size)
            for y in range(size)
            if max(
                abs(a - b)
                for a, b in zip(fresh.pixelColor(x, y).getRgb(), stored.pixelColor(x, y).getRgb(), strict=True)
            )
            > 16
        )
        assert differing <= size * size // 100, f"{size}px: {differing} pixels differ; run packaging/make_icons.py"


@pytest.mark.parametrize("count", [1, 2, 7, 9, 10, 42])
def test_badge_draws_the_number_in_a_disc(qapp, count):
    from pdtray.ui.icons import BADGE_URGENT, badge_label_path, badged

    label = str(count) if count < 10 else "9+"
    svg = Path(badge_label_path(label)).read_text()
    assert "<path" in svg and "<text" not in svg  # outlines: no font is loaded to draw them
    image = badged("off", "light", count, True).pixmap(64, 64).toImage().convertToFormat(QImage.Format.Format_ARGB32)
    diameter = int(64 * (0.62 if count < 10 else 0.7))
    disc = [image.pixelColor(x, y).getRgb() for x in range(64 - diameter + 6, 58) for y in range(6, diameter - 6)]
    red = QColor(BADGE_URGENT).getRgb()
    assert sum(1 for c in disc if c == red) > len(disc) // 4  # the disc
    assert sum(1 for c in disc if c[:3] == (255, 255, 255)) > len(disc) // 20  # the white number on it


@pytest.mark.parametrize("ratio", [1.0, 2.0])
def test_a_badge_painted_onto_a_panel_gets_the_panels_pixels(qapp, ratio):
    """The X11 tray paints the icon (QIcon.paint) onto its widget; on a screen at twice the pixels the badge must be
    drawn in those pixels, not drawn at 32 and blown up (blurry), and so come out as the icon asked at that ratio."""
    from PySide6.QtCore import QRect, QSize
    from PySide6.QtGui import QPainter, QPixmap

    from pdtray.ui.icons import badged

    icon = badged("on-call", "light", 3, False)
    target = QPixmap(round(32 * ratio), round(32 * ratio))
    target.setDevicePixelRatio(ratio)
    target.fill(QColor(0, 0, 0, 0))
    painter = QPainter(target)
    icon.paint(painter, QRect(0, 0, 32, 32))
    painter.end()
    painted = target.toImage().convertToFormat(QImage.Format.Format_ARGB32)
    asked = icon.pixmap(QSize(32, 32), ratio).toImage().convertToFormat(QImage.Format.Format_ARGB32)
    assert (painted.width(), asked.width()) == (round(32 * ratio), round(32 * ratio))
    side = painted.width()
    differing = sum(
        1
        for y in range(side)
        for x in range(side)
        if max(
            abs(a - b) for a, b in zip(painted.pixelColor(x, y).getRgb(), asked.pixelColor(x, y).getRgb(), strict=True)
        )
        > 8
    )
    assert differing <= side * side // 200, f"{differing} of {side * side} pixels differ"


def test_mono_badge_cuts_the_number_out(qapp):
    from pdtray.ui.icons import badged

    image = badged("off", "mono", 3, False).pixmap(64, 64).toImage().convertToFormat(QImage.Format.Format_ARGB32)
    disc = [image.pixelColor(x, y).getRgb() for x in range(64 - 39 + 6, 58) for y in range(6, 33)]
    assert any(a == 0 for *_, a in disc) and any(a == 255 for *_, a in disc)
    assert badged("off", "mono", 3, False).isMask()


@pytest.mark.parametrize("size", [16, 22, 24, 32])
@pytest.mark.parametrize("state", ["off", "on-call", "soon", "problem"])
def test_under_a_badge_the_state_glyph_keeps_its_middle(qapp, size, state):
    """The badge used to cover the top right of the glyph, so the amber clock read as a crescent: now the glyph
    shrinks to 70 % in the bottom-left corner and nothing is drawn over its middle (the clock's hands and most of
    its ring, the bell, the warning sign's mark): a circle of 56 % of its width around its centre."""
    from pdtray.ui.icons import icon

    badged_image = badged_pixels(state, size, 2)
    inner = round(size * 0.7)
    plain = icon(state, "light").pixmap(inner, inner).toImage().convertToFormat(QImage.Format.Format_ARGB32)
    centre_x, centre_y = inner / 2, size - inner / 2
    radius = inner * 0.28
    checked = 0
    for y in range(size - inner, size):
        for x in range(inner):
            if (x + 0.5 - centre_x) ** 2 + (y + 0.5 - centre_y) ** 2 <= radius**2:
                got = badged_image.pixelColor(x, y).getRgb()
                want = plain.pixelColor(x, y - (size - inner)).getRgb()
                assert max(abs(a - b) for a, b in zip(got, want, strict=True)) <= 8, (x, y, got, want)
                checked += 1
    assert checked >= 3.14 * radius**2 * 0.8


@pytest.mark.parametrize("size", [16, 22])
def test_the_badge_digit_is_a_readable_shape_at_small_sizes(qapp, size):
    """At 16 px (GNOME's tray) the number was a smudge: now it is at least 6 px high and 3 px wide in solid
    white on the disc, the smallest a digit can be and still be told apart."""
    image = badged_pixels("off", size, 2)
    diameter = round(size * 0.58)
    white = [
        (x, y)
        for y in range(diameter)
        for x in range(size - diameter, size)
        if min(image.pixelColor(x, y).getRgb()[:3]) >= 200
        and image.pixelColor(x, y).alpha() == 255
        and (x + 0.5 - (size - diameter / 2)) ** 2 + (y + 0.5 - diameter / 2) ** 2 < (diameter / 2 - 1.2) ** 2
    ]
    rows = {y for _, y in white}
    columns = {x for x, _ in white}
    assert len(rows) >= 5 and len(columns) >= 3, (sorted(rows), sorted(columns))


def badged_pixels(state: str, size: int, count: int) -> QImage:
    from pdtray.ui.icons import badged

    return badged(state, "light", count, True).pixmap(size, size).toImage().convertToFormat(QImage.Format.Format_ARGB32)
