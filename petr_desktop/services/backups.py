"""Rotating backups: list, make, check, restore; the daily backup at start-up.

A restore takes the *path* of a database the app does not have open: it is refused while
Carnet PETR runs on this computer (its single-instance lock is held by another process; the
app restoring its own database holds the lock itself), the backup is checked
(``PRAGMA integrity_check``, a Carnet PETR database of a known revision), the current file is
backed up first (« avant-restauration »), then replaced atomically. The copy carries the
backup flag, so it takes a new replica id at next opening.

How many backups of each kind are kept is a setting of this computer (« Paramètres »), read
from ``storage.local_settings``; ``PETR_DESKTOP_BACKUPS_KEEP`` overrides it.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from ..domain.values import format_date
from ..paths import LOCK_FILE_NAME, resolve, sync_folder
from ..storage import instance_lock, local_settings
from ..storage.backup import backup_file, backup_to_folder, backups_in, kind_of, prune
from ..storage.database import Database
from ..storage.migrations import current_revision, known_revisions
from .errors import InvalidValueError, ServiceError

DAILY = "quotidienne"
MANUAL = "manuelle"
BEFORE_RESTORE = "avant-restauration"
KEEP_MIN, KEEP_MAX = local_settings.KEEP_MIN, local_settings.KEEP_MAX
APP_RUNNING = "Carnet PETR est ouvert sur cet ordinateur : fermez-le avant de restaurer une sauvegarde."
REASON_LABELS = {DAILY: "quotidienne", "avant-migration": "avant migration", "avant-import": "avant import",
                 MANUAL: "manuelle", BEFORE_RESTORE: "avant restauration"}


class BackupError(ServiceError):
    """A backup that cannot be restored (French message); the database was not touched."""


class AppRunningError(BackupError):
    """Carnet PETR runs on this computer: its database must not be replaced under it."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    when: datetime
    reason: str

    @property
    def kind(self) -> str:
        return kind_of(self.reason)

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.kind, self.reason.replace("-", " "))

    @property
    def date_label(self) -> str:
        return f"{format_date(self.when.date())} à {self.when:%H:%M:%S}"

    @property
    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    @property
    def size_label(self) -> str:
        return format_size(self.size)


def format_size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.1f}".replace(".", ",") + " Ko"
    return f"{size / 1024 / 1024:.1f}".replace(".", ",") + " Mo"


def keep_per_kind() -> int:
    """How many backups of each kind are kept (this computer's setting, default 10)."""
    return local_settings.backups_keep()


def set_keep_per_kind(count: int) -> int:
    """Change the setting; the next backup deletes the oldest ones beyond it, of every kind."""
    if isinstance(count, bool) or not isinstance(count, int) or not KEEP_MIN <= count <= KEEP_MAX:
        raise InvalidValueError(f"le nombre de sauvegardes conservées par type doit être compris entre "
                                f"{KEEP_MIN} et {KEEP_MAX}")
    local_settings.update({local_settings.BACKUPS_KEEP: count})
    return count


def backups_folder(db_path: Path) -> Path:
    return Path(db_path).parent / "backups"


def list_backups(folder: Path) -> list[BackupInfo]:
    """Every backup of the folder, newest first."""
    return [BackupInfo(path, when, reason) for when, _n, reason, path in reversed(backups_in(Path(folder)))]


def make_backup(db: Database, reason: str = MANUAL) -> Path:
    """A new backup, then rotation of every kind to the setting (a lowered setting applies at once)."""
    folder, keep = backups_folder(db.path), keep_per_kind()
    written = backup_to_folder(db.path, folder, reason, keep)
    for kind in {kind_of(item.reason) for item in list_backups(folder)}:
        prune(folder, kind, keep)
    return written


def daily_backup_if_due(db: Database, now: datetime | None = None) -> Path | None:
    """A daily backup when the newest one is more than a day old (or there is none)."""
    now = now or datetime.now()
    daily = [b for b in list_backups(backups_folder(db.path)) if b.kind == DAILY]
    if daily and now - daily[0].when < timedelta(days=1):
        return None
    return make_backup(db, DAILY)


def problems(path: Path, full: bool = True) -> list[str]:
    """Why ``path`` cannot be restored (French); empty when it is a sound Carnet PETR database."""
    path = Path(path)
    if not path.is_file():
        return [f"le fichier « {path} » n'existe pas"]
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            check = "integrity_check" if full else "quick_check"
            result = [r[0] for r in conn.execute(f"PRAGMA {check}")]
            if result != ["ok"]:
                return [f"le fichier « {path.name} » est endommagé ({'; '.join(result[:3])})"]
            revision = current_revision(conn)
    except sqlite3.DatabaseError as exc:
        if "malformed" in str(exc) or "corrupt" in str(exc):
            return [f"le fichier « {path.name} » est endommagé ({exc})"]
        return [f"le fichier « {path.name} » n'est pas une base de données lisible ({exc})"]
    if revision is None:
        return [f"le fichier « {path.name} » n'est pas une base de données Carnet PETR"]
    if revision not in known_revisions():
        return [f"le fichier « {path.name} » vient d'une version plus récente de Carnet PETR "
                f"(schéma « {revision} »)"]
    return []


def is_sound(path: Path, full: bool = False) -> bool:
    return not problems(path, full)


def latest_good_backup(folder: Path) -> BackupInfo | None:
    """The newest backup passing ``PRAGMA integrity_check``."""
    return next((b for b in list_backups(folder) if not problems(b.path)), None)


def lock_files(db_path: Path) -> list[Path]:
    """Where a running Carnet PETR keeps its lock: the app home, and the database's folder."""
    found: list[Path] = []
    for folder in (resolve().home, Path(db_path).parent):
        path = folder / LOCK_FILE_NAME
        if all(path.resolve() != other.resolve() for other in found):
            found.append(path)
    return found


def running_app(db_path: Path) -> instance_lock.LockInfo | None:
    """The lock of a Carnet PETR running on this computer in another process (None: free)."""
    return instance_lock.live_holder(lock_files(db_path))


def check_not_running(db_path: Path) -> None:
    """Raise AppRunningError when another process of this computer holds the app's lock."""
    if running_app(db_path) is not None:
        raise AppRunningError(APP_RUNNING)


def restore(db_path: Path, backup_path: Path) -> Path | None:
    """Replace the (closed) database by a backup; returns the backup of the replaced file.

    Raises BackupError, with the database untouched, if Carnet PETR runs in another process
    or the backup is not sound.
    """
    db_path, backup_path = Path(db_path), Path(backup_path)
    check_not_running(db_path)
    found = problems(backup_path)
    if found:
        raise BackupError(f"Restauration refusée : {found[0]}. La base n'a pas été modifiée.")
    folder = backups_folder(db_path)
    saved = _save_current(db_path, folder)
    tmp = db_path.with_name(db_path.name + ".restauration.tmp")
    try:
        backup_file(backup_path, tmp)          # backup API: takes the backup's own WAL; flags the copy
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        for suffix in ("-wal", "-shm", "-journal"):
            stale = db_path.with_name(db_path.name + suffix)
            if stale.exists():
                stale.unlink()
        os.replace(tmp, db_path)
    finally:
        if tmp.exists():
            tmp.unlink()
    sync_folder(db_path.parent)
    return saved


def _save_current(db_path: Path, folder: Path) -> Path | None:
    """The current file, backed up before it is replaced (copied as is if SQLite cannot read it)."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return None
    try:
        return backup_to_folder(db_path, folder, BEFORE_RESTORE, keep_per_kind())
    except sqlite3.DatabaseError:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"carnet-petr-{datetime.now():%Y-%m-%d_%H-%M-%S}.99-{BEFORE_RESTORE}.sqlite"
        shutil.copyfile(db_path, target)
        for suffix in ("-wal", "-shm"):
            side = db_path.with_name(db_path.name + suffix)
            if side.exists():
                shutil.copyfile(side, target.with_name(target.name + suffix))
        return target

