"""Structures: the 30 Pays/PETR with département and Maison de Région."""
from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QLabel, QVBoxLayout

from ...services.structures import list_structures
from ..models import StructuresModel
from ..widgets.tables import make_table, select_source_row, source_row
from .base import Page


class StructuresPage(Page):
    title = "Structures"
    icon_name = "structures"

    def __init__(self, context, parent=None) -> None:
        super().__init__(context, parent)
        self.model = StructuresModel(self)
        self.view = make_table(self.model, self, sortable=True)
        self.view.doubleClicked.connect(self._open)
        self.summary = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.view)

    def activate(self) -> None:
        self.model.set_rows(list_structures(self.db))
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(self.model.columns) - 1, QHeaderView.ResizeMode.Stretch)
        flagged = sum(1 for r in self.model.rows if r.to_verify)
        self.summary.setText(f"{len(self.model.rows)} structures — {flagged} avec des informations « à vérifier » "
                             "(cases surlignées)")

    def _open(self, index) -> None:
        row = self.model.rows[source_row(self.view, index)]
        self.context.bus.open_record.emit("structure", row.id)

    def open_record(self, kind: str, record_id: str) -> bool:
        if kind != "structure":
            return False
        if not self.model.rows:
            self.activate()
        for row, structure in enumerate(self.model.rows):
            if structure.id == record_id:
                select_source_row(self.view, row)
                return True
        return False
