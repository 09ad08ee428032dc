"""One excepthook for all threads: log the traceback, then show a French dialog with
« Copier le rapport » on the GUI thread."""
from __future__ import annotations

import logging
import sys
import threading
import traceback

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger(__name__)


def crash_dialog(report: str, parent=None) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Critical, "Carnet PETR — erreur inattendue",
                      "Une erreur inattendue s'est produite. Ce qui était déjà enregistré est conservé.\n"
                      "Vous pouvez copier le rapport pour le transmettre au support.", parent=parent)
    box.setDetailedText(report)
    copy = box.addButton("Copier le rapport", QMessageBox.ButtonRole.ActionRole)
    copy.clicked.disconnect()              # copying must not close the dialog
    copy.clicked.connect(lambda: QApplication.clipboard().setText(report))
    box.addButton("Fermer", QMessageBox.ButtonRole.AcceptRole)
    return box


class _Reporter(QObject):
    report = Signal(str)

    @Slot(str)
    def show(self, text: str) -> None:
        crash_dialog(text).exec()


_reporter: _Reporter | None = None


def report_exception(exc_type, exc, tb) -> None:
    """Log the traceback and ask the GUI thread to show the dialog (safe from any thread)."""
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    log.error("unhandled exception:\n%s", text)
    if _reporter is not None:
        _reporter.report.emit(text)


def install_excepthook() -> None:
    global _reporter
    _reporter = _Reporter()
    _reporter.report.connect(_reporter.show, Qt.ConnectionType.QueuedConnection)
    sys.excepthook = report_exception
    threading.excepthook = lambda args: report_exception(args.exc_type, args.exc_value, args.exc_traceback)
