"""Opening a database: create, check, back up, migrate, or refuse.

A new database is ``create_all`` + the SQL objects metadata does not know (triggers,
FTS) + ``stamp head``. An existing one at an older revision is integrity-checked,
backed up with the SQLite backup API, then upgraded by Alembic in one transaction.
A revision this version does not know means a newer app made the file: refused.
Alembic is imported only when an upgrade or stamp is needed (it costs ~250 ms).
"""
from __future__ import annotations

import logging
import socket
from contextlib import closing
import sqlite3
from importlib import resources
from pathlib import Path

from sqlmodel import SQLModel

from ..domain import models  # noqa: F401  (registers the tables in the metadata)
from ..domain.ids import new_id
from ..paths import restrict
from ..sync import capture, freeze, identity
from ..sync import tables as _sync_tables  # noqa: F401
from . import fts
from .backup import backup_to_folder
from .database import Database, make_engine
from .errors import CorruptDatabaseError, NewerDatabaseError, NotPetrDatabaseError

log = logging.getLogger(__name__)

VERSIONS_PACKAGE = "petr_desktop.db.versions"


def known_revisions() -> list[str]:
    """Revision ids shipped with this version, oldest first (file names start with them)."""
    names = [p.name for p in resources.files(VERSIONS_PACKAGE).iterdir()]
    return sorted(n.split("_", 1)[0] for n in names if n[:4].isdigit() and n.endswith(".py"))


def head_revision() -> str:
    return known_revisions()[-1]


def current_revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        if "no such table" in str(exc):
            return None
        raise
    return row[0] if row else None


def alembic_config(db_path: Path):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("petr_desktop.db")))
    config.set_main_option("sqlalchemy.url", f"sqlite:///{db_path}")
    return config


def open_database(path: Path, backups: Path | None = None, replica_name: str | None = None,
                  create: bool = True) -> Database:
    """Open (creating or upgrading if needed) the database at ``path``."""
    path = Path(path)
    backups = backups or path.parent / "backups"
    is_new = not path.exists() or path.stat().st_size == 0
    if is_new and not create:
        raise FileNotFoundError(path)
    if not is_new:
        _check_existing(path, backups)
    engine = make_engine(path)
    db = Database(path, engine)
    if is_new or _is_empty(path):
        create_schema(db, replica_name or socket.gethostname())
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if part.exists():
            restrict(part)
    else:
        with db.engine.begin() as conn:
            identity.ensure_replica(conn.connection.dbapi_connection, path)
    return db


def _is_empty(path: Path) -> bool:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] == 0


def _check_existing(path: Path, backups: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True)
    except sqlite3.Error as exc:
        raise CorruptDatabaseError(path, str(exc)) from exc
    try:
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            revision = current_revision(conn)
        except sqlite3.DatabaseError as exc:
            raise NotPetrDatabaseError(path) from exc
        if not tables:
            return
        if revision is None:
            raise NotPetrDatabaseError(path)
        shipped = known_revisions()
        if revision not in shipped:
            raise NewerDatabaseError(revision)
        if revision == shipped[-1]:
            return
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise CorruptDatabaseError(path, result)
    finally:
        conn.close()
    copy = backup_to_folder(path, backups, f"avant-migration-{revision}")
    log.info("backup before upgrade from %s written to %s", revision, copy)
    upgrade(path)


def upgrade(path: Path, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(path), revision)


def create_schema(db: Database, replica_name: str) -> None:
    """A fresh database: tables, triggers, FTS, this replica's identity, stamped at head."""
    with db.engine.begin() as conn:
        SQLModel.metadata.create_all(conn)
        raw = conn.connection.dbapi_connection
        capture.install_triggers(raw)
        freeze.install_triggers(raw)
        fts.install(raw)
        capture.init_local(raw, new_id(), replica_name)
        identity.ensure_replica(raw, db.path)
        raw.execute("CREATE TABLE IF NOT EXISTS alembic_version ("
                    "version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")
        raw.execute("INSERT INTO alembic_version(version_num) VALUES (?)", (head_revision(),))
