"""Autosave of text editors: typing is saved at most ``SAVE_DELAY_MS`` after the first
unsaved keystroke (even while typing goes on) and whenever the editor loses focus.

An editor is reused for record after record, so every Autosaver is *bound* to the id of the
record it edits: ``load(target, text)`` saves what is pending into the record it was typed for,
then shows the next record's text without counting it as typing. A save always goes to the
bound record, never to « whatever is on screen now »."""
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

#: ``save(target, text)``: write ``text`` into the record ``target``; raises a French refusal.
Save = Callable[[str, str], object]


def text_of(editor: QWidget) -> str:
    if isinstance(editor, (QPlainTextEdit, QTextEdit)):
        return editor.toPlainText()
    return editor.text()  # type: ignore[attr-defined]


def set_text_of(editor: QWidget, text: str) -> None:
    if isinstance(editor, (QPlainTextEdit, QTextEdit)):
        editor.setPlainText(text)
    else:
        editor.setText(text)  # type: ignore[attr-defined]
        editor.setCursorPosition(0)  # type: ignore[attr-defined]


class Autosaver(QObject):
    """Saves one editor into its bound record; failures keep the text and say why, in French."""

    saved = Signal()
    failed = Signal(str)

    def __init__(self, editor: QWidget, save: Save, parent: QObject | None = None,
                 target: str | None = None) -> None:
        super().__init__(parent or editor)
        self.editor = editor
        self._save = save
        #: The id of the record the editor's text belongs to (None: nothing to save into).
        self.target = target
        self.dirty = False
        self._loading = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SAVE_DELAY_MS)
        self.timer.timeout.connect(self.flush)
        self._signal = editor.textChanged if not isinstance(editor, QLineEdit) else editor.textEdited
        self._signal.connect(self._changed)
        editor.installEventFilter(self)

    def load(self, target: str | None, text: str | None = None) -> bool:
        """Bind to ``target`` and show ``text`` (None: keep the editor's text), not as typing.

        What was pending is saved first, into the record it was typed for. Reloading the same record
        keeps the typed text (it is newer than ``text``, read before): saved now, or refused and
        left in red. Returns False when a pending save was refused."""
        pending = self.dirty
        kept = self.flush()
        if pending and target == self.target:
            return kept
        self._loading = True
        try:
            if text is not None and text != text_of(self.editor):
                set_text_of(self.editor, text)
        finally:
            self._loading = False
        self.target = target
        self.dirty = False
        self._clear_error()
        return kept

    def _changed(self, *_args) -> None:
        if self._loading or self.target is None:
            return
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
        if not self.dirty or self.target is None:
            return True
        try:
            self._save(self.target, text_of(self.editor))
        except (ServiceError, StorageError, ValueError) as exc:
            self.editor.setStyleSheet(ERROR_STYLE)
            self.editor.setToolTip(str(exc))
            self.failed.emit(str(exc))
            return False
        self.dirty = False
        self._clear_error()
        self.saved.emit()
        return True

    def _clear_error(self) -> None:
        if self.editor.styleSheet():
            self.editor.setStyleSheet("")
            self.editor.setToolTip("")

    def detach(self) -> None:
        """The editor is going away: save what is pending, then never listen to it again."""
        self.flush()
        self.target = None
        self._signal.disconnect(self._changed)
        self.editor.removeEventFilter(self)
        self.deleteLater()
