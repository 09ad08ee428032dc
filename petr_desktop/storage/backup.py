"""Backups with the SQLite online backup API (consistent even while the app writes)."""
from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

from ..sync import identity


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


def timestamped_name(reason: str) -> str:
    return f"carnet-petr-{datetime.now().strftime('%Y-%m-%d_%H-%M-%S')}-{reason}.sqlite"


def backup_to_folder(source: Path, folder: Path, reason: str) -> Path:
    return backup_file(source, folder / timestamped_name(reason))


def _restrict(path: Path) -> None:
    """Readable by the user only (no-op where POSIX modes do not apply)."""
    try:
        os.chmod(path, 0o600)
    except OSError:
        pass
