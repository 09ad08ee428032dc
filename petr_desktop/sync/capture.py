"""Capture of local writes into the op log (SYNC.md « Capture »).

Triggers on every synced table mark written rows dirty (unless the importer is applying
ops) and refuse hard deletes. *Minting*, run at the end of every unit of work inside its
transaction, diffs each dirty row against the head of each field and appends one op per
changed field. Works on a raw ``sqlite3`` connection already inside a transaction.
"""
from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable

from ..domain.ids import new_id
from ..domain.models import LOCAL_COLUMNS, SYNCED_TABLES
from . import hlc as hlc_clock

HARD_DELETE_MESSAGE = "suppression définitive interdite : utilisez la suppression logique"

#: A head value no stored value encodes to: the next minting writes an op for the field.
FORCED = "\u0000forced"


def trigger_ddl(table: str) -> list[str]:
    """DDL of the capture triggers of one synced table."""
    mark = (f"INSERT OR IGNORE INTO sync_dirty(tbl, row_id) VALUES ('{table}', NEW.id)")
    when = "WHEN (SELECT applying FROM sync_local WHERE id = 1) = 0"
    return [
        f"CREATE TRIGGER IF NOT EXISTS trg_{table}_dirty_ins AFTER INSERT ON {table} "
        f"{when} BEGIN {mark}; END",
        f"CREATE TRIGGER IF NOT EXISTS trg_{table}_dirty_upd AFTER UPDATE ON {table} "
        f"{when} BEGIN {mark}; END",
        f"CREATE TRIGGER IF NOT EXISTS trg_{table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{HARD_DELETE_MESSAGE}'); END",
    ]


def install_triggers(conn: sqlite3.Connection, tables: Iterable[str] = SYNCED_TABLES) -> None:
    for table in tables:
        for ddl in trigger_ddl(table):
            conn.execute(ddl)


def init_local(conn: sqlite3.Connection, replica_id: str, replica_name: str) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO sync_local(id, replica_id, replica_name, seq, hlc, applying) "
        "VALUES (1, ?, ?, 0, 0, 0)", (replica_id, replica_name))


def encode(value: object) -> str:
    """Canonical JSON text of a stored SQLite value."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def version_vector(conn: sqlite3.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT replica_id, seq FROM sync_vv ORDER BY replica_id"))


def mint(conn: sqlite3.Connection, now_ms: int | None = None) -> int:
    """Turn dirty rows into ops, in one batch. Returns the number of ops written."""
    dirty: dict[str, list[str]] = defaultdict(list)
    for table, row_id in conn.execute("SELECT tbl, row_id FROM sync_dirty ORDER BY tbl, row_id"):
        dirty[table].append(row_id)
    if not dirty:
        return 0
    changes: list[tuple[str, str, str, str, str]] = []    # table, row, field, value, kind
    for table, row_ids in dirty.items():
        changes.extend(_diff_table(conn, table, row_ids))
    conn.execute("DELETE FROM sync_dirty")
    if not changes:
        return 0

    replica_id, seq, last_hlc, author = conn.execute(
        "SELECT replica_id, seq, hlc, user_initials || ' ' || user_name FROM sync_local WHERE id = 1").fetchone()
    hlc = hlc_clock.tick(last_hlc, now_ms)
    batch_id = new_id()
    ctx_vv = version_vector(conn)
    ctx_vv[replica_id] = seq + len(changes)
    conn.execute("INSERT INTO sync_batch(batch_id, replica_id, hlc, ctx_vv, author) VALUES (?, ?, ?, ?, ?)",
                 (batch_id, replica_id, hlc, json.dumps(ctx_vv, sort_keys=True), author.strip()))
    ops = []
    heads = []
    for offset, (table, row_id, field, value, kind) in enumerate(changes, start=1):
        op_id = new_id()
        ops.append((op_id, replica_id, seq + offset, batch_id, hlc, table, row_id, field, value, kind))
        heads.append((table, row_id, field, value, op_id))
    conn.executemany(
        "INSERT INTO sync_op(op_id, replica_id, seq, batch_id, hlc, tbl, row_id, field, value, kind) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ops)
    conn.executemany(
        "INSERT INTO sync_head(tbl, row_id, field, value, op_id) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(tbl, row_id, field) DO UPDATE SET value = excluded.value, op_id = excluded.op_id",
        heads)
    new_seq = seq + len(changes)
    conn.execute("UPDATE sync_local SET seq = ?, hlc = ? WHERE id = 1", (new_seq, hlc))
    conn.execute("INSERT INTO sync_vv(replica_id, seq) VALUES (?, ?) "
                 "ON CONFLICT(replica_id) DO UPDATE SET seq = excluded.seq", (replica_id, new_seq))
    _remerge_conflicted(conn, {(table, row_id) for table, row_id, *_ in changes}, batch_id)
    return len(changes)


def force(conn: sqlite3.Connection, table: str, row_id: str, field: str) -> None:
    """Make the next minting write an op for this field even if its value did not change.

    A conflict resolution must be a new op covering every head, also when the user keeps
    the value shown.
    """
    conn.execute("UPDATE sync_head SET value = ? WHERE tbl = ? AND row_id = ? AND field = ?",
                 (FORCED, table, row_id, field))
    conn.execute("INSERT OR IGNORE INTO sync_dirty(tbl, row_id) VALUES (?, ?)", (table, row_id))


def _remerge_conflicted(conn: sqlite3.Connection, rows: set[tuple[str, str]], batch_id: str) -> None:
    """A local write covers every head it saw: conflicts of the rows it touched are merged again."""
    if not conn.execute("SELECT 1 FROM sync_conflict LIMIT 1").fetchone():
        return
    conflicted = [r for r in rows if conn.execute(
        "SELECT 1 FROM sync_conflict WHERE tbl = ? AND row_id = ? LIMIT 1", r).fetchone()]
    if conflicted:
        from .materialize import materialize
        from ..domain.ids import now_iso

        materialize(conn, conflicted, batch_id, now_iso())


def _diff_table(conn: sqlite3.Connection, table: str, row_ids: list[str]):
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    fields = [c for c in columns if c not in LOCAL_COLUMNS]
    for chunk_start in range(0, len(row_ids), 500):
        chunk = row_ids[chunk_start:chunk_start + 500]
        marks = ",".join("?" * len(chunk))
        rows = {r[0]: r for r in conn.execute(
            f"SELECT id, {', '.join(fields)} FROM {table} WHERE id IN ({marks})", chunk)}
        heads: dict[tuple[str, str], str] = {}
        for row_id, field, value in conn.execute(
                f"SELECT row_id, field, value FROM sync_head WHERE tbl = ? AND row_id IN ({marks})",
                [table, *chunk]):
            heads[(row_id, field)] = value
        for row_id in chunk:
            row = rows.get(row_id)
            if row is None:
                continue
            for field, raw in zip(fields, row[1:]):
                value = encode(raw)
                old = heads.get((row_id, field))
                if old == value:
                    continue
                kind = "tombstone" if field == "deleted" and raw else "set"
                if old is None and field == "deleted" and not raw:
                    kind = "create"
                yield table, row_id, field, value, kind
