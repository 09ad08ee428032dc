"""Backups with the SQLite online backup API (consistent even while the app writes).

Backups live in one folder, named ``carnet-petr-<date>_<heure>[.<n>]-<raison>.sqlite``;
after each new one, only the newest ``keep`` of its kind are kept (daily, before a
migration, before an import, manual, before a restore): this computer's setting
(``local_settings.backups_keep``, default 10).
"""
from __future__ import annotations

import os
import re
import sqlite3
import threading
from datetime import datetime
from pathlib import Path

from ..paths import remove_stale
from ..sync import identity
from .local_settings import backups_keep
NAME = re.compile(r"^carnet-petr-(\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d)(?:\.(\d+))?-(.+)\.sqlite$")
STAMP_FORMAT = "%Y-%m-%d_%H-%M-%S"


def backup_file(source: Path, destination: Path) -> Path:
    """Copy a live database to ``destination`` through a temporary name, then rename."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = destination.with_name(destination.name + ".tmp")
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            identity.mark_copy(dst)
            dst.commit()
        finally:
            dst.close()
    finally:
        src.close()
    _restrict(tmp)
    os.replace(tmp, destination)
    return destination


def timestamped_name(reason: str, when: datetime | None = None, counter: int = 0) -> str:
    stamp = (when or datetime.now()).strftime(STAMP_FORMAT)
    return f"carnet-petr-{stamp}{f'.{counter}' if counter else ''}-{reason}.sqlite"


def kind_of(reason: str) -> str:
    """The rotation kind of a reason: ``avant-migration-0003`` is an ``avant-migration``."""
    return "avant-migration" if reason.startswith("avant-migration") else reason


def parse_name(name: str) -> tuple[datetime, int, str] | None:
    """(time, counter, reason) of a backup file name, None for any other file."""
    match = NAME.match(name)
    if match is None:
        return None
    try:
        when = datetime.strptime(match.group(1), STAMP_FORMAT)
    except ValueError:
        return None
    return when, int(match.group(2) or 0), match.group(3)


def backups_in(folder: Path) -> list[tuple[datetime, int, str, Path]]:
    """Every backup of the folder, oldest first."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        parsed = parse_name(path.name)
        if parsed is not None and path.is_file():
            found.append((*parsed, path))
    return sorted(found, key=lambda item: (item[0], item[1], item[3].name))


def prune(folder: Path, kind: str, keep: int | None = None) -> list[Path]:
    """Delete all but the newest ``keep`` backups of one kind; returns the deleted files."""
    keep = backups_keep() if keep is None else keep
    same = [item[3] for item in backups_in(folder) if kind_of(item[2]) == kind]
    removed = []
    for path in same[:max(0, len(same) - keep)]:
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass
    return removed


def backup_to_folder(source: Path, folder: Path, reason: str, keep: int | None = None) -> Path:
    """A new backup in ``folder`` (never overwriting one), then rotation of its kind."""
    now = datetime.now().replace(microsecond=0)
    same_second = [n for when, n, _reason, _path in backups_in(folder) if when == now]
    counter = max(same_second) + 1 if same_second else 0    # names sort in the order they were made
    written = backup_file(source, folder / timestamped_name(reason, now, counter))
    prune(folder, kind_of(reason), keep)
    remove_stale(folder, "carnet-petr-*.sqlite.tmp*")            # what a killed backup left
    return written


def _restrict(path: Path) -> None:
    """Readable by the user only (no-op where POSIX modes do not apply)."""
    try:
        os.chmod(path, 0o600)
    except OSError:
        pass


class BackupInBackground:
    """``backup_to_folder`` on another thread, while the caller goes on (SQLite copies the pages
    without holding Python's lock, so the copy and the caller's work overlap).

    The copy reads one snapshot, taken when it starts: started before a write transaction, it
    holds the state from before that transaction as long as the caller ``wait()``\\ s for it
    before committing.
    """

    def __init__(self, source: Path, folder: Path, reason: str) -> None:
        self._path: Path | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(source, folder, reason), name="backup", daemon=True)
        self._thread.start()

    def _run(self, source: Path, folder: Path, reason: str) -> None:
        try:
            self._path = backup_to_folder(source, folder, reason)
        except BaseException as exc:        # handed to wait()
            self._error = exc

    def wait(self) -> Path:
        """The backup's path once written; its error if it failed."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._path is not None
        return self._path

    def discard(self) -> None:
        """Not needed after all (nothing was applied): wait for it, then delete it."""
        try:
            self.wait().unlink(missing_ok=True)
        except (OSError, sqlite3.Error):
            pass
