"""Benchmark: `python -m petr_desktop.bench [--json] [--scale small|large] [--runs N]`.

Builds a synthetic history in a temporary folder (small = the demo data, 30 structures ×
2 years; large = 30 structures × 10 years × 4 meetings with minutes of about 3,000 words,
20 actions each, 3 sheets a year with 10 indicators each) and measures the median of
several runs of what the user waits for, each beside its floor on the same machine (what
the bare stack costs), as a ratio. Sync import/export is measured once sync files exist.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

#: Targets at large scale (ms, or MB for memory), from the reliability issue.
TARGETS = {"start": 1500, "dossier": 100, "search": 50, "autosave": 10, "releve_pdf": 300, "sync_import": 2000,
           "rss_mb": 300}
SYNC_OPS = 10_000

#: The real start-up (app.start: logging, lock, database checked and migrated, reference data,
#: main window shown) up to the first paint; PETR_DESKTOP_HOME is the bench's folder.
APP_SNIPPET = """
import os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from pathlib import Path
from petr_desktop import app
running = app.start(Path(sys.argv[1]), ["bench"])
running.app.processEvents()
print(time.time(), flush=True)   # first paint done: the window is interactive
os._exit(0)                       # do not wait for the deferred work (daily backup, PDF library)
"""
#: The floor: a bare PySide6 window to its first paint ({imports}: the stack's imports too).
BARE_SNIPPET = """
import os, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication, QMainWindow
{imports}
app = QApplication(["bench"])
window = QMainWindow()
window.show()
app.processEvents()
print(time.time(), flush=True)
os._exit(0)
"""


def median_ms(fn: Callable[[int], object], runs: int) -> float:
    times = []
    for i in range(runs):
        started = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def process_ms(args: list[str], runs: int, until_printed: bool = False) -> float:
    """Median wall time of a fresh process (or, with ``until_printed``, until the wall-clock time
    it prints), after one warm-up run that writes the .pyc files as an installed app has them
    (some shells set PYTHONDONTWRITEBYTECODE)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["QT_QPA_PLATFORM"] = "offscreen"

    def run() -> str:
        done = subprocess.run(args, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{args[:2]} exited with {done.returncode}:\n{done.stderr[-3000:]}")
        return done.stdout

    run()
    if not until_printed:
        return median_ms(lambda _i: run(), runs)
    times = []
    for _ in range(runs):
        started = time.time()
        times.append((float(run().split()[-1]) - started) * 1000)
    return statistics.median(times)


def build(folder: Path, scale: str):
    from .services import demo
    from .storage.migrations import open_database

    db = open_database(folder / "bench.sqlite")
    demo.generate(db)
    if scale == "large":
        _grow(db)
    return db


def _grow(db) -> None:
    """Add years 2017-2024 with long minutes, 20 actions per meeting and 10 indicators per sheet."""
    from sqlmodel import select

    from .domain.models import AgendaItem, Indicator
    from .services import meetings, minutes, sheets
    from .services.records import apply_changes, insert
    from .services.structures import list_structures

    rng = random.Random(7)
    words = ("territoire projet ingénierie mobilité santé réunion comité financement diagnostic "
             "partenaires communes élus trajectoire indicateur solde convention œuvre").split()
    for row in list_structures(db):
        with db.unit_of_work() as session:
            for year in range(2017, 2025):
                for number in range(4):
                    day = date(year, 2, 1) + timedelta(days=85 * number + rng.randrange(20))
                    meeting = meetings.create_meeting(session, "management_dialogue", day, structure_id=row.id)
                    record = minutes.open_minutes(session, meeting.id)
                    for item in session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)):
                        apply_changes(session, item, {"notes": " ".join(rng.choices(words, k=375))})
                    for a in range(20):
                        minutes.add_action(session, record.id, f"Action {a + 1} : {' '.join(rng.choices(words, k=8))}",
                                           owner_name="Responsable", due_on=day + timedelta(days=60))
                for kind in ("core_missions", "thematic", "collective"):
                    sheet = sheets.open_sheet(session, row.id, year, kind)
                    for i in range(10):
                        insert(session, Indicator, sheet_id=sheet.id, position=100 + i, name=f"Indicateur {i + 1}",
                               target=float(rng.randint(5, 50)), actual=float(rng.randint(0, 50)))


def measure(scale: str, runs: int) -> dict[str, dict[str, float | None]]:
    folder = Path(tempfile.mkdtemp(prefix="petr-bench-"))
    os.environ["PETR_DESKTOP_HOME"] = str(folder / "home")
    try:
        return _measure_in(folder, scale, runs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _measure_in(folder: Path, scale: str, runs: int) -> dict[str, dict[str, float | None]]:
    from .domain.models import AgendaItem, Minutes
    from .exports.excel import commission_xlsx
    from .exports.pdf import commission_pdf, dossier_pdf, minutes_pdf
    from .services import dossier, records, search
    from .services.structures import list_structures
    from .storage.migrations import open_database

    # The synthetic history is written by a child process: the peak memory measured here is the
    # app's (its reads, exports and sync), not the generator's.
    subprocess.run([sys.executable, "-m", "petr_desktop.bench", "--prepare", str(folder), "--scale", scale],
                   check=True)
    db = open_database(folder / "bench.sqlite")
    structures = [s.id for s in list_structures(db)]
    all_minutes = records.list_rows(db, Minutes)
    editable = next(m for m in all_minutes if m.status != "signed")
    item = next(i for i in records.list_rows(db, AgendaItem, meeting_id=editable.meeting_id))
    db_path = str(db.path)
    results: dict[str, dict[str, float | None]] = {}

    def put(name: str, value: float, floor: float | None = None) -> None:
        results[name] = {"ms": round(value, 2), "floor_ms": None if floor is None else round(floor, 2),
                         "ratio": None if not floor else round(value / floor, 1),
                         "target_ms": TARGETS.get(name)}

    python = sys.executable
    bare_python = process_ms([python, "-c", "pass"], runs)
    put("python_startup", bare_python)
    put("start", process_ms([python, "-c", APP_SNIPPET, db_path], runs, True),
        process_ms([python, "-c", BARE_SNIPPET.format(imports="")], runs, True))
    # What the chosen stack costs before any of our code: Qt window + SQLModel/SQLAlchemy imported.
    put("start_stack_floor", process_ms([python, "-c", BARE_SNIPPET.format(imports="import sqlmodel")], runs, True))
    put("dossier", median_ms(lambda i: dossier.load(db, structures[i % len(structures)]), runs * 3))
    raw = sqlite3.connect(db_path)
    raw_search = median_ms(lambda _i: raw.execute(
        "SELECT rowid FROM search_fts WHERE search_fts MATCH ? LIMIT 50", ('"reunion"* AND "technique"*',)).fetchall(),
        runs * 3)
    put("search", median_ms(lambda _i: search.search(db, "réunion technique"), runs * 3), raw_search)
    put("autosave", median_ms(lambda i: records.update(db, AgendaItem, item.id, notes=f"Notes {i} " * 200), runs * 3))
    minutes_pdf(db, all_minutes[0].id)                                  # load reportlab and fonts once
    put("releve_pdf", median_ms(lambda i: minutes_pdf(db, all_minutes[i % len(all_minutes)].id), runs),
        median_ms(lambda _i: _bare_pdf(), runs))
    put("dossier_pdf", median_ms(lambda i: dossier_pdf(db, structures[i % len(structures)]), max(1, runs // 2)))
    year = date.today().year
    put("commission_pdf", median_ms(lambda _i: commission_pdf(db, year), max(1, runs // 2)))
    put("commission_xlsx", median_ms(lambda _i: commission_xlsx(db, year), max(1, runs // 2)))
    _measure_sync(db, folder, runs, put)
    db.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results["rss_mb"] = {"ms": None, "mb": round(rss_mb, 1), "target_mb": TARGETS["rss_mb"]}
    results["data"] = {"scale": scale, "minutes": len(all_minutes), "structures": len(structures),
                       "db_mb": round(Path(db_path).stat().st_size / 1e6, 1)}
    return results


def prepare(folder: Path, scale: str) -> None:
    """The child process's work: the history, then a peer (« Bureau ») that has all of it and
    10,000 ops it has not seen yet."""
    db = build(folder, scale)
    _prepare_sync(db, folder)
    db.close()


def _prepare_sync(db, folder: Path) -> None:
    from .domain.models import Minutes
    from .services import minutes, records, sync
    from .storage.backup import backup_file
    from .storage.database import raw_connection
    from .storage.migrations import open_database

    peer_path = folder / "peer" / "peer.sqlite"
    backup_file(db.path, peer_path)
    peer = open_database(peer_path)                                   # a copy: a new replica
    with peer.unit_of_work() as session:
        raw_connection(session).execute("UPDATE sync_local SET replica_name = 'Bureau' WHERE id = 1")
    sync.enrol(db, sync.write_key_file(peer, peer_path.parent / "peer-key.json"))
    sync.enrol(peer, sync.write_key_file(db, folder / "bench-key.json"))
    sync.import_file(db, sync.export(peer, peer_path.parent).path)     # the office has everything so far
    peer.close()
    target = next(m for m in records.list_rows(db, Minutes) if m.status != "signed")
    with db.unit_of_work() as session:
        for n in range(-(-SYNC_OPS // 7)):                              # a decision is 7 ops
            minutes.add_decision(session, target.id, f"Décision {n} : poursuivre la démarche engagée")


def _measure_sync(db, folder: Path, runs: int, put: Callable[..., None]) -> None:
    """Export of 10,000 new ops for a peer, and their import (backup included, and apart)."""
    from .services import sync
    from .storage.backup import backup_file, backup_to_folder
    from .storage.migrations import open_database

    peer_path = folder / "peer" / "peer.sqlite"
    files = [folder / f"sync-{i}.petrsync" for i in range(runs)]
    put("sync_export", median_ms(lambda i: sync.export(db, files[i], for_peer="Bureau"), runs))
    put("sync_backup", median_ms(lambda i: backup_to_folder(peer_path, folder / "bench-backups", f"b{i}"),
                                 max(1, runs // 2)))
    receivers = [backup_file(peer_path, folder / f"receiver-{i}" / "peer.sqlite") for i in range(max(1, min(runs, 3)))]
    if hasattr(os, "sync"):
        os.sync()          # the copies just made are on disk: the import does not pay for their writeback
    put("sync_import", median_ms(lambda i: sync.import_file(open_database(receivers[i]), files[0]), len(receivers)))
    results_ops = sync.export(db, folder / "count.petrsync", for_peer="Bureau").op_count
    put("sync_ops", float(results_ops))


def _bare_pdf() -> bytes:
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Relevé")
    page.showPage()
    page.save()
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m petr_desktop.bench",
                                     description="Mesure les temps de Carnet PETR et ceux de la pile nue.")
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    parser.add_argument("--scale", choices=("small", "large"), default="small")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)      # the child that builds the data
    args = parser.parse_args(argv)
    if args.prepare:
        prepare(args.prepare, args.scale)
        return 0
    results = measure(args.scale, args.runs)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    print(f"{'mesure':<18} {'ms':>10} {'plancher':>10} {'ratio':>7} {'cible':>7}")
    for name, row in results.items():
        if name in ("data", "rss_mb"):
            continue
        floor = "" if row["floor_ms"] is None else f"{row['floor_ms']:.1f}"
        ratio = "" if row["ratio"] is None else f"×{row['ratio']}"
        target = "" if row["target_ms"] is None else str(row["target_ms"])
        print(f"{name:<18} {row['ms']:>10.1f} {floor:>10} {ratio:>7} {target:>7}")
    print(f"{'pic mémoire (Mo)':<18} {results['rss_mb']['mb']:>10.1f} {'':>10} {'':>7} {TARGETS['rss_mb']:>7}")
    print(f"données : {results['data']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
