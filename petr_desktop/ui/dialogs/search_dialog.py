"""Global search (Ctrl+K): type, pick a result, and the record opens."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QVBoxLayout

from ...services.search import search
from ..context import AppContext
from ..models import SearchResultsModel
from ..widgets.tables import make_table

SEARCH_DELAY_MS = 200
SEARCH_LIMIT = 50

#: Which record a hit opens: (kind to open, SQL-free mapping done by the main window).
OPENABLE = {"structure", "meeting", "agenda_item", "minutes", "decision", "action", "evaluation_sheet",
            "sheet_answer", "indicator", "action_plan_item", "sheet_project", "diversification_lead", "person",
            "amendment"}


class SearchDialog(QDialog):
    def __init__(self, context: AppContext, parent=None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Rechercher partout")
        self.resize(900, 520)
        self.box = QLineEdit(self)
        self.box.setPlaceholderText("Relevés, décisions, actions, fiches, contacts… (avec ou sans accents)")
        self.box.setClearButtonEnabled(True)
        self.label = QLabel(self)
        self.results = SearchResultsModel(self)
        self.view = make_table(self.results, self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.box)
        layout.addWidget(self.label)
        layout.addWidget(self.view)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.run_search)
        self.box.textChanged.connect(lambda _t: self.timer.start())
        self.box.returnPressed.connect(self._enter)
        self.view.activated.connect(self._open)

    def run_search(self) -> None:
        self.timer.stop()
        text = self.box.text().strip()
        hits = search(self.context.db, text, limit=SEARCH_LIMIT) if text else []
        self.results.set_rows(hits)
        if not text:
            self.label.setText("")
        elif not hits:
            self.label.setText(f"Aucun résultat pour « {text} »")
        elif len(hits) == SEARCH_LIMIT:
            self.label.setText(f"Les {SEARCH_LIMIT} meilleurs résultats pour « {text} » (précisez pour affiner)")
        else:
            self.label.setText(f"{len(hits)} résultat(s) pour « {text} » — Entrée ouvre le premier")
        self.view.resizeColumnsToContents()
        if hits:
            self.view.selectRow(0)

    def _enter(self) -> None:
        self.run_search()
        index = self.view.currentIndex()
        if index.isValid():
            self._open(index)

    def _open(self, index) -> None:
        hit = self.results.row_at(index)
        self.context.bus.open_record.emit(hit.kind, hit.record_id)
        self.accept()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.box.hasFocus() and self.results.rows:
            self.view.setFocus()
        super().keyPressEvent(event)
