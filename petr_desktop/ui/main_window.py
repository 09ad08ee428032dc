"""The first main window: the 30 structures, and a search box that finds across the data."""
from __future__ import annotations

from PySide6.QtCore import QSettings, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QLineEdit, QMainWindow, QSplitter,
                               QTableView, QToolBar, QVBoxLayout, QWidget)

from ..services.search import search
from ..services.structures import list_structures
from ..storage.database import Database
from .models import SORT_ROLE, SearchResultsModel, StructuresModel

SEARCH_DELAY_MS = 200
SEARCH_LIMIT = 50


def _table(model, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.setWordWrap(False)
    return view


class MainWindow(QMainWindow):
    def __init__(self, db: Database, settings: QSettings | None = None) -> None:
        super().__init__()
        self.db = db
        self.setWindowTitle("Carnet PETR — Ingénierie territoriale des Pays/PETR")
        self.resize(1200, 720)

        self.search_box = QLineEdit(self)
        self.search_box.setPlaceholderText("Rechercher partout : relevés, décisions, actions, fiches… (Ctrl+K)")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMinimumWidth(420)
        toolbar = QToolBar("Recherche", self)
        toolbar.setMovable(False)
        toolbar.setObjectName("search_toolbar")
        toolbar.addWidget(QLabel("  Recherche : "))
        toolbar.addWidget(self.search_box)
        self.addToolBar(toolbar)
        focus_search = QAction("Rechercher", self)
        focus_search.setShortcut(QKeySequence("Ctrl+K"))
        focus_search.triggered.connect(self._focus_search)
        self.addAction(focus_search)

        self.structures = StructuresModel(self)
        self.structures_proxy = QSortFilterProxyModel(self)
        self.structures_proxy.setSourceModel(self.structures)
        self.structures_proxy.setSortRole(SORT_ROLE)
        self.structures_view = _table(self.structures_proxy, self)
        self.structures_view.setSortingEnabled(True)
        self.structures_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)

        self.results = SearchResultsModel(self)
        self.results_view = _table(self.results, self)
        self.results_label = QLabel("", self)
        results_box = QWidget(self)
        layout = QVBoxLayout(results_box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.results_label)
        layout.addWidget(self.results_view)
        results_box.hide()
        self.results_box = results_box

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.structures_view)
        splitter.addWidget(results_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.setCentralWidget(splitter)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.run_search)
        self.search_box.textChanged.connect(lambda _text: self._search_timer.start())
        self.search_box.returnPressed.connect(self.run_search)
        self.results_view.doubleClicked.connect(self._open_hit)

        self.reload()

    def reload(self) -> None:
        self.structures.set_rows(list_structures(self.db))
        header = self.structures_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        flagged = sum(1 for r in self.structures.rows if r.to_verify)
        self.statusBar().showMessage(
            f"{len(self.structures.rows)} structures — {flagged} avec des informations à vérifier "
            f"— base : {self.db.path}")

    def _focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def run_search(self) -> None:
        self._search_timer.stop()
        text = self.search_box.text().strip()
        if not text:
            self.results.set_rows([])
            self.results_box.hide()
            return
        hits = search(self.db, text, limit=SEARCH_LIMIT)
        self.results.set_rows(hits)
        if not hits:
            summary = f"Aucun résultat pour « {text} »"
        elif len(hits) == SEARCH_LIMIT:
            summary = f"Les {SEARCH_LIMIT} meilleurs résultats pour « {text} » (précisez la recherche pour affiner)"
        else:
            summary = f"{len(hits)} résultat(s) pour « {text} »"
        self.results_label.setText(summary)
        self.results_view.resizeColumnsToContents()
        self.results_box.show()

    def _open_hit(self, index) -> None:
        hit = self.results.row_at(index)
        if hit.kind != "structure":
            return
        for row, structure in enumerate(self.structures.rows):
            if structure.id == hit.record_id:
                source = self.structures.index(row, 0)
                self.structures_view.selectRow(self.structures_proxy.mapFromSource(source).row())
                self.structures_view.setFocus()
                return
