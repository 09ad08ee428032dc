"""Ops in and out of a database: what to send a peer, and applying what a peer sent.

Works on a raw ``sqlite3`` connection inside the caller's transaction; the file format is
``container``'s business, the use cases (keys, backups, history) are ``services.sync``'s.
"""
from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from . import hlc as hlc_clock
from .capture import version_vector
from .materialize import BatchCache, Outcome, materialize
from .policy import REGISTRY

OP_KEYS = ("op_id", "replica_id", "seq", "batch_id", "hlc", "tbl", "row_id", "field", "value", "kind")
BATCH_KEYS = ("batch_id", "replica_id", "hlc", "ctx_vv", "author")
KINDS = frozenset({"create", "set", "tombstone"})
MAX_ID = 64
#: An import may move this replica's clock forward by at most this much (SYNC.md).
MAX_CLOCK_ADVANCE_MS = 24 * 3600 * 1000
SKEW_WARNING_MS = 10 * 60 * 1000
EARLIEST_PLAUSIBLE_MS = int(datetime(2020, 1, 1, tzinfo=UTC).timestamp() * 1000)


class SyncDataError(Exception):
    """Ops or batches of a sync file that make no sense; str() is French."""


# --- Export ---------------------------------------------------------------------------

def collect(conn: sqlite3.Connection, since: Mapping[str, int]) -> tuple[list[dict], list[dict]]:
    """Every op a peer that has ``since`` lacks, in (replica, seq) order, and their batches."""
    ops: list[dict] = []
    for replica in sorted(version_vector(conn)):
        cursor = conn.execute(f"SELECT {', '.join(OP_KEYS)} FROM sync_op WHERE replica_id = ? AND seq > ? "
                              "ORDER BY seq", (replica, since.get(replica, 0)))
        ops.extend(dict(zip(OP_KEYS, row)) for row in cursor)
    batch_ids = sorted({op["batch_id"] for op in ops})
    batches: list[dict] = []
    for start in range(0, len(batch_ids), 500):
        chunk = batch_ids[start:start + 500]
        cursor = conn.execute(f"SELECT {', '.join(BATCH_KEYS)} FROM sync_batch WHERE batch_id IN "
                              f"({','.join('?' * len(chunk))}) ORDER BY batch_id", chunk)
        batches.extend({**dict(zip(BATCH_KEYS, row)), "ctx_vv": json.loads(row[3])} for row in cursor)
    return ops, batches


# --- Validation of received data ------------------------------------------------------

def _is_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2 ** 63


def validate_batches(raw: object) -> dict[str, dict]:
    if not isinstance(raw, list):
        raise SyncDataError("manifeste incomplet : lots de modifications absents")
    batches: dict[str, dict] = {}
    for batch in raw:
        if (not isinstance(batch, dict) or set(batch) != set(BATCH_KEYS) or not _is_id(batch["batch_id"])
                or not _is_id(batch["replica_id"]) or not _is_count(batch["hlc"])
                or not isinstance(batch["author"], str) or not isinstance(batch["ctx_vv"], dict)
                or not all(_is_id(k) and _is_count(v) for k, v in batch["ctx_vv"].items())):
            raise SyncDataError("lot de modifications invalide dans le manifeste")
        batches[batch["batch_id"]] = batch
    return batches


def validate_ops(ops: Sequence[dict], batches: Mapping[str, dict]) -> None:
    """Every op well formed, on a known table and field, inside a batch that covers it."""
    for number, op in enumerate(ops, start=1):
        problem = _op_problem(op, batches)
        if problem:
            raise SyncDataError(f"modification n° {number} invalide : {problem}")


def _op_problem(op: dict, batches: Mapping[str, dict]) -> str | None:
    if not isinstance(op, dict) or set(op) != set(OP_KEYS):
        return "champs inattendus"
    if not all(_is_id(op[k]) for k in ("op_id", "replica_id", "batch_id", "row_id")):
        return "identifiant invalide"
    if not (_is_count(op["seq"]) and op["seq"] > 0 and _is_count(op["hlc"])):
        return "numéro ou horodatage invalide"
    fields = REGISTRY.get(op["tbl"]) if isinstance(op["tbl"], str) else None
    if fields is None or op["field"] not in fields:
        return f"table ou champ inconnu ({op['tbl']}.{op['field']})"
    if op["kind"] not in KINDS or not isinstance(op["value"], str):
        return "type de modification inconnu"
    try:
        value = json.loads(op["value"])
    except ValueError:
        return "valeur illisible"
    if isinstance(value, (dict, list)) or (isinstance(value, float) and not math.isfinite(value)):
        return "valeur d'un type inattendu"
    batch = batches.get(op["batch_id"])
    if batch is None or batch["replica_id"] != op["replica_id"] or batch["ctx_vv"].get(op["replica_id"], 0) < op["seq"]:
        return "lot de modifications incohérent"
    return None


# --- Import ---------------------------------------------------------------------------

@dataclass
class Applied:
    new_ops: int
    outcome: Outcome
    clock_warnings: list[str] = field(default_factory=list)
    touched_rows: int = 0


def existing_op_ids(conn: sqlite3.Connection, op_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(op_ids), 500):
        chunk = op_ids[start:start + 500]
        found.update(r[0] for r in conn.execute(
            f"SELECT op_id FROM sync_op WHERE op_id IN ({','.join('?' * len(chunk))})", chunk))
    return found


def apply(conn: sqlite3.Connection, ops: Sequence[dict], batches: Mapping[str, dict], file_id: str,
          now_iso: str, now_ms: int | None = None) -> Applied:
    """Insert the ops this replica lacks and materialize what they touch (one transaction)."""
    now_ms = hlc_clock.wall_ms() if now_ms is None else now_ms
    known = existing_op_ids(conn, [op["op_id"] for op in ops])
    new = [op for op in ops if op["op_id"] not in known]
    if not new:
        return Applied(0, Outcome())
    used = {op["batch_id"] for op in new}
    conn.executemany("INSERT OR IGNORE INTO sync_batch(batch_id, replica_id, hlc, ctx_vv, author) "
                     "VALUES (?, ?, ?, ?, ?)",
                     [(b["batch_id"], b["replica_id"], b["hlc"], json.dumps(b["ctx_vv"], sort_keys=True),
                       b["author"]) for bid, b in batches.items() if bid in used])
    try:
        conn.executemany(f"INSERT INTO sync_op({', '.join(OP_KEYS)}) VALUES ({', '.join('?' * len(OP_KEYS))})",
                         [tuple(op[k] for k in OP_KEYS) for op in new])
    except sqlite3.IntegrityError as exc:
        raise SyncDataError("fichier incohérent : une modification reçue porte le numéro d'une autre "
                            "(base copiée sans changer d'identité ?)") from exc
    _advance_version_vector(conn, {op["replica_id"] for op in new})
    ready = _deliver(conn, used)
    touched = list(dict.fromkeys(
        (tbl, row_id) for start in range(0, len(ready), 500)
        for tbl, row_id in conn.execute(
            f"SELECT tbl, row_id FROM sync_op WHERE batch_id IN ({','.join('?' * len(ready[start:start + 500]))}) "
            "ORDER BY rowid", ready[start:start + 500])))
    outcome = materialize(conn, touched, file_id, now_iso, BatchCache(conn))
    warnings = _advance_clock(conn, new, batches, now_ms)
    return Applied(len(new), outcome, warnings, len(touched))


def _deliver(conn: sqlite3.Connection, received: set[str]) -> list[str]:
    """Causal delivery: the batches whose whole past is now here (received now, or waiting).

    A batch waits in ``sync_pending`` while the version vector does not cover its ``ctx_vv``
    (an edit of a row whose creation has not arrived, ops beyond a gap): applying it would
    show, sign and send on a state no replica had.
    """
    vv = version_vector(conn)
    waiting = {b for (b,) in conn.execute("SELECT batch_id FROM sync_pending")}
    ready = []
    for batch_id in sorted(received | waiting):
        row = conn.execute("SELECT ctx_vv FROM sync_batch WHERE batch_id = ?", (batch_id,)).fetchone()
        covered = row is not None and all(vv.get(r, 0) >= seq for r, seq in json.loads(row[0]).items())
        if covered:
            ready.append(batch_id)
            if batch_id in waiting:
                conn.execute("DELETE FROM sync_pending WHERE batch_id = ?", (batch_id,))
        elif batch_id not in waiting:
            conn.execute("INSERT INTO sync_pending(batch_id) VALUES (?)", (batch_id,))
    return ready


def _advance_version_vector(conn: sqlite3.Connection, replicas: set[str]) -> None:
    """The vector counts only a contiguous prefix of each replica's ops (causality relies on it)."""
    vv = version_vector(conn)
    for replica in sorted(replicas):
        top = vv.get(replica, 0)
        for (seq,) in conn.execute("SELECT seq FROM sync_op WHERE replica_id = ? AND seq > ? ORDER BY seq",
                                   (replica, top)):
            if seq != top + 1:
                break
            top = seq
        if top != vv.get(replica, 0):
            conn.execute("INSERT INTO sync_vv(replica_id, seq) VALUES (?, ?) "
                         "ON CONFLICT(replica_id) DO UPDATE SET seq = excluded.seq", (replica, top))


def _advance_clock(conn: sqlite3.Connection, new: Sequence[dict], batches: Mapping[str, dict],
                   now_ms: int) -> list[str]:
    """Move the local HLC past what was received (capped), and warn about odd clocks."""
    highest = max(op["hlc"] for op in new)
    capped = min(highest, hlc_clock.pack(now_ms + MAX_CLOCK_ADVANCE_MS))
    conn.execute("UPDATE sync_local SET hlc = MAX(hlc, ?) WHERE id = 1", (capped,))
    warnings = []
    for batch_id in sorted({op["batch_id"] for op in new}):
        batch = batches[batch_id]
        ms, _ = hlc_clock.unpack(batch["hlc"])
        who = batch["author"] or batch["replica_id"][:8]
        if ms > now_ms + SKEW_WARNING_MS:
            warnings.append(_ahead(who, ms - now_ms))
        elif ms < EARLIEST_PLAUSIBLE_MS:
            warnings.append(_too_early(who))
    return sorted(set(warnings))


def _ahead(who: str, delta_ms: int) -> str:
    hours = delta_ms / 3_600_000
    if hours < 1:
        return f"l'horloge de l'ordinateur de « {who} » était en avance de quelques minutes"
    return f"l'horloge de l'ordinateur de « {who} » était en avance d'environ {hours:.0f} h sur celle-ci"


def _too_early(who: str) -> str:
    return f"l'horloge de l'ordinateur de « {who} » indiquait une date antérieure à 2020"


def sender_clock_warnings(manifest: Mapping, now_ms: int | None = None) -> list[str]:
    """The sender's wall clock when it wrote the file (an HLC never shows a clock set back)."""
    now_ms = hlc_clock.wall_ms() if now_ms is None else now_ms
    clock = manifest.get("sender_clock_ms")
    sender = manifest.get("sender")
    who = str(sender.get("name", "?")) if isinstance(sender, Mapping) else "?"
    if not _is_count(clock):
        return []
    if clock > now_ms + SKEW_WARNING_MS:
        return [_ahead(who, clock - now_ms)]
    return [_too_early(who)] if clock < EARLIEST_PLAUSIBLE_MS else []
