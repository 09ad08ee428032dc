"""Regenerate the application icon files from their SVG drawings.

    .venv/bin/python packaging/make_icon.py

Reads petr_desktop/resources/icons/carnet-petr.svg (the drawing used from 32 px up) and
carnet-petr-16.svg / carnet-petr-24.svg (the same notebook redrawn on the 16 and 24 px grids, where
the letters « PETR » would be a blur), renders them with Qt's SVG renderer and writes, beside them:

- carnet-petr.ico: the Windows icon (16, 24, 32, 48, 64, 128 and 256 px, 32-bit colour with
  alpha). Sizes below 256 are stored as BMP, 256 as PNG, the layout Windows itself uses; it serves
  for the two .exe (PyInstaller `icon=`), the installer (Inno Setup `SetupIconFile`) and the
  window (petr_desktop.ui.icons.app_icon()).
- carnet-petr-256.png: the 256 px PNG (documentation, other platforms).

Run it after editing an SVG, and commit the results: the build does not regenerate them.
"""
from __future__ import annotations

import io
import os
import struct
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "petr_desktop" / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)
#: Sizes with a drawing of their own; every other size is rendered from carnet-petr.svg.
PIXEL_DRAWINGS = {16: "carnet-petr-16.svg", 24: "carnet-petr-24.svg"}
PNG_FROM = 256   # sizes from this one up are stored as PNG inside the .ico
_KEEP: list = []


def source_for(size: int) -> Path:
    return ICONS / PIXEL_DRAWINGS.get(size, "carnet-petr.svg")


def render(svg: Path, size: int) -> bytes:
    """The SVG at size × size pixels, as straight (not premultiplied) RGBA bytes, top row first."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"make_icon: cannot read {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    return bytes(image.constBits())[: size * size * 4]


def png_bytes(size: int, rgba: bytes) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.frombytes("RGBA", (size, size), rgba).save(out, format="PNG", optimize=True)
    return out.getvalue()


def bmp_entry(size: int, rgba: bytes) -> bytes:
    """An icon image in the .ico BMP form: BITMAPINFOHEADER (height doubled for the mask), BGRA
    pixels bottom row first, then the 1-bit AND mask (1 = transparent), rows padded to 4 bytes."""
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    rows = [rgba[y * size * 4:(y + 1) * size * 4] for y in range(size)]
    pixels = bytearray()
    mask = bytearray()
    row_bytes = ((size + 31) // 32) * 4
    for row in reversed(rows):
        bits = bytearray(row_bytes)
        for x in range(size):
            r, g, b, a = row[x * 4:x * 4 + 4]
            pixels += bytes((b, g, r, a))
            if a == 0:
                bits[x // 8] |= 0x80 >> (x % 8)
        mask += bits
    return header + bytes(pixels) + bytes(mask)


def ico_bytes(images: dict[int, bytes]) -> bytes:
    """An .ico file (ICONDIR, one ICONDIRENTRY per size, then the images) from size → RGBA."""
    entries = []
    for size in sorted(images):
        rgba = images[size]
        entries.append((size, png_bytes(size, rgba) if size >= PNG_FROM else bmp_entry(size, rgba)))
    out = bytearray(struct.pack("<HHH", 0, 1, len(entries)))
    offset = 6 + 16 * len(entries)
    for size, data in entries:
        side = 0 if size >= 256 else size    # 0 means 256 in an ICONDIRENTRY
        out += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    for _, data in entries:
        out += data
    return bytes(out)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        _KEEP.append(QGuiApplication(sys.argv[:1]))   # rendering needs an application, kept alive
    images = {size: render(source_for(size), size) for size in SIZES}
    ico = ICONS / "carnet-petr.ico"
    png = ICONS / "carnet-petr-256.png"
    ico.write_bytes(ico_bytes(images))
    png.write_bytes(png_bytes(256, images[256]))
    for path in (ico, png):
        print(f"{path.relative_to(ICONS.parents[2])} ({path.stat().st_size // 1024} Ko)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
