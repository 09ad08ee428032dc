"""Kill -9 a real process while it exports a structure's dossier PDF or the Commission workbook:
the database reopens sound, the file with the final name is absent or complete (never half
written), what a killed writer leaves behind never carries the final name, and the next export
succeeds.

Two kinds of kill: at a random moment of an export (real code, unchanged), and shortly after the
temporary file was created on a slow disk (``export_crash.py --slow-disk``), so that the kill lands
while the file is being written.
"""
from __future__ import annotations

import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from petr_desktop.services import exports, maintenance, reference
from petr_desktop.storage.migrations import open_database

HELPER = Path(__file__).parent / "helpers" / "export_crash.py"
FIXTURES = Path(__file__).parent / "fixtures"
YEAR = 2025
STRUCTURE = "Pays de la Déodatie"
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX-only")


@dataclass
class Kill:
    alive: bool            # the process was still working when it was killed
    output: list[str]      # what it printed, the kill included


def _run_and_kill(args: list[str], marker: str, delay: float) -> Kill:
    """Start the helper, kill it ``delay`` s after it printed ``marker``."""
    process = subprocess.Popen([sys.executable, str(HELPER), *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    output: list[str] = []
    try:
        while True:
            line = process.stdout.readline()
            if not line:
                pytest.fail(f"the helper stopped before « {marker} »: {output} {process.stderr.read()}")
            output.append(line.strip())
            if output[-1] == marker:
                break
        if delay > 0:
            time.sleep(delay)
        alive = process.poll() is None
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
    output.extend(line.strip() for line in process.stdout.read().splitlines())
    assert process.returncode == -signal.SIGKILL, process.stderr.read()
    return Kill(alive, output)


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A database a user of an older version kept (the 0004 fixture: the reference structures, a
    meeting with its relevé, decision, action and sheet), upgraded to head; and a structure's id."""
    folder = tmp_path_factory.mktemp("crash-exports")
    path = folder / "db" / "carnet.sqlite"
    path.parent.mkdir()
    shutil.copy(FIXTURES / "schema_0004.sqlite", path)
    db = open_database(path)
    structure_id = reference.structure_id(STRUCTURE)
    db.close()
    return path, structure_id


def _database_is_sound(path: Path) -> None:
    db = open_database(path)
    db.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _temporaries(folder: Path, target: Path) -> set[str]:
    """The files of ``folder`` other than ``target``: all must be temporaries of ``atomic_write_bytes``."""
    others = {p.name for p in folder.iterdir() if p.name != target.name}
    pattern = re.compile(rf"^\.{re.escape(target.name)}\..+\.tmp$")
    assert all(pattern.match(name) for name in others), f"unexpected files beside the export: {others}"
    return others


def _check_pdf(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"%PDF-"), "the final name holds something else than a PDF"
    assert data.rstrip().endswith(b"%%EOF"), "the final name holds a truncated PDF"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                              check=True, text=True).stdout
        assert STRUCTURE in text


def _check_xlsx(path: Path) -> None:
    from openpyxl import load_workbook

    book = load_workbook(path)
    assert book.sheetnames == [f"Commission {YEAR}"]
    sheet = book[f"Commission {YEAR}"]
    assert sheet["A1"].value.endswith(f"exercice {YEAR}")
    assert sheet.cell(4, 1).value == "Structure"
    names = [sheet.cell(row, 1).value for row in range(5, sheet.max_row + 1)]
    assert STRUCTURE in names and names[-1] == "Total"


def _kill_exports(database, tmp_path, kind: str, real_kills: int, slow_kills: int, real_span: float):
    """Kill exports of ``kind`` to one target, ``real_kills`` times at a random moment of the first
    export (real code), ``slow_kills`` times while the slow disk writes it; check after each kill.
    Returns how many kills left a temporary file (a kill during the write) and how many of these
    temporary files were shorter than the complete file (a kill in the middle of the write)."""
    db_path, structure_id = database
    out = tmp_path / "out"
    out.mkdir()
    if kind == "pdf":
        target, what, check = out / f"Dossier — {STRUCTURE}.pdf", structure_id, _check_pdf
        export = lambda db: exports.export_structure_pdf(db, structure_id, target)  # noqa: E731
    else:
        target, what, check = out / f"Commission {YEAR}.xlsx", str(YEAR), _check_xlsx
        export = lambda db: exports.export_commission(db, YEAR, target)  # noqa: E731
    rng = random.Random(f"{kind}-{YEAR}")
    plan = ([("export 1", rng.uniform(0.0, real_span), ()) for _ in range(real_kills)]
            + [("writing 1", rng.uniform(0.0, 0.04), ("--slow-disk",)) for _ in range(slow_kills)])
    left_behind = half_written = 0
    for attempt, (marker, delay, options) in enumerate(plan):
        previous = target.read_bytes() if target.exists() else None
        before = _temporaries(out, target)
        kill = _run_and_kill([kind, str(db_path), str(target), what, *options], marker, delay)
        assert kill.alive, f"attempt {attempt}: the helper ended before the kill: {kill.output}"
        _database_is_sound(db_path)
        # the final name: absent (first export ever) or a complete file, never a partial one
        assert target.exists() or previous is None, "the kill removed the previous export"
        if target.exists():
            check(target)
        temporaries = _temporaries(out, target)
        new = {name: (out / name).stat().st_size for name in temporaries - before}
        left_behind += bool(new)
        if new:              # killed before the rename: the previous file is there, untouched
            assert (target.read_bytes() if target.exists() else None) == previous
        # an ordinary export afterwards succeeds and is complete; it leaves no temporary of its own
        db = open_database(db_path)
        try:
            result = export(db)
        finally:
            db.close()
        assert result.path == target and result.size == target.stat().st_size
        check(target)
        assert _temporaries(out, target) <= temporaries
        half_written += any(size < result.size for size in new.values())
    return left_behind, half_written


def test_kill_during_dossier_pdf_export(database, tmp_path):
    left_behind, half_written = _kill_exports(database, tmp_path, "pdf", real_kills=1, slow_kills=3,
                                              real_span=1.0)
    # the slow-disk kills really landed while the temporary file was being written
    assert left_behind >= 2 and half_written >= 1
    _database_is_checked(database[0])


def test_kill_during_commission_xlsx_export(database, tmp_path):
    left_behind, half_written = _kill_exports(database, tmp_path, "xlsx", real_kills=1, slow_kills=2,
                                              real_span=0.5)
    assert left_behind >= 1 and half_written >= 1
    _database_is_checked(database[0])


def _database_is_checked(path: Path) -> None:
    """The full check of the application (integrity, schema at head, op log, full-text index)."""
    db = open_database(path)
    try:
        assert maintenance.check(db) == []
    finally:
        db.close()


def test_next_export_removes_what_a_killed_export_left(tmp_path):
    """What a killed ``atomic_write_bytes`` leaves (see the kill tests above): a hidden
    ``.<name>.<random>.tmp`` beside the target. An export of the same file an hour later should
    clean it up instead of letting such files pile up in the user's Documents folder (they are not
    hidden on Windows)."""
    from petr_desktop.exports.files import atomic_write_bytes

    target = tmp_path / "Dossier.pdf"
    stale = tmp_path / ".Dossier.pdf.k1ll3d_x.tmp"         # named as tempfile.mkstemp names it
    stale.write_bytes(b"%PDF-1.4\n" + b"x" * 5000)               # half a PDF
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    at_work = tmp_path / ".Dossier.pdf.4ctive_x.tmp"            # another export writing right now
    at_work.write_bytes(b"%PDF-1.4\n")
    other = tmp_path / ".Relevé.pdf.k1ll3d_y.tmp"              # another file's: not ours to judge
    other.write_bytes(b"%PDF-1.4\n")
    os.utime(other, (an_hour_ago, an_hour_ago))
    atomic_write_bytes(target, b"%PDF-1.4\n%%EOF\n")
    assert target.read_bytes() == b"%PDF-1.4\n%%EOF\n"
    assert not stale.exists() and at_work.exists() and other.exists()
