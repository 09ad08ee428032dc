"""Structures: the 30 Pays/PETR on the left, the dossier of the chosen one on the right.

Double-click or Entrée on a row opens its dossier; the splitter position is remembered.
"""
from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer
from PySide6.QtWidgets import (QHeaderView, QLabel, QLineEdit, QMessageBox, QSplitter, QStackedWidget, QVBoxLayout,
                               QWidget)

from ...services import dossier
from ...services.errors import NotFoundError
from ...services.structures import list_structures
from ..models import SORT_ROLE, StructuresModel, collation_key
from ..widgets.tables import make_table, select_source_row, source_row
from .base import Page
from .dossier import DossierWidget

SPLITTER_KEY = "structures/splitter"
PLACEHOLDER = "Double-cliquez sur une structure (ou choisissez-la et appuyez sur Entrée) pour ouvrir son dossier."


class StructuresPage(Page):

    def __init__(self, context, parent=None) -> None:
        super().__init__(context, parent)
        self._wanted: str | None = None           # the dossier asked for last (older answers are dropped)
        self._refresh_pending = False

        left = QWidget(self)
        self.model = StructuresModel(self)
        self.view = make_table(self.model, left, sortable=True)
        self.view.activated.connect(self._open)           # double-click, or Entrée
        self.view.setToolTip("Double-clic ou Entrée : ouvrir le dossier de la structure")
        self.filter = QLineEdit(left)
        self.filter.setObjectName("structures_filter")
        self.filter.setPlaceholderText("Filtrer (nom, siège, département, Maison de Région…)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter)
        proxy = self.view.model()
        assert isinstance(proxy, QSortFilterProxyModel)
        proxy.setFilterRole(SORT_ROLE)                  # accent- and case-free, like the sort
        proxy.setFilterKeyColumn(-1)
        self.filter.returnPressed.connect(self._open_first)
        self.summary = QLabel(left)
        self.summary.setWordWrap(True)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.summary)
        left_layout.addWidget(self.filter)
        left_layout.addWidget(self.view)

        self.right = QStackedWidget(self)
        self.placeholder = QLabel(PLACEHOLDER, self.right)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: #666666;")
        self.dossier = DossierWidget(context, self.right)
        self.dossier.structure_changed.connect(self._structure_changed)
        self.right.addWidget(self.placeholder)
        self.right.addWidget(self.dossier)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("structures_splitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.right)
        self.splitter.setCollapsible(1, False)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([340, 910])
        if context.settings.contains(SPLITTER_KEY):
            self.splitter.restoreState(context.settings.value(SPLITTER_KEY))
        self.splitter.splitterMoved.connect(lambda *_: self._save_splitter())
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)
        self._list_stale = True
        context.bus.saved.connect(self._mark_stale)             # a write elsewhere may rename a structure
        context.bus.data_changed.connect(self._data_changed)

    # the list -------------------------------------------------------------------------------------
    def activate(self) -> None:
        if self._list_stale:
            self._reload_list()
        if self.dossier.structure_id:
            # Refresh the dossier shown, unless an open_record that follows asks for another one.
            self._refresh_pending = True
            QTimer.singleShot(0, self._refresh_dossier)

    def _refresh_dossier(self) -> None:
        if self._refresh_pending and self.dossier.structure_id:
            self.show_dossier(self.dossier.structure_id)

    def _reload_list(self, fit: bool = False) -> None:
        first = not self.model.rows
        self.model.set_rows(list_structures(self.db))
        self._list_stale = False
        if first or fit:        # measuring 30 rows costs ~10 ms: only when names may have changed
            self.view.resizeColumnsToContents()
            self.view.horizontalHeader().setSectionResizeMode(len(self.model.columns) - 1,
                                                              QHeaderView.ResizeMode.Stretch)
        flagged = sum(1 for r in self.model.rows if r.to_verify)
        self.summary.setText(f"{len(self.model.rows)} structures — {flagged} avec des informations "
                             "« à vérifier » (cases surlignées)")
        if self.dossier.structure_id:
            self._select(self.dossier.structure_id)

    def _filter(self, text: str) -> None:
        self.view.model().setFilterFixedString(collation_key(text.strip()))

    def _open_first(self) -> None:
        if self.view.model().rowCount():
            self._open(self.view.model().index(0, 0))

    def _select(self, structure_id: str) -> bool:
        """Select the structure's row; False when it is not shown (unknown, or filtered out)."""
        for row, structure in enumerate(self.model.rows):
            if structure.id == structure_id:
                if not self.view.model().mapFromSource(self.model.index(row, 0)).isValid():
                    return False
                select_source_row(self.view, row)
                return True
        return False

    def _open(self, index) -> None:
        row = self.model.rows[source_row(self.view, index)]
        self.show_dossier(row.id)

    # the dossier ----------------------------------------------------------------------------------
    def show_dossier(self, structure_id: str) -> bool:
        """Read the dossier off the GUI thread, then fill the widgets (an older answer is dropped).

        False when the user chose to stay on the current dossier to correct a refused entry.
        """
        refused = self.dossier.flush()
        current = self.dossier.structure_id
        if refused and current and structure_id != current and not self._leave_anyway(refused):
            self._select(current)
            return False
        self._refresh_pending = False
        self._wanted = structure_id
        self.context.tasks.run(lambda: dossier.load(self.db, structure_id),
                               lambda data: self._show(structure_id, data), self._failed)
        return True

    def _leave_anyway(self, refused: dict[str, str]) -> bool:
        """Typing is never dropped silently: an entry the rules refused is shown before it is left."""
        lines = "\n".join(f"• {label} : {reason}" for label, reason in refused.items())
        answer = QMessageBox.question(
            self, "Saisie non enregistrée",
            f"Dans le dossier « {self.dossier.title.text()} », ces champs ne sont pas enregistrés :\n{lines}\n\n"
            "Ouvrir quand même l'autre dossier ? La saisie refusée sera perdue.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _show(self, structure_id: str, data: dossier.Dossier) -> None:
        if structure_id != self._wanted:
            return
        self.dossier.show_dossier(data)
        self.right.setCurrentWidget(self.dossier)
        self.placeholder.setText(PLACEHOLDER)

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, NotFoundError):
            raise exc
        self.right.setCurrentWidget(self.placeholder)
        self.placeholder.setText("Cette structure n'existe plus.")

    def open_record(self, kind: str, record_id: str) -> bool:
        if kind != "structure":
            return False
        if self._list_stale:
            self._reload_list()
        if not self._select(record_id) and self.filter.text():
            self.filter.clear()
            self._select(record_id)
        self.show_dossier(record_id)
        return True

    def _structure_changed(self, structure_id: str) -> None:
        """An identity edit: the list shows the new name, seat and flags."""
        self._reload_list(fit=True)

    def _mark_stale(self, *_args) -> None:
        self._list_stale = True

    def _data_changed(self) -> None:
        self._list_stale = True
        if self.isVisible():
            self.activate()

    # window state -------------------------------------------------------------------------------------
    def _save_splitter(self) -> None:
        self.context.settings.setValue(SPLITTER_KEY, self.splitter.saveState())

    def before_close(self) -> None:
        self.dossier.flush()
        self._save_splitter()
