"""Self-test of an installed (or frozen) Carnet PETR: the whole chain, in a temporary folder.

Database created and migrated (Alembic scripts shipped as data), reference data loaded, a
meeting and its relevé, one PDF and one Excel file written and checked. Used after a
PyInstaller build (``CarnetPETR --self-test``) and runnable as ``python -m petr_desktop.selftest``.
Prints one French line per step; returns 0 on success, 1 with a French error otherwise.
Nothing touches the user's data: everything lives in a temporary folder.
"""
from __future__ import annotations

import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from contextlib import closing
from datetime import date
from pathlib import Path

PDF_MAGIC = b"%PDF"
XLSX_MAGIC = b"PK"


class SelfTestError(Exception):
    """A failed step, with a French message."""


def _kilobytes(size: int) -> str:
    return f"{max(1, round(size / 1024))} Ko"


def _check_file(path: Path, magic: bytes, label: str) -> int:
    if not path.exists():
        raise SelfTestError(f"{label} : le fichier {path.name} n'a pas été écrit")
    data = path.read_bytes()
    if not data.startswith(magic):
        raise SelfTestError(f"{label} : le fichier {path.name} n'a pas le bon format")
    return len(data)


def _steps(folder: Path, say: Callable[[str], None]) -> None:
    import sqlite3

    from .services import exports, meetings, minutes, reference
    from .storage import migrations

    db_path = folder / "autotest.sqlite"
    db = migrations.open_database(db_path, backups=folder / "backups", replica_name="autotest")
    try:
        # The Alembic machinery itself (script folder, env.py, revision modules) must load:
        # an upgrade at head reads every shipped revision and is a no-op.
        migrations.upgrade(db_path)
        with closing(sqlite3.connect(db_path)) as conn:
            revision = migrations.current_revision(conn)
        head = migrations.head_revision()
        if revision != head:
            raise SelfTestError(f"la base est à la révision {revision}, attendu {head}")
        say(f"Base créée et migrée (révision {head})")

        created = reference.load_reference(db)
        say(f"Données de référence chargées ({created} lignes)")

        today = date.today()
        meeting = meetings.create_meeting(db, "directors_network", today, title="Réunion d'autotest")
        record = minutes.open_minutes(db, meeting.id, author="Autotest")
        minutes.add_decision(db, record.id, "Le Carnet PETR fonctionne sur ce poste.")
        say("Réunion et relevé créés")

        pdf = folder / "releve-autotest.pdf"
        exports.export_minutes(db, record.id, pdf)
        say(f"PDF écrit ({_kilobytes(_check_file(pdf, PDF_MAGIC, 'PDF'))})")

        xlsx = folder / "commission-autotest.xlsx"
        exports.export_commission(db, today.year, xlsx)
        say(f"Excel écrit ({_kilobytes(_check_file(xlsx, XLSX_MAGIC, 'Excel'))})")
    finally:
        db.close()


def run(folder: Path | None = None) -> int:
    """Run every step in ``folder`` (a new temporary folder by default). 0 = all good."""
    from . import __version__

    def say(line: str) -> None:
        print(line, flush=True)

    started = time.perf_counter()
    say(f"Autotest du Carnet PETR {__version__}")
    try:
        if folder is None:
            with tempfile.TemporaryDirectory(prefix="carnet-petr-autotest-") as tmp:
                _steps(Path(tmp), say)
        else:
            folder = Path(folder)
            folder.mkdir(parents=True, exist_ok=True)
            _steps(folder, say)
    except SelfTestError as exc:
        print(f"Autotest en échec : {exc}", file=sys.stderr, flush=True)
        return 1
    except Exception as exc:  # the point is to report anything, in French, with details
        print(f"Autotest en échec : erreur inattendue ({type(exc).__name__} : {exc})", file=sys.stderr)
        if sys.stderr is not None:  # None in a windowed frozen app without a console
            traceback.print_exc(file=sys.stderr)
            sys.stderr.flush()
        return 1
    say(f"Autotest réussi en {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(run())
