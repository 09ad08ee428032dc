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
#: The single-instance lock (a Qt QLockFile) that the running app keeps in its home folder.
LOCK_FILE_NAME = "carnet-petr.lock"
#: Settings of this computer that services read without Qt (JSON; see storage.local_settings).
LOCAL_SETTINGS_NAME = "local-settings.json"


@dataclass(frozen=True)
class AppPaths:
    home: Path
    database: Path
    backups: Path
    logs: Path
    settings: Path
    blobs: Path

    @property
    def lock(self) -> Path:
        return self.home / LOCK_FILE_NAME

    @property
    def local_settings(self) -> Path:
        """Beside ``settings.ini``: per computer, never synced, kept when a database is restored."""
        return self.settings.with_name(LOCAL_SETTINGS_NAME)

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


def sync_folder(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable (fsync of the directory, POSIX).

    A no-op on Windows, where a directory cannot be opened to be flushed. Errors are ignored:
    the data is written already, only its durability after a power cut is at stake.
    """
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def restrict(path: Path, mode: int = 0o600) -> None:
    """Readable by the user only on POSIX (Windows: the per-user AppData folder already is)."""
    if os.name == "posix":
        try:
            os.chmod(path, mode)
        except OSError:
            pass


#: A temporary file older than this was left by a killed or crashed writer (a live one is seconds old).
STALE_AFTER_S = 600


def remove_stale(folder: Path, pattern: str, older_than: float = STALE_AFTER_S) -> list[Path]:
    """Delete the files of ``folder`` matching ``pattern`` not modified for ``older_than`` seconds:
    the temporaries of a writer that was killed before its rename. A younger one may belong to a
    writer still at work (another export of the same file), so it is left alone."""
    import time

    removed = []
    limit = time.time() - older_than
    for path in Path(folder).glob(pattern):
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                removed.append(path)
        except OSError:
            pass
    return removed
