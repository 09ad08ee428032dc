"""Record identity: UUIDv7 for new records, UUIDv5 for natural singletons.

Two laptops that create "the same" natural record offline (the sheet of a structure
for a year and kind, the reference structures...) compute the same UUIDv5 and so
converge on one row when their sync files meet.
"""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

import uuid6

# Fixed namespace of Carnet PETR: never change it, every deterministic id derives from it.
NAMESPACE = uuid.UUID("5b0f0c52-6c1e-4a43-9a4e-2f1f6c3e8a10")


def new_id() -> str:
    """A new time-ordered record id (UUIDv7, text)."""
    return str(uuid6.uuid7())


def singleton_id(kind: str, *parts: object) -> str:
    """Deterministic id of a natural singleton: same kind and parts, same id everywhere."""
    name = "|".join([kind, *(str(p) for p in parts)])
    return str(uuid.uuid5(NAMESPACE, name))


def now_iso() -> str:
    """Current UTC time as ISO 8601 text with millisecond precision."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
