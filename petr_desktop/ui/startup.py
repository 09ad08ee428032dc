"""Qt-side start-up steps: fonts, French translators, single-instance lock, opening the DB."""
from __future__ import annotations

import logging
import sqlite3
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QLockFile, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from ..services.reference import load_reference
from ..services.errors import ServiceError, describe_os_error, describe_sqlite_error
from ..storage.database import Database
from ..storage.errors import StorageError
from ..storage.migrations import open_database

log = logging.getLogger(__name__)
FONT_FAMILY = "DejaVu Sans"


def configure_application(app: QApplication) -> None:
    app.setApplicationName("Carnet PETR")
    app.setOrganizationName("Région Grand Est")
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    fonts = resources.files("petr_desktop.resources") / "fonts"
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        QFontDatabase.addApplicationFont(str(fonts / name))
    app.setFont(QFont(FONT_FAMILY, 10))
    translator = QTranslator(app)
    if translator.load(QLocale(QLocale.Language.French), "qtbase", "_",
                       QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(translator)
    else:
        log.warning("qtbase_fr translations not found")


def single_instance_lock(home: Path) -> QLockFile | None:
    """The lock that keeps a second copy of the app off the same home (None: already running)."""
    home.mkdir(parents=True, exist_ok=True)
    lock = QLockFile(str(home / "carnet-petr.lock"))
    lock.setStaleLockTime(0)
    return lock if lock.tryLock(100) else None


def open_database_or_explain(path: Path) -> Database | None:
    """Open the database; on failure, say why in French and return None."""
    try:
        db = open_database(path)
        load_reference(db)
        return db
    except (StorageError, ServiceError) as exc:
        message = str(exc)
    except OSError as exc:
        message = f"Impossible d'ouvrir la base : {describe_os_error(exc)}."
    except sqlite3.DatabaseError as exc:
        message = f"Impossible d'ouvrir la base « {path} » : {describe_sqlite_error(exc)}."
    log.error("cannot open database %s: %s", path, message)
    QMessageBox.critical(None, "Carnet PETR — base de données", message)
    return None
