"""Small dialogs of the Synchronisation page: a file's passphrase, the arbitration of a conflict
(merge dialog for texts, a choice between versions otherwise), and the report of an import."""
from __future__ import annotations

import json
from dataclasses import dataclass

from PySide6.QtWidgets import (QButtonGroup, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QRadioButton, QVBoxLayout, QWidget)

from ...services.sync_review import ConflictView, Side
from ..widgets.buttons import accept_cancel
from .merge_dialog import MergeData, MergeSide

ERROR_COLOR = "#b3261e"


def capital(text: str) -> str:
    """« synthèse » → « Synthèse »."""
    return text[:1].upper() + text[1:]


def by(side: Side) -> str:
    """« Agent Portable, 28 novembre 2026 à 14:32 (Portable) »."""
    return f"{side.author}, {side.when} ({side.device})"


def shown(side: Side) -> str:
    """A version's value as the user reads it; « (vide) » rather than nothing."""
    return side.text or "(vide)"


def text_of(json_text: str) -> str:
    """A stored JSON text value as plain text (« » for none)."""
    value = json.loads(json_text) if json_text else None
    return "" if value is None else str(value)


class SyncPassphraseDialog(QDialog):
    """The passphrase of a sync file: typed twice to protect a file, once to open one."""

    def __init__(self, parent: QWidget | None, message: str, confirm: bool, error: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Mot de passe du fichier")
        self.setMinimumWidth(460)
        intro = QLabel(message, self)
        intro.setWordWrap(True)
        self.first = QLineEdit(self)
        self.second = QLineEdit(self) if confirm else None
        self.error = QLabel(error, self)
        self.error.setStyleSheet(f"color: {ERROR_COLOR};")
        self.error.setWordWrap(True)
        buttons = accept_cancel(self, "Valider", self.try_accept)
        form = QFormLayout(self)
        form.addRow(intro)
        form.addRow("Mot de passe :", self.first)
        if self.second is not None:
            form.addRow("Confirmation :", self.second)
        form.addRow(self.error)
        form.addRow(buttons)
        for field in (self.first, self.second):
            if field is not None:
                field.setEchoMode(QLineEdit.EchoMode.Password)
        self.first.setFocus()

    def passphrase(self) -> str:
        return self.first.text()

    def try_accept(self) -> None:
        if not self.first.text():
            self.error.setText("Saisissez un mot de passe.")
        elif self.second is not None and self.first.text() != self.second.text():
            self.error.setText("Les deux mots de passe ne sont pas identiques.")
        else:
            self.accept()


@dataclass(frozen=True)
class Option:
    key: str          # what the caller gets back: « a », « b »…
    heading: str      # « Version A — Agent Portable, 28 novembre 2026 à 14:32 (Portable) »
    detail: str       # the value, shown under the heading


class ChoiceDialog(QDialog):
    """One radio button per option; ``choice`` is the key of the one checked."""

    def __init__(self, parent: QWidget | None, title: str, explanation: str, options: list[Option],
                 selected: str | None = None, accept_text: str = "Valider") -> None:
        super().__init__(parent)
        self.setObjectName("choice_dialog")
        self.setWindowTitle("Arbitrer un conflit")
        self.setMinimumWidth(600)
        heading = QLabel(title, self)
        heading.setWordWrap(True)
        heading.setStyleSheet("font-weight: bold;")
        intro = QLabel(explanation, self)
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addSpacing(6)
        self.group = QButtonGroup(self)
        self.radios: dict[str, QRadioButton] = {}
        for option in options:
            radio = QRadioButton(option.heading, self)
            detail = QLabel(option.detail, self)
            detail.setWordWrap(True)
            detail.setContentsMargins(24, 0, 0, 8)
            detail.setBuddy(radio)
            self.group.addButton(radio)
            self.radios[option.key] = radio
            layout.addWidget(radio)
            layout.addWidget(detail)
        if selected in self.radios:
            self.radios[selected].setChecked(True)
        buttons = accept_cancel(self, accept_text)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.group.buttonToggled.connect(lambda *_: self._update())
        self._update()
        self.resize(self.minimumWidth(), layout.heightForWidth(self.minimumWidth()))  # wrapped labels fit

    @property
    def choice(self) -> str | None:
        return next((key for key, radio in self.radios.items() if radio.isChecked()), None)

    def choose(self, key: str) -> None:
        self.radios[key].setChecked(True)

    def _update(self) -> None:
        self.ok_button.setEnabled(self.choice is not None)


class ReportDialog(QDialog):
    """The French report of an import, read-only."""

    def __init__(self, parent: QWidget | None, title: str, heading: str, lines: list[str]) -> None:
        super().__init__(parent)
        self.setObjectName("report_dialog")
        self.setWindowTitle(title)
        self.resize(640, 360)
        self.heading = QLabel(heading, self)
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-size: 12pt; font-weight: bold;")
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setPlainText("\n".join(lines))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("Fermer")
        buttons.rejected.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)

    def lines(self) -> list[str]:
        return self.text.toPlainText().splitlines()


def merge_data(view: ConflictView) -> MergeData:
    """The merge dialog's input: the common ancestor and the first two versions."""
    a, b = view.sides[:2]
    return MergeData(f"{view.title} — {capital(view.field_label)}", text_of(view.base),
                     MergeSide(text_of(a.value), a.author, a.when, a.device),
                     MergeSide(text_of(b.value), b.author, b.when, b.device))


def choice_dialog(parent: QWidget | None, view: ConflictView) -> ChoiceDialog:
    """A conflict that is not a text: keep one version, or delete / keep an edited row."""
    if view.kind == "delete_edit":
        deleted, edited = view.sides[:2]
        return ChoiceDialog(
            parent, view.title,
            "Cet élément a été supprimé sur un poste et modifié sur un autre en même temps. "
            "Il est gardé en attendant votre décision.",
            [Option("b", "Garder avec les modifications", f"Modifié par {by(edited)} : « {shown(edited)} »"),
             Option("a", "Supprimer définitivement", f"Supprimé par {by(deleted)}")])
    current = json.loads(view.current)
    displayed = next((s.letter for s in view.sides if json.loads(s.value) == current), None)
    return ChoiceDialog(
        parent, f"{view.title} — {capital(view.field_label)}",
        "Cette information a été modifiée sur deux postes en même temps. Choisissez la version à garder : "
        "les autres postes la recevront à la prochaine synchronisation.",
        [Option(s.letter, f"Version {s.letter.upper()} — {s.device}"
                + (" (affichée actuellement)" if s.letter == displayed else ""),
                f"{s.author}, {s.when} :\n« {shown(s)} »") for s in view.sides], selected=displayed)
