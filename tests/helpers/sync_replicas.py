"""Several laptops (replicas) in one test: each its own folder, database and device key."""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from petr_desktop.domain.models import SYNCED_TABLES
from petr_desktop.services import sync
from petr_desktop.storage.database import Database, raw_connection
from petr_desktop.storage.migrations import open_database


@dataclass
class Replica:
    name: str
    db: Database
    folder: Path
    files: int = 0

    def export(self, for_peer: str | None = None, everything: bool = False, passphrase: str | None = None) -> Path:
        self.files += 1
        target = self.folder / "out" / f"{self.name}-{self.files:03d}.petrsync"
        target.parent.mkdir(exist_ok=True)
        return sync.export(self.db, target, for_peer=for_peer, everything=everything, passphrase=passphrase).path

    def receive(self, path: Path, **kwargs) -> sync.ImportReport:
        return sync.import_file(self.db, path, **kwargs)

    def state(self) -> dict:
        """Every replicated value and every open conflict: equal on converged replicas."""
        with self.db.reader() as session:
            conn = raw_connection(session)
            content = {}
            for table in SYNCED_TABLES:
                cursor = conn.execute(f"SELECT * FROM {table} ORDER BY id")
                names = [c[0] for c in cursor.description]
                content[table] = [{n: v for n, v in zip(names, row) if n != "updated_at"} for row in cursor]
            content["conflicts"] = [tuple(r) for r in conn.execute(
                "SELECT conflict_id, tbl, row_id, field, kind, head_ops FROM sync_conflict ORDER BY conflict_id")]
        return content

    def scalar(self, sql: str, *args):
        with self.db.reader() as session:
            row = raw_connection(session).execute(sql, args).fetchone()
        return row[0] if row else None


def make_replicas(template: Path, root: Path, *names: str, enrol: bool = True) -> list[Replica]:
    """Copies of one database (each takes its own replica id), all enrolled with each other."""
    replicas = []
    for name in names:
        folder = root / name
        folder.mkdir(parents=True)
        shutil.copy(template, folder / "carnet.sqlite")
        db = open_database(folder / "carnet.sqlite")
        with db.unit_of_work() as session:
            raw_connection(session).execute("UPDATE sync_local SET replica_name = ?, user_name = ?, "
                                            "user_initials = ? WHERE id = 1", (name, f"Agent {name}", name[:2]))
        replicas.append(Replica(name, db, folder))
    if enrol:
        keys = {r.name: sync.write_key_file(r.db, r.folder / "key.json") for r in replicas}
        for r in replicas:
            for other in replicas:
                if other is not r:
                    sync.enrol(r.db, keys[other.name])
    return replicas


def exchange_all(replicas: list[Replica]) -> None:
    """Everyone sends everyone a file, twice round (enough for full convergence)."""
    for _ in range(2):
        files = [(r, r.export()) for r in replicas]
        for receiver in replicas:
            for sender, path in files:
                if sender is not receiver:
                    receiver.receive(path)


def vv(replica: Replica) -> dict:
    with replica.db.reader() as session:
        return dict(raw_connection(session).execute("SELECT replica_id, seq FROM sync_vv"))


def dumps(value) -> str:
    return json.dumps(value, sort_keys=True, default=str)
