"""Export the same file again and again in its own process, to be killed by a test.

Usage: export_crash.py pdf DB TARGET STRUCTURE_ID [--slow-disk]
       export_crash.py xlsx DB TARGET YEAR [--slow-disk]

``pdf`` is the structure's dossier PDF (the heaviest export), ``xlsx`` the Commission workbook
of a year; both go through the real ``services.exports`` use case, hence through
``exports.files.atomic_write_bytes``. Prints « ready » once the database is open, then
« export N » before each export and « done N » after it.

``--slow-disk`` makes the disk of ``exports/files.py`` (and only its) slow, like a USB stick or a
network share: the temporary file is written in ``CHUNKS`` flushed pieces with a pause between
them, and ``fsync`` takes ``FSYNC_DELAY`` s; « writing N » is printed when the temporary file
has just been created. A test that kills the process shortly after « writing N » therefore kills
it with a half-written temporary file on disk. The logic of ``atomic_write_bytes`` (temporary
name, fsync, rename, cleanup) is the real one.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

CHUNKS = 16
CHUNK_PAUSE = 0.003
FSYNC_DELAY = 0.02
MAX_EXPORTS = 30            # a bound, in case the test never kills the process

_export_number = 0


class _SlowFile:
    """A binary file whose writes reach the disk slowly, piece by piece."""

    def __init__(self, handle) -> None:
        self._handle = handle

    def __enter__(self) -> "_SlowFile":
        return self

    def __exit__(self, *exc) -> None:
        self._handle.close()

    def write(self, data: bytes) -> int:
        size = max(1, -(-len(data) // CHUNKS))
        for start in range(0, len(data), size):
            self._handle.write(data[start:start + size])
            self._handle.flush()               # the piece is in the file, visible to anyone
            time.sleep(CHUNK_PAUSE)
        return len(data)

    def flush(self) -> None:
        self._handle.flush()

    def fileno(self) -> int:
        return self._handle.fileno()


class _SlowOs:
    """The ``os`` module as ``exports/files.py`` sees it under --slow-disk."""

    def __getattr__(self, name: str):
        return getattr(os, name)

    @staticmethod
    def fdopen(fd: int, mode: str = "r", *args, **kwargs):
        print(f"writing {_export_number}", flush=True)
        return _SlowFile(os.fdopen(fd, mode, *args, **kwargs))

    @staticmethod
    def fsync(fd: int) -> None:
        time.sleep(FSYNC_DELAY)
        os.fsync(fd)


def main(kind: str, database: str, target: str, what: str, *options: str) -> None:
    global _export_number
    from petr_desktop.exports import files
    from petr_desktop.services import exports
    from petr_desktop.storage.migrations import open_database

    if "--slow-disk" in options:
        files.os = _SlowOs()
    db = open_database(Path(database))
    print("ready", flush=True)
    for _export_number in range(1, MAX_EXPORTS + 1):
        print(f"export {_export_number}", flush=True)
        if kind == "pdf":
            exports.export_structure_pdf(db, what, Path(target))
        else:
            exports.export_commission(db, int(what), Path(target))
        print(f"done {_export_number}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
