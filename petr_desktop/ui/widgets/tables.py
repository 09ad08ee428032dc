"""Table views with the house defaults, and a French-sorting proxy."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

from ..models import SORT_ROLE


def make_table(model, parent: QWidget | None = None, sortable: bool = False) -> QTableView:
    """A read-only, row-selecting table; with ``sortable`` it sorts in French order."""
    view = QTableView(parent)
    if sortable:
        proxy = QSortFilterProxyModel(view)
        proxy.setSourceModel(model)
        proxy.setSortRole(SORT_ROLE)
        view.setModel(proxy)
        view.setSortingEnabled(True)
        view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    else:
        view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.setWordWrap(False)
    view.setTabKeyNavigation(False)      # Tab leaves the list; the arrows move in it, Entrée opens
    return view


class _LeaveAfterLastCell(QObject):
    """Watches a grid and the widgets in its cells (a combo of the last column has the focus there)."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.view = view

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() != QEvent.Type.KeyPress or event.key() not in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            return False
        view = self.view
        model, current = view.model(), view.currentIndex()
        backwards = event.key() == Qt.Key.Key_Backtab
        last = (0, 0) if backwards else (model.rowCount() - 1, model.columnCount() - 1)
        if model.rowCount() == 0 or not current.isValid() or (current.row(), current.column()) == last:
            view.window().focusNextPrevChild(not backwards)
            return True
        return False


def tab_through_cells(view: QAbstractItemView) -> QAbstractItemView:
    """A grid whose cells are edited: Tab moves from cell to cell, then leaves after the last one
    (Maj+Tab before the first) instead of trapping the focus."""
    view.setTabKeyNavigation(True)
    view.installEventFilter(_LeaveAfterLastCell(view))
    return view


def set_cell_widget(view, row: int, column: int, widget: QWidget) -> None:
    """A widget in a cell of a ``tab_through_cells`` grid, leaving it with Tab like the cells."""
    view.setCellWidget(row, column, widget)
    for leave in view.findChildren(_LeaveAfterLastCell):
        widget.installEventFilter(leave)


def source_row(view: QTableView, index) -> int:
    """Row number in the source model of an index of ``view`` (sorted or not)."""
    model = view.model()
    if isinstance(model, QSortFilterProxyModel):
        index = model.mapToSource(index)
    return index.row()


def select_source_row(view: QTableView, row: int) -> None:
    model = view.model()
    if isinstance(model, QSortFilterProxyModel):
        row = model.mapFromSource(model.sourceModel().index(row, 0)).row()
    view.selectRow(row)
