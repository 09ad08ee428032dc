"""SVG icons shipped in resources/icons/."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

from PySide6.QtGui import QIcon


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    path = resources.files("petr_desktop.resources") / "icons" / f"{name}.svg"
    return QIcon(str(path))
