"""What every page needs: the database, the settings, the background runner, and signals
that tell the main window something was saved or should be opened."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject, QSettings, Signal

from ..storage.database import Database
from ..tasks.runner import TaskRunner


class Bus(QObject):
    #: A record should be shown: (kind, id). Kinds: structure, meeting, minutes, sheet, action, person.
    open_record = Signal(str, str)
    #: Something was written to the database (autosave or action), at that time.
    saved = Signal(datetime)
    #: An autosave was refused (French reason); the typed text stays in its editor.
    save_failed = Signal(str)
    #: Data changed in a way other pages may want to reload (e.g. after an import).
    data_changed = Signal()


@dataclass
class AppContext:
    db: Database
    settings: QSettings
    tasks: TaskRunner
    bus: Bus

    def notify_saved(self) -> None:
        self.bus.saved.emit(datetime.now())


def make_settings(path) -> QSettings:
    """Typed INI settings in the app home (window state, filters, last choices)."""
    return QSettings(str(path), QSettings.Format.IniFormat)
