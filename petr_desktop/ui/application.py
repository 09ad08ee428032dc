"""The Qt application: single instance, French look, database, main window, event loop."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from . import startup
from .errors import install_excepthook

DEFERRED_WORK_DELAY_MS = 3000


@dataclass
class Running:
    """A started application: the window is shown, the event loop not yet entered."""

    app: QApplication
    window: object
    lock: QLockFile

    def close(self) -> None:
        """After the event loop: let background work (a daily backup…) finish, then close."""
        self.window.context.tasks.wait_for_all()
        self.window.context.db.close()
        self.lock.unlock()


def start_gui(db_path: Path, home: Path, argv: list[str], settings_path: Path | None = None) -> Running | int:
    """Everything up to the shown main window (an exit code when it cannot start)."""
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
    window = MainWindow(context, activate_after_paint=True)
    window.show()
    # Once the window is on screen and its first page has loaded: a worker busy with Python
    # while the window paints would make every paint wait for the interpreter lock.
    QTimer.singleShot(DEFERRED_WORK_DELAY_MS, lambda: context.tasks.run(lambda: _deferred_work(db),
                                                                          lambda _result: None,
                                                                          lambda _error: None))
    return Running(app, window, lock)


def _deferred_work(db) -> None:
    """After the window is shown, off the GUI thread: the daily backup, then the PDF library
    and fonts, so the first export is quick."""
    from ..exports.pdf import prepare

    startup.daily_backup(db)
    prepare()
