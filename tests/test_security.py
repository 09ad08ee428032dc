"""Files readable by the user only; no minutes text in the logs; no secret in clear."""
from __future__ import annotations

import logging
import os
import stat

import pytest

from petr_desktop import logging_setup
from petr_desktop.domain.models import Minutes
from petr_desktop.services import meetings, minutes, records, reference, sync
from petr_desktop.storage.migrations import open_database

SECRET_TEXT = "Confidentiel : le président envisage de démissionner"
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_database_logs_and_device_key_are_private_and_logs_hold_no_minutes_text(tmp_path):
    logs = tmp_path / "logs"
    log_file = logging_setup.configure(logs, logging.DEBUG)
    root = logging.getLogger()
    try:
        (tmp_path / "data").mkdir()
        db = open_database(tmp_path / "data" / "carnet.sqlite")
        reference.load_reference(db)
        meeting = meetings.create_meeting(db, "management_dialogue", "2026-11-12",
                                          structure_id=reference.structure_id("Pays de Langres"))
        record = minutes.open_minutes(db, meeting.id)
        records.update(db, Minutes, record.id, summary=SECRET_TEXT)
        exported = sync.export(db, tmp_path / "out", everything=True)
        logging.getLogger("petr_desktop").info("an ordinary event")
        for handler in root.handlers:
            handler.flush()
        db_path = tmp_path / "data" / "carnet.sqlite"
        assert _mode(db_path) == 0o600
        wal = db_path.with_name("carnet.sqlite-wal")
        assert not wal.exists() or _mode(wal) & 0o077 == 0
        assert _mode(log_file) == 0o600 and _mode(logs) == 0o700
        logged = log_file.read_text(encoding="utf-8")
        assert "an ordinary event" in logged and SECRET_TEXT not in logged
        key_file = tmp_path / "data" / "keys" / "device-key.json"
        content = key_file.read_text(encoding="utf-8")
        assert "ENCRYPTED PRIVATE KEY" in content and "BEGIN PRIVATE KEY" not in content
        assert _mode(key_file) == 0o600
        assert exported.path.exists()
        db.close()
    finally:
        for handler in list(root.handlers):
            if isinstance(handler, logging_setup.PrivateRotatingFileHandler):
                root.removeHandler(handler)
                handler.close()
