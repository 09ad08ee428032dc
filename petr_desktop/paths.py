"""Every directory of the app, through platformdirs.

``PETR_DESKTOP_HOME`` moves the whole home (database, backups, logs, settings, blobs):
tests and portable use set it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "CarnetPETR"
APP_AUTHOR = "RegionGrandEst"
DB_FILE_NAME = "carnet-petr.sqlite"


@dataclass(frozen=True)
class AppPaths:
    home: Path
    database: Path
    backups: Path
    logs: Path
    settings: Path
    blobs: Path

    def ensure(self) -> "AppPaths":
        for folder in (self.home, self.backups, self.logs, self.settings.parent, self.blobs):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def resolve() -> AppPaths:
    override = os.environ.get("PETR_DESKTOP_HOME")
    if override:
        home = Path(override).expanduser().resolve()
        return AppPaths(home=home, database=home / DB_FILE_NAME, backups=home / "backups",
                        logs=home / "logs", settings=home / "settings.ini", blobs=home / "blobs")
    home = Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
    return AppPaths(
        home=home, database=home / DB_FILE_NAME, backups=home / "backups",
        logs=Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)),
        settings=Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)) / "settings.ini",
        blobs=home / "blobs")



def restrict(path: Path, mode: int = 0o600) -> None:
    """Readable by the user only on POSIX (Windows: the per-user AppData folder already is)."""
    if os.name == "posix":
        try:
            os.chmod(path, mode)
        except OSError:
            pass
