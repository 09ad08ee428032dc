"""« Planifier la campagne » of dialogues de gestion: year, months, one or two per structure, a preview
of the proposed plan, then « Créer les N réunions » (one unit of work: all of them or none)."""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QDialog, QDialogButtonBox, QGridLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QPushButton, QRadioButton, QSpinBox, QVBoxLayout,
                               QWidget)

from ...domain.values import MONTHS
from ...services import campaign
from ...services.campaign import CampaignPlan, PlannedDialogue
from ...services.errors import ServiceError
from ...storage.errors import StorageError
from ..context import AppContext
from ..models import RowsModel
from ..widgets.tables import make_table

#: Months ticked when the dialog opens: spring and autumn.
DEFAULT_MONTHS = (3, 4, 5, 6, 9, 10, 11)


class PlanModel(RowsModel[PlannedDialogue]):
    columns = (("Date", lambda d: d.date_label),
               ("Structure", lambda d: d.structure_name),
               ("Maison de Région", lambda d: d.office_name),
               ("Réunion", lambda d: d.title),
               ("Participants proposés", lambda d: d.participants_label))

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.UserRole and index.isValid() and index.column() == 0:
            return self.rows[index.row()].meeting_date.isoformat()     # chronological sort
        return super().data(index, role)


class CampaignDialog(QDialog):
    #: The meetings were created: their ids.
    created = Signal(list)

    def __init__(self, context: AppContext, year: int, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.today = today
        self.plan: CampaignPlan | None = None
        self._generation = 0
        self.setObjectName("campaign_dialog")
        self.setWindowTitle("Planifier la campagne de dialogues de gestion")
        self.resize(1180, 720)

        self.year_spin = QSpinBox(self)
        self.year_spin.setRange(2025, 2040)
        self.year_spin.setValue(year)
        self.one_button = QRadioButton("Un dialogue par structure", self)
        self.two_button = QRadioButton("Deux dialogues par structure (un par semestre)", self)
        self.two_button.setChecked(True)
        self.count_group = QButtonGroup(self)
        self.count_group.addButton(self.one_button, 1)
        self.count_group.addButton(self.two_button, 2)
        months_box = QGroupBox("Mois de la campagne", self)
        grid = QGridLayout(months_box)
        self.month_boxes: dict[int, QCheckBox] = {}
        for month in range(1, 13):
            box = QCheckBox(MONTHS[month - 1].capitalize(), months_box)
            box.setChecked(month in DEFAULT_MONTHS)
            box.toggled.connect(lambda _checked: self.recompute())
            grid.addWidget(box, (month - 1) // 6, (month - 1) % 6)
            self.month_boxes[month] = box
        settings = QHBoxLayout()
        settings.addWidget(QLabel("Année :", self))
        settings.addWidget(self.year_spin)
        settings.addSpacing(24)
        settings.addWidget(self.one_button)
        settings.addWidget(self.two_button)
        settings.addStretch(1)
        rules_text = QLabel("Les dialogues sont répartis régulièrement sur les jours ouvrés des mois cochés "
                            "(ni week-end, ni jour férié, ni jour déjà occupé par une réunion), une seule réunion "
                            "par jour, par Maison de Région puis par structure. L'équipe de chaque structure "
                            "est proposée comme participants (à défaut, sa Maison de Région).", self)
        rules_text.setWordWrap(True)
        rules_text.setStyleSheet("color: #555555;")
        self.status_label = QLabel(self)
        self.status_label.setObjectName("campaign_status")
        self.model = PlanModel(self)
        self.view = make_table(self.model, self, sortable=True)
        self.view.setObjectName("campaign_preview")
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.notes = QLabel(self)
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #7a4b00;")
        self.error = QLabel(self)
        self.error.setObjectName("campaign_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e; font-weight: bold;")
        self.buttons = QDialogButtonBox(self)
        self.create_button = QPushButton("Créer les réunions", self)
        self.create_button.setObjectName("create_campaign")
        self.create_button.setDefault(True)
        self.buttons.addButton(self.create_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(settings)
        layout.addWidget(months_box)
        layout.addWidget(rules_text)
        layout.addWidget(self.status_label)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.notes)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.year_spin.valueChanged.connect(lambda _value: self.recompute())
        self.count_group.idToggled.connect(lambda _id, checked: self.recompute() if checked else None)
        self.recompute()

    # --- the proposal ------------------------------------------------------------------------------
    def months(self) -> list[int]:
        return [month for month, box in self.month_boxes.items() if box.isChecked()]

    def per_structure(self) -> int:
        return self.count_group.checkedId()

    def recompute(self) -> None:
        """Ask the service for a new plan (nothing is written)."""
        db, year, months, per = self.context.db, self.year_spin.value(), self.months(), self.per_structure()
        self._generation += 1
        generation, today = self._generation, self.today
        self.create_button.setEnabled(False)
        self.context.tasks.run(
            lambda: (campaign.propose_campaign(db, year, months, per, today=today), campaign.campaign_status(db, year)),
            lambda result: self._show_plan(generation, *result),
            lambda exc: self._show_refusal(generation, exc))

    def _show_plan(self, generation: int, plan: CampaignPlan, status: list[campaign.CampaignStatusRow]) -> None:
        if generation != self._generation:
            return                      # an older proposal, overtaken by a newer one
        self.plan = plan
        self.model.set_rows(plan.dialogues)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.resizeColumnsToContents()
        for column in (1, 2, 3):
            self.view.setColumnWidth(column, min(self.view.columnWidth(column), 260))
        scheduled = sum(r.scheduled for r in status)
        self.status_label.setText(
            f"Déjà programmés en {plan.year} : {scheduled} dialogue(s) de gestion, dont "
            f"{sum(r.held for r in status)} tenu(s) et {sum(r.signed for r in status)} relevé(s) signé(s)."
            if scheduled else f"Aucun dialogue de gestion n'est encore programmé en {plan.year}.")
        first, last = plan.dialogues[0].meeting_date, plan.dialogues[-1].meeting_date
        structures = len({d.structure_id for d in plan.dialogues})
        notes = [f"{plan.count} dialogues proposés pour {structures} structures, du "
                 f"{campaign.day_label(first)} au {campaign.day_label(last)}."]
        notes += [note[:1].upper() + note[1:] + "." for note in plan.notes]
        self.notes.setText("\n".join(notes))
        self.error.clear()
        self._update_button()

    def _show_refusal(self, generation: int, exc: BaseException) -> None:
        if not isinstance(exc, (ServiceError, StorageError)):
            raise exc
        if generation != self._generation:
            return
        self.plan = None
        self.model.set_rows([])
        self.notes.clear()
        message = str(exc)
        self.error.setText(message[:1].upper() + message[1:])
        self._update_button()

    def _update_button(self) -> None:
        count = self.plan.count if self.plan else 0
        self.create_button.setText(f"Créer les {count} réunions" if count > 1 else
                                   "Créer la réunion" if count == 1 else "Créer les réunions")
        self.create_button.setEnabled(count > 0)

    # --- creation -----------------------------------------------------------------------------------
    def accept(self) -> None:
        if self.plan is None or not self.plan.count:
            return
        try:
            ids = campaign.create_campaign(self.context.db, self.plan)
        except (ServiceError, StorageError) as exc:
            message = str(exc)
            self.error.setText(message[:1].upper() + message[1:])
            return
        self.context.notify_saved()
        self.created.emit(ids)
        super().accept()
