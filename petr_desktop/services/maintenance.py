"""Canonical dump, consistency check and backup of a database."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlmodel import Session

from ..domain.canonical import canonical_json
from ..domain.models import LOCAL_COLUMNS, SYNCED_TABLES
from ..storage import fts
from ..storage.backup import backup_file, backup_to_folder
from ..storage.database import Database, raw_connection
from ..storage.migrations import current_revision, head_revision
from ..sync.capture import encode
from ..sync.materialize import differences
from .uow import reading


@reading
def dump(session: Session) -> bytes:
    """Canonical JSON of every live record, sorted: same content, same bytes, on any replica.

    ``updated_at`` is local bookkeeping and left out; ``deleted`` rows are left out.
    """
    conn = raw_connection(session)
    content: dict[str, list[dict[str, Any]]] = {}
    for table in sorted(SYNCED_TABLES):
        cursor = conn.execute(f"SELECT * FROM {table} WHERE deleted = 0 ORDER BY id")
        names = [c[0] for c in cursor.description]
        content[table] = [{n: v for n, v in zip(names, row) if n not in ("updated_at", "deleted")}
                          for row in cursor]
    return canonical_json(content) + b"\n"


@reading
def check(session: Session) -> list[str]:
    """Every problem found, in French; an empty list means the database is sound."""
    conn = raw_connection(session)
    problems = []
    integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    if integrity != ["ok"]:
        problems.extend(f"intégrité SQLite : {line}" for line in integrity[:20])
    revision, head = current_revision(conn), head_revision()
    if revision != head:
        problems.append(f"version du schéma « {revision} » au lieu de « {head} »")
    problems.extend(fts.check(conn))
    problems.extend(_oplog_problems(conn))
    rebuilt = differences(conn)
    if rebuilt:
        problems.append(f"{len(rebuilt)} valeur(s) diffèrent d'une reconstruction depuis le journal, "
                        f"par exemple : {rebuilt[0]}")
    return problems


def _oplog_problems(conn) -> list[str]:
    """Every replicated value of every row must equal its head in the op log."""
    dirty = set(conn.execute("SELECT tbl, row_id FROM sync_dirty"))
    missing = 0
    for table in SYNCED_TABLES:
        cursor = conn.execute(f"SELECT * FROM {table}")
        names = [c[0] for c in cursor.description]
        heads: dict[tuple[str, str], str] = {
            (r, f): v for r, f, v in conn.execute("SELECT row_id, field, value FROM sync_head WHERE tbl = ?",
                                                  (table,))}
        for row in cursor:
            record = dict(zip(names, row))
            if (table, record["id"]) in dirty:
                continue
            missing += sum(1 for name, value in record.items()
                           if name not in LOCAL_COLUMNS and heads.get((record["id"], name)) != encode(value))
    return [f"journal de synchronisation incomplet : {missing} valeur(s) sans opération"] if missing else []


def backup(db: Database, destination: Path | None = None) -> Path:
    """Consistent copy of the database (SQLite backup API), to a file or the backups folder."""
    if destination is not None:
        return backup_file(db.path, destination)
    return backup_to_folder(db.path, db.path.parent / "backups", "manuelle")


def stats(db: Database) -> dict[str, int]:
    with db.reader() as session:
        conn = raw_connection(session)
        return {t: conn.execute(f"SELECT count(*) FROM {t} WHERE deleted = 0").fetchone()[0]
                for t in SYNCED_TABLES} | {"sync_op": conn.execute("SELECT count(*) FROM sync_op").fetchone()[0]}


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)
