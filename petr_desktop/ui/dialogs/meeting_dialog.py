"""Plan or edit a meeting: type, structure(s), date and times, place, title, participants, agenda.

The dialog only holds plain data (services.meetings.MeetingDraft); « Enregistrer » hands it to
``meetings.save_meeting``, which writes everything in one unit of work or nothing.
"""
from __future__ import annotations

from datetime import date, time

from PySide6.QtCore import QDate, QLocale, Qt, QTime, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QCompleter, QDialog,
                               QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QPushButton, QTimeEdit, QVBoxLayout,
                               QWidget)

from ...domain.enums import MeetingKind, PlaceKind
from ...services import meetings
from ...services.errors import ServiceError
from ...services.meetings import (AgendaDraft, MeetingDetails, MeetingDraft, ParticipantDraft, PlanningChoices)
from ...storage.errors import StorageError
from ..context import AppContext
from ..icons import icon
from ..models import RowsModel
from ..widgets.buttons import accept_cancel
from ..widgets.dates import DateEdit
from ..widgets.tables import make_table

FRENCH = QLocale(QLocale.Language.French, QLocale.Country.France)
ERROR_STYLE = "color: #b3261e; font-weight: bold;"
ID_ROLE = Qt.ItemDataRole.UserRole


def _origin(p: ParticipantDraft) -> str:
    if p.person_id:
        return "Contact"
    return "Nouveau contact" if p.save_as_contact else "Saisi sur place"


class ParticipantsModel(RowsModel[ParticipantDraft]):
    columns = (("Nom", lambda p: p.full_name),
               ("Fonction", lambda p: p.function),
               ("Organisation", lambda p: p.organisation_name),
               ("Origine", _origin))


def french_date_edit(parent: QWidget) -> DateEdit:
    """A date typed in French; an impossible date is refused, never reshaped."""
    return DateEdit(parent)


def _time_edit(parent: QWidget, value: time) -> QTimeEdit:
    edit = QTimeEdit(QTime(value.hour, value.minute), parent)
    edit.setDisplayFormat("HH:mm")
    edit.setLocale(FRENCH)
    return edit


class MeetingDialog(QDialog):
    #: The meeting was written: its id.
    saved = Signal(str)

    def __init__(self, context: AppContext, choices: PlanningChoices, details: MeetingDetails | None = None,
                 initial_date: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.choices = choices
        self.meeting_id = details.id if details else None
        self.structures = {s.id: s for s in choices.structures}
        self.setObjectName("meeting_dialog")
        self.setWindowTitle("Modifier la réunion" if details else "Nouvelle réunion")
        self.resize(1120, 700)
        # Filled-in suggestions follow the other fields until the user types over them.
        self._title_touched = self._place_touched = self._agenda_touched = details is not None

        general = QGroupBox("Réunion", self)
        form = QFormLayout(general)
        self.kind_combo = QComboBox(general)
        for kind in MeetingKind:
            self.kind_combo.addItem(kind.label, kind.value)
        self.structure_combo = QComboBox(general)
        self.structure_combo.addItem("— Aucune —", None)
        for structure in choices.structures:
            self.structure_combo.addItem(structure.name, structure.id)
        self.structure_combo.setMaxVisibleItems(16)
        self.structures_list = QListWidget(general)
        self.structures_list.setToolTip("Cochez les structures qui participent (réseau, séances, journée)")
        for structure in choices.structures:
            item = QListWidgetItem(structure.name, self.structures_list)
            item.setData(ID_ROLE, structure.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.structures_list.setMinimumHeight(130)
        self.check_all_button = QPushButton("Tout cocher", general)
        self.check_none_button = QPushButton("Tout décocher", general)
        self.checked_label = QLabel(general)
        self.others_box = QWidget(general)
        others_layout = QVBoxLayout(self.others_box)
        others_layout.setContentsMargins(0, 0, 0, 0)
        others_layout.addWidget(self.structures_list)
        check_row = QHBoxLayout()
        check_row.addWidget(self.check_all_button)
        check_row.addWidget(self.check_none_button)
        check_row.addWidget(self.checked_label, 1)
        others_layout.addLayout(check_row)
        self.date_edit = french_date_edit(general)
        self.date_label = QLabel(general)
        self.date_label.setStyleSheet("color: #555;")
        self.start_edit = _time_edit(general, time(9, 30))
        self.end_edit = _time_edit(general, time(12, 0))
        self.place_kind_combo = QComboBox(general)
        for kind in PlaceKind:
            self.place_kind_combo.addItem(kind.label, kind.value)
        self.place_edit = QLineEdit(general)
        self.place_edit.setPlaceholderText("Adresse, salle ou lien de la visio")
        self.title_edit = QLineEdit(general)

        when = QHBoxLayout()
        when.addWidget(self.date_edit)
        when.addWidget(self.date_label, 1)
        hours = QHBoxLayout()
        hours.addWidget(QLabel("de", general))
        hours.addWidget(self.start_edit)
        hours.addWidget(QLabel("à", general))
        hours.addWidget(self.end_edit)
        hours.addStretch(1)
        form.addRow("Type", self.kind_combo)
        self.structure_label = QLabel("Structure", general)
        form.addRow(self.structure_label, self.structure_combo)
        self.others_label = QLabel("Structures\nparticipantes", general)
        form.addRow(self.others_label, self.others_box)
        form.addRow("Date", when)
        form.addRow("Horaires", hours)
        form.addRow("Lieu", self.place_kind_combo)
        form.addRow("", self.place_edit)
        form.addRow("Titre", self.title_edit)

        people = QGroupBox("Participants", self)
        self.contact_combo = QComboBox(people)
        self.contact_combo.setEditable(True)
        self.contact_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.contact_combo.setMaxVisibleItems(18)
        self.contact_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.contact_combo.setMinimumContentsLength(30)
        self.contact_combo.view().setMinimumWidth(560)
        self.contact_combo.lineEdit().setPlaceholderText("Tapez un nom ou choisissez un contact")
        completer = QCompleter(self.contact_combo.model(), self.contact_combo)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.contact_combo.setCompleter(completer)
        self.add_contact_button = QPushButton(icon("add"), "Ajouter le contact", people)
        self.new_name = QLineEdit(people)
        self.new_name.setPlaceholderText("Prénom Nom")
        self.new_function = QLineEdit(people)
        self.new_function.setPlaceholderText("Fonction")
        self.new_organisation = QLineEdit(people)
        self.new_organisation.setPlaceholderText("Organisation")
        self.new_email = QLineEdit(people)
        self.new_email.setPlaceholderText("Adresse électronique (pour l'agenda)")
        self.new_email.setEnabled(False)
        self.save_contact_check = QCheckBox("Enregistrer aussi comme contact", people)
        self.save_contact_check.setToolTip("L'adresse électronique n'est gardée que dans la fiche du contact")
        self.add_typed_button = QPushButton(icon("add"), "Ajouter ce participant", people)
        self.participants = ParticipantsModel(self)
        self.participants_view = make_table(self.participants, people)
        for column, width in enumerate((150, 165, 175)):
            self.participants_view.setColumnWidth(column, width)
        self.participants_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.participants_view.horizontalHeader().setStretchLastSection(True)
        self.remove_participant_button = QPushButton(icon("remove"), "Retirer", people)

        pick = QHBoxLayout()
        pick.addWidget(self.contact_combo, 1)
        pick.addWidget(self.add_contact_button)
        typed = QHBoxLayout()
        for widget in (self.new_name, self.new_function, self.new_organisation):
            typed.addWidget(widget)
        typed_more = QHBoxLayout()
        typed_more.addWidget(self.save_contact_check)
        typed_more.addWidget(self.new_email, 1)
        typed_more.addWidget(self.add_typed_button)
        people_layout = QVBoxLayout(people)
        people_layout.addWidget(QLabel("Depuis les contacts (ceux de la structure d'abord, puis la Région) :", people))
        people_layout.addLayout(pick)
        people_layout.addWidget(QLabel("Ou saisi sur place :", people))
        people_layout.addLayout(typed)
        people_layout.addLayout(typed_more)
        people_layout.addWidget(self.participants_view, 1)
        remove_row = QHBoxLayout()
        remove_row.addStretch(1)
        remove_row.addWidget(self.remove_participant_button)
        people_layout.addLayout(remove_row)

        agenda_box = QGroupBox("Ordre du jour", self)
        self.agenda_list = QListWidget(agenda_box)
        self.agenda_list.setWordWrap(True)
        self.agenda_list.setToolTip("Double-cliquez sur un point (ou F2) pour le renommer")
        self.agenda_list.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                         | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.agenda_entry = QLineEdit(agenda_box)
        self.agenda_entry.setPlaceholderText("Nouveau point de l'ordre du jour")
        self.agenda_add = QPushButton(icon("add"), "Ajouter", agenda_box)
        self.agenda_remove = QPushButton(icon("remove"), "Retirer", agenda_box)
        self.agenda_up = QPushButton(icon("up"), "Monter", agenda_box)
        self.agenda_down = QPushButton(icon("down"), "Descendre", agenda_box)
        self.agenda_reset = QPushButton("Reprendre le modèle", agenda_box)
        self.agenda_reset.setToolTip("Remplace l'ordre du jour par le modèle du type de réunion")
        entry = QHBoxLayout()
        entry.addWidget(self.agenda_entry, 1)
        entry.addWidget(self.agenda_add)
        moves = QHBoxLayout()
        for button in (self.agenda_up, self.agenda_down, self.agenda_remove):
            moves.addWidget(button)
        moves.addStretch(1)
        moves.addWidget(self.agenda_reset)
        agenda_layout = QVBoxLayout(agenda_box)
        agenda_layout.addWidget(self.agenda_list, 1)
        agenda_layout.addLayout(entry)
        agenda_layout.addLayout(moves)

        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.buttons = accept_cancel(self, "Enregistrer", self.save, accept=QDialogButtonBox.StandardButton.Save)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setToolTip("Enregistrer la réunion (Ctrl+S)")
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
        save_shortcut = QAction("Enregistrer", self)
        save_shortcut.setShortcut(QKeySequence.StandardKey.Save)
        save_shortcut.triggered.connect(self.save)
        self.addAction(save_shortcut)

        left = QVBoxLayout()
        left.addWidget(general)
        left.addWidget(agenda_box, 1)
        columns = QHBoxLayout()
        columns.addLayout(left, 5)
        columns.addWidget(people, 6)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        self._fill(details.draft if details else None, initial_date or date.today())
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.structure_combo.currentIndexChanged.connect(self._structure_changed)
        self.structures_list.itemChanged.connect(lambda _item: self._others_changed())
        self.check_all_button.clicked.connect(lambda: self.check_all_structures(True))
        self.check_none_button.clicked.connect(lambda: self.check_all_structures(False))
        self.date_edit.dateChanged.connect(self._date_changed)
        self.date_edit.refused.connect(lambda reason: self.error_label.setText(f"Date : {reason}"))
        self.place_kind_combo.currentIndexChanged.connect(lambda _i: self._suggest_place())
        self.title_edit.textEdited.connect(lambda _t: setattr(self, "_title_touched", True))
        self.place_edit.textEdited.connect(lambda _t: setattr(self, "_place_touched", True))
        self.save_contact_check.toggled.connect(self.new_email.setEnabled)
        self.add_contact_button.clicked.connect(self.add_selected_contact)
        self.add_typed_button.clicked.connect(self.add_typed_participant)
        self.new_name.returnPressed.connect(self.add_typed_participant)
        self.remove_participant_button.clicked.connect(self.remove_participant)
        self.agenda_add.clicked.connect(self.add_agenda_item)
        self.agenda_entry.returnPressed.connect(self.add_agenda_item)
        self.agenda_remove.clicked.connect(self.remove_agenda_item)
        self.agenda_up.clicked.connect(lambda: self.move_agenda_item(-1))
        self.agenda_down.clicked.connect(lambda: self.move_agenda_item(1))
        self.agenda_reset.clicked.connect(self.reset_agenda)
        self.agenda_list.itemChanged.connect(lambda _item: setattr(self, "_agenda_touched", True))

    def keyPressEvent(self, event) -> None:  # noqa: N802
        """Enter confirms the line being typed (participant, agenda point); it never saves nor closes."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    # --- filling ------------------------------------------------------------------------
    def _fill(self, draft: MeetingDraft | None, initial_date: date) -> None:
        if draft is None:
            draft = MeetingDraft(MeetingKind.MANAGEMENT_DIALOGUE.value, initial_date)
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(draft.kind))
        self.structure_combo.setCurrentIndex(max(0, self.structure_combo.findData(draft.structure_id)))
        others = set(draft.other_structure_ids)
        for row in range(self.structures_list.count()):
            item = self.structures_list.item(row)
            item.setCheckState(Qt.CheckState.Checked if item.data(ID_ROLE) in others else Qt.CheckState.Unchecked)
        day = draft.meeting_date or initial_date
        self.date_edit.setDate(QDate(day.year, day.month, day.day))
        if draft.start_time:
            self.start_edit.setTime(QTime(draft.start_time.hour, draft.start_time.minute))
        if draft.end_time:
            self.end_edit.setTime(QTime(draft.end_time.hour, draft.end_time.minute))
        self.place_kind_combo.setCurrentIndex(max(0, self.place_kind_combo.findData(draft.place_kind)))
        self.place_edit.setText(draft.place)
        self.title_edit.setText(draft.title)
        self.participants.set_rows(draft.participants)
        self._set_agenda(draft.agenda)
        self._show_structure_fields()
        self._show_date()
        self._others_changed()
        if self.meeting_id is None:
            self._suggest_title()
            self._suggest_place()
            self._set_agenda([AgendaDraft(t) for t in meetings.default_agenda(self.kind())])

    def _set_agenda(self, items: list[AgendaDraft]) -> None:
        self.agenda_list.blockSignals(True)
        self.agenda_list.clear()
        for entry in items:
            self._append_agenda(entry.title, entry.item_id)
        self.agenda_list.blockSignals(False)

    def _append_agenda(self, title: str, item_id: str | None = None) -> QListWidgetItem:
        item = QListWidgetItem(title, self.agenda_list)
        item.setData(ID_ROLE, item_id)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        return item

    # --- reading the fields -------------------------------------------------------------
    def kind(self) -> str:
        return self.kind_combo.currentData()

    def structure_id(self) -> str | None:
        return self.structure_combo.currentData()

    def other_structure_ids(self) -> list[str]:
        if self.others_box.isHidden():
            return []
        return [self.structures_list.item(r).data(ID_ROLE) for r in range(self.structures_list.count())
                if self.structures_list.item(r).checkState() == Qt.CheckState.Checked]

    def meeting_date(self) -> date:
        return self.date_edit.date().toPython()

    def draft(self) -> MeetingDraft:
        start, end = self.start_edit.time(), self.end_edit.time()
        agenda = [AgendaDraft(self.agenda_list.item(r).text(), self.agenda_list.item(r).data(ID_ROLE))
                  for r in range(self.agenda_list.count())]
        return MeetingDraft(
            kind=self.kind(), meeting_date=self.meeting_date(), start_time=time(start.hour(), start.minute()),
            end_time=time(end.hour(), end.minute()), structure_id=self.structure_id(),
            other_structure_ids=self.other_structure_ids(), place_kind=self.place_kind_combo.currentData(),
            place=self.place_edit.text(), title=self.title_edit.text(),
            participants=list(self.participants.rows), agenda=agenda)

    # --- suggestions that follow the fields ---------------------------------------------
    def _kind_changed(self) -> None:
        self._show_structure_fields()
        self._reorder_contacts()
        self._suggest_title()
        if not self._agenda_touched:
            self._set_agenda([AgendaDraft(t) for t in meetings.default_agenda(self.kind())])

    def check_all_structures(self, checked: bool) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        self.structures_list.blockSignals(True)
        for row in range(self.structures_list.count()):
            self.structures_list.item(row).setCheckState(state)
        self.structures_list.blockSignals(False)
        self._others_changed()

    def _others_changed(self) -> None:
        count = len(self.other_structure_ids())
        self.checked_label.setText(f"{count} cochée(s)" if count else "")
        self._reorder_contacts()

    def _structure_changed(self) -> None:
        self._reorder_contacts()
        self._suggest_title()
        self._suggest_place()

    def _date_changed(self) -> None:
        self._show_date()
        self._suggest_title()

    def _show_date(self) -> None:
        self.date_label.setText(FRENCH.toString(self.date_edit.date(), "dddd d MMMM yyyy"))

    def _show_structure_fields(self) -> None:
        multi = MeetingKind(self.kind()) in meetings.MULTI_STRUCTURE_KINDS
        self.others_box.setVisible(multi)
        self.others_label.setVisible(multi)
        self.structure_label.setText("Structure principale" if multi else "Structure")

    def _suggest_title(self) -> None:
        if self._title_touched:
            return
        structure = self.structures.get(self.structure_id() or "")
        self.title_edit.setText(meetings.default_title(self.kind(), structure.name if structure else "",
                                                       self.meeting_date()))

    def _suggest_place(self) -> None:
        if self._place_touched:
            return
        structure = self.structures.get(self.structure_id() or "")
        self.place_edit.setText(meetings.default_place(self.place_kind_combo.currentData(),
                                                       structure.seat_town if structure else "",
                                                       structure.office_name if structure else ""))

    def _reorder_contacts(self) -> None:
        ids = {sid for sid in (self.structure_id(), *self.other_structure_ids()) if sid}
        ordered = meetings.order_contacts(self.choices.contacts, ids)
        combo = self.contact_combo
        combo.blockSignals(True)
        combo.clear()
        group = None
        for contact in ordered:
            current = meetings.contact_group(contact, ids)
            if group is not None and current != group:
                combo.insertSeparator(combo.count())
            group = current
            combo.addItem(contact.label, contact.id)
        combo.setCurrentIndex(-1)
        combo.blockSignals(False)

    # --- participants -------------------------------------------------------------------
    def _error(self, text: str) -> None:
        self.error_label.setText(text[:1].upper() + text[1:] if text else "")

    def _already_there(self, person_id: str | None, name: str) -> bool:
        for row in self.participants.rows:
            if (person_id and row.person_id == person_id) or (not person_id and row.full_name == name):
                self._error(f"« {name} » figure déjà parmi les participants.")
                return True
        return False

    def add_selected_contact(self) -> None:
        combo = self.contact_combo
        index = combo.findText(combo.currentText())
        contact_id = combo.itemData(index) if index >= 0 else None
        contact = next((c for c in self.choices.contacts if c.id == contact_id), None)
        if contact is None:
            self._error("Choisissez un contact dans la liste (ou saisissez un participant sur place).")
            return
        if self._already_there(contact.id, contact.full_name):
            return
        self.participants.set_rows([*self.participants.rows, ParticipantDraft(
            contact.full_name, contact.function, contact.organisation_name, person_id=contact.id)])
        combo.setCurrentIndex(-1)
        combo.clearEditText()
        self._error("")

    def add_typed_participant(self) -> None:
        name = " ".join(self.new_name.text().split())
        if not name:
            self._error("Indiquez le nom du participant saisi sur place.")
            self.new_name.setFocus()
            return
        if self._already_there(None, name):
            return
        save = self.save_contact_check.isChecked()
        self.participants.set_rows([*self.participants.rows, ParticipantDraft(
            name, self.new_function.text().strip(), self.new_organisation.text().strip(),
            save_as_contact=save, email=self.new_email.text().strip() if save else "")])
        for field in (self.new_name, self.new_function, self.new_organisation, self.new_email):
            field.clear()
        self.save_contact_check.setChecked(False)
        self.new_name.setFocus()
        self._error("")

    def remove_participant(self) -> None:
        rows = self.participants_view.selectionModel().selectedRows()
        if not rows:
            self._error("Sélectionnez le participant à retirer.")
            return
        kept = [p for n, p in enumerate(self.participants.rows) if n != rows[0].row()]
        self.participants.set_rows(kept)
        self._error("")

    # --- agenda -------------------------------------------------------------------------
    def add_agenda_item(self) -> None:
        title = " ".join(self.agenda_entry.text().split())
        if not title:
            self._error("Tapez l'intitulé du point à ajouter.")
            self.agenda_entry.setFocus()
            return
        self.agenda_list.setCurrentItem(self._append_agenda(title))
        self.agenda_entry.clear()
        self._agenda_touched = True
        self._error("")

    def remove_agenda_item(self) -> None:
        row = self.agenda_list.currentRow()
        if row < 0:
            self._error("Sélectionnez le point à retirer.")
            return
        self.agenda_list.takeItem(row)
        self._agenda_touched = True
        self._error("")

    def move_agenda_item(self, step: int) -> None:
        row = self.agenda_list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.agenda_list.count():
            return
        item = self.agenda_list.takeItem(row)
        self.agenda_list.insertItem(target, item)
        self.agenda_list.setCurrentRow(target)
        self._agenda_touched = True

    def reset_agenda(self) -> None:
        """Back to the kind's template; points that already exist keep their id (and notes)."""
        existing = {self.agenda_list.item(r).text(): self.agenda_list.item(r).data(ID_ROLE)
                    for r in range(self.agenda_list.count())}
        self._set_agenda([AgendaDraft(t, existing.get(t)) for t in meetings.default_agenda(self.kind())])
        self._agenda_touched = False

    # --- saving -------------------------------------------------------------------------
    def save(self) -> None:
        if not self.date_edit.commit():           # « 31/02/2026 »: refused, nothing saved
            self.date_edit.setFocus()
            return
        draft = self.draft()
        self.save_button.setEnabled(False)
        self.context.tasks.run(lambda: meetings.save_meeting(self.context.db, draft, self.meeting_id),
                               self._saved, self._failed)

    def _saved(self, meeting) -> None:
        self.save_button.setEnabled(True)
        self.context.notify_saved()
        self.saved.emit(meeting.id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if not isinstance(exc, (ServiceError, StorageError, ValueError)):
            raise exc
        self._error(str(exc))
