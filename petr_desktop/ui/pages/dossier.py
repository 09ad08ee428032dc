"""The dossier of one structure: identity (autosaved, « à vérifier » flags), contacts, money per year,
the timeline of meetings, the three sheets of each year with the indicators' trajectory, open actions,
and the structure's standing team (proposed as participants of its dialogues de gestion).

The widgets are built once; ``DossierWidget.show_dossier`` only refills them from the read model
(``services.dossier.Dossier``), which keeps opening a dossier well under 100 ms.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QAbstractScrollArea, QCheckBox, QComboBox, QDialog,
                               QDialogButtonBox, QFormLayout, QFrame, QGridLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QMessageBox, QPushButton, QScrollArea, QSizePolicy,
                               QTableView, QTabWidget, QToolButton, QVBoxLayout, QWidget)

from ...domain.enums import (ActionStatus, AgreementStatus, AidLineKind, LegalForm, MeetingKind, MeetingStatus,
                             MinutesStatus, PaymentKind, PaymentStatus, PlaceKind, SheetKind, SheetStatus)
from ...domain.values import format_amount, format_date, format_date_short
from ...services import campaign, structures
from ...services.campaign import TeamMemberDraft
from ...services.dossier import Dossier, Identity, OpenAction, SheetCell, TimelineRow, Trajectory, YearMoney
from ...services.errors import ServiceError
from ...services.structures import ContactRow
from ...storage.errors import StorageError
from .. import palette
from ..autosave import Autosaver
from ..export_menus import build_structure_menu
from ..exporting import Exporter
from ..context import AppContext
from ..dialogs.network_dialogs import TeamDialog
from ..icons import icon
from ..models import RowsModel
from ..widgets.buttons import accept_cancel
from ..widgets.tables import make_table

WARM = "#fff4d6"
OVERDUE_BRUSH = BELOW_TARGET_BRUSH = QBrush(QColor(palette.ERROR))
REACHED_BRUSH = QBrush(QColor(palette.SUCCESS))
SHEET_BRUSHES = palette.brushes(palette.SHEET_TINTS)
DASH = "—"
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter

STYLE = f"""
QLineEdit[toVerify="true"], QComboBox[toVerify="true"] {{ background: {WARM}; border: 1px solid #d9a21b;
    border-radius: 3px; padding: 2px 4px; }}
QCheckBox[toVerify="true"] {{ background: {WARM}; }}
QLabel#to_verify_marker {{ background: #f6d88a; color: #5c3b00; border-radius: 8px; padding: 1px 8px;
    font-size: 8pt; }}
QLabel#field_error {{ color: #b3261e; }}
QLabel#dossier_title {{ font-size: 15pt; font-weight: bold; }}
QLabel#dossier_subtitle {{ color: #444444; }}
"""


def format_number(value: float | None) -> str:
    """12.0 → « 12 », 3.5 → « 3,5 », 12500 → « 12 500 » (French typography)."""
    if value is None:
        return ""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u202f").replace(".", ",")


def fit_height(view: QTableView) -> None:
    """Size a short table to its rows, so a page of several tables scrolls as one."""
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    rows = view.verticalHeader().defaultSectionSize() * view.model().rowCount()
    view.setFixedHeight(view.horizontalHeader().sizeHint().height() + rows + 2 * view.frameWidth() + 2)


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


# --- Identity ------------------------------------------------------------------------------------

@dataclass
class IdentityField:
    """One identity field: its editor, « à vérifier » marker, re-flag button and error line."""

    name: str
    label: str
    kind: str                         # text, legal_form, office, rurality, bool
    editor: QWidget
    marker: QLabel
    flag_button: QToolButton
    error: QLabel
    saved: Any = None                 # the value as last saved (or loaded)

    def value(self) -> Any:
        if self.kind == "text":
            return self.editor.text()
        if self.kind == "bool":
            return self.editor.isChecked()
        return self.editor.currentData()


IDENTITY_FIELDS = (("name", "Nom", "text"), ("legal_form", "Forme juridique", "legal_form"),
                   ("seat_town", "Siège", "text"), ("departments", "Départements", "text"),
                   ("siren", "SIREN", "text"), ("regional_office_id", "Maison de Région", "office"),
                   ("rurality_class", "Classe de ruralité", "rurality"), ("president", "Président·e", "text"),
                   ("director", "Directeur·rice", "text"), ("active", "Suivi", "bool"))
PLACEHOLDERS = {"siren": "9 chiffres, par exemple 200 012 345",
                "departments": "codes séparés par des virgules, par exemple 88, 54",
                "seat_town": "commune du siège"}
RURALITY_CLASSES = ("A", "B", "C")


class IdentityForm(QWidget):
    """Every field saves itself: text through the shared Autosaver (≤ 1 s, focus-out, Entrée), lists and
    the checkbox at once. Bad input shows a French message under the field and the typed text stays."""

    #: The structure was saved: its new ``services.dossier.Identity``.
    saved = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.structure_id: str | None = None
        self.current: Identity | None = None
        self._offices: dict[str, str] = {}
        self._loading = False
        self.savers: dict[str, Autosaver] = {}
        self.fields: dict[str, IdentityField] = {}
        self.hint = QLabel("Enregistrement automatique. Corriger un champ surligné « à vérifier » le marque "
                           "comme vérifié ; le drapeau le remet « à vérifier ».", self)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555555;")
        grid = QGridLayout(self)
        grid.setColumnStretch(1, 1)
        grid.setHorizontalSpacing(8)
        grid.addWidget(self.hint, 0, 0, 1, 4)
        for number, (name, label, kind) in enumerate(IDENTITY_FIELDS):
            item = self._make_field(name, label, kind)
            self.fields[name] = item
            caption = QLabel(f"{label} :", self)
            caption.setBuddy(item.editor)
            row = 2 * number + 1
            grid.addWidget(caption, row, 0)
            grid.addWidget(item.editor, row, 1)
            grid.addWidget(item.marker, row, 2)
            grid.addWidget(item.flag_button, row, 3)
            grid.addWidget(item.error, row + 1, 1, 1, 3)
        grid.setRowStretch(2 * len(IDENTITY_FIELDS) + 1, 1)

    # building ---------------------------------------------------------------------------------
    def _make_field(self, name: str, label: str, kind: str) -> IdentityField:
        editor: QWidget
        if kind == "text":
            editor = QLineEdit(self)
            editor.setPlaceholderText(PLACEHOLDERS.get(name, ""))
            saver = Autosaver(editor, lambda target, text, n=name: self._save_value(n, text, target), self)
            saver.failed.connect(lambda message, n=name: self._failed(n, message))
            editor.returnPressed.connect(saver.flush)
            self.savers[name] = saver
        elif kind == "bool":
            editor = QCheckBox("Structure active (suivie par la Région)", self)
            editor.clicked.connect(lambda _checked, n=name: self.save(n))
        else:
            editor = QComboBox(self)
            if kind == "legal_form":
                for form in LegalForm:
                    editor.addItem(form.label, form.value)
            elif kind == "rurality":
                editor.addItem(DASH, "")
                for value in RURALITY_CLASSES:
                    editor.addItem(f"Classe {value}", value)
            editor.activated.connect(lambda _index, n=name: self.save(n))
        editor.setObjectName(f"identity_{name}")
        editor.setProperty("toVerify", False)          # set at once: reading an unset property costs (PySide 6.12)
        marker = QLabel("à vérifier", self)
        marker.setObjectName("to_verify_marker")
        marker.hide()
        button = QToolButton(self)
        button.setObjectName(f"flag_{name}")
        button.setIcon(icon("flag"))
        button.setCheckable(True)
        button.setAutoRaise(True)
        button.clicked.connect(lambda checked, n=name: self.set_flag(n, checked))
        error = QLabel(self)
        error.setObjectName("field_error")
        error.setWordWrap(True)
        error.hide()
        return IdentityField(name, label, kind, editor, marker, button, error)

    # filling ----------------------------------------------------------------------------------
    @property
    def pending(self) -> set[str]:
        """Fields typed into and not saved yet (waiting, or refused)."""
        return {name for name, saver in self.savers.items() if saver.dirty}

    def set_identity(self, identity: Identity, offices: tuple[tuple[str, str], ...]) -> None:
        """Show a structure. Reloading the same one keeps what could not be saved (bad input)."""
        self.flush()
        unsaved = self.pending if identity.id == self.structure_id else set()
        self._loading = True
        try:
            self.structure_id = identity.id
            self._offices = dict(offices)
            office_combo = self.fields["regional_office_id"].editor
            if office_combo.count() != len(offices) + 1:
                office_combo.clear()
                office_combo.addItem(DASH, "")
                for office_id, name in offices:
                    office_combo.addItem(name, office_id)
            for item in self.fields.values():
                value = getattr(identity, item.name)
                if item.name in unsaved:
                    continue
                if item.kind == "text":
                    value = value or ""
                    self.savers[item.name].load(identity.id, value)
                elif item.kind == "bool":
                    item.editor.setChecked(bool(value))
                else:
                    value = value or ""
                    self._select(item.editor, value)
                item.saved = value
                self._show_error(item, "")
            self.current = identity
            self.show_flags()
        finally:
            self._loading = False

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        index = combo.findData(value)
        if index < 0:                 # a value outside the list (e.g. another rurality class) stays visible
            combo.addItem(value, value)
            index = combo.count() - 1
        combo.setCurrentIndex(index)

    def show_flags(self) -> None:
        """Marker, warm background, tooltip with the source note, and flag button of each field."""
        if self.current is None:
            return
        for item in self.fields.values():
            flagged = self.current.flagged(item.name)
            item.marker.setVisible(flagged)
            item.flag_button.setChecked(flagged)
            item.flag_button.setToolTip("Valeur vérifiée : retirer la marque « à vérifier »" if flagged
                                        else "Marquer ce champ « à vérifier »")
            if item.editor.property("toVerify") != flagged:
                item.editor.setProperty("toVerify", flagged)
                _repolish(item.editor)
            note = self.current.source_note(item.name) if flagged else ""
            item.editor.setToolTip(note)
            item.marker.setToolTip(note)

    # saving -------------------------------------------------------------------------------------
    def flush(self) -> dict[str, str]:
        """Save every field typed into and not saved yet (another structure, page change, closing).

        Returns the fields still unsaved because they were refused: {label: French reason}.
        """
        for saver in self.savers.values():
            saver.flush()
        return {self.fields[name].label: self.fields[name].error.text() for name in sorted(self.pending)}

    def save(self, name: str) -> None:
        """Save a list or the checkbox at once (text fields go through their Autosaver)."""
        if self._loading or self.structure_id is None:
            return
        try:
            self._save_value(name, self.fields[name].value())
        except (ServiceError, StorageError) as exc:
            self._failed(name, str(exc))

    def _failed(self, name: str, message: str) -> None:
        self._show_error(self.fields[name], message)
        self.context.bus.save_failed.emit(message)

    def _save_value(self, name: str, value: Any, target: str | None = None) -> None:
        """Write one field into the structure ``target`` (by default the one on screen); a refusal
        raises (the Autosaver keeps the typed text)."""
        item = self.fields[name]
        target = target or self.structure_id
        if target is None:
            return
        if target != self.structure_id:       # typed for a structure no longer on screen
            structures.update_structure(self.context.db, target, **{name: value})
            return
        if value == item.saved:          # nothing changed (or typed back): no save, the flag stays
            self._show_error(item, "")
            return
        row = structures.update_structure(self.context.db, target, **{name: value})
        self._show_error(item, "")
        stored = getattr(row, name)
        if item.kind == "text":
            stored = stored or ""
            if item.editor.text() != stored and not item.editor.hasFocus():
                item.editor.setText(stored)          # normalised, e.g. « 200 012 345 » → « 200012345 »
            item.saved = item.editor.text()
        else:
            item.saved = stored if item.kind == "bool" else (stored or "")
        self._apply(row)

    def set_flag(self, name: str, flagged: bool) -> None:
        """Mark a field « à vérifier » again (or as verified without changing it)."""
        if self.structure_id is None:
            return
        self.flush()
        try:
            row = structures.flag_to_verify(self.context.db, self.structure_id, name, flagged)
        except (ServiceError, StorageError) as exc:
            QMessageBox.warning(self, "Carnet PETR", str(exc))
            self.fields[name].flag_button.setChecked(not flagged)
            return
        self._apply(row)

    def _apply(self, row) -> None:
        """A saved Structure row becomes the identity shown; the page and the list follow."""
        assert self.current is not None
        self.current = replace(self.current, **{name: getattr(row, name) for name, _l, _k in IDENTITY_FIELDS},
                                regional_office_name=self._offices.get(row.regional_office_id or "", ""),
                                to_verify=tuple(f for f in row.to_verify.split(",") if f))
        self.show_flags()
        self.context.notify_saved()
        self.saved.emit(self.current)

    def _show_error(self, item: IdentityField, message: str) -> None:
        text = (message[:1].upper() + message[1:]) if message else ""
        if text != item.error.text():
            item.error.setText(text)
            item.error.setVisible(bool(text))


# --- Contacts --------------------------------------------------------------------------------

class ContactsModel(RowsModel[ContactRow]):
    columns = (("Nom", lambda c: c.full_name), ("Fonction", lambda c: c.function),
               ("E-mail", lambda c: c.email), ("Téléphone", lambda c: c.phone))


class ContactDialog(QDialog):
    """Add or edit a contact; the dialog stays open, with the typed text, until it is valid."""

    def __init__(self, context: AppContext, structure_id: str, contact: ContactRow | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context, self.structure_id, self.contact = context, structure_id, contact
        self.setWindowTitle("Modifier le contact" if contact else "Nouveau contact")
        self.setMinimumWidth(420)
        self.full_name, self.function, self.email, self.phone = (QLineEdit(self) for _ in range(4))
        self.email.setPlaceholderText("prenom.nom@petr-exemple.fr")
        self.phone.setPlaceholderText("03 88 00 00 00")
        if contact:
            for editor, value in ((self.full_name, contact.full_name), (self.function, contact.function),
                                  (self.email, contact.email), (self.phone, contact.phone)):
                editor.setText(value)
        form = QFormLayout()
        form.addRow("Nom et prénom :", self.full_name)
        form.addRow("Fonction :", self.function)
        form.addRow("E-mail :", self.email)
        form.addRow("Téléphone :", self.phone)
        self.error = QLabel(self)
        self.error.setObjectName("field_error")
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        self.error.hide()
        note = QLabel("Coordonnées professionnelles uniquement (RGPD).", self)
        note.setStyleSheet("color: #555555;")
        self.buttons = accept_cancel(self, "Enregistrer", accept=QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(note)
        layout.addWidget(self.buttons)

    def accept(self) -> None:
        values = {"full_name": self.full_name.text(), "function": self.function.text(),
                  "email": self.email.text(), "phone": self.phone.text()}
        try:
            if self.contact:
                structures.update_contact(self.context.db, self.contact.id, **values)
            else:
                structures.add_contact(self.context.db, self.structure_id, **values)
        except (ServiceError, StorageError) as exc:
            message = str(exc)
            self.error.setText(message[:1].upper() + message[1:])
            self.error.show()
            return
        self.context.notify_saved()
        super().accept()


class ContactsPanel(QWidget):
    changed = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.structure_id: str | None = None
        self.dialog: ContactDialog | None = None
        self.model = ContactsModel(self)
        self.view = make_table(self.model, self, sortable=True)
        self.view.activated.connect(lambda _index: self.edit())
        self.add_button = QPushButton(icon("add"), "Ajouter un contact", self)
        self.edit_button = QPushButton(icon("edit"), "Modifier", self)
        self.delete_button = QPushButton(icon("remove"), "Supprimer", self)
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.delete_button.clicked.connect(self.delete)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.view)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    def set_contacts(self, structure_id: str, contacts) -> None:
        self.structure_id = structure_id
        self.model.set_rows(list(contacts))
        self._update_buttons()

    def reload(self) -> None:
        if self.structure_id:
            self.set_contacts(self.structure_id, structures.list_contacts(self.context.db, self.structure_id))
            self.changed.emit()

    def selected(self) -> ContactRow | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        proxy = self.view.model()
        return self.model.rows[proxy.mapToSource(rows[0]).row()]

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.edit_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    def add(self) -> None:
        self._open_dialog(None)

    def edit(self) -> None:
        contact = self.selected()
        if contact:
            self._open_dialog(contact)

    def _open_dialog(self, contact: ContactRow | None) -> None:
        if self.structure_id is None:
            return
        self.dialog = ContactDialog(self.context, self.structure_id, contact, self)
        self.dialog.accepted.connect(self.reload)
        self.dialog.open()

    def delete(self) -> None:
        contact = self.selected()
        if contact is None:
            return
        answer = QMessageBox.question(self, "Supprimer le contact",
                                      f"Supprimer le contact « {contact.full_name} » ? Les relevés qui le "
                                      "citent le gardent.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            structures.delete_contact(self.context.db, contact.id)
        except (ServiceError, StorageError) as exc:
            QMessageBox.warning(self, "Carnet PETR", str(exc))
            return
        self.context.notify_saved()
        self.reload()


# --- Money -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _LineRow:
    label: str
    requested_cents: int
    proposed_cents: int
    voted_cents: int
    total: bool = False


class AidLinesModel(RowsModel[_LineRow]):
    columns = (("Ligne d'aide", lambda r: r.label),
               ("Demandé", lambda r: format_amount(r.requested_cents)),
               ("Proposé", lambda r: format_amount(r.proposed_cents)),
               ("Voté", lambda r: format_amount(r.voted_cents)))

    def extra_data(self, row: _LineRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return RIGHT
        if role == Qt.ItemDataRole.FontRole and row.total:
            bold = QFont()
            bold.setBold(True)
            return bold
        return None


class PaymentsModel(RowsModel):
    columns = (("Versement", lambda p: PaymentKind(p.kind).label),
               ("Montant", lambda p: format_amount(p.amount_cents)),
               ("Échéance", lambda p: format_date_short(p.due_on)),
               ("Versé le", lambda p: format_date_short(p.paid_on)),
               ("Statut", lambda p: PaymentStatus(p.status).label),
               ("Référence", lambda p: p.reference))

    def extra_data(self, row, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return RIGHT
        return None


class YearMoneyBox(QGroupBox):
    """One year: the annual agreement, its three aid lines, its payments and the totals."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.lines = AidLinesModel(self)
        self.payments = PaymentsModel(self)
        self.lines_view = make_table(self.lines, self)
        self.payments_view = make_table(self.payments, self)
        self.no_payment = QLabel("Aucun versement enregistré.", self)
        self.totals = QLabel(self)
        self.totals.setObjectName("money_totals")
        self.totals.setStyleSheet("font-weight: bold;")
        for view in (self.lines_view, self.payments_view):
            view.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
            view.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            view.horizontalHeader().setStretchLastSection(False)
            view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
        layout = QVBoxLayout(self)
        layout.addWidget(self.details)
        layout.addWidget(self.lines_view, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.payments_view, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.no_payment)
        layout.addWidget(self.totals)

    def show_year(self, year: YearMoney) -> None:
        self.setTitle(f"Exercice {year.year}")
        parts = [f"Convention financière n° {year.number or DASH}",
                 f"CP du {format_date(year.cp_date)}" if year.cp_date else "date de CP à venir",
                 f"délibération n° {year.deliberation_no}" if year.deliberation_no else "délibération à venir",
                 AgreementStatus(year.status).label.lower()]
        self.details.setText(" · ".join(parts))
        rows = [_LineRow(AidLineKind(line.kind).label, line.requested_cents, line.proposed_cents,
                         line.voted_cents) for line in year.lines]
        rows.append(_LineRow("Total", year.requested_cents, year.proposed_cents, year.voted_cents, True))
        self.lines.set_rows(rows)
        self.payments.set_rows(list(year.payments))
        self.payments_view.setVisible(bool(year.payments))
        self.no_payment.setVisible(not year.payments)
        self.totals.setText(f"Voté : {format_amount(year.voted_cents)}   ·   Versé : "
                            f"{format_amount(year.paid_cents)}   ·   Reste à verser : "
                            f"{format_amount(year.remaining_cents)}")
        for view in (self.lines_view, self.payments_view):
            fit_height(view)

    def fit(self) -> None:
        for view in (self.lines_view, self.payments_view):
            view.resizeColumnsToContents()


class MoneyPanel(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget(self)
        self.framework = QLabel(inner)
        self.framework.setObjectName("framework_agreement")
        self.framework.setWordWrap(True)
        self.framework.setStyleSheet("font-weight: bold;")
        self.empty = QLabel("Aucune convention financière annuelle enregistrée.", inner)
        self.boxes: list[YearMoneyBox] = []
        self.box_layout = QVBoxLayout()
        layout = QVBoxLayout(inner)
        layout.addWidget(self.framework)
        layout.addWidget(self.empty)
        layout.addLayout(self.box_layout)
        layout.addStretch(1)
        self.setWidget(inner)

    def show_money(self, data: Dossier) -> None:
        fw = data.framework
        if fw:
            signed = f" le {format_date(fw.signed_on)}" if fw.signed_on and fw.status == "signed" else ""
            self.framework.setText(f"Convention-cadre {fw.period_start}-{fw.period_end} n° {fw.number or DASH} — "
                                   f"thème : {fw.theme or DASH} — {AgreementStatus(fw.status).label}{signed}")
        else:
            self.framework.setText(f"Pas encore de convention-cadre {DASH} enregistrée.")
        while len(self.boxes) < len(data.money):
            box = YearMoneyBox(self.widget())
            self.boxes.append(box)
            self.box_layout.addWidget(box)
        for box, year in zip(self.boxes, data.money):
            box.show_year(year)
            box.show()
        for box in self.boxes[len(data.money):]:
            box.hide()
        self.empty.setVisible(not data.money)

    def fit(self) -> None:
        for box in self.boxes:
            if not box.isHidden():
                box.fit()


# --- Meetings, sheets, trajectory, actions -------------------------------------------------------

class TimelineModel(RowsModel[TimelineRow]):
    columns = (("Date", lambda m: format_date_short(m.meeting_date)),
               ("Type", lambda m: MeetingKind(m.kind).label),
               ("Réunion", lambda m: m.title),
               ("Lieu", lambda m: PlaceKind(m.place_kind).label if m.place_kind else ""),
               ("Statut", lambda m: MeetingStatus(m.status).label),
               ("Relevé", lambda m: MinutesStatus(m.minutes_status).label if m.minutes_status else DASH))

    def extra_data(self, row: TimelineRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.FontRole and row.status == MeetingStatus.PLANNED:
            italic = QFont()
            italic.setItalic(True)
            return italic
        return None


class SheetsGridModel(RowsModel[int]):
    """Years × the three kinds: each sheet's status, or « — » when there is none."""

    kinds = tuple(SheetKind)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.cells: dict[tuple[int, str], SheetCell] = {}
        self.columns = (("Exercice", str),) + tuple(
            (kind.label, lambda year, k=kind.value: self._text(year, k)) for kind in self.kinds)

    def set_cells(self, years: tuple[int, ...], cells: dict[tuple[int, str], SheetCell]) -> None:
        self.cells = dict(cells)
        self.set_rows(list(years))

    def cell(self, row: int, column: int) -> SheetCell | None:
        if column == 0 or not 0 <= row < len(self.rows):
            return None
        return self.cells.get((self.rows[row], self.kinds[column - 1].value))

    def _text(self, year: int, kind: str) -> str:
        cell = self.cells.get((year, kind))
        return SheetStatus(cell.status).label if cell else DASH

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):
        if index.isValid() and role == Qt.ItemDataRole.ToolTipRole and index.column() > 0:
            year, kind = self.rows[index.row()], self.kinds[index.column() - 1]
            cell = self.cell(index.row(), index.column())
            if cell is None:
                return f"Pas de fiche « {kind.label} » {year}"
            return f"Fiche « {kind.label} » {year} : {SheetStatus(cell.status).label} — double-clic pour l'ouvrir"
        return super().data(index, role)

    def extra_data(self, year: int, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return CENTER
        if column == 0:
            if role == Qt.ItemDataRole.FontRole:
                bold = QFont()
                bold.setBold(True)
                return bold
            return None
        cell = self.cells.get((year, self.kinds[column - 1].value))
        if role == Qt.ItemDataRole.BackgroundRole and cell is not None:
            return SHEET_BRUSHES.get(cell.status)
        if role == Qt.ItemDataRole.ForegroundRole and cell is None:
            return QBrush(QColor("#888888"))
        return None


class TrajectoryModel(RowsModel[Trajectory]):
    """Per indicator: target and actual of each year of the convention-cadre."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.years: tuple[int, ...] = ()
        self._set_columns()

    def _set_columns(self) -> None:
        columns: list[tuple[str, Any]] = [
            ("Fiche", lambda t: SheetKind(t.kind).label),
            ("Indicateur", lambda t: f"{t.name} ({t.unit})" if t.unit else t.name)]
        for year in self.years:
            columns.append((f"{year}\ncible", lambda t, y=year: format_number(t.points.get(y, (None, None))[0])))
            columns.append((f"{year}\nréalisé", lambda t, y=year: format_number(t.points.get(y, (None, None))[1])))
        self.columns = tuple(columns)

    def set_trajectory(self, years: tuple[int, ...], rows: tuple[Trajectory, ...]) -> None:
        self.beginResetModel()
        self.years = tuple(years)
        self._set_columns()
        self.rows = list(rows)
        self.endResetModel()

    def year_of_column(self, column: int) -> int | None:
        return self.years[(column - 2) // 2] if column >= 2 else None

    def extra_data(self, row: Trajectory, column: int, role: int) -> Any:
        year = self.year_of_column(column)
        if year is None:
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT
        target, actual = row.points.get(year, (None, None))
        if actual is None or target is None or (column - 2) % 2 == 0:
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            return REACHED_BRUSH if actual >= target else BELOW_TARGET_BRUSH
        if role == Qt.ItemDataRole.FontRole:
            bold = QFont()
            bold.setBold(True)
            return bold
        return None

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):
        year = self.year_of_column(index.column()) if index.isValid() else None
        if year is not None and role == Qt.ItemDataRole.ToolTipRole:
            row = self.rows[index.row()]
            target, actual = row.points.get(year, (None, None))
            if actual is None and target is None:
                return f"{year} : pas de valeur"
            text = (f"{year} : réalisé {format_number(actual) or DASH} "
                    f"pour une cible de {format_number(target) or DASH}")
            if target and actual is not None:
                text += f" ({round(100 * actual / target)} %)"
            return text + " — double-clic : ouvrir la fiche"
        return super().data(index, role)


class OpenActionsModel(RowsModel[OpenAction]):
    columns = (("N°", lambda a: a.label),
               ("Action", lambda a: a.text),
               ("Responsable", lambda a: a.owner_name),
               ("Échéance", lambda a: format_date_short(a.due_on)),
               ("Statut", lambda a: ActionStatus(a.status).label + (" — en retard" if a.overdue else "")),
               ("Réunion", lambda a: f"{a.meeting_title} ({format_date_short(a.meeting_date)})"
                if a.meeting_title else ""))

    def extra_data(self, row: OpenAction, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and row.overdue:
            return OVERDUE_BRUSH
        return None


# --- Standing team ---------------------------------------------------------------------------------

class TeamModel(RowsModel[TeamMemberDraft]):
    columns = (("Nom", lambda m: m.full_name), ("Rôle dans l'équipe", lambda m: m.role),
               ("Organisme", lambda m: m.organisation))


class TeamPanel(QWidget):
    """The standing team of the structure, edited in ``TeamDialog`` (one unit of work)."""

    changed = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.structure_id: str | None = None
        self.structure_name = ""
        self.dialog: TeamDialog | None = None
        self.hint = QLabel("L'équipe permanente de la structure : référent de la Maison de Région, services experts "
                           "de sa thématique… Elle est proposée comme participants de ses dialogues de gestion.", self)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555555;")
        self.edit_button = QPushButton(icon("edit"), "Modifier l'équipe…", self)
        self.edit_button.setObjectName("edit_team")
        self.edit_button.clicked.connect(self.edit)
        self.model = TeamModel(self)
        self.view = make_table(self.model, self)
        self.view.activated.connect(lambda _index: self.edit())
        self.empty = QLabel("Aucun membre : les dialogues de gestion proposeront les personnes de la Maison de "
                            "Région de la structure.", self)
        self.empty.setStyleSheet("color: #666666;")
        self.empty.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.hint, 1)
        top.addWidget(self.edit_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addWidget(self.view, 1)

    def set_team(self, structure_id: str, structure_name: str, members: list[TeamMemberDraft]) -> None:
        self.structure_id, self.structure_name = structure_id, structure_name
        self.model.set_rows(members)
        self.empty.setVisible(not members)
        self.view.resizeColumnsToContents()

    def edit(self) -> None:
        if self.structure_id is None:
            return
        if self.dialog is not None and not self.dialog.isVisible():
            self.dialog.deleteLater()
        self.dialog = TeamDialog(self.context, self.structure_id, self.structure_name, list(self.model.rows),
                                 campaign.team_candidates(self.context.db, self.structure_id), self)
        self.dialog.accepted.connect(self.reload)
        self.dialog.open()

    def reload(self) -> None:
        if self.structure_id:
            self.set_team(self.structure_id, self.structure_name, campaign.team(self.context.db, self.structure_id))
            self.changed.emit()


# --- The dossier ----------------------------------------------------------------------------------

TAB_IDENTITY, TAB_CONTACTS, TAB_MONEY, TAB_MEETINGS, TAB_SHEETS, TAB_ACTIONS, TAB_TEAM = range(7)


def _section(title: str, parent: QWidget) -> QLabel:
    label = QLabel(title, parent)
    label.setStyleSheet("font-weight: bold; margin-top: 6px;")
    return label


class DossierWidget(QWidget):
    """The dossier of one structure, in six tabs under a header."""

    #: The identity of the structure changed (its id): the list should refresh.
    structure_changed = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.data: Dossier | None = None
        self.setObjectName("dossier")
        self.setStyleSheet(STYLE)
        self.title = QLabel(self)
        self.title.setObjectName("dossier_title")
        self.subtitle = QLabel(self)
        self.subtitle.setObjectName("dossier_subtitle")
        self.subtitle.setWordWrap(True)
        self.summary = QLabel(self)
        self.summary.setObjectName("dossier_summary")
        self.summary.setWordWrap(True)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("dossier_tabs")
        self.tabs.setDocumentMode(True)

        self.identity = IdentityForm(context, self)
        self.identity.saved.connect(self._identity_saved)
        identity_scroll = QScrollArea(self)
        identity_scroll.setWidgetResizable(True)
        identity_scroll.setFrameShape(QFrame.Shape.NoFrame)
        identity_scroll.setWidget(self.identity)
        self.contacts = ContactsPanel(context, self)
        self.contacts.changed.connect(self._contacts_changed)
        self.money = MoneyPanel(self)

        self.timeline = TimelineModel(self)
        self.timeline_view = make_table(self.timeline, self)
        self.timeline_view.activated.connect(self._open_meeting)

        sheets_tab = QWidget(self)
        self.sheets_grid = SheetsGridModel(self)
        self.sheets_view = make_table(self.sheets_grid, sheets_tab)
        self.sheets_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.sheets_view.activated.connect(self._open_sheet)
        grid_header = self.sheets_view.horizontalHeader()
        grid_header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        grid_header.setMinimumSectionSize(70)
        self.sheets_view.setWordWrap(True)                       # « Validée (pièce pour solde) » on two lines
        self.sheets_view.verticalHeader().setDefaultSectionSize(2 * self.fontMetrics().height() + 10)
        self.trajectory = TrajectoryModel(self)
        self.trajectory_view = make_table(self.trajectory, sheets_tab)
        self.trajectory_view.activated.connect(self._open_trajectory_sheet)
        self.trajectory_view.horizontalHeader().setStretchLastSection(False)
        self.no_indicator = QLabel("Aucun indicateur saisi dans les fiches.", sheets_tab)
        sheets_layout = QVBoxLayout(sheets_tab)
        sheets_layout.addWidget(_section("Les trois fiches de chaque exercice", sheets_tab))
        sheets_layout.addWidget(self.sheets_view)
        sheets_layout.addWidget(_section("Trajectoire des indicateurs : cible et réalisé", sheets_tab))
        sheets_layout.addWidget(self.no_indicator)
        sheets_layout.addWidget(self.trajectory_view, 1)

        self.actions = OpenActionsModel(self)
        self.actions_view = make_table(self.actions, self)
        self.actions_view.activated.connect(self._open_action)

        self.tabs.addTab(identity_scroll, icon("edit"), "Identité")
        self.tabs.addTab(self.contacts, icon("contacts"), "Contacts")
        self.tabs.addTab(self.money, icon("money"), "Conventions")
        self.tabs.addTab(self.timeline_view, icon("meetings"), "Réunions")
        self.tabs.addTab(sheets_tab, icon("sheets"), "Fiches")
        self.tabs.addTab(self.actions_view, icon("actions"), "Actions")
        self.team = TeamPanel(context, self)
        self.team.changed.connect(self._team_changed)
        self.tabs.addTab(self.team, icon("contacts"), "Équipe")
        self.tabs.setCurrentIndex(context.settings.value("structures/dossier_tab", 0, type=int))
        self.tabs.currentChanged.connect(self._tab_changed)
        self._unfitted: set[int] = set()

        self.exporter = Exporter(context, self)
        self.export_button = QPushButton(icon("export"), "Exporter", self)
        self.export_button.setMenu(build_structure_menu(
            context, self, self.exporter,
            lambda: (self.data.identity.id, self.data.identity.name) if self.data else None))
        title_line = QHBoxLayout()
        title_line.addWidget(self.title, 1)
        title_line.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(title_line)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)

    @property
    def structure_id(self) -> str | None:
        return self.data.identity.id if self.data else None

    def flush(self) -> dict[str, str]:
        """Save what is still being typed; returns what was refused ({label: reason})."""
        return self.identity.flush()

    # filling --------------------------------------------------------------------------------------
    def show_dossier(self, data: Dossier) -> None:
        self.data = data
        self.identity.set_identity(data.identity, data.offices)
        self.contacts.set_contacts(data.identity.id, data.contacts)
        self.money.show_money(data)
        self.timeline.set_rows(list(data.meetings))
        self.sheets_grid.set_cells(data.years, data.sheets)
        self.trajectory.set_trajectory(data.years, data.trajectory)
        self.actions.set_rows(list(data.actions))
        self.team.set_team(data.identity.id, data.identity.name, campaign.team(self.context.db, data.identity.id))
        self.no_indicator.setVisible(not data.trajectory)
        self.trajectory_view.setVisible(bool(data.trajectory))
        fit_height(self.sheets_view)
        self._show_header()
        self._unfitted = set(range(self.tabs.count()))
        self._fit_tab(self.tabs.currentIndex())

    def _tab_changed(self, index: int) -> None:
        self.context.settings.setValue("structures/dossier_tab", index)
        self._fit_tab(index)

    def _fit_tab(self, index: int) -> None:
        """Column widths follow the contents; computed for the tab shown only (that is the costly part)."""
        if index not in self._unfitted:
            return
        self._unfitted.discard(index)
        views = {TAB_CONTACTS: (self.contacts.view,), TAB_MEETINGS: (self.timeline_view,),
                 TAB_SHEETS: (self.trajectory_view,), TAB_ACTIONS: (self.actions_view,)}.get(index, ())
        for view in views:
            view.resizeColumnsToContents()
        if index == TAB_MONEY:
            self.money.fit()
        for view, column, widest in ((self.timeline_view, 2, 380), (self.actions_view, 1, 380),
                                     (self.trajectory_view, 1, 400)):
            if view not in views:
                continue
            others = sum(view.columnWidth(c) for c in range(view.model().columnCount()) if c != column)
            room = max(200, min(widest, view.viewport().width() - others))   # the long text column gives way
            if view.columnWidth(column) > room:
                view.setColumnWidth(column, room)

    def _show_header(self) -> None:
        data = self.data
        assert data is not None
        ident = data.identity
        self.title.setText(ident.name + ("" if ident.active else " (inactive)"))
        bits = [LegalForm(ident.legal_form).label if ident.legal_form else "",
                f"siège : {ident.seat_town}" if ident.seat_town else "",
                f"départements : {ident.departments.replace(',', ', ')}" if ident.departments else "",
                f"Maison de Région : {ident.regional_office_name}" if ident.regional_office_name else ""]
        self.subtitle.setText(" · ".join(b for b in bits if b))
        flagged = len(ident.to_verify)
        held = sum(1 for m in data.meetings if m.status == MeetingStatus.HELD)
        upcoming = [m for m in data.meetings if m.status == MeetingStatus.PLANNED and m.meeting_date
                    and m.meeting_date >= data.today]
        parts = [f"{flagged} champ(s) « à vérifier »" if flagged else "identité vérifiée",
                 f"{held} réunion(s) tenue(s)"]
        if upcoming:
            parts.append(f"prochaine le {format_date(upcoming[0].meeting_date)}")
        parts.append(f"{len(data.actions)} action(s) ouverte(s)"
                     + (f", dont {data.overdue_count} en retard" if data.overdue_count else ""))
        if data.money:
            last = data.money[-1]
            parts.append(f"{last.year} : voté {format_amount(last.voted_cents)}, reste à verser "
                         f"{format_amount(last.remaining_cents)}")
        self.summary.setText(" · ".join(parts))
        self.tabs.setTabIcon(TAB_IDENTITY, icon("flag") if flagged else icon("edit"))
        self.tabs.setTabToolTip(TAB_IDENTITY, f"{flagged} champ(s) « à vérifier »" if flagged else "")
        self.tabs.setTabText(TAB_CONTACTS, f"Contacts ({len(data.contacts)})")
        self.tabs.setTabText(TAB_MEETINGS, f"Réunions ({len(data.meetings)})")
        self.tabs.setTabText(TAB_ACTIONS, f"Actions ({len(data.actions)})")
        self._team_changed()
        self.tabs.setTabToolTip(TAB_ACTIONS, "Actions à faire ou en cours"
                                + (f", dont {data.overdue_count} en retard" if data.overdue_count else ""))

    # edits ------------------------------------------------------------------------------------------
    def _identity_saved(self, identity: Identity) -> None:
        """Keep the header in step with an identity edit, without reading the whole dossier again."""
        if self.data is None or self.data.identity.id != identity.id:
            return
        self.data = replace(self.data, identity=identity)
        self._show_header()
        self.structure_changed.emit(identity.id)

    def _team_changed(self) -> None:
        count = len(self.team.model.rows)
        self.tabs.setTabText(TAB_TEAM, f"Équipe ({count})" if count else "Équipe")

    def _contacts_changed(self) -> None:
        if self.data is not None:
            self.data = replace(self.data, contacts=tuple(self.contacts.model.rows))
            self._show_header()

    # opening records ---------------------------------------------------------------------------------
    def _open(self, kind: str, record_id: str | None) -> None:
        if record_id:
            self.flush()
            self.context.bus.open_record.emit(kind, record_id)

    def _open_meeting(self, index) -> None:
        self._open("meeting", self.timeline.rows[index.row()].id)

    def _open_sheet(self, index) -> None:
        cell = self.sheets_grid.cell(index.row(), index.column())
        self._open("sheet", cell.id if cell else None)

    def _open_trajectory_sheet(self, index) -> None:
        row = self.trajectory.rows[index.row()]
        year = self.trajectory.year_of_column(index.column())
        sheet = row.sheet_ids.get(year) if year else None
        if sheet is None and row.sheet_ids:
            sheet = row.sheet_ids[max(row.sheet_ids)]
        self._open("sheet", sheet)

    def _open_action(self, index) -> None:
        self._open("action", self.actions.rows[index.row()].id)

