"""Rotating log file in the home's logs folder. Logs never contain the text of minutes."""
from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from .paths import restrict


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Every log file, rotated ones included, readable by the user only."""

    def _open(self):
        stream = super()._open()
        restrict(Path(self.baseFilename))
        return stream


def configure(logs: Path, level: int = logging.INFO) -> Path:
    logs.mkdir(parents=True, exist_ok=True)
    restrict(logs, 0o700)
    path = logs / "carnet-petr.log"
    handler = PrivateRotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.setLevel(level)
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        root.addHandler(handler)
    return path
