"""One excepthook for all threads: log the traceback, show a French dialog with
« Copier le rapport »."""
from __future__ import annotations

import logging
import sys
import threading
import traceback

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger(__name__)


class _Reporter(QObject):
    report = Signal(str)

    @Slot(str)
    def show(self, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Critical, "Carnet PETR — erreur inattendue",
                          "Une erreur inattendue s'est produite. Votre saisie déjà enregistrée est conservée.\n"
                          "Vous pouvez copier le rapport pour le transmettre au support.")
        box.setDetailedText(text)
        copy = box.addButton("Copier le rapport", QMessageBox.ButtonRole.ActionRole)
        box.addButton("Fermer", QMessageBox.ButtonRole.AcceptRole)
        box.exec()
        if box.clickedButton() is copy:
            QApplication.clipboard().setText(text)


_reporter: _Reporter | None = None


def install_excepthook() -> None:
    global _reporter
    _reporter = _Reporter()
    _reporter.report.connect(_reporter.show, Qt.ConnectionType.QueuedConnection)

    def hook(exc_type, exc, tb) -> None:
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("unhandled exception:\n%s", text)
        if _reporter is not None:
            _reporter.report.emit(text)

    sys.excepthook = hook
    threading.excepthook = lambda args: hook(args.exc_type, args.exc_value, args.exc_traceback)
