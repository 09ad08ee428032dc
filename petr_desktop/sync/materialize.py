"""Materialize rows from the op log: the ordinary tables are a view of the ops.

For each touched row: load its ops, merge them (``merge.merge_row``, pure) with the
freeze of its signed record if any, then write the row, the heads, the open conflicts,
the journal of LWW losers and the proposals received after a sign-off. Runs inside the
caller's transaction with the capture triggers silenced (``sync_local.applying``).
"""
from __future__ import annotations

import functools
import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from pydantic_core import PydanticUndefined

from ..domain.models import MODEL_BY_TABLE
from . import freeze as freezes
from .capture import encode
from .merge import Op, RowMerge, merge_row
from .policy import REGISTRY


@dataclass
class Outcome:
    """What one materialization changed, for the import report."""

    created: Counter = field(default_factory=Counter)       # table -> rows
    updated: Counter = field(default_factory=Counter)
    deleted: Counter = field(default_factory=Counter)
    hidden: Counter = field(default_factory=Counter)        # rows withheld by a sign-off
    conflicts: list[str] = field(default_factory=list)      # new conflict ids
    overwrites: list[str] = field(default_factory=list)     # newly journaled lost op ids
    proposals: list[str] = field(default_factory=list)      # new proposal op ids


class BatchCache(dict):
    """batch id -> (ctx_vv, author), loaded on demand; also the freeze points of records,
    fixed while one materialization runs (every op is stored before it starts)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__()
        self.conn = conn
        self.freezes: dict[tuple[str, str], tuple[dict[str, int], ...]] = {}
        self.pending = {b for (b,) in conn.execute("SELECT batch_id FROM sync_pending")}

    def freeze_points(self, table: str, row_id: str) -> tuple[dict[str, int], ...]:
        key = (table, row_id)
        if key not in self.freezes:
            self.freezes[key] = freezes.freeze_points(self.conn, table, row_id)
        return self.freezes[key]

    def __missing__(self, batch_id: str) -> tuple[dict[str, int], str]:
        row = self.conn.execute("SELECT ctx_vv, author FROM sync_batch WHERE batch_id = ?", (batch_id,)).fetchone()
        value = (json.loads(row[0]), row[1]) if row else ({}, "")
        self[batch_id] = value
        return value


def row_ops(conn: sqlite3.Connection, table: str, row_id: str, batches: BatchCache) -> dict[str, list[Op]]:
    ops: dict[str, list[Op]] = defaultdict(list)
    for op_id, replica, seq, hlc, name, value, kind, batch_id in conn.execute(
            "SELECT op_id, replica_id, seq, hlc, field, value, kind, batch_id FROM sync_op "
            "WHERE tbl = ? AND row_id = ?", (table, row_id)):
        if batch_id in batches.pending:
            continue            # its causal past is not all here: applied when it is
        ctx_vv, author = batches[batch_id]
        ops[name].append(Op(op_id, replica, seq, hlc, name, value, kind, ctx_vv, author))
    return ops


def merge_stored_row(conn: sqlite3.Connection, table: str, row_id: str,
                     batches: BatchCache) -> RowMerge | None:
    """The merged state of one row from its ops, freeze included (None: no ops)."""
    ops = row_ops(conn, table, row_id, batches)
    if not ops:
        return None
    policies = REGISTRY[table]
    merged = merge_row(ops, policies)
    frozen = freezes.freeze_for(table, row_id, merged.values, batches.freeze_points)
    return merge_row(ops, policies, frozen) if frozen else merged


def _stored(value: str) -> Any:
    return json.loads(value)


@functools.cache
def _defaults(table: str) -> dict[str, Any]:
    """Plain defaults of a table's columns, for a row whose ops do not set every field."""
    values = {}
    for name, info in MODEL_BY_TABLE[table].model_fields.items():
        default = None if info.default is PydanticUndefined else info.default
        values[name] = default.isoformat() if isinstance(default, (date, time)) else default
    return values


_COLUMNS: dict[str, tuple[str, ...]] = {}


def _columns(conn: sqlite3.Connection, table: str) -> tuple[str, ...]:
    """Column order of a synced table (the same in every database at this revision)."""
    if table not in _COLUMNS:
        _COLUMNS[table] = tuple(r[1] for r in conn.execute(f"PRAGMA table_info({table})"))
    return _COLUMNS[table]


def materialize(conn: sqlite3.Connection, rows: Iterable[tuple[str, str]], file_id: str, now: str,
                batches: BatchCache | None = None) -> Outcome:
    """Write the merged state of these rows (and of rows a new sign-off covers)."""
    batches = batches or BatchCache(conn)
    outcome = Outcome()
    pending = list(dict.fromkeys(rows))
    # Freezable records first: a sign-off arriving now must reach the rows it covers.
    pending.sort(key=lambda r: r[0] not in freezes.FROZEN_VALUES)
    done: set[tuple[str, str]] = set()
    conn.execute("UPDATE sync_local SET applying = 1 WHERE id = 1")
    try:
        while pending:
            key = pending.pop(0)
            if key in done:
                continue
            done.add(key)
            table, row_id = key
            merged = merge_stored_row(conn, table, row_id, batches)
            if merged is None:
                continue
            _write_row(conn, table, row_id, merged, now, outcome)
            _write_bookkeeping(conn, table, row_id, merged, file_id, now, outcome)
            if table in freezes.FROZEN_VALUES and batches.freeze_points(table, row_id):
                pending.extend(r for r in freezes.covered_rows(conn, table, row_id) if r not in done)
    finally:
        conn.execute("UPDATE sync_local SET applying = 0 WHERE id = 1")
    return outcome


def _write_row(conn: sqlite3.Connection, table: str, row_id: str, merged: RowMerge, now: str,
               outcome: Outcome) -> None:
    columns = _columns(conn, table)
    current = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()
    if current is None:
        values = _defaults(table) | {name: _stored(v) for name, v in merged.values.items()}
        values.update(id=row_id, updated_at=now)
        names = [c for c in columns if c in values]
        conn.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                     [values[n] for n in names])
        if not _stored(merged.values["deleted"]):
            outcome.created[table] += 1
        return
    old = dict(zip(columns, current))
    changed = {name: _stored(v) for name, v in merged.values.items() if encode(old.get(name)) != v}
    if not changed:
        return
    sets = ", ".join(f"{name} = ?" for name in changed)
    conn.execute(f"UPDATE {table} SET {sets}, updated_at = ? WHERE id = ?", [*changed.values(), now, row_id])
    if "deleted" in changed and changed["deleted"]:
        if merged.hidden:
            outcome.hidden[table] += 1       # added elsewhere after a sign-off: not a deletion
        else:
            outcome.deleted[table] += 1
    else:
        outcome.updated[table] += 1


def _write_bookkeeping(conn: sqlite3.Connection, table: str, row_id: str, merged: RowMerge, file_id: str,
                       now: str, outcome: Outcome) -> None:
    conn.executemany(
        "INSERT INTO sync_head(tbl, row_id, field, value, op_id) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(tbl, row_id, field) DO UPDATE SET value = excluded.value, op_id = excluded.op_id",
        [(table, row_id, name, value, merged.winners[name].op_id) for name, value in merged.values.items()])
    existing = {cid for (cid,) in conn.execute(
        "SELECT conflict_id FROM sync_conflict WHERE tbl = ? AND row_id = ?", (table, row_id))}
    current = {c.conflict_id: c for c in merged.conflicts}
    for stale in existing - current.keys():
        conn.execute("DELETE FROM sync_conflict WHERE conflict_id = ?", (stale,))
    for cid in current.keys() - existing:
        conflict = current[cid]
        conn.execute("INSERT INTO sync_conflict(conflict_id, tbl, row_id, field, kind, head_ops, opened_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (cid, table, row_id, conflict.field, conflict.kind,
                      json.dumps([op.op_id for op in conflict.heads]), now))
        outcome.conflicts.append(cid)
    for lost, won in merged.losers:
        cursor = conn.execute(
            "INSERT OR IGNORE INTO sync_journal(lost_op_id, won_op_id, file_id, tbl, row_id, field, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", (lost.op_id, won.op_id, file_id, table, row_id, lost.field, now))
        if cursor.rowcount:
            outcome.overwrites.append(lost.op_id)
    current_proposals = [op.op_id for op in merged.proposals]
    conn.execute(f"DELETE FROM sync_proposal WHERE tbl = ? AND row_id = ? AND status = 'open' "
                 f"AND op_id NOT IN ({','.join('?' * len(current_proposals))})",
                 (table, row_id, *current_proposals))      # superseded by a later late edit
    for op in merged.proposals:
        cursor = conn.execute(
            "INSERT OR IGNORE INTO sync_proposal(op_id, tbl, row_id, field, file_id, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?)", (op.op_id, table, row_id, op.field, file_id, now))
        if cursor.rowcount:
            outcome.proposals.append(op.op_id)


def differences(conn: sqlite3.Connection) -> list[str]:
    """Rows whose stored values differ from a rebuild from the op log (empty when sound)."""
    batches = BatchCache(conn)
    problems = []
    for table in REGISTRY:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        for row in conn.execute(f"SELECT * FROM {table}").fetchall():
            stored = dict(zip(columns, row))
            merged = merge_stored_row(conn, table, stored["id"], batches)
            if merged is None:
                problems.append(f"{table} {stored['id']} : aucune opération")
                continue
            for name, value in merged.values.items():
                if encode(stored[name]) != value:
                    problems.append(f"{table} {stored['id']} {name} : {encode(stored[name])} ≠ {value}")
    return problems
