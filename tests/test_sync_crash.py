"""Kill -9 a real process during a sync import or export: the database reopens sound and
holds the state from before or the state from after, never a mix; no partial sync file."""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.sync_replicas import Replica, dumps, make_replicas
from petr_desktop.services import maintenance, minutes, sync
from petr_desktop.storage.backup import backup_file
from petr_desktop.storage.migrations import open_database

HELPER = Path(__file__).parent / "helpers" / "sync_crash.py"
DECISIONS = 1500          # about 10,000 ops
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX-only")


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    """Laptop A with ~10,000 new ops, its sync file, and the office database before it."""
    root = tmp_path_factory.mktemp("crash")
    template = root / "template.sqlite"
    from petr_desktop.services import meetings, reference

    db = open_database(template)
    reference.load_reference(db)
    meeting = meetings.create_meeting(db, "management_dialogue", "2026-11-12",
                                      structure_id=reference.structure_id("Pays de Langres"))
    record = minutes.open_minutes(db, meeting.id)
    db.close()
    a, b = make_replicas(template, root, "Portable", "Bureau")
    a.receive(b.export())
    with a.db.unit_of_work() as session:
        for n in range(DECISIONS):
            minutes.add_decision(session, record.id, f"Décision {n} : la démarche « effet levier » continue")
    path = a.export(for_peer="Bureau")
    b.db.close()
    a.db.close()
    return path, b.folder / "carnet.sqlite", root


def _copy(source: Path, folder: Path) -> Path:
    target = folder / "carnet.sqlite"
    backup_file(source, target)
    keys = source.parent / "keys"
    if keys.exists():
        import shutil

        shutil.copytree(keys, folder / "keys")
    return target


def _state(path: Path) -> str:
    db = open_database(path)
    try:
        assert maintenance.check(db) == []
        return dumps(Replica("x", db, path.parent).state())
    finally:
        db.close()


def _run_and_kill(args: list[str], delay: float) -> bool:
    """Start the helper, kill it ``delay`` s after it starts working; True if it finished first."""
    process = subprocess.Popen([sys.executable, str(HELPER), *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "start", process.stderr.read()
        time.sleep(delay)
        finished = process.poll() is not None
        if not finished:
            os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    return finished and process.returncode == 0


def test_kill_during_import_leaves_before_or_after(big_file, tmp_path):
    path, office, _root = big_file
    before_dir, after_dir = tmp_path / "before", tmp_path / "after"
    before_dir.mkdir(), after_dir.mkdir()
    before = _state(_copy(office, before_dir))
    reference_db = open_database(_copy(office, after_dir))
    sync.import_file(reference_db, path)
    reference_db.close()
    after = _state(after_dir / "carnet.sqlite")
    assert before != after
    outcomes = set()
    for attempt, delay in enumerate((0.02, 0.25, 0.8, 1.6)):
        folder = tmp_path / f"kill-{attempt}"
        folder.mkdir()
        target = _copy(office, folder)
        finished = _run_and_kill(["import", str(target), str(path)], delay)
        with sqlite3.connect(target) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        state = _state(target)
        assert state in (before, after), f"mixed state after a kill (attempt {attempt})"
        outcomes.add("after" if state == after else "before")
        if finished:
            assert state == after
    # the first kill lands long before the commit (the test really interrupts imports)
    assert "before" in outcomes


def test_kill_during_export_leaves_no_partial_file(big_file, tmp_path):
    path, office, root = big_file
    laptop = root / "Portable" / "carnet.sqlite"
    rng = random.Random(11)
    interrupted = 0
    for attempt in range(3):
        folder = tmp_path / f"export-{attempt}"
        folder.mkdir()
        source = _copy(laptop, folder)
        out = folder / "out"
        out.mkdir()
        interrupted += not _run_and_kill(["export", str(source), str(out)], rng.uniform(0.02, 0.6))
        with sqlite3.connect(source) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finals = list(out.glob("*.petrsync"))
        assert len(finals) <= 1
        for final in finals:                     # a file that got its name is complete and verified
            from petr_desktop.sync import container

            manifest = container.peek_manifest(final)
            assert manifest["op_count"] > 9000
        # leftovers are only temporary files, never a half-written final name
        assert all(p.suffix in (".petrsync", ".tmp") for p in out.iterdir())
    assert interrupted