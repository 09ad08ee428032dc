"""Start the real application as `make run` does (app.run), inspect it once shown, then quit.

Usage: python start_app.py  (PETR_DESKTOP_HOME must point to a test home)
Prints one JSON line with what the window shows.
"""
from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QApplication

    from petr_desktop import app
    from petr_desktop.ui.main_window import MainWindow
    from petr_desktop.ui.pages.structures import StructuresPage

    def inspect_then_quit() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        window = windows[0]
        structures = window.show_page(StructuresPage)
        print(json.dumps({"pages": window.nav.count(), "title": window.windowTitle(),
                          "cancel": QCoreApplication.translate("QPlatformTheme", "Cancel"),
                          "structures": structures.model.rowCount()}, ensure_ascii=False), flush=True)
        window.close()

    qt_app = QApplication(["petr-desktop"])       # app.run reuses it; the timer needs its event loop
    QTimer.singleShot(500, inspect_then_quit)
    code = app.run(argv=["petr-desktop"])
    del qt_app
    return code


if __name__ == "__main__":
    raise SystemExit(main())
