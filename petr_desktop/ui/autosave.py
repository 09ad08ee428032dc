"""Autosave of text editors: typing is saved at most ``SAVE_DELAY_MS`` after the first
unsaved keystroke (even while typing goes on) and whenever the editor loses focus."""
from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from ..services.errors import ServiceError
from ..storage.errors import StorageError

log = logging.getLogger(__name__)

#: Well under the promise of « at most 2 s of typing lost ».
SAVE_DELAY_MS = 1000
ERROR_STYLE = "border: 2px solid #b3261e;"


def text_of(editor: QWidget) -> str:
    if isinstance(editor, (QPlainTextEdit, QTextEdit)):
        return editor.toPlainText()
    return editor.text()  # type: ignore[attr-defined]


class Autosaver(QObject):
    """Saves one editor through ``save(text)``; failures keep the text and say why, in French."""

    saved = Signal()
    failed = Signal(str)

    def __init__(self, editor: QWidget, save: Callable[[str], object], parent: QObject | None = None) -> None:
        super().__init__(parent or editor)
        self.editor = editor
        self._save = save
        self.dirty = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SAVE_DELAY_MS)
        self.timer.timeout.connect(self.flush)
        signal = editor.textChanged if not isinstance(editor, QLineEdit) else editor.textEdited
        signal.connect(self._changed)
        editor.installEventFilter(self)

    def _changed(self, *_args) -> None:
        self.dirty = True
        if not self.timer.isActive():
            self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.editor and event.type() == QEvent.Type.FocusOut:
            self.flush()
        return False

    def flush(self) -> bool:
        """Save now if something is pending; True when nothing is left unsaved."""
        self.timer.stop()
        if not self.dirty:
            return True
        try:
            self._save(text_of(self.editor))
        except (ServiceError, StorageError, ValueError) as exc:
            self.editor.setStyleSheet(ERROR_STYLE)
            self.editor.setToolTip(str(exc))
            self.failed.emit(str(exc))
            return False
        self.dirty = False
        if self.editor.styleSheet():
            self.editor.setStyleSheet("")
            self.editor.setToolTip("")
        self.saved.emit()
        return True

    def discard(self) -> None:
        """Forget pending text (the editor is being rebuilt from saved data)."""
        self.timer.stop()
        self.dirty = False
