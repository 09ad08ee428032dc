"""Settings of this computer that services read without Qt: a small JSON object beside settings.ini.

Not in the database: a restored or copied database must not bring another computer's choices
with it, and the file can be read before the database is opened. Unreadable or damaged, the
file counts as empty (every setting takes its default); it is replaced atomically.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..paths import resolve, sync_folder

BACKUPS_KEEP = "backups_keep"
KEEP_MIN, KEEP_MAX, DEFAULT_KEEP = 2, 100, 10
KEEP_ENV = "PETR_DESKTOP_BACKUPS_KEEP"


def settings_path() -> Path:
    return resolve().local_settings


def load(path: Path | None = None) -> dict[str, Any]:
    try:
        data = json.loads(Path(path or settings_path()).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def update(values: dict[str, Any], path: Path | None = None) -> dict[str, Any]:
    """Merge ``values`` into the file (written to a temporary name, flushed, then renamed)."""
    target = Path(path or settings_path())
    data = load(target) | values
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    sync_folder(target.parent)
    return data


def backups_keep() -> int:
    """Backups kept per kind: ``PETR_DESKTOP_BACKUPS_KEEP`` if set (tests, scripts), else this
    computer's setting (clamped to 2–100), else 10."""
    override = os.environ.get(KEEP_ENV)
    if override:
        try:
            return max(1, int(override))
        except ValueError:
            pass
    value = load().get(BACKUPS_KEEP)
    if isinstance(value, int) and not isinstance(value, bool):
        return min(max(value, KEEP_MIN), KEEP_MAX)
    return DEFAULT_KEEP
