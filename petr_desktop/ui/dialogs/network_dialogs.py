"""Dialogs of the network: speakers of a meeting, attendance per structure, a structure's standing
team, and « Marquer comme bonne pratique ».

The list dialogs hold plain drafts (``services.network`` / ``services.campaign``); « Enregistrer »
hands the whole list to one service call (one unit of work); a refusal stays in the dialog, in red.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QCompleter, QDialog, QDialogButtonBox, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ...domain.enums import AttendanceStatus
from ...services import campaign, network
from ...services.campaign import TeamMemberDraft
from ...services.errors import ServiceError
from ...services.meetings import ContactChoice, StructureChoice
from ...services.network import AttendeeDraft, SpeakerDraft
from ...storage.errors import StorageError
from ..context import AppContext
from .. import keys
from ..icons import icon
from ..widgets.buttons import accept_cancel

ERROR_STYLE = "color: #b3261e;"
NO_STRUCTURE_LABEL = "— Aucune (Région, partenaire) —"


def _text_item(text: str, editable: bool = True) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if not editable:
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


def contact_combo(contacts: Sequence[ContactChoice], parent: QWidget, placeholder: str) -> QComboBox:
    """An editable combo of contacts with a « contains » completer (accents as typed)."""
    combo = QComboBox(parent)
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    for contact in contacts:
        combo.addItem(contact.label, contact.id)
    combo.setCurrentIndex(-1)
    combo.lineEdit().setPlaceholderText(placeholder)
    combo.setMinimumContentsLength(28)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    completer = QCompleter([c.label for c in contacts], combo)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    combo.setCompleter(completer)
    return combo


class RowsDialog(QDialog):
    """A list of drafts edited in a table: add, remove, move up or down, then one « Enregistrer ».

    Subclasses give ``headers``, ``fill_row`` (draft → cells), ``read_row`` (cells → draft) and ``save``.
    """

    headers: tuple[str, ...] = ()
    stretch_column = 0
    #: Column → minimum width (pixels), e.g. for the combo boxes.
    minimum_widths: dict[int, int] = {}

    def __init__(self, context: AppContext, title: str, rows: Iterable[Any], frozen_reason: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.rows: list[Any] = list(rows)
        self.frozen = bool(frozen_reason)
        self.setWindowTitle(title)
        self.resize(900, 480)
        self.table = QTableWidget(0, len(self.headers), self)
        self.table.setHorizontalHeaderLabels(list(self.headers))
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(self.stretch_column, QHeaderView.ResizeMode.Stretch)
        self.add_bar = QHBoxLayout()
        self.remove_button = QPushButton(icon("remove"), "Retirer", self)
        self.up_button = QPushButton(icon("up"), "Monter", self)
        self.down_button = QPushButton(icon("down"), "Descendre", self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.up_button.clicked.connect(lambda: self.move(-1))
        self.down_button.clicked.connect(lambda: self.move(1))
        order_bar = QHBoxLayout()
        for button in (self.remove_button, self.up_button, self.down_button):
            order_bar.addWidget(button)
        order_bar.addStretch(1)
        self.footer = QLabel(self)
        self.footer.setWordWrap(True)
        self.footer.setStyleSheet("color: #444444;")
        self.error = QLabel(self)
        self.error.setObjectName("dialog_error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.setVisible(bool(frozen_reason))
        self.error.setText(frozen_reason)
        self.buttons = accept_cancel(self, "Enregistrer", accept=QDialogButtonBox.StandardButton.Save)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addLayout(self.add_bar)
        self.layout_.addWidget(self.table, 1)
        self.layout_.addLayout(order_bar)
        self.layout_.addWidget(self.footer)
        self.layout_.addWidget(self.error)
        self.layout_.addWidget(self.buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.accept)

    def finish(self) -> None:
        """Fill the table (subclasses call it at the end of their constructor)."""
        self.refill()
        for widget in (self.table, self.remove_button, self.up_button, self.down_button, self.save_button):
            widget.setEnabled(not self.frozen)
        for index in range(self.add_bar.count()):
            widget = self.add_bar.itemAt(index).widget()
            if widget is not None:
                widget.setEnabled(not self.frozen)

    # rows ------------------------------------------------------------------------------------------
    def fill_row(self, row: int, draft: Any) -> None:
        raise NotImplementedError

    def read_row(self, row: int, draft: Any) -> Any:
        raise NotImplementedError

    def refill(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.rows))
        for number, draft in enumerate(self.rows):
            self.fill_row(number, draft)
        self.table.blockSignals(False)
        self.table.resizeColumnsToContents()
        for column in range(len(self.headers)):
            width = self.table.columnWidth(column)
            self.table.setColumnWidth(column, max(self.minimum_widths.get(column, 0), min(width, 260)))
        self.rows_changed()

    def rows_changed(self) -> None:
        """Hook: the rows changed (footer counts…)."""

    def collect(self) -> list[Any]:
        """The drafts as edited in the table."""
        self.rows = [self.read_row(number, draft) for number, draft in enumerate(self.rows)]
        return self.rows

    def cell_text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item else ""

    def selected_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def add_row(self, draft: Any) -> None:
        self.collect()
        self.rows.append(draft)
        self.refill()
        self.table.selectRow(len(self.rows) - 1)
        self.error.hide()

    def remove_selected(self) -> None:
        row = self.selected_row()
        if row < 0:
            return
        self.collect()
        del self.rows[row]
        self.refill()
        if self.rows:
            self.table.selectRow(min(row, len(self.rows) - 1))

    def move(self, delta: int) -> None:
        row = self.selected_row()
        target = row + delta
        if row < 0 or not 0 <= target < len(self.rows):
            return
        self.collect()
        self.rows[row], self.rows[target] = self.rows[target], self.rows[row]
        self.refill()
        self.table.selectRow(target)

    # saving ----------------------------------------------------------------------------------------
    def save(self, rows: list[Any]) -> Any:
        raise NotImplementedError

    def accept(self) -> None:
        """Save in the background (a session's attendance rewrites up to 30 sheets), then close;
        a refusal keeps the dialog open with the reason in red."""
        if self.frozen or not self.save_button.isEnabled():
            return
        rows = self.collect()
        self.save_button.setEnabled(False)
        self.context.tasks.run(lambda: self.save(rows), self._saved, self._refused)

    def _saved(self, result: Any) -> None:
        self.result_ = result
        self.save_button.setEnabled(True)
        self.context.notify_saved()
        super().accept()

    def _refused(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if not isinstance(exc, (ServiceError, StorageError)):
            raise exc
        message = str(exc)
        self.error.setText(message[:1].upper() + message[1:])
        self.error.show()


# --- Speakers ------------------------------------------------------------------------------------

class SpeakersDialog(RowsDialog):
    """The speakers (intervenants) of a meeting and their topics."""

    headers = ("Intervenant", "Organisme", "Sujet de l'intervention")
    stretch_column = 2
    minimum_widths = {0: 180, 1: 180}

    def __init__(self, context: AppContext, meeting_id: str, meeting_title: str, speakers: Iterable[SpeakerDraft],
                 frozen_reason: str = "", parent: QWidget | None = None) -> None:
        super().__init__(context, f"Intervenants — {meeting_title}", speakers, frozen_reason, parent)
        self.setObjectName("speakers_dialog")
        self.meeting_id = meeting_id
        self.add_button = QPushButton(icon("add"), "Ajouter un intervenant", self)
        self.add_button.clicked.connect(self.add_speaker)
        self.add_bar.addWidget(self.add_button)
        self.add_bar.addStretch(1)
        self.footer.setText("Double-cliquez sur une case pour la modifier ; l'ordre est celui du programme.")
        self.finish()

    def add_speaker(self) -> None:
        self.add_row(SpeakerDraft(""))
        self.table.setCurrentCell(len(self.rows) - 1, 0)
        self.table.editItem(self.table.item(len(self.rows) - 1, 0))

    def fill_row(self, row: int, draft: SpeakerDraft) -> None:
        for column, value in enumerate((draft.full_name, draft.organisation, draft.topic)):
            self.table.setItem(row, column, _text_item(value))

    def read_row(self, row: int, draft: SpeakerDraft) -> SpeakerDraft:
        return SpeakerDraft(self.cell_text(row, 0), self.cell_text(row, 1), self.cell_text(row, 2), draft.speaker_id)

    def save(self, rows: list[SpeakerDraft]) -> Any:
        return network.set_speakers(self.context.db, self.meeting_id, rows)


# --- Attendance per structure -------------------------------------------------------------------------

class AttendanceDialog(RowsDialog):
    """Who came, for which Pays/PETR; saving a session of the chantier collectif updates the sheets."""

    headers = ("Nom", "Fonction", "Organisme", "Structure représentée", "Présence", "Élu")
    NAME, FUNCTION, ORGANISATION, STRUCTURE, STATUS, ELECTED = range(6)
    minimum_widths = {NAME: 150, FUNCTION: 150, STRUCTURE: 220, STATUS: 110, ELECTED: 48}

    def __init__(self, context: AppContext, meeting_id: str, meeting_title: str, rows: Iterable[AttendeeDraft],
                 structures: Sequence[StructureChoice], contacts: Sequence[ContactChoice], frozen_reason: str = "",
                 parent: QWidget | None = None) -> None:
        self.structures = list(structures)
        self.names = {s.id: s.name for s in structures}
        self.contacts = {c.id: c for c in contacts}
        super().__init__(context, f"Présences par structure — {meeting_title}", rows, frozen_reason, parent)
        self.setObjectName("attendance_dialog")
        self.resize(1080, 560)
        self.meeting_id = meeting_id
        self.result_: network.AttendanceResult | None = None
        self.contact_box = contact_combo(contacts, self, "Choisir un contact (nom, fonction, organisme)")
        self.add_contact_button = QPushButton(icon("add"), "Ajouter ce contact", self)
        self.add_contact_button.clicked.connect(self.add_contact)
        self.contact_box.lineEdit().returnPressed.connect(self.add_contact)
        self.add_person_button = QPushButton("Personne non enregistrée", self)
        self.add_person_button.setToolTip("Ajouter une ligne à remplir (nom, fonction, structure)")
        self.add_person_button.clicked.connect(lambda: self.add_typed(""))
        self.add_elected_button = QPushButton("Inviter un élu", self)
        self.add_elected_button.setToolTip(f"Une ligne dont la fonction est « {network.ELECTED_FUNCTION} » "
                                           "(précisez-la : maire, président·e…)")
        self.add_elected_button.clicked.connect(lambda: self.add_typed(network.ELECTED_FUNCTION))
        for widget in (self.contact_box, self.add_contact_button, self.add_person_button, self.add_elected_button):
            self.add_bar.addWidget(widget)
        self.add_bar.addStretch(1)
        self.table.itemChanged.connect(self._item_changed)
        self.finish()

    # rows --------------------------------------------------------------------------------------------
    def fill_row(self, row: int, draft: AttendeeDraft) -> None:
        for column, value in ((self.NAME, draft.full_name), (self.FUNCTION, draft.function),
                              (self.ORGANISATION, draft.organisation_name)):
            self.table.setItem(row, column, _text_item(value))
        structure = QComboBox(self.table)
        structure.addItem(NO_STRUCTURE_LABEL, None)
        for choice in self.structures:
            structure.addItem(choice.name, choice.id)
        structure.setCurrentIndex(max(0, structure.findData(draft.structure_id)))
        structure.currentIndexChanged.connect(lambda _i: self.rows_changed())
        self.table.setCellWidget(row, self.STRUCTURE, structure)
        status = QComboBox(self.table)
        for value in AttendanceStatus:
            status.addItem(value.label, value.value)
        status.setCurrentIndex(max(0, status.findData(draft.status)))
        status.currentIndexChanged.connect(lambda _i: self.rows_changed())
        self.table.setCellWidget(row, self.STATUS, status)
        self.table.setItem(row, self.ELECTED, _text_item("Oui" if draft.elected else "", editable=False))

    def read_row(self, row: int, draft: AttendeeDraft) -> AttendeeDraft:
        return AttendeeDraft(self.cell_text(row, self.NAME), self.cell_text(row, self.FUNCTION),
                             self.cell_text(row, self.ORGANISATION),
                             self.table.cellWidget(row, self.STRUCTURE).currentData(),
                             self.table.cellWidget(row, self.STATUS).currentData(), draft.person_id,
                             draft.attendance_id)

    def set_structure(self, row: int, structure_id: str | None) -> None:
        combo = self.table.cellWidget(row, self.STRUCTURE)
        combo.setCurrentIndex(max(0, combo.findData(structure_id)))

    def set_status(self, row: int, status: str) -> None:
        combo = self.table.cellWidget(row, self.STATUS)
        combo.setCurrentIndex(max(0, combo.findData(status)))

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == self.FUNCTION:
            elected = self.table.item(item.row(), self.ELECTED)
            if elected is not None:
                elected.setText("Oui" if network.is_elected(item.text()) else "")
            self.rows_changed()

    def rows_changed(self) -> None:
        if self.table.rowCount() != len(self.rows):
            return
        counts = network.count_by_structure(self.collect(), self.names)
        parts = [f"{c.structure_name} : {c.present} présent(s)" + (f" dont {c.elected_present} élu(s)"
                                                                    if c.elected_present else "")
                 for c in counts if c.present]
        self.footer.setText("Présents par structure — " + " ; ".join(parts) if parts
                            else "Aucun présent pour l'instant.")

    # adding ------------------------------------------------------------------------------------------
    def add_contact(self) -> None:
        index = self.contact_box.findText(self.contact_box.currentText(), Qt.MatchFlag.MatchExactly)
        contact = self.contacts.get(self.contact_box.itemData(index) if index >= 0 else "")
        if contact is None:
            self.error.setText("Choisissez un contact dans la liste, ou ajoutez une personne non enregistrée.")
            self.error.show()
            return
        if any(r.person_id == contact.id for r in self.collect()):
            self.error.setText(f"« {contact.full_name} » figure déjà dans la liste.")
            self.error.show()
            return
        structure = contact.structure_id if contact.structure_id in self.names else None
        self.add_row(AttendeeDraft(contact.full_name, contact.function, contact.organisation_name, structure,
                                   person_id=contact.id))
        self.contact_box.setCurrentIndex(-1)
        self.contact_box.clearEditText()

    def add_typed(self, function: str) -> None:
        self.add_row(AttendeeDraft("", function))
        self.table.setCurrentCell(len(self.rows) - 1, self.NAME)
        self.table.editItem(self.table.item(len(self.rows) - 1, self.NAME))

    def save(self, rows: list[AttendeeDraft]) -> network.AttendanceResult:
        return network.record_attendance(self.context.db, self.meeting_id, rows)


# --- Standing team of a structure -----------------------------------------------------------------------

class TeamDialog(RowsDialog):
    """The standing team of a structure (Maison de Région referent, expert services…), proposed as the
    participants of its dialogues de gestion."""

    headers = ("Nom", "Rôle dans l'équipe", "Organisme")
    stretch_column = 2
    minimum_widths = {0: 180, 1: 200}

    def __init__(self, context: AppContext, structure_id: str, structure_name: str,
                 members: Iterable[TeamMemberDraft], candidates: Sequence[ContactChoice],
                 parent: QWidget | None = None) -> None:
        super().__init__(context, f"Équipe — {structure_name}", members, "", parent)
        self.setObjectName("team_dialog")
        self.structure_id = structure_id
        self.contacts = {c.id: c for c in candidates}
        self.contact_box = contact_combo(candidates, self, "Choisir un contact (Maison de Région, services…)")
        self.add_contact_button = QPushButton(icon("add"), "Ajouter ce contact", self)
        self.add_contact_button.clicked.connect(self.add_contact)
        self.contact_box.lineEdit().returnPressed.connect(self.add_contact)
        self.add_person_button = QPushButton("Personne non enregistrée", self)
        self.add_person_button.clicked.connect(self.add_typed)
        for widget in (self.contact_box, self.add_contact_button, self.add_person_button):
            self.add_bar.addWidget(widget)
        self.add_bar.addStretch(1)
        self.footer.setText("L'équipe est proposée comme participants des dialogues de gestion de la structure "
                            "(« Planifier la campagne… »). Double-cliquez sur une case pour la modifier.")
        self.finish()

    def fill_row(self, row: int, draft: TeamMemberDraft) -> None:
        for column, value in enumerate((draft.full_name, draft.role, draft.organisation)):
            self.table.setItem(row, column, _text_item(value))

    def read_row(self, row: int, draft: TeamMemberDraft) -> TeamMemberDraft:
        return TeamMemberDraft(self.cell_text(row, 0), self.cell_text(row, 1), self.cell_text(row, 2),
                               draft.person_id, draft.member_id)

    def add_contact(self) -> None:
        index = self.contact_box.findText(self.contact_box.currentText(), Qt.MatchFlag.MatchExactly)
        contact = self.contacts.get(self.contact_box.itemData(index) if index >= 0 else "")
        if contact is None:
            self.error.setText("Choisissez un contact dans la liste, ou ajoutez une personne non enregistrée.")
            self.error.show()
            return
        if any(r.person_id == contact.id for r in self.collect()):
            self.error.setText(f"« {contact.full_name} » fait déjà partie de l'équipe.")
            self.error.show()
            return
        self.add_row(TeamMemberDraft(contact.full_name, contact.function, contact.organisation_name, contact.id))
        self.contact_box.setCurrentIndex(-1)
        self.contact_box.clearEditText()

    def add_typed(self) -> None:
        self.add_row(TeamMemberDraft(""))
        self.table.setCurrentCell(len(self.rows) - 1, 0)
        self.table.editItem(self.table.item(len(self.rows) - 1, 0))

    def save(self, rows: list[TeamMemberDraft]) -> Any:
        return campaign.set_team(self.context.db, self.structure_id, rows)


# --- « Marquer comme bonne pratique » ---------------------------------------------------------------------

class PracticeDialog(QDialog):
    """Theme (a suggested one or a new one), title and note of a good practice; checked before closing."""

    def __init__(self, themes: Sequence[str], source_label: str, excerpt: str = "", title: str = "",
                 theme: str = "", note: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("practice_dialog")
        self.setWindowTitle("Marquer comme bonne pratique")
        self.setMinimumWidth(620)
        source = QLabel(f"Source : {source_label}", self)
        source.setWordWrap(True)
        source.setStyleSheet("font-weight: bold;")
        quote = QLabel(excerpt, self)
        quote.setWordWrap(True)
        quote.setStyleSheet("color: #444444; background: #f3f5f8; padding: 6px; border-left: 3px solid #9fb3c8;")
        quote.setVisible(bool(excerpt))
        self.theme = QComboBox(self)
        self.theme.setEditable(True)
        self.theme.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.theme.addItems(list(themes))
        self.theme.setCurrentIndex(-1)
        self.theme.lineEdit().setPlaceholderText("Choisir ou saisir une thématique")
        if theme:
            self.theme.setEditText(theme)
        self.title = QLineEdit(title, self)
        self.title.setPlaceholderText("En quelques mots : « Un comité des financeurs pour les projets communaux »")
        self.note = QPlainTextEdit(note, self)
        self.note.setPlaceholderText("Ce qui a marché, les conditions de réussite, le contact à solliciter…")
        keys.TypingKeys(("accept",), self).watch(self.note)       # Ctrl+Entrée validates, Tab moves on
        form = QFormLayout()
        form.addRow("Thématique :", self.theme)
        form.addRow("Titre :", self.title)
        form.addRow("Note :", self.note)
        self.error = QLabel(self)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        buttons = accept_cancel(self, "Enregistrer", self.try_accept)
        layout = QVBoxLayout(self)
        layout.addWidget(source)
        layout.addWidget(quote)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.try_accept)
        (self.title if theme else self.theme).setFocus()

    def validate(self) -> str | None:
        if not self.theme.currentText().strip():
            return "Choisissez ou saisissez une thématique."
        if not self.title.text().strip():
            return "Donnez un titre à la bonne pratique."
        return None

    def try_accept(self) -> None:
        problem = self.validate()
        if problem:
            self.error.setText(problem)
            return
        self.accept()

    def values(self) -> dict[str, str]:
        return {"theme": self.theme.currentText().strip(), "title": self.title.text().strip(),
                "note": self.note.toPlainText().strip()}
