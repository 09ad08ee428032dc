"""SVG icons shipped in resources/icons/, and the application icon."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

from PySide6.QtGui import QIcon

APP_ICON = "carnet-petr"


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    path = resources.files("petr_desktop.resources") / "icons" / f"{name}.svg"
    return QIcon(str(path))


@lru_cache(maxsize=1)
def app_icon() -> QIcon:
    """The Carnet PETR icon (window title bar, taskbar, Alt+Tab): `app.setWindowIcon(app_icon())`.

    From carnet-petr.ico, which holds 16 to 256 px images, the small ones drawn for their size
    (packaging/make_icon.py). Without it (a wheel ships the SVG files only), the SVG drawing.
    """
    folder = resources.files("petr_desktop.resources") / "icons"
    ico = folder / f"{APP_ICON}.ico"
    if ico.is_file():
        found = QIcon(str(ico))
        if found.availableSizes():
            return found
    return QIcon(str(folder / f"{APP_ICON}.svg"))
