"""Regenerate the README screenshots offscreen from demo data: python scripts/screenshots.py"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from petr_desktop.services import demo, profile
    from petr_desktop.storage.migrations import open_database
    from petr_desktop.tasks.runner import TaskRunner
    from petr_desktop.ui import startup
    from petr_desktop.ui.context import AppContext, Bus, make_settings
    from petr_desktop.ui.main_window import PAGE_CLASSES, MainWindow

    app = QApplication(sys.argv[:1])
    startup.configure_application(app)
    folder = Path(tempfile.mkdtemp())
    db = open_database(folder / "demo.sqlite")
    demo.generate(db)
    profile.set_profile(db, "Isabelle Kuntz", "Chargée de mission", "IK", "Portable d'Isabelle")
    context = AppContext(db, make_settings(folder / "settings.ini"), TaskRunner(synchronous=True), Bus())
    window = MainWindow(context)
    window.resize(1366, 800)
    window.show()
    OUT.mkdir(parents=True, exist_ok=True)
    for page_class in PAGE_CLASSES:
        window.show_page(page_class)
        app.processEvents()
        window.grab().save(str(OUT / f"{page_class.__name__.removesuffix('Page').lower()}.png"))
    print(OUT)


if __name__ == "__main__":
    main()
