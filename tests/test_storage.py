"""Engine, schema creation, migrations from fixture databases, refusals, transactions."""
from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from petr_desktop.domain.models import Structure
from petr_desktop.services import maintenance, records, search
from petr_desktop.storage.errors import NewerDatabaseError, NotPetrDatabaseError
from petr_desktop.storage.migrations import head_revision, known_revisions, open_database, upgrade

FIXTURES = Path(__file__).parent / "fixtures"


def _schema(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
    normal = [(t, n, re.sub(r"\s*([(),])\s*", r"\1", " ".join((s or "").split()))) for t, n, s in rows]
    return sorted(normal)


def test_pragmas(db):
    with db.reader() as session:
        conn = session.connection().connection.dbapi_connection
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2        # FULL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_alembic_head_matches_shipped_revisions(tmp_path):
    from alembic.script import ScriptDirectory

    from petr_desktop.storage.migrations import alembic_config

    script = ScriptDirectory.from_config(alembic_config(tmp_path / "x.sqlite"))
    assert script.get_current_head() == head_revision()
    assert [r.revision for r in reversed(list(script.walk_revisions()))] == known_revisions()


def test_fresh_database_equals_migrated_database(tmp_path):
    fresh = tmp_path / "fresh.sqlite"
    open_database(fresh).close()
    migrated = tmp_path / "migrated.sqlite"
    upgrade(migrated)
    assert _schema(fresh) == _schema(migrated)


@pytest.mark.parametrize("revision", ["0001", "0002", "0003", "0004"])
def test_upgrade_fixture_of_each_past_revision(tmp_path, revision):
    assert revision in known_revisions()[:-1]
    path = tmp_path / "old.sqlite"
    shutil.copy(FIXTURES / f"schema_{revision}.sqlite", path)
    backups = tmp_path / "backups"
    db = open_database(path, backups=backups)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head_revision()
    # a backup of the old revision was taken first
    copies = list(backups.glob(f"*avant-migration-{revision}.sqlite"))
    assert len(copies) == 1
    with sqlite3.connect(copies[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == revision
    # data survived, and the new full-text index covers what the old version wrote
    assert len(records.list_rows(db, Structure)) == 30
    assert [h.kind for h in search.search(db, "oeuvre")] == ["agenda_item"]
    assert maintenance.check(db) == []
    assert _schema(path) == _schema_of_fresh(tmp_path)


def _schema_of_fresh(tmp_path: Path):
    fresh = tmp_path / "fresh-for-compare.sqlite"
    open_database(fresh).close()
    return _schema(fresh)


def test_database_from_a_newer_version_is_refused_and_untouched(tmp_path):
    path = tmp_path / "newer.sqlite"
    open_database(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = path.read_bytes()
    with pytest.raises(NewerDatabaseError, match="version plus récente"):
        open_database(path)
    assert path.read_bytes() == before


def test_foreign_file_is_refused(tmp_path):
    path = tmp_path / "foreign.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t(x)")
    with pytest.raises(NotPetrDatabaseError, match="n'est pas une base de données Carnet PETR"):
        open_database(path)
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"\x00garbage" * 1000)
    with pytest.raises(NotPetrDatabaseError):
        open_database(garbage)


def test_a_failed_unit_of_work_leaves_nothing(db):
    before = maintenance.dump(db)
    ops_before = maintenance.stats(db)["sync_op"]
    with pytest.raises(RuntimeError):
        with db.unit_of_work() as session:
            records.insert(session, Structure, name="Pays fantôme")
            raise RuntimeError("boom")
    assert maintenance.dump(db) == before
    assert maintenance.stats(db)["sync_op"] == ops_before


def test_hard_delete_is_refused(db):
    with sqlite3.connect(db.path) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="suppression définitive interdite"):
            conn.execute("DELETE FROM structure")
    assert len(records.list_rows(db, Structure)) == 30


def test_backup_is_a_consistent_copy(db, tmp_path):
    target = maintenance.backup(db, tmp_path / "copie.sqlite")
    copy = open_database(target)
    assert maintenance.dump(copy) == maintenance.dump(db)
    assert maintenance.check(copy) == []
