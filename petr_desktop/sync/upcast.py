"""Upcasting ops written by an older schema revision (SYNC.md « older ops are upcast »).

Each entry maps a revision to the value renames it brought; a migration applies them to the
stored table, heads and op log, and the importer applies them to ops of files from before.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

#: revision -> {(table, field): {old value: new value}} (plain values, not JSON).
RENAMES: dict[str, dict[tuple[str, str], dict[object, object]]] = {
    "0005": {("aid_application", "status"): {"draft": "received", "submitted": "received",
                                             "under_review": "complete", "proposed": "presented"}},
}


def _pending(since_revision: str) -> Iterable[tuple[tuple[str, str], dict[object, object]]]:
    for revision in sorted(RENAMES):
        if revision > since_revision:
            yield from RENAMES[revision].items()


def upcast_ops(ops: list[dict], schema_revision: str) -> list[dict]:
    """Ops of a file written at ``schema_revision``, in today's values (new dicts where changed)."""
    renames = dict(_pending(schema_revision))
    if not renames:
        return ops
    result = []
    for op in ops:
        mapping = renames.get((op["tbl"], op["field"]))
        if mapping:
            try:
                value = json.loads(op["value"])
            except ValueError:
                value = None
            if isinstance(value, str) and value in mapping:
                op = {**op, "value": json.dumps(mapping[value], ensure_ascii=False, separators=(",", ":"))}
        result.append(op)
    return result


def rewrite_stored_values(conn: sqlite3.Connection, revision: str) -> None:
    """Apply one revision's renames to the table, the heads and the op log (in a migration)."""
    for (table, field), mapping in RENAMES[revision].items():
        for old, new in mapping.items():
            old_json, new_json = json.dumps(old), json.dumps(new)
            conn.execute("UPDATE sync_local SET applying = 1")
            conn.execute(f"UPDATE {table} SET {field} = ? WHERE {field} = ?", (new, old))
            conn.execute("UPDATE sync_local SET applying = 0")
            for log in ("sync_head", "sync_op"):
                conn.execute(f"UPDATE {log} SET value = ? WHERE tbl = ? AND field = ? AND value = ?",
                             (new_json, table, field, old_json))
