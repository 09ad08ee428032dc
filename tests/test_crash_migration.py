"""Kill -9 a real process while it migrates a database of the oldest schema revision: during the
backup before the migration, and during the Alembic upgrade. After each kill the file opens, passes
``integrity_check`` and is entirely at the old revision (schema and data as the old version left
them) or entirely at head; a normal opening then upgrades it with every record intact; and a
half-written backup is never listed, let alone offered as the latest good backup.
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from petr_desktop.services import backups, maintenance
from petr_desktop.storage.backup import parse_name
from petr_desktop.storage.migrations import head_revision, open_database

HELPER = Path(__file__).parent / "helpers" / "migration_crash.py"
OLDEST = "0001"
FIXTURE = Path(__file__).parent / "fixtures" / f"schema_{OLDEST}.sqlite"
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX-only")


@dataclass
class Run:
    alive: bool                       # the process was still working when it was killed
    times: dict[str, float]           # marker -> seconds since the helper started (first time)
    last: dict[str, float]            # marker -> seconds since the helper started (last time)


def _run(db: Path, folder: Path, options: tuple[str, ...] = (), marker: str | None = None,
         delay: float = 0.0) -> Run:
    """Run the helper on ``db``; with a ``marker``, kill it ``delay`` s after it printed it."""
    process = subprocess.Popen([sys.executable, str(HELPER), str(db), str(folder), *options],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    times: dict[str, float] = {}
    last: dict[str, float] = {}
    alive = False
    try:
        for line in process.stdout:
            name, seconds = line.split()
            times.setdefault(name, float(seconds))
            last[name] = float(seconds)
            if name == marker:
                if delay > 0:
                    time.sleep(delay)
                alive = process.poll() is None
                if alive:
                    os.kill(process.pid, signal.SIGKILL)
                break
    finally:
        if process.poll() is None and not alive:        # a test that failed on the way
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
    for line in process.stdout.read().splitlines():
        name, seconds = line.split()
        times.setdefault(name, float(seconds))
        last[name] = float(seconds)
    if marker is None:
        assert process.returncode == 0 and "done" in times, process.stderr.read()
    else:
        assert marker in times, f"the helper never reached « {marker} »: {times} {process.stderr.read()}"
        assert process.returncode == (-signal.SIGKILL if alive else 0), process.stderr.read()
    return Run(alive, times, last)


def _schema(path: Path) -> list[tuple[str, str, str]]:
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
    return sorted((t, n, re.sub(r"\s*([(),])\s*", r"\1", " ".join((s or "").split()))) for t, n, s in rows)


def _revision(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def _content(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table the oldest revision has (the old version's data)."""
    with closing(sqlite3.connect(path)) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'")]
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in sorted(tables)}


def _integrity(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        assert [r[0] for r in conn.execute("PRAGMA integrity_check")] == ["ok"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The oldest fixture, upgraded by the helper without a kill: the state at head to compare to,
    and the times of the migration's steps on this machine (to aim the kills)."""
    folder = tmp_path_factory.mktemp("reference")
    path = folder / "carnet.sqlite"
    shutil.copy(FIXTURE, path)
    run = _run(path, folder / "backups")
    db = open_database(path)
    try:
        assert maintenance.check(db) == []
        dump = maintenance.dump(db)
    finally:
        db.close()
    # what the old version wrote is there to be compared (30 structures, the relevé's decision...)
    assert len(json.loads(dump)["structure"]) == 30
    assert "Valider la trajectoire thématique" in dump.decode("utf-8")
    return {"schema": _schema(path), "dump": dump, "run": run,
            "old_schema": _schema(FIXTURE), "old_content": _content(FIXTURE)}


def _check_backups(folder: Path, reference) -> list[str]:
    """Every listed backup is complete and sound; anything else in the folder is a leftover that is
    not listed. Returns the leftovers."""
    listed = backups.list_backups(folder)
    for backup in listed:
        assert backups.is_sound(backup.path, full=True), f"a listed backup is not sound: {backup.path.name}"
        assert _revision(backup.path) == OLDEST and backup.kind == "avant-migration"
        assert _content(backup.path) == reference["old_content"], "a listed backup is incomplete"
    latest = backups.latest_good_backup(folder)
    assert (latest.path if latest else None) == (listed[0].path if listed else None)
    names = {b.path.name for b in listed}
    leftovers = sorted(p.name for p in folder.iterdir() if p.name not in names) if folder.is_dir() else []
    assert all(parse_name(name) is None and ".sqlite.tmp" in name for name in leftovers), leftovers
    return leftovers


def _check_after_kill(path: Path, reference) -> str:
    """Old or head, never in between; returns the revision."""
    _integrity(path)
    revision = _revision(path)
    assert revision in (OLDEST, head_revision())
    if revision == OLDEST:
        assert _schema(path) == reference["old_schema"], "schema half-upgraded under the old revision"
        assert _content(path) == reference["old_content"], "the old version's data changed"
    else:
        assert _schema(path) == reference["schema"], "schema half-upgraded under the head revision"
    return revision


def _reopen(path: Path, folder: Path, reference) -> None:
    """A normal opening afterwards upgrades (or opens) the file; every record is there."""
    db = open_database(path, backups=folder)
    try:
        assert maintenance.check(db) == []
        assert maintenance.dump(db) == reference["dump"]
    finally:
        db.close()
    assert _revision(path) == head_revision() and _schema(path) == reference["schema"]


def test_kill_during_the_backup_before_migration(reference, tmp_path):
    rng = random.Random(1)
    in_backup = 0
    for attempt in range(2):
        folder = tmp_path / f"kill-{attempt}"
        folder.mkdir()
        path, saved = folder / "carnet.sqlite", folder / "backups"
        shutil.copy(FIXTURE, path)
        run = _run(path, saved, ("--slow-backup",), "backup", rng.uniform(0.0, 0.06))
        assert run.alive
        assert _check_after_kill(path, reference) == OLDEST
        leftovers = _check_backups(saved, reference)
        in_backup += "backed-up" not in run.times and bool(leftovers)
        if attempt == 1:
            # the second opening comes a second later (a user starting the app again): the new
            # backup gets another name than the half-written one (the first one likely the same)
            second = int(time.time())
            while int(time.time()) == second:
                time.sleep(0.05)
        _reopen(path, saved, reference)
        # the backup made by the normal opening is complete and offered as the latest good one
        latest = backups.latest_good_backup(saved)
        assert latest is not None and latest.kind == "avant-migration"
        assert latest.path.name not in leftovers and _revision(latest.path) == OLDEST
        # the normal opening leaves no leftover of its own (it may reuse the half-written file's
        # temporary name, when it comes in the same second, and then replaces it)
        assert set(_check_backups(saved, reference)) <= set(leftovers)
    # the kills really landed while the backup file was being written
    assert in_backup >= 1


def _statements(run: Run) -> int:
    return max(int(name.removeprefix("sql-")) for name in run.times if name.startswith("sql-"))


def test_kill_during_the_upgrade(reference, tmp_path):
    count = _statements(reference["run"])
    assert count >= 20                         # the four revisions, BEGIN and the version updates
    rng = random.Random(2)
    # kills spread over the upgrade's transaction, right after one of its statements began (the
    # step is the same at each run, whatever the load), and one on its commit
    plan = [(f"sql-{round(count * fraction)}", rng.uniform(0.0, 0.01)) for fraction in (0.1, 0.35, 0.6, 0.85)]
    plan += [("committing", 0.0)]
    outcomes, interrupted = [], 0
    for attempt, (marker, delay) in enumerate(plan):
        folder = tmp_path / f"kill-{attempt}"
        folder.mkdir()
        path, saved = folder / "carnet.sqlite", folder / "backups"
        shutil.copy(FIXTURE, path)
        run = _run(path, saved, (), marker, delay)
        revision = _check_after_kill(path, reference)
        outcomes.append((marker, revision, "committing" in run.times))
        if "upgraded" in run.times:              # killed after the commit
            assert revision == head_revision()
        if run.alive and revision == OLDEST and "committing" not in run.times:
            interrupted += 1                     # killed inside the upgrade's transaction
        # the backup before the migration was complete before the upgrade began
        assert [b.kind for b in backups.list_backups(saved)] == ["avant-migration"]
        assert _check_backups(saved, reference) == []
        _reopen(path, saved, reference)
    # the kills really landed inside the transaction (the DDL was really interrupted)
    assert interrupted >= 3, outcomes
