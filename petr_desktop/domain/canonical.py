"""Canonical JSON: sorted keys, UTF-8, no spaces — same content, same bytes, same hash."""
from __future__ import annotations

import hashlib
import json
from datetime import date, time
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, (date, time)):
        return value.isoformat()
    raise TypeError(f"not serialisable: {type(value).__name__}")


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_default).encode("utf-8")


def content_sha256(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()
