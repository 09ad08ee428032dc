"""Start-up: paths → logging → the Qt application (single instance, French translators,
database opened, checked and migrated, reference data) → main window → deferred work
(daily backup, PDF library).

Everything is imported on the main thread: importing the database stack on a second thread
while Qt loaded gained ~0.1 s and, one start in thirty, made the main thread meet a partially
initialised module (« cannot import name 'Session' from 'sqlmodel' »)."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

from . import __version__, paths
from .logging_setup import configure

log = logging.getLogger(__name__)


def start(db_path: Path | None = None, argv: list[str] | None = None):
    """Everything up to the shown main window: a ``ui.application.Running``, or an exit code."""
    app_paths = paths.resolve().ensure()
    configure(app_paths.logs)
    log.info("Carnet PETR %s starting", __version__)
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
