"""Start-up: paths → logging → the Qt application (single instance, French translators,
database opened, checked, backed up and migrated, reference data) → main window."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

from . import __version__, paths
from .logging_setup import configure

log = logging.getLogger(__name__)


def run(db_path: Path | None = None, argv: list[str] | None = None) -> int:
    app_paths = paths.resolve().ensure()
    configure(app_paths.logs)
    log.info("Carnet PETR %s starting", __version__)
    from .ui.application import run_gui

    return run_gui(db_path or app_paths.database, app_paths.home, argv or sys.argv[:1], app_paths.settings)
