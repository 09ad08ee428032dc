"""Kill -9 the app while the user types: at most the last 2 s of typing are lost, the
database reopens sound, and the reopened meeting mode shows what was saved."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from petr_desktop.services import maintenance, meetings, reference
from petr_desktop.storage.migrations import open_database

HELPER = Path(__file__).parent / "helpers" / "typing_session.py"
TEXT = ("Tour de table : le président rappelle le renouvellement du bureau ; l'équipe technique est stable. "
        "La mise en œuvre du projet de territoire avance, « effet levier » estimé à 3,2. ") * 4
LOSS_ALLOWED_S = 2.0


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX-only")
def test_sigkill_while_typing_loses_at_most_two_seconds(tmp_path, qtbot, make_context):
    path = tmp_path / "kill.sqlite"
    db = open_database(path)
    reference.load_reference(db)
    meeting = meetings.create_meeting(db, "management_dialogue", "12/03/2026",
                                      structure_id=reference.structure_id("Pays de Langres"))
    first_item = meetings.agenda(db, meeting.id)[0]
    db.close()
    text_file = tmp_path / "text.txt"
    text_file.write_text(TEXT, "utf-8")

    process = subprocess.Popen([sys.executable, str(HELPER), str(path), meeting.id, str(text_file)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    typed: list[tuple[float, int]] = []
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            if line.startswith("ready"):
                continue
            stamp, count = line.split()
            typed.append((float(stamp), int(count)))
            if int(count) >= 160:                   # about 4 s of continuous typing
                break
        killed_at = time.monotonic()
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, process.stderr.read()
    assert typed and typed[-1][1] >= 160

    must_have = max((count for stamp, count in typed if stamp <= killed_at - LOSS_ALLOWED_S), default=0)
    assert must_have > 60
    reopened = open_database(path)
    assert maintenance.check(reopened) == []
    saved = meetings.agenda(reopened, meeting.id)[0].notes
    assert TEXT.startswith(saved), "what was saved is exactly what was typed"
    assert len(saved) >= must_have, f"lost more than {LOSS_ALLOWED_S} s: {len(saved)} < {must_have}"

    from petr_desktop.ui.main_window import MainWindow

    window = MainWindow(make_context(reopened))
    qtbot.addWidget(window)
    window.context.bus.open_record.emit("meeting", meeting.id)
    assert window.meeting_mode.current_notes().toPlainText() == saved
    assert first_item.id == meetings.agenda(reopened, meeting.id)[0].id
