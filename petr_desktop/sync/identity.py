"""The replica bound to one database file (SYNC.md « Identity »).

The replica is the database's history line. It is bound to the database's path and
machine; a database restored from a backup (backup copies carry a flag), moved or copied
elsewhere takes a new replica id at opening, so no ``(replica, seq)`` is ever reused.
"""
from __future__ import annotations

import getpass
import hashlib
import logging
import socket
import sqlite3
import uuid
from pathlib import Path

from ..domain.ids import new_id

log = logging.getLogger(__name__)


def machine_fingerprint() -> str:
    """Stable for one user account on one computer; different on another computer."""
    raw = f"{socket.gethostname()}|{uuid.getnode()}|{getpass.getuser()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def ensure_replica(conn: sqlite3.Connection, db_path: Path) -> str | None:
    """Bind the replica to this file and machine; returns the new replica id if it changed."""
    row = conn.execute("SELECT replica_id, bound_path, bound_machine, needs_new_identity "
                       "FROM sync_local WHERE id = 1").fetchone()
    if row is None:
        return None
    replica_id, bound_path, bound_machine, needs_new = row
    here, machine = str(Path(db_path).resolve()), machine_fingerprint()
    if (bound_path, bound_machine) == (here, machine) and not needs_new:
        return None
    if not bound_path and not bound_machine and not needs_new:
        # First opening at this revision: bind without changing the replica.
        conn.execute("UPDATE sync_local SET bound_path = ?, bound_machine = ? WHERE id = 1", (here, machine))
        return None
    new = new_id()
    conn.execute("UPDATE sync_local SET replica_id = ?, seq = 0, exported_seq = 0, bound_path = ?, "
                 "bound_machine = ?, needs_new_identity = 0 WHERE id = 1", (new, here, machine))
    log.info("database restored, moved or copied: replica %s becomes %s", replica_id, new)
    return new


def mark_copy(conn: sqlite3.Connection) -> None:
    """Flag a backup copy: restored, it will take a new replica id."""
    try:
        conn.execute("UPDATE sync_local SET needs_new_identity = 1 WHERE id = 1")
    except sqlite3.OperationalError:
        pass     # a database older than revision 0004 (backup before migration)
