"""Atomic file writing: no half-written file ever carries the final name."""
from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path

from ..paths import remove_stale, sync_folder


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file of the same folder, fsync, then rename.

    On failure the temporary file is removed, the target is left as it was, and the OSError
    is raised again with ``filename`` set to the target (for a French message). On success the
    stale temporaries of a killed earlier write of the same file are removed (on Windows a
    leading dot does not hide them: they would pile up in the user's folder).
    """
    target = Path(path)
    temp_name: str | None = None
    try:
        fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
        temp_name = None
        sync_folder(target.parent)
        remove_stale(target.parent, f".{glob.escape(target.name)}.*.tmp")
    except OSError as exc:
        exc.filename, exc.filename2 = str(target), None
        raise
    finally:
        if temp_name is not None:
            try:
                os.unlink(temp_name)
            except OSError:
                pass
    return target

