"""The Qt application: single instance, French look, database, main window, event loop."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from . import startup
from .errors import install_excepthook


def run_gui(db_path: Path, home: Path, argv: list[str], settings_path: Path | None = None) -> int:
    app = QApplication.instance() or QApplication(argv)
    startup.configure_application(app)
    install_excepthook()
    lock = startup.single_instance_lock(home)
    if lock is None:
        QMessageBox.information(None, "Carnet PETR", "Carnet PETR est déjà ouvert sur cet ordinateur.")
        return 0
    db = startup.open_database_or_explain(db_path)
    if db is None:
        lock.unlock()
        return 1
    from ..tasks.runner import TaskRunner
    from .context import AppContext, Bus, make_settings
    from .main_window import MainWindow

    context = AppContext(db, make_settings(settings_path or home / "settings.ini"), TaskRunner(app), Bus(app))
    window = MainWindow(context)
    window.show()
    context.tasks.run(_warm_up_exports, lambda _result: None, lambda _error: None)
    try:
        return app.exec()
    finally:
        db.close()
        lock.unlock()


def _warm_up_exports() -> None:
    """Deferred start-up work: load the PDF library and fonts so the first export is quick."""
    from ..exports.pdf import prepare

    prepare()
