"""Actions: every action across the 30 structures."""
from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout

from ...domain.enums import ActionStatus
from ...domain.values import format_date_short
from ...services import minutes
from ..models import RowsModel
from ..widgets.tables import make_table
from .base import Page


class ActionsModel(RowsModel):
    columns = (("Échéance", lambda a: format_date_short(a.due_on)),
               ("Structure", lambda a: a.structure_name),
               ("N°", lambda a: a.label),
               ("Action", lambda a: a.text),
               ("Responsable", lambda a: a.owner_name),
               ("Statut", lambda a: ActionStatus(a.status).label))


class ActionsPage(Page):
    title = "Actions"
    icon_name = "actions"

    def __init__(self, context, parent=None) -> None:
        super().__init__(context, parent)
        self.model = ActionsModel(self)
        self.view = make_table(self.model, self, sortable=True)
        QVBoxLayout(self).addWidget(self.view)

    def activate(self) -> None:
        self.context.tasks.run(lambda: minutes.action_board(self.db), self.model.set_rows)
