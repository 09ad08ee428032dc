"""One input of the sheet form per field type, with autosave, an error line and last year's value.

Text inputs save through the house ``ui.autosave.Autosaver`` (at most ``SAVE_DELAY_MS`` after the
first unsaved keystroke, and on focus-out or Entrée); choices save as soon as they are picked.
Invalid text is kept in the widget, not saved, and explained in French under it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QSizePolicy,
                               QVBoxLayout, QWidget)

from ...domain.forms import FormField
from ...services.errors import ServiceError
from ...services.sheets import choice_labels, format_value
from ...storage.errors import StorageError
from ..autosave import Autosaver

PREVIOUS_MAX_CHARS = 280
NUMERIC_TYPES = frozenset({"integer", "year", "decimal", "percent", "money"})
PLACEHOLDERS = {"money": "0,00 €", "date": "jj/mm/aaaa", "percent": "0 à 100", "year": "aaaa"}

#: ``saver(sheet_id, value)`` saves a value (text, or the value of a choice) into that sheet and
#: returns the stored, typed value.
Saver = Callable[[str, Any], Any]

#: Text colours of the form (palettes, not style sheets: style sheets make a big form slow to show).
COLOURS = {"hint": "#666666", "previous": "#767676", "error": "#b71c1c", "alert": "#b71c1c",
           "section": "#1f3b57", "rates": "#37474f"}
READ_ONLY_BASE = QColor("#f1f1f1")


def french_spacing(text: str) -> str:
    """No-break spaces inside « guillemets », so a line never breaks right after « or before »."""
    return text.replace("« ", "«\u00a0").replace(" »", "\u00a0»")


def tint(widget: QWidget, role: str, bold: bool = False, point_delta: float = 0) -> QWidget:
    """Colour (and optionally embolden or resize) the text of a widget, the form's way."""
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(COLOURS[role]))
    palette.setColor(QPalette.ColorRole.Text, QColor(COLOURS[role]))
    widget.setPalette(palette)
    if bold or point_delta:
        font = widget.font()
        font.setBold(bold)
        if point_delta:
            font.setPointSizeF(font.pointSizeF() + point_delta)
        widget.setFont(font)
    widget.setProperty("role", role)
    return widget


def grey_label(text: str = "", parent: QWidget | None = None, small: bool = True) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    tint(label, "hint" if small else "previous", point_delta=-1 if small else 0)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class FieldEditor(QObject):
    """The widgets of one field: ``label``, ``box`` (input, unit, help, error) and ``previous``."""

    #: A value was saved (the form tells the main window).
    saved = Signal()

    def __init__(self, form_field: FormField, saver: Saver, parent: QWidget) -> None:
        super().__init__(parent)
        self.field = form_field
        self.saver = saver
        self.error_text = ""
        self._saved_value: Any = None
        #: The sheet whose value the input shows (every save goes there).
        self.target: str | None = None
        self.label = QLabel(form_field.label, parent)
        self.label.setWordWrap(True)
        self.label.setObjectName(f"label:{form_field.key}")
        self.input = self._make_input(parent)
        self.input.setObjectName(f"field:{form_field.key}")
        self.label.setBuddy(self.input)
        self.box = QWidget(parent)
        column = QVBoxLayout(self.box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.input, 1 if self._expands() else 0)
        unit = form_field.unit or ("%" if form_field.type == "percent" else "")
        if unit:
            line.addWidget(QLabel(unit, self.box))
        if not self._expands():
            line.addStretch(1)
        column.addLayout(line)
        if form_field.help:
            self.label.setToolTip(form_field.help)
            self.input.setToolTip(form_field.help)
            column.addWidget(grey_label(form_field.help, self.box))
        self.error = QLabel(self.box)
        self.error.setObjectName(f"error:{form_field.key}")
        self.error.setWordWrap(True)
        tint(self.error, "error")
        self.error.hide()
        column.addWidget(self.error)
        self.previous = grey_label("", parent, small=False)
        self.previous.setObjectName(f"previous:{form_field.key}")
        self.previous.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.autosaver: Autosaver | None = None
        if not isinstance(self.input, QComboBox):
            self.autosaver = Autosaver(self.input, self._save_text, self)
            self.autosaver.saved.connect(self._text_saved)
            self.autosaver.failed.connect(self._show_error)

    # --- per widget kind -----------------------------------------------------------------
    def _make_input(self, parent: QWidget) -> QWidget:
        kind = self.field.type
        if kind == "longtext":
            edit = QPlainTextEdit(parent)
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(edit.fontMetrics().lineSpacing() * 4 + 14)
            return edit
        if kind in ("choice", "bool"):
            combo = QComboBox(parent)
            combo.addItem("—", None)
            items = [(True, "Oui"), (False, "Non")] if kind == "bool" else choice_labels(self.field)
            for value, text in items:
                combo.addItem(text, value)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.activated.connect(self._chosen)
            return combo
        edit = QLineEdit(parent)
        edit.setPlaceholderText(PLACEHOLDERS.get(kind, ""))
        if kind in NUMERIC_TYPES or kind == "date":
            edit.setMaximumWidth(180 if kind == "money" else 140)
            edit.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        if kind in NUMERIC_TYPES:
            edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        edit.editingFinished.connect(self._finished)
        return edit

    def _expands(self) -> bool:
        return self.field.type in ("text", "longtext")

    @property
    def dirty(self) -> bool:
        """Typed and not saved yet (or refused)."""
        return bool(self.autosaver and self.autosaver.dirty)

    def current(self) -> Any:
        """What the widget holds now: text, or the chosen value of a combo."""
        if isinstance(self.input, QComboBox):
            return self.input.currentData()
        if isinstance(self.input, QPlainTextEdit):
            return self.input.toPlainText()
        return self.input.text()

    def set_value(self, value: Any, target: str) -> None:
        """Show the stored value of sheet ``target`` (no save); pending text is saved into the sheet
        it was typed for first."""
        if self.autosaver:
            self.autosaver.load(target, format_value(self.field, value))
        else:
            self.input.blockSignals(True)
            index = self.input.findData(value) if value is not None else 0
            self.input.setCurrentIndex(max(index, 0))
            self.input.blockSignals(False)
        self.target = target
        self._saved_value = value
        self._clear_error()

    def set_previous(self, year: int | None, value: Any = None) -> None:
        """Last year's value beside the input (empty when there is no sheet last year)."""
        if year is None:
            self.previous.setText("")
            self.previous.setToolTip("")
            return
        text = format_value(self.field, value) or "—"
        self.previous.setToolTip(f"Valeur de la fiche {year} : {text}")
        if len(text) > PREVIOUS_MAX_CHARS:
            text = text[:PREVIOUS_MAX_CHARS].rstrip() + "…"
        self.previous.setText(f"{year} : {text}")

    def set_read_only(self, read_only: bool) -> None:
        if isinstance(self.input, QComboBox):
            self.input.setEnabled(not read_only)
            return
        if self.input.isReadOnly() == read_only:
            return
        self.input.setReadOnly(read_only)
        palette = self.input.palette()
        palette.setColor(QPalette.ColorRole.Base, READ_ONLY_BASE if read_only
                         else self.input.style().standardPalette().color(QPalette.ColorRole.Base))
        self.input.setPalette(palette)

    # --- saving --------------------------------------------------------------------------
    def commit(self) -> bool:
        """Save what is typed and not saved yet; True when nothing is left unsaved."""
        return self.autosaver.flush() if self.autosaver else not self.error_text

    def _save_text(self, target: str, text: str) -> None:
        stored = self.saver(target, text)
        if target == self.target:
            self._saved_value = stored

    def _text_saved(self) -> None:
        self._clear_error()
        self.saved.emit()

    def _finished(self) -> None:
        """Entrée or focus-out: save now, then show the value the French way (« 12 500,00 € »)."""
        if self.commit() and not self.error_text and not self.input.isReadOnly():
            text = format_value(self.field, self._saved_value)
            if text != self.input.text():
                self.input.setText(text)

    def _chosen(self, _index: int) -> None:
        value = self.input.currentData()
        if value == self._saved_value:
            return
        try:
            self._saved_value = self.saver(self.target, value)
        except (ServiceError, StorageError, ValueError) as exc:
            self._show_error(str(exc))
            return
        self._clear_error()
        self.saved.emit()

    def _show_error(self, message: str) -> None:
        """A refused save: the reason under the field (the text stays as typed)."""
        self.error_text = message
        self.error.setText(french_spacing(message[:1].upper() + message[1:]))
        self.error.show()
        if isinstance(self.input, QComboBox):
            self.input.setToolTip(message)

    def _clear_error(self) -> None:
        if not self.error_text:
            return
        self.error_text = ""
        self.error.setText("")
        self.error.hide()
        if self.input.styleSheet():              # the Autosaver's red border
            self.input.setStyleSheet("")
        self.input.setToolTip(self.field.help)
