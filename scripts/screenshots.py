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

    from petr_desktop.services import demo
    from petr_desktop.storage.migrations import open_database
    from petr_desktop.ui import startup
    from petr_desktop.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    startup.configure_application(app)
    db = open_database(Path(tempfile.mkdtemp()) / "demo.sqlite")
    demo.generate(db)
    window = MainWindow(db)
    window.resize(1280, 760)
    window.show()
    app.processEvents()
    OUT.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(OUT / "structures.png"))
    window.search_box.setText("réfaction du solde")
    window.run_search()
    app.processEvents()
    window.grab().save(str(OUT / "recherche.png"))
    print(OUT)


if __name__ == "__main__":
    main()
