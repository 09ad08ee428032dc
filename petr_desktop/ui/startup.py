"""Qt-side start-up steps: fonts, French translators, single-instance lock, opening the DB."""
from __future__ import annotations

import logging
import sqlite3
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QLibraryInfo, QLocale, QLockFile, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from ..services.errors import ServiceError, describe_os_error, describe_sqlite_error
from ..storage.errors import CorruptDatabaseError, NotPetrDatabaseError, StorageError
from .icons import app_icon

if TYPE_CHECKING:
    from ..storage.database import Database

log = logging.getLogger(__name__)
FONT_FAMILY = "DejaVu Sans"
def configure_application(app: QApplication) -> None:
    app.setApplicationName("Carnet PETR")
    app.setOrganizationName("Région Grand Est")
    app.setWindowIcon(app_icon())
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


def open_database_or_explain(path: Path, ask: Callable[[str], bool] | None = None) -> Database | None:
    """Open the database; on failure, say why in French and return None.

    A damaged database: the newest sound backup is offered (``ask`` answers the question),
    restored, and the database opened once more — never in a loop.
    """
    db, message, damaged = _try_open(path)
    if db is None and damaged and offer_restore(path, message, ask or ask_restore):
        db, message, _damaged = _try_open(path)
    if db is None:
        log.error("cannot open database %s: %s", path, message)
        QMessageBox.critical(None, "Carnet PETR — base de données", message)
    return db


def daily_backup(db: Database) -> None:
    """Deferred start-up work (off the GUI thread): the first start of the day backs up."""
    from ..services import backups

    try:
        made = backups.daily_backup_if_due(db)
        if made is not None:
            log.info("daily backup written to %s", made)
    except (OSError, sqlite3.Error) as exc:
        log.warning("daily backup failed: %s", exc)


def _try_open(path: Path) -> tuple[Database | None, str, bool]:
    """(database, French reason of a failure, whether the file looks damaged)."""
    from ..services.reference import load_reference
    from ..storage.migrations import open_database

    try:
        db = open_database(path)
        try:
            load_reference(db)
        except BaseException:
            db.close()
            raise
        return db, "", False
    except CorruptDatabaseError as exc:
        return None, str(exc), True
    except NotPetrDatabaseError as exc:
        # Not SQLite at all (header destroyed): damaged; an SQLite file of another app is not.
        return None, str(exc), _is_damage(exc.__cause__)
    except (StorageError, ServiceError) as exc:
        return None, str(exc), False
    except OSError as exc:
        return None, f"Impossible d'ouvrir la base : {describe_os_error(exc)}.", False
    except sqlite3.DatabaseError as exc:
        return None, f"Impossible d'ouvrir la base « {path} » : {describe_sqlite_error(exc)}.", _is_damage(exc)


def _is_damage(exc: BaseException | None) -> bool:
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    return getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) \
        or "malformed" in str(exc).lower() or "not a database" in str(exc).lower()


def offer_restore(path: Path, message: str, ask: Callable[[str], bool]) -> bool:
    """The decision at start-up for a damaged database: True when the latest sound backup was restored."""
    from ..services import backups

    good = backups.latest_good_backup(backups.backups_folder(path))
    if good is None:
        return False
    question = (f"{message}\n\nRestaurer la dernière sauvegarde saine ({good.reason_label}, "
                f"du {good.date_label}) ? La base endommagée sera gardée dans le dossier des sauvegardes.")
    if not ask(question):
        return False
    try:
        backups.restore(path, good.path)
    except (ServiceError, OSError, sqlite3.Error) as exc:
        log.error("restore of %s failed: %s", good.path, exc)
        return False
    log.warning("damaged database %s replaced by the backup %s", path, good.path)
    return True


def ask_restore(question: str) -> bool:
    answer = QMessageBox.question(None, "Carnet PETR — base endommagée", question,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.Yes)
    return answer == QMessageBox.StandardButton.Yes
