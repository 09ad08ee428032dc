"""Open (hence back up, then upgrade) an old database in its own process, to be killed by a test.

Usage: migration_crash.py DB BACKUPS [--slow-backup]

Runs the real ``storage.migrations.open_database`` and tells on stdout, each line as
« <marker> <seconds since start> », where it is:
  start       just before ``open_database``
  backup      the backup before the migration begins (``backup_to_folder``)
  backed-up   the backup is written
  upgrade     the Alembic upgrade begins (Alembic still to import)
  ddl         the upgrade's transaction has begun (every revision runs in it)
  sql-N       the upgrade sends its N-th SQL statement through SQLAlchemy (the count is the same
              at every run: a kill after « sql-N » lands at the same step of the migration)
  committing  the upgrade's transaction is about to commit
  upgraded    the upgrade is over
  done        ``open_database`` returned

``--slow-backup`` makes the backup copy (SQLite's backup API) go a few pages at a time with a pause
between steps, like a slow disk, so that a kill shortly after « backup » lands while the backup
file is being written. Everything else is the real code.
"""
from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

PAGES_PER_STEP = 16
STEP_PAUSE = 0.002

_started = time.monotonic()


def tell(marker: str) -> None:
    print(f"{marker} {time.monotonic() - _started:.4f}", flush=True)


class _SlowConnection:
    """A sqlite3 connection whose ``backup`` copies a few pages at a time."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __getattr__(self, name: str):
        return getattr(self._conn, name)

    def backup(self, target, **_options) -> None:
        target = target._conn if isinstance(target, _SlowConnection) else target
        self._conn.backup(target, pages=PAGES_PER_STEP, progress=lambda *_: time.sleep(STEP_PAUSE))


class _SlowSqlite:
    """The ``sqlite3`` module as ``storage/backup.py`` sees it under --slow-backup."""

    def __getattr__(self, name: str):
        return getattr(sqlite3, name)

    @staticmethod
    def connect(*args, **kwargs) -> _SlowConnection:
        return _SlowConnection(sqlite3.connect(*args, **kwargs))


def _wrap(module, name: str, before: str, after: str) -> None:
    function = getattr(module, name)

    def wrapped(*args, **kwargs):
        tell(before)
        result = function(*args, **kwargs)
        tell(after)
        return result

    setattr(module, name, wrapped)


def main(database: str, backups: str, *options: str) -> None:
    from sqlalchemy import Engine, event

    from petr_desktop.storage import backup, migrations

    if "--slow-backup" in options:
        backup.sqlite3 = _SlowSqlite()
    _wrap(migrations, "backup_to_folder", "backup", "backed-up")
    _wrap(migrations, "upgrade", "upgrade", "upgraded")
    upgrading = False
    statements = 0

    def on_begin(_conn) -> None:
        if upgrading:
            tell("ddl")

    def on_statement(*_args) -> None:
        nonlocal statements
        if upgrading:
            statements += 1
            tell(f"sql-{statements}")

    def on_commit(_conn) -> None:
        if upgrading:
            tell("committing")

    event.listen(Engine, "begin", on_begin)
    event.listen(Engine, "commit", on_commit)
    event.listen(Engine, "before_cursor_execute", on_statement)
    upgrade = migrations.upgrade

    def upgrade_watched(*args, **kwargs):
        nonlocal upgrading
        upgrading = True
        try:
            return upgrade(*args, **kwargs)
        finally:
            upgrading = False

    migrations.upgrade = upgrade_watched
    tell("start")
    db = migrations.open_database(Path(database), backups=Path(backups))
    tell("done")
    db.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
