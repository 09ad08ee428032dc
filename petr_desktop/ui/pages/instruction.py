"""Instruction: the aid applications of a year (checklist, amounts, workflow up to the vote, annual
convention) and their payments (advance and balance, the balance gated by the validated sheet).

Widgets are built once and refilled from the read models of ``services.instruction`` and
``services.money``; every rule (caps, completeness, gating) lives in those services.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateEdit, QDialog, QFormLayout, QGridLayout,
                               QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox, QPushButton, QScrollArea,
                               QSplitter, QTabWidget, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from ...domain.enums import AidLineKind, ApplicationStatus, PaymentStatus
from ...domain.values import format_amount, format_date, format_date_short
from ...services import instruction, money
from ...services.instruction import ApplicationDetail, ApplicationRow
from ...services.money import AgreementMoney, LineMoney, PaymentView
from .. import palette
from ..exporting import Exporter
from ..icons import icon
from ..models import SORT_ROLE, RowsModel
from ..widgets.buttons import accept_cancel
from ..widgets.tables import make_table, select_source_row, source_row
from .base import Page

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ERROR_COLOR = palette.ERROR
HINT_STYLE = "color: #555555;"
STATUS_BRUSHES = palette.brushes(palette.APPLICATION_TINTS)
PAYMENT_BRUSHES = palette.brushes(palette.PAYMENT_TINTS)
#: Forward buttons; a back step reads « Revenir à « … » ».
MOVE_LABELS = {ApplicationStatus.COMPLETE: "Déclarer le dossier complet",
               ApplicationStatus.INSTRUCTED: "Marquer instruite",
               ApplicationStatus.PRESENTED: "Présenter en Commission permanente",
               ApplicationStatus.VOTED: "Marquer votée",
               ApplicationStatus.REJECTED: "Marquer rejetée"}
STATUS_ORDER = {s.value: n for n, s in enumerate(ApplicationStatus)}


class ApplicationsModel(RowsModel[ApplicationRow]):
    STRUCTURE, STATUS, RECEIVED, REQUESTED, PROPOSED, DOCUMENTS = range(6)
    columns = (("Structure", lambda r: r.structure_name),
               ("Statut", lambda r: r.status_label),
               ("Reçue le", lambda r: format_date_short(r.received_on)),
               ("Demandé", lambda r: format_amount(r.requested_cents)),
               ("Proposé", lambda r: format_amount(r.proposed_cents)),
               ("Pièces", lambda r: r.completeness))
    _sort_keys = {STATUS: lambda r: STATUS_ORDER.get(r.status, 99),
                  RECEIVED: lambda r: r.received_on.isoformat() if r.received_on else "",
                  REQUESTED: lambda r: r.requested_cents, PROPOSED: lambda r: r.proposed_cents,
                  DOCUMENTS: lambda r: (r.documents_received - r.documents_total, r.documents_total)}

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):
        if index.isValid() and role == SORT_ROLE and index.column() in self._sort_keys:
            return self._sort_keys[index.column()](self.rows[index.row()])
        return super().data(index, role)

    def extra_data(self, row: ApplicationRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole and column == self.STATUS:
            return STATUS_BRUSHES.get(ApplicationStatus(row.status))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.REQUESTED, self.PROPOSED):
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column == self.DOCUMENTS and not row.is_complete:
            return QBrush(QColor(ERROR_COLOR))
        return None

    def position(self, application_id: str) -> int:
        return next((n for n, r in enumerate(self.rows) if r.id == application_id), -1)


class NewApplicationDialog(QDialog):
    """Structure and reception date of a new application."""

    def __init__(self, choices: list[tuple[str, str]], year: int, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Nouvelle demande d'aide {year}")
        self.structure = QComboBox(self)
        for structure_id, name in choices:
            self.structure.addItem(name, structure_id)
        self.received_on = QLineEdit(format_date_short(date.today()), self)
        self.received_on.setPlaceholderText("jj/mm/aaaa")
        buttons = accept_cancel(self, "Enregistrer la réception")
        form = QFormLayout(self)
        form.addRow("Structure :", self.structure)
        form.addRow("Reçue le :", self.received_on)
        form.addRow(buttons)


class PaidOnDialog(QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Marquer le versement comme versé")
        self.paid_on = QDateEdit(QDate.currentDate(), self)
        self.paid_on.setCalendarPopup(True)
        self.paid_on.setDisplayFormat("dd/MM/yyyy")
        buttons = accept_cancel(self, "Marquer versé")
        form = QFormLayout(self)
        form.addRow("Versé le :", self.paid_on)
        form.addRow(buttons)


def _keep_quotes(text: str) -> str:
    """« x » never broken at its guillemets when a label wraps (no-break spaces inside)."""
    return text.replace("« ", "«\u00a0").replace(" »", "\u00a0»")


def _set_read_only(edit: QLineEdit, read_only: bool) -> None:
    if edit.isReadOnly() != read_only:
        edit.setReadOnly(read_only)
        edit.style().unpolish(edit)       # the style sheet greys read-only fields
        edit.style().polish(edit)


def _hint(text: str = "", parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setStyleSheet(HINT_STYLE)
    return label


class ApplicationPanel(QWidget):
    """The detail of one application: checklist, amounts, CP, workflow, convention."""

    def __init__(self, page: "InstructionPage") -> None:
        super().__init__(page)
        self.page = page
        self.detail: ApplicationDetail | None = None
        self.title = QLabel(self)
        self.title.setObjectName("application_title")
        self.title.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.subtitle = _hint(parent=self)

        self.documents_box = QGroupBox("Pièces du dossier", self)
        self.documents_layout = QVBoxLayout(self.documents_box)
        self.document_checks: list[QCheckBox] = []

        amounts_box = QGroupBox("Montants", self)
        grid = QGridLayout(amounts_box)
        for column, text in enumerate(("Ligne d'aide", "Demandé", "Proposé", "Grille du dispositif")):
            header = QLabel(f"<b>{text}</b>", amounts_box)
            grid.addWidget(header, 0, column)
        self.requested: dict[str, QLineEdit] = {}
        self.proposed: dict[str, QLineEdit] = {}
        self.notes: dict[str, QLabel] = {}
        self.line_labels: dict[str, QLabel] = {}
        for row, kind in enumerate(AidLineKind, start=1):
            self.line_labels[kind] = QLabel(kind.label, amounts_box)
            grid.addWidget(self.line_labels[kind], row, 0)
            for column, (store, which) in enumerate(((self.requested, "requested"), (self.proposed, "proposed")),
                                                    start=1):
                edit = QLineEdit(amounts_box)
                edit.setObjectName(f"{which}_{kind.value}")
                edit.setAlignment(RIGHT)
                edit.setPlaceholderText("0,00 €")
                edit.setMinimumWidth(110)
                edit.editingFinished.connect(lambda k=kind.value, w=which: self.save_amount(k, w))
                store[kind] = edit
                grid.addWidget(edit, row, column)
            self.notes[kind] = _hint(parent=amounts_box)
            grid.addWidget(self.notes[kind], row, 3)
        self.total = QLabel(amounts_box)
        grid.addWidget(self.total, len(AidLineKind) + 1, 0, 1, 3)
        self.apply_grid = QPushButton("Appliquer la grille au socle", amounts_box)
        self.apply_grid.setToolTip("Socle proposé = socle de base × modulation de la classe de ruralité")
        self.apply_grid.clicked.connect(self.apply_core_grid)
        grid.addWidget(self.apply_grid, len(AidLineKind) + 1, 3, Qt.AlignmentFlag.AlignLeft)
        grid.setColumnStretch(3, 1)

        cp_box = QGroupBox("Commission permanente", self)
        self.cp_date = QLineEdit(cp_box)
        self.cp_date.setObjectName("cp_date")
        self.cp_date.setPlaceholderText("jj/mm/aaaa")
        self.cp_date.editingFinished.connect(lambda: self.save_detail("cp_date", self.cp_date.text()))
        self.cp_hint = _hint(parent=cp_box)
        self.deliberation = QLineEdit(cp_box)
        self.deliberation.setObjectName("deliberation_no")
        self.deliberation.setPlaceholderText("ex. CP2026-04-017")
        self.deliberation.editingFinished.connect(
            lambda: self.save_detail("deliberation_no", self.deliberation.text()))
        cp_form = QFormLayout(cp_box)
        cp_form.addRow("Date de la CP :", self.cp_date)
        cp_form.addRow("", self.cp_hint)
        cp_form.addRow("N° de délibération :", self.deliberation)

        workflow_box = QGroupBox("Suivi de la demande", self)
        self.move_buttons: dict[str, QPushButton] = {}
        self.moves_row = QHBoxLayout()
        for status in ApplicationStatus:
            button = QPushButton(workflow_box)
            button.setObjectName(f"move_{status.value}")
            button.clicked.connect(lambda _checked=False, s=status.value: self.move(s))
            self.move_buttons[status] = button
        self.moves_row.addStretch(1)
        self.move_hint = QLabel(workflow_box)
        self.move_hint.setWordWrap(True)
        self.move_hint.setStyleSheet(f"color: {ERROR_COLOR};")
        self.convention_button = QPushButton(icon("money"), "Créer la convention annuelle", workflow_box)
        self.convention_button.setObjectName("create_convention")
        self.convention_button.clicked.connect(self.create_convention)
        self.convention_hint = _hint(parent=workflow_box)
        workflow = QVBoxLayout(workflow_box)
        workflow.addLayout(self.moves_row)
        workflow.addWidget(self.move_hint)
        convention_row = QHBoxLayout()
        convention_row.addWidget(self.convention_button)
        convention_row.addWidget(self.convention_hint, 1)
        workflow.addLayout(convention_row)

        self.setStyleSheet('QLineEdit[readOnly="true"] { background: #f3f3f3; color: #333333; }')
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.documents_box)
        layout.addWidget(amounts_box)
        layout.addWidget(cp_box)
        layout.addWidget(workflow_box)
        layout.addStretch(1)

    @property
    def application_id(self) -> str:
        return self.detail.row.id if self.detail else ""

    # --- showing ----------------------------------------------------------------------------------
    def show_detail(self, detail: ApplicationDetail) -> None:
        self.detail = detail
        row = detail.row
        self.title.setText(f"{row.structure_name} — demande {row.year} : {row.status_label}")
        received = f"Reçue le {format_date(row.received_on)}" if row.received_on else "Date de réception inconnue"
        klass = f"classe de ruralité {detail.rurality_class}" if detail.rurality_class else \
            "classe de ruralité non renseignée"
        self.subtitle.setText(f"{received} · {klass}")
        self._show_documents(detail)
        self._show_amounts(detail)
        self._show_cp(detail)
        self._show_moves(detail)

    def _show_documents(self, detail: ApplicationDetail) -> None:
        for check in self.document_checks:
            self.documents_layout.removeWidget(check)
            check.hide()
            check.deleteLater()
        self.document_checks = []
        self.documents_box.setTitle(f"Pièces du dossier ({detail.row.completeness})")
        for document in detail.documents:
            text = document.name + (f" — reçue le {format_date(document.received_on)}"
                                    if document.received and document.received_on else "")
            check = QCheckBox(text, self.documents_box)
            check.setObjectName("document")
            check.setChecked(document.received)
            check.setEnabled(detail.checklist_editable)
            check.toggled.connect(lambda on, d=document.id: self.tick(d, on))
            self.documents_layout.addWidget(check)
            check.show()
            self.document_checks.append(check)
        if not detail.documents:
            empty = QCheckBox("Aucune pièce n'est demandée par le dispositif.", self.documents_box)
            empty.setEnabled(False)
            self.documents_layout.addWidget(empty)
            self.document_checks.append(empty)

    def _show_amounts(self, detail: ApplicationDetail) -> None:
        shown = {line.kind: line for line in detail.lines}
        for kind in AidLineKind:
            line = shown.get(kind.value)
            for widget in (self.line_labels[kind], self.requested[kind], self.proposed[kind], self.notes[kind]):
                widget.setVisible(line is not None)
            if line is None:
                continue
            for edit, cents in ((self.requested[kind], line.requested_cents), (self.proposed[kind], line.proposed_cents)):
                edit.setText(format_amount(cents))
                _set_read_only(edit, not detail.amounts_editable)
                edit.setStyleSheet("")
                edit.setToolTip("")
                edit.setModified(False)
            note = line.note
            if kind == AidLineKind.CORE and line.modulation_percent != detail.core.percent:
                note += f" (proposition calculée à {line.modulation_percent} % : appliquez la grille)"
            self.notes[kind].setText(note)
            self.notes[kind].setStyleSheet(f"color: {ERROR_COLOR};" if kind == AidLineKind.CORE
                                           and detail.core.unknown_class else HINT_STYLE)
        self.total.setText(f"<b>Total</b> : demandé {format_amount(detail.row.requested_cents)}, "
                           f"proposé {format_amount(detail.row.proposed_cents)}")
        self.apply_grid.setEnabled(detail.amounts_editable)

    def _show_cp(self, detail: ApplicationDetail) -> None:
        frozen = detail.row.status in (ApplicationStatus.VOTED, ApplicationStatus.REJECTED)
        if detail.cp_date:
            self.cp_date.setText(format_date_short(detail.cp_date))
            self.cp_hint.setText(format_date(detail.cp_date))
        else:
            # Proposed from the calendar; saved when the application is presented (or edited here).
            self.cp_date.setText(format_date_short(detail.next_commission))
            self.cp_hint.setText(f"Prochaine Commission du calendrier : {format_date(detail.next_commission)}"
                                 if detail.next_commission else
                                 "Aucune Commission à venir dans le calendrier du dispositif (Paramètres).")
        self.deliberation.setText(detail.deliberation_no)
        for edit in (self.cp_date, self.deliberation):
            _set_read_only(edit, frozen)
            edit.setModified(False)

    def _show_moves(self, detail: ApplicationDetail) -> None:
        for button in self.move_buttons.values():
            self.moves_row.removeWidget(button)
            button.hide()
        forward = {ApplicationStatus.COMPLETE, ApplicationStatus.INSTRUCTED, ApplicationStatus.PRESENTED,
                   ApplicationStatus.VOTED, ApplicationStatus.REJECTED}
        hint = ""
        rank = list(ApplicationStatus).index
        for position, (target, problem) in enumerate(detail.moves):
            status = ApplicationStatus(target)
            button = self.move_buttons[status]
            back = status not in forward or rank(status) < rank(ApplicationStatus(detail.row.status))
            button.setText(f"Revenir à « {status.label} »" if back else MOVE_LABELS[status])
            button.setToolTip(problem or "")
            self.moves_row.insertWidget(position, button)
            button.show()
            if position == 0 and problem and not back:
                hint = f"Étape suivante « {status.label} » : {problem}"
        self.move_hint.setText(_keep_quotes(hint))
        self.move_hint.setVisible(bool(hint))
        voted = detail.row.status == ApplicationStatus.VOTED
        self.convention_button.setEnabled(voted)
        if detail.row.annual_agreement_id:
            self.convention_button.setText("Mettre à jour la convention annuelle")
            self.convention_hint.setText("Convention annuelle créée : ses versements sont dans l'onglet « Versements ».")
        else:
            self.convention_button.setText("Créer la convention annuelle")
            self.convention_hint.setText("" if voted else "Possible une fois la demande votée.")

    # --- actions ------------------------------------------------------------------------------------
    def tick(self, document_id: str, received: bool) -> None:
        if self.page.guarded(instruction.tick_document, self.page.db, document_id, received) is None:
            self.page.refresh_detail()      # refused: show the stored state again
            return
        self.page.application_changed(self.application_id)

    def save_amount(self, kind: str, which: str) -> None:
        edit = (self.requested if which == "requested" else self.proposed)[AidLineKind(kind)]
        if not self.detail or edit.isReadOnly() or not edit.isModified():
            return
        edit.setModified(False)
        action = instruction.set_requested if which == "requested" else instruction.set_proposed
        if self.page.guarded(action, self.page.db, self.application_id, kind, edit.text()) is None:
            edit.setStyleSheet(f"border: 1px solid {ERROR_COLOR};")      # the typed text stays
            edit.setToolTip("Montant refusé : corrigez-le (voir le message).")
            return
        self.page.application_changed(self.application_id)

    def apply_core_grid(self) -> None:
        if self.page.guarded(instruction.propose_core, self.page.db, self.application_id) is not None:
            self.page.application_changed(self.application_id)

    def save_detail(self, name: str, text: str) -> None:
        edit = self.cp_date if name == "cp_date" else self.deliberation
        if not self.detail or edit.isReadOnly() or not edit.isModified():
            return
        edit.setModified(False)
        if self.page.guarded(instruction.set_details, self.page.db, self.application_id,
                             **{name: text.strip()}) is not None:
            self.page.application_changed(self.application_id)

    def move(self, target: str) -> None:
        extra: dict[str, str] = {}
        if target == ApplicationStatus.PRESENTED and self.cp_date.text().strip():
            extra["cp_date"] = self.cp_date.text().strip()
        if target == ApplicationStatus.VOTED:
            extra["deliberation_no"] = self.deliberation.text().strip()
        if self.page.guarded(instruction.transition, self.page.db, self.application_id, target, **extra) is not None:
            self.page.application_changed(self.application_id)

    def create_convention(self) -> None:
        agreement = self.page.guarded(instruction.create_annual_agreement, self.page.db, self.application_id)
        if agreement is not None:
            self.page.convention_created(agreement.id)


class PaymentsPanel(QWidget):
    """Conventions of the year: lines, advance and balance payments, remaining amounts."""

    LABEL, AMOUNT, PAID, REMAINING, STATUS, DATE = range(6)

    def __init__(self, page: "InstructionPage") -> None:
        super().__init__(page)
        self.page = page
        self.agreements: list[AgreementMoney] = []
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("payments_tree")
        self.tree.setHeaderLabels(["Convention, ligne d'aide, versement", "Montant", "Versé", "Reste à verser",
                                   "Statut", "Versé le"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(self.LABEL, QHeaderView.ResizeMode.Stretch)
        for column, width in ((self.AMOUNT, 120), (self.PAID, 120), (self.REMAINING, 120), (self.STATUS, 150),
                              (self.DATE, 100)):
            header.resizeSection(column, width)
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.summary = QLabel(self)
        self.summary.setObjectName("payments_summary")
        self.plan_button = QPushButton("Planifier les versements", self)
        self.plan_button.setObjectName("plan_payments")
        self.plan_button.setToolTip("Avance et solde de chaque ligne votée, selon les pourcentages du dispositif")
        self.request_button = QPushButton("Mettre en paiement", self)
        self.request_button.setObjectName("request_payment")
        self.paid_button = QPushButton("Marquer versé", self)
        self.paid_button.setObjectName("mark_paid")
        self.cancel_button = QPushButton("Annuler la mise en paiement", self)
        self.cancel_button.setObjectName("cancel_request")
        self.plan_button.clicked.connect(self.plan)
        self.request_button.clicked.connect(self.request)
        self.paid_button.clicked.connect(self.mark_paid)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button = QPushButton(icon("export"), "Exporter le suivi financier…", self)
        self.export_button.setObjectName("export_finance")
        self.export_button.setToolTip("Suivi financier de l'exercice (PDF ou Excel) : versements par structure et "
                                      "ligne d'aide, demandes d'aide")
        self.export_button.clicked.connect(self.export_finance)
        buttons = QHBoxLayout()
        for button in (self.plan_button, self.request_button, self.paid_button, self.cancel_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        self.selection_hint = _hint(parent=self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.selection_hint)
        self._update_buttons()

    # --- showing ---------------------------------------------------------------------------------
    def show_agreements(self, agreements: list[AgreementMoney], select: tuple[str, str] | None = None) -> None:
        select = select or self.current_key()
        self.agreements = agreements
        expanded = {self.tree.topLevelItem(n).data(0, Qt.ItemDataRole.UserRole)[1]
                    for n in range(self.tree.topLevelItemCount()) if self.tree.topLevelItem(n).isExpanded()}
        self.tree.clear()
        bold = QFont()
        bold.setBold(True)
        chosen = None
        for agreement in agreements:
            number = f" n° {agreement.number}" if agreement.number else ""
            deliberation = f" (délibération {agreement.deliberation_no})" if agreement.deliberation_no else ""
            top = self._item(None, ("agreement", agreement.id, agreement.id),
                             f"{agreement.structure_name} — convention {agreement.year}{number}{deliberation}",
                             agreement.voted_cents, agreement.paid_cents, agreement.remaining_cents)
            cp = f"CP du {format_date(agreement.cp_date)}" if agreement.cp_date else "CP non renseignée"
            top.setToolTip(self.LABEL, f"{cp}, délibération {agreement.deliberation_no or 'non renseignée'}")
            for column in range(6):
                top.setFont(column, bold)
            for line in agreement.lines:
                self._line_item(top, agreement, line)
            for payment in agreement.global_payments:
                self._payment_item(top, agreement, payment, global_payment=True)
            top.setExpanded(agreement.id in expanded or len(agreements) <= 3)
            for item in self._walk(top):
                if select and item.data(0, Qt.ItemDataRole.UserRole)[:2] == tuple(select):
                    chosen = item
        voted = sum(a.voted_cents for a in agreements)
        paid = sum(a.paid_cents for a in agreements)
        count = len(agreements)
        self.summary.setText(
            "Aucune convention annuelle pour cet exercice : créez-la depuis une demande votée." if not count else
            f"{count} convention{'s' if count > 1 else ''} — voté {format_amount(voted)}, versé "
            f"{format_amount(paid)}, reste à verser {format_amount(voted - paid)}")
        if chosen is not None:
            parent = chosen.parent()
            while parent is not None:
                parent.setExpanded(True)
                parent = parent.parent()
            self.tree.setCurrentItem(chosen)
        self._update_buttons()

    def _walk(self, item: QTreeWidgetItem):
        yield item
        for n in range(item.childCount()):
            yield from self._walk(item.child(n))

    def _item(self, parent: QTreeWidgetItem | None, key: tuple[str, str, str], label: str, amount: int,
              paid: int | None = None, remaining: int | None = None) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent) if parent is not None else QTreeWidgetItem(self.tree)
        item.setData(0, Qt.ItemDataRole.UserRole, key)
        item.setText(self.LABEL, label)
        for column, cents in ((self.AMOUNT, amount), (self.PAID, paid), (self.REMAINING, remaining)):
            if cents is not None:
                item.setText(column, format_amount(cents))
                item.setTextAlignment(column, RIGHT)
        return item

    def _line_item(self, top: QTreeWidgetItem, agreement: AgreementMoney, line: LineMoney) -> None:
        item = self._item(top, ("line", line.id, agreement.id), line.label, line.voted_cents, line.paid_cents,
                          line.remaining_cents)
        item.setExpanded(True)
        if not line.payments and not agreement.global_payments:
            item.setText(self.STATUS, "Versements à planifier")
        for payment in line.payments:
            self._payment_item(item, agreement, payment)

    def _payment_item(self, parent: QTreeWidgetItem, agreement: AgreementMoney, payment: PaymentView,
                      global_payment: bool = False) -> None:
        label = f"{payment.label} (toute la convention)" if global_payment else payment.label
        item = self._item(parent, ("payment", payment.id, agreement.id), label, payment.amount_cents)
        item.setText(self.STATUS, payment.status_label + (" — bloqué" if payment.blocker else ""))
        item.setText(self.DATE, format_date_short(payment.paid_on))
        brush = PAYMENT_BRUSHES.get(PaymentStatus(payment.status))
        if brush is not None:
            item.setBackground(self.STATUS, brush)
        if payment.blocker:
            item.setForeground(self.STATUS, QBrush(QColor(ERROR_COLOR)))
            for column in (self.LABEL, self.STATUS):
                item.setToolTip(column, payment.blocker)
        item.setData(self.STATUS, Qt.ItemDataRole.UserRole, payment.status)

    # --- selection and actions ---------------------------------------------------------------------
    def current_key(self) -> tuple[str, str, str] | None:
        item = self.tree.currentItem()
        return tuple(item.data(0, Qt.ItemDataRole.UserRole)) if item is not None else None

    def select(self, kind: str, record_id: str) -> bool:
        for n in range(self.tree.topLevelItemCount()):
            for item in self._walk(self.tree.topLevelItem(n)):
                if tuple(item.data(0, Qt.ItemDataRole.UserRole)[:2]) == (kind, record_id):
                    self.tree.setCurrentItem(item)
                    return True
        return False

    def _payment_status(self) -> str | None:
        item = self.tree.currentItem()
        if item is None or item.data(0, Qt.ItemDataRole.UserRole)[0] != "payment":
            return None
        return item.data(self.STATUS, Qt.ItemDataRole.UserRole)

    def _update_buttons(self) -> None:
        key = self.current_key()
        status = self._payment_status()
        self.plan_button.setEnabled(key is not None)
        self.request_button.setEnabled(status == PaymentStatus.PLANNED)
        self.paid_button.setEnabled(status == PaymentStatus.REQUESTED)
        self.cancel_button.setEnabled(status == PaymentStatus.REQUESTED)
        item = self.tree.currentItem()
        tip = item.toolTip(self.STATUS) if item is not None else ""
        self.selection_hint.setText(tip or ("Choisissez une convention pour planifier ses versements, "
                                            "un versement pour le mettre en paiement." if key is None else ""))

    def plan(self) -> None:
        key = self.current_key()
        if key and self.page.guarded(money.plan_payments, self.page.db, key[2]) is not None:
            self.page.reload_payments(select=(key[0], key[1]))

    def request(self) -> None:
        self._payment_action(money.request_payment)

    def cancel(self) -> None:
        self._payment_action(money.cancel_request)

    def mark_paid(self) -> None:
        paid_on = self.page.ask_paid_on()
        if paid_on is not None:
            self._payment_action(money.mark_paid, paid_on)

    def export_finance(self) -> None:
        """« Suivi financier » of the year on screen, through the page's exporter (PDF or Excel)."""
        from ..export_menus import export_finance

        export_finance(self.page.db, self.page.exporter, self.page.year)

    def _payment_action(self, action, *args) -> None:
        key = self.current_key()
        if key and key[0] == "payment" and self.page.guarded(action, self.page.db, key[1], *args) is not None:
            self.page.reload_payments(select=("payment", key[1]))


class InstructionPage(Page):

    def __init__(self, context, parent=None) -> None:
        super().__init__(context, parent)
        self._reloading = False
        self._generation = 0                  # latest read asked for: older answers are dropped
        self._pending_payment: tuple[str, str] | None = None
        self.exporter = Exporter(context, self)
        self.year_box = QComboBox(self)
        self.year_box.setObjectName("year")
        self.year_box.currentIndexChanged.connect(lambda _n: self.reload())
        self.new_button = QPushButton(icon("add"), "Nouvelle demande reçue…", self)
        self.new_button.setObjectName("new_application")
        self.new_button.clicked.connect(self.new_application)
        self.summary = QLabel(self)
        self.summary.setObjectName("applications_summary")
        top = QHBoxLayout()
        top.addWidget(QLabel("Exercice :", self))
        top.addWidget(self.year_box)
        top.addSpacing(12)
        top.addWidget(self.summary, 1)

        self.model = ApplicationsModel(self)
        self.view = make_table(self.model, self, sortable=True)
        self.view.setObjectName("applications")
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ApplicationsModel.STRUCTURE, QHeaderView.ResizeMode.Stretch)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.new_button, 0, Qt.AlignmentFlag.AlignLeft)
        left_layout.addWidget(self.view, 1)

        self.panel = ApplicationPanel(self)
        self.empty = QLabel("Choisissez une demande dans la liste, ou enregistrez une nouvelle demande reçue.", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet(HINT_STYLE)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.panel)
        self.detail_area = scroll
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.empty)
        right_layout.addWidget(scroll, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([620, 660])

        self.payments = PaymentsPanel(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("instruction_tabs")
        self.tabs.addTab(splitter, "Demandes d'aide")
        self.tabs.addTab(self.payments, "Versements")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        self._show_empty(True)
        context.bus.data_changed.connect(self._data_changed)

    # --- loading -----------------------------------------------------------------------------------
    @property
    def year(self) -> int:
        return self.year_box.currentData() or date.today().year

    def activate(self) -> None:
        years = instruction.years(self.db)
        current = self.year_box.currentData() or date.today().year
        self.year_box.blockSignals(True)
        self.year_box.clear()
        for year in years:
            self.year_box.addItem(str(year), year)
        self.year_box.setCurrentIndex(max(0, self.year_box.findData(current)))
        self.year_box.blockSignals(False)
        self.reload()

    def set_year(self, year: int) -> None:
        position = self.year_box.findData(year)
        if position < 0:
            self.year_box.addItem(str(year), year)
            position = self.year_box.count() - 1
        self.year_box.setCurrentIndex(position)

    def _data_changed(self) -> None:
        if self.isVisible():
            self.reload()

    def reload(self, select: str | None = None) -> None:
        """Read the year's applications and conventions off the GUI thread; the latest read wins."""
        select = select or self.panel.application_id
        self._generation += 1
        generation, year, db = self._generation, self.year, self.db

        def work():
            return instruction.list_applications(db, year), money.payments_overview(db, year)

        self.context.tasks.run(work, lambda result: self._loaded(generation, select, *result))

    def _loaded(self, generation: int, select: str, rows: list[ApplicationRow],
                agreements: list[AgreementMoney]) -> None:
        if generation != self._generation:
            return
        self._reloading = True
        try:
            self.model.set_rows(rows)
            position = self.model.position(select) if select else -1
            if position >= 0:
                select_source_row(self.view, position)
            else:
                self.view.clearSelection()
        finally:
            self._reloading = False
        self._update_summary()
        self.refresh_detail()
        self.payments.show_agreements(agreements, self._pending_payment)
        self._pending_payment = None

    def reload_payments(self, select: tuple[str, str] | None = None) -> None:
        """After a payment action: the conventions of the year, read again (off the GUI thread)."""
        self._generation += 1
        generation, year, db = self._generation, self.year, self.db

        def shown(agreements: list[AgreementMoney]) -> None:
            if generation == self._generation:
                self.payments.show_agreements(agreements, select)

        self.context.tasks.run(lambda: money.payments_overview(db, year), shown)

    def _update_summary(self) -> None:
        rows = self.model.rows
        if not rows:
            self.summary.setText(f"Aucune demande d'aide {self.year}.")
            return
        voted = sum(1 for r in rows if r.status == ApplicationStatus.VOTED)
        self.summary.setText(f"{len(rows)} demande{'s' if len(rows) > 1 else ''} {self.year}, dont {voted} "
                             f"votée{'s' if voted > 1 else ''} — demandé {format_amount(sum(r.requested_cents for r in rows))}, "
                             f"proposé {format_amount(sum(r.proposed_cents for r in rows))}")

    def selected_row(self) -> ApplicationRow | None:
        indexes = self.view.selectionModel().selectedRows()
        return self.model.rows[source_row(self.view, indexes[0])] if indexes else None

    def select_application(self, application_id: str) -> bool:
        position = self.model.position(application_id)
        if position >= 0:
            select_source_row(self.view, position)
        return position >= 0

    def _selection_changed(self) -> None:
        if not self._reloading:
            self.refresh_detail()

    def refresh_detail(self) -> None:
        row = self.selected_row()
        self._show_empty(row is None)
        if row is not None:
            self.panel.show_detail(instruction.application_detail(self.db, row.id))

    def _show_empty(self, empty: bool) -> None:
        self.empty.setVisible(empty)
        self.detail_area.setVisible(not empty)
        if empty:
            self.panel.detail = None

    def application_changed(self, application_id: str) -> None:
        """After a write: the list row and the detail, read again."""
        self.reload(select=application_id)

    def convention_created(self, agreement_id: str) -> None:
        """Select the new convention in « Versements » once the year is read again."""
        self._pending_payment = ("agreement", agreement_id)
        self.reload(select=self.panel.application_id)

    # --- dialogs (tests replace them) ------------------------------------------------------------------
    def ask_new_application(self) -> tuple[str, str] | None:
        """(structure id, reception date text) of a new application, or None."""
        choices = instruction.structures_without_application(self.db, self.year)
        if not choices:
            QMessageBox.information(self, "Carnet PETR", f"Toutes les structures ont déjà une demande d'aide {self.year}.")
            return None
        dialog = NewApplicationDialog(choices, self.year, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.structure.currentData(), dialog.received_on.text()

    def ask_paid_on(self) -> date | None:
        dialog = PaidOnDialog(self)
        return dialog.paid_on.date().toPython() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def new_application(self) -> None:
        answer = self.ask_new_application()
        if answer is None:
            return
        structure_id, received_on = answer
        created = self.guarded(instruction.receive_application, self.db, structure_id, self.year, received_on)
        if created is not None:
            self.reload(select=created.id)
