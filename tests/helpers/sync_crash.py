"""Run one sync import or export in its own process, to be killed by a test.

Usage: sync_crash.py import DB FILE | export DB DESTINATION
Prints « start » just before the work begins and « done » after it.
"""
from __future__ import annotations

import sys
from pathlib import Path

from petr_desktop.services import sync
from petr_desktop.storage.migrations import open_database


def main(action: str, database: str, target: str) -> None:
    db = open_database(Path(database))
    print("start", flush=True)
    if action == "import":
        sync.import_file(db, Path(target))
    else:
        sync.export(db, Path(target), everything=True)
    print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
