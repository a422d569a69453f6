"""Renders the app icon (resources/icons/pdtray.svg) into the sizes each platform wants, next to it:

- resources/icons/app/pdtray-N.png for N in 16…1024 (Linux hicolor theme, window icons, the .app and .exe);
- resources/icons/app/pdtray.ico (Windows: 16, 24, 32, 48, 64, 128 and 256 px, PNG-compressed);
- resources/icons/app/pdtray.icns (macOS: 16 to 512 px at 1x and 2x);
- resources/icons/badge/*.svg, the tray badge's numbers as outlines.

Qt's SVG renderer draws the PNGs (the same one the app uses at run time); Pillow packs ICO and ICNS, whose writers
it has on every platform. Run again after changing the SVG: `python packaging/make_icons.py` (needs the
`packaging` extra). tests/test_icons.py checks the results are complete and match the SVG.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "pdtray.svg"
OUT = ROOT / "resources" / "icons" / "app"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_png(svg: Path, size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(svg)).render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


BADGE_LABELS = [str(n) for n in range(1, 10)] + ["9+"]
BADGE_OUT = ROOT / "resources" / "icons" / "badge"


def badge_label_svg(text: str) -> str:
    """``text`` as filled outlines (no <text>): the tray draws its incident count without loading any font, which
    would cost about 4 MB the first time."""
    from PySide6.QtGui import QFont, QPainterPath

    font = QFont("DejaVu Sans")
    font.setBold(True)
    font.setPixelSize(100)
    path = QPainterPath()
    path.addText(0, 0, font, text)
    box = path.boundingRect()
    parts = []
    i = 0
    while i < path.elementCount():
        e = path.elementAt(i)
        if e.isMoveTo():
            parts.append(f"M{e.x - box.x():.1f} {e.y - box.y():.1f}")
        elif e.isLineTo():
            parts.append(f"L{e.x - box.x():.1f} {e.y - box.y():.1f}")
        else:  # a cubic curve: this element and the next two
            c1, c2, end = e, path.elementAt(i + 1), path.elementAt(i + 2)
            coords = " ".join(f"{p.x - box.x():.1f} {p.y - box.y():.1f}" for p in (c1, c2, end))
            parts.append(f"C{coords}")
            i += 2
        i += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {box.width():.1f} {box.height():.1f}">'
        f'<path fill="#fff" d="{" ".join(parts)}"/></svg>\n'
    )


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    images = {}
    for size in PNG_SIZES:
        png = render_png(SVG, size)
        (OUT / f"pdtray-{size}.png").write_bytes(png)
        images[size] = Image.open(io.BytesIO(png)).convert("RGBA")
    # Each size is drawn from the SVG, not scaled down from the largest: small sizes stay crisp.
    largest = images[256]
    largest.save(
        OUT / "pdtray.ico",
        format="ICO",
        sizes=[(s, s) for s in ICO_SIZES],
        append_images=[images[s] for s in ICO_SIZES if s != 256],
    )
    images[1024].save(
        OUT / "pdtray.icns", format="ICNS", append_images=[images[s] for s in (16, 32, 64, 128, 256, 512)]
    )
    BADGE_OUT.mkdir(parents=True, exist_ok=True)
    for label in BADGE_LABELS:
        (BADGE_OUT / f"{label.replace('+', 'plus')}.svg").write_text(badge_label_svg(label))
    print(f"wrote {len(PNG_SIZES)} PNGs, pdtray.ico and pdtray.icns to {OUT.relative_to(ROOT)}")
    print(f"wrote {len(BADGE_LABELS)} badge labels to {BADGE_OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
