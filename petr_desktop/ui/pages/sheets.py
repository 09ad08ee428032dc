"""Fiches: the evaluation sheets of every structure and year."""
from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout

from ...domain.enums import SheetKind, SheetStatus
from ...services import sheets
from ..models import RowsModel
from ..widgets.tables import make_table
from .base import Page


class SheetsModel(RowsModel):
    columns = (("Structure", lambda s: s.structure_name), ("Exercice", lambda s: str(s.year)),
               ("Fiche", lambda s: SheetKind(s.kind).label), ("Statut", lambda s: SheetStatus(s.status).label))


class SheetsPage(Page):
    title = "Fiches"
    icon_name = "sheets"

    def __init__(self, context, parent=None) -> None:
        super().__init__(context, parent)
        self.model = SheetsModel(self)
        self.view = make_table(self.model, self, sortable=True)
        QVBoxLayout(self).addWidget(self.view)

    def activate(self) -> None:
        self.context.tasks.run(lambda: sheets.list_sheets(self.db), self.model.set_rows)
