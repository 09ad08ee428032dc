"""Start-up: paths → logging → the Qt application (single instance, French translators,
database opened, checked and migrated, reference data) → main window → deferred work
(daily backup, PDF library)."""
from __future__ import annotations

import logging
import sys
import threading
from importlib import import_module
from pathlib import Path

from . import __version__, paths
from .logging_setup import configure

log = logging.getLogger(__name__)
#: What opening the database needs, slowest first.
DATABASE_STACK = ("petr_desktop.storage.migrations", "petr_desktop.services.reference",
                  "petr_desktop.services.backups")


def preload_database_stack() -> threading.Thread:
    """Import the database stack (SQLAlchemy, SQLModel, the tables: about a second on a slow
    laptop) on another core while the main thread loads Qt. The import system's per-module
    locks make the main thread wait for a module this thread is still importing, so the main
    thread just meets finished modules later; an import error is raised again there."""
    def preload() -> None:
        for name in DATABASE_STACK:
            try:
                import_module(name)
            except Exception:
                log.exception("preloading %s failed", name)
                return

    thread = threading.Thread(target=preload, name="preload-database-stack", daemon=True)
    thread.start()
    return thread


def start(db_path: Path | None = None, argv: list[str] | None = None):
    """Everything up to the shown main window: a ``ui.application.Running``, or an exit code."""
    app_paths = paths.resolve().ensure()
    configure(app_paths.logs)
    log.info("Carnet PETR %s starting", __version__)
    preload_database_stack()
    from .ui.application import start_gui

    return start_gui(db_path or app_paths.database, app_paths.home, argv or sys.argv[:1], app_paths.settings)


def run(db_path: Path | None = None, argv: list[str] | None = None) -> int:
    running = start(db_path, argv)
    if isinstance(running, int):
        return running
    try:
        return running.app.exec()
    finally:
        running.close()
