"""Crash dialog, log file and help panel."""
from __future__ import annotations

import logging
import sys
import threading

from PySide6.QtWidgets import QApplication

from petr_desktop.logging_setup import configure
from petr_desktop.ui import errors
from petr_desktop.ui.dialogs.shortcuts import ShortcutsDialog


def test_crash_dialog_is_french_and_copies_the_report(qtbot):
    box = errors.crash_dialog("Traceback: boom")
    qtbot.addWidget(box)
    assert "erreur inattendue" in box.text()
    copy = next(b for b in box.buttons() if b.text() == "Copier le rapport")
    assert any(b.text() == "Fermer" for b in box.buttons())
    copy.click()
    assert QApplication.clipboard().text() == "Traceback: boom"
    assert box.detailedText() == "Traceback: boom"


def test_exceptions_of_every_thread_are_logged_and_reported(qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(errors._Reporter, "show", lambda self, text: shown.append(text))
    old_hooks = sys.excepthook, threading.excepthook
    log_path = configure(tmp_path / "logs")
    try:
        errors.install_excepthook()
        try:
            raise RuntimeError("plantage du fil principal")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
        worker = threading.Thread(target=lambda: 1 / 0)
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: len(shown) == 2, timeout=2000)
    finally:
        sys.excepthook, threading.excepthook = old_hooks
        for handler in logging.getLogger().handlers[:]:
            if getattr(handler, "baseFilename", "") == str(log_path):
                logging.getLogger().removeHandler(handler)
                handler.close()
    assert "plantage du fil principal" in shown[0] and "ZeroDivisionError" in shown[1]
    logged = log_path.read_text("utf-8")
    assert "plantage du fil principal" in logged and "ZeroDivisionError" in logged


def test_shortcuts_panel_lists_the_keys(qtbot, main_window):
    dialog = ShortcutsDialog(main_window)
    qtbot.addWidget(dialog)
    text = dialog.label.text()
    assert "Ctrl+1 … Ctrl+9" in text and "Ctrl+Maj+A ou Alt+A" in text and "Rechercher partout" in text
    assert "Signer le relevé" in text and "Ctrl+Maj+S" in text
