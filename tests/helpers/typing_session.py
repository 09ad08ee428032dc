"""A real app process that types into the meeting mode, for the kill tests.

Usage: python typing_session.py DB_PATH MEETING_ID TEXT_FILE
Types TEXT one character every ``INTERVAL_MS`` into the notes of the first agenda item,
like a user would, and prints « <monotonic time> <characters typed> » after each one.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

INTERVAL_MS = 25


def main() -> None:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from petr_desktop.storage.migrations import open_database
    from petr_desktop.tasks.runner import TaskRunner
    from petr_desktop.ui.context import AppContext, Bus, make_settings
    from petr_desktop.ui.main_window import MainWindow

    db_path, meeting_id, text_file = sys.argv[1:4]
    text = Path(text_file).read_text("utf-8")
    app = QApplication(sys.argv[:1])
    db = open_database(Path(db_path))
    context = AppContext(db, make_settings(Path(db_path).with_suffix(".ini")), TaskRunner(app), Bus(app))
    window = MainWindow(context)
    window.show()
    context.bus.open_record.emit("meeting", meeting_id)
    editor = window.meeting_mode.current_notes()
    editor.setFocus()
    position = 0

    def type_next() -> None:
        nonlocal position
        if position >= len(text):
            return
        QTest.sendKeyEvent(QTest.KeyAction.Click, editor, Qt.Key.Key_unknown, text[position],
                           Qt.KeyboardModifier.NoModifier)
        position += 1
        print(f"{time.monotonic():.4f} {position}", flush=True)

    timer = QTimer()
    timer.timeout.connect(type_next)
    timer.start(INTERVAL_MS)
    print("ready", flush=True)
    app.exec()


if __name__ == "__main__":
    main()
