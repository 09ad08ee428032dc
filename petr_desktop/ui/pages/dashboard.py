"""Tableau de bord: upcoming meetings, overdue actions, minutes to validate, sheets of the year."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QVBoxLayout

from ...domain.enums import ActionStatus, MeetingKind, SheetStatus
from ...domain.values import format_date, format_date_short
from ...services import dashboard
from ..models import RowsModel
from ..widgets.tables import make_table
from .base import Page

OVERDUE_BRUSH = QBrush(QColor("#b3261e"))


class UpcomingModel(RowsModel):
    columns = (("Date", lambda m: format_date_short(m.meeting_date)),
               ("Type", lambda m: MeetingKind(m.kind).label),
               ("Réunion", lambda m: m.title))


class OverdueModel(RowsModel):
    columns = (("Échéance", lambda a: format_date_short(a.due_on)),
               ("Structure", lambda a: a.structure_name),
               ("Action", lambda a: f"{a.label} — {a.text}"),
               ("Responsable", lambda a: a.owner_name),
               ("Statut", lambda a: ActionStatus(a.status).label))

    def extra_data(self, row, column, role):
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            return OVERDUE_BRUSH
        return None


class DashboardPage(Page):
    title = "Tableau de bord"
    icon_name = "dashboard"

    def __init__(self, context, parent=None) -> None:
        super().__init__(context, parent)
        self.heading = QLabel(self)
        self.heading.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.figures = QLabel(self)
        self.figures.setWordWrap(True)
        self.upcoming = UpcomingModel(self)
        self.overdue = OverdueModel(self)
        upcoming_view = make_table(self.upcoming, self)
        overdue_view = make_table(self.overdue, self)
        upcoming_view.doubleClicked.connect(
            lambda i: self.context.bus.open_record.emit("meeting", self.upcoming.rows[i.row()].id))
        overdue_view.doubleClicked.connect(
            lambda i: self.context.bus.open_record.emit("action", self.overdue.rows[i.row()].id))
        grid = QGridLayout()
        for column, (title, view) in enumerate((("Prochaines réunions", upcoming_view),
                                                ("Actions en retard", overdue_view))):
            box = QGroupBox(title, self)
            QVBoxLayout(box).addWidget(view)
            grid.addWidget(box, 0, column)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.figures)
        layout.addLayout(grid, 1)

    def activate(self) -> None:
        self.context.tasks.run(lambda: dashboard.load(self.db), self._show)

    def _show(self, data: dashboard.Dashboard) -> None:
        self.heading.setText(f"Tableau de bord — {format_date(data.today)}")
        statuses = ", ".join(f"{SheetStatus(status).label.lower()} : {count}"
                             for status, count in sorted(data.sheets_by_status.items())) or "aucune"
        self.figures.setText(
            f"{len(data.upcoming)} réunion(s) prévue(s) · {data.open_actions} action(s) ouverte(s), dont "
            f"{len(data.overdue)} en retard · {data.minutes_to_validate} relevé(s) à valider · "
            f"fiches {data.sheets_year} — {statuses}")
        self.upcoming.set_rows(data.upcoming)
        self.overdue.set_rows(data.overdue)
