"""Keyboard-first dialogs of the meeting mode: a decision (Ctrl+D), an action (Ctrl+Maj+A)."""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QDialog, QFormLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QVBoxLayout)

from ...domain.enums import DecisionStatus
from .. import keys
from ...domain.values import ValueFormatError, parse_date
from ..widgets.buttons import accept_cancel


class _KeyboardDialog(QDialog):
    """OK with Ctrl+Entrée (and Entrée in one-line fields), Échap cancels; errors shown inline."""

    def __init__(self, title: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        buttons = accept_cancel(self, "Ajouter", self.try_accept)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.try_accept)

    def try_accept(self) -> None:
        problem = self.validate()
        if problem:
            self.error.setText(problem)
            return
        self.accept()

    def validate(self) -> str | None:
        return None


class DecisionDialog(_KeyboardDialog):
    def __init__(self, number: int, parent=None) -> None:
        super().__init__(f"Nouvelle décision D{number}", parent)
        self.text = QPlainTextEdit(self)
        self.text.setPlaceholderText("Formulée avec un verbe : « Valider la trajectoire… »")
        keys.TypingKeys(("accept",), self).watch(self.text)       # Ctrl+Entrée validates, Tab moves on
        self.status = QComboBox(self)
        for status in DecisionStatus:
            self.status.addItem(status.label, status.value)
        self.form.addRow("Décision :", self.text)
        self.form.addRow("Statut :", self.status)
        self.text.setFocus()

    def validate(self) -> str | None:
        return None if self.text.toPlainText().strip() else "Écrivez la décision."

    def values(self) -> dict:
        return {"text": self.text.toPlainText().strip(), "status": self.status.currentData()}


class ActionDialog(_KeyboardDialog):
    def __init__(self, number: int, owners: list[tuple[str, str]], decisions: list[tuple[str, str]],
                 parent=None) -> None:
        super().__init__(f"Nouvelle action A{number}", parent)
        self.text = QLineEdit(self)
        self.text.setPlaceholderText("Ce qui doit être fait")
        self.owner = QComboBox(self)
        self.owner.setEditable(True)
        self.owner.addItem("", "")
        for name, organisation in owners:
            self.owner.addItem(name, organisation)
        self.owner.setCurrentIndex(0)
        self.due = QLineEdit(self)
        self.due.setPlaceholderText("jj/mm/aaaa")
        self.decision = QComboBox(self)
        self.decision.addItem("(aucune)", None)
        for label, decision_id in decisions:
            self.decision.addItem(label, decision_id)
        self.form.addRow("Action :", self.text)
        self.form.addRow("Responsable :", self.owner)
        self.form.addRow("Échéance :", self.due)
        self.form.addRow("Décision liée :", self.decision)
        for line in (self.text, self.due):
            line.returnPressed.connect(self.try_accept)
        self.text.setFocus()

    def due_date(self) -> date | None:
        return parse_date(self.due.text()) if self.due.text().strip() else None

    def validate(self) -> str | None:
        if not self.text.text().strip():
            return "Écrivez l'action."
        try:
            self.due_date()
        except ValueFormatError as exc:
            return f"Échéance : {exc}"
        return None

    def values(self) -> dict:
        name = self.owner.currentText().strip()
        index = self.owner.findText(name, Qt.MatchFlag.MatchExactly)
        organisation = self.owner.itemData(index) if index >= 0 else ""
        return {"text": self.text.text().strip(), "owner_name": name, "owner_organisation": organisation or "",
                "due_on": self.due_date(), "decision_id": self.decision.currentData()}
