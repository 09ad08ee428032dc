"""Qt item models over plain rows returned by the services."""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ..services.search import SearchHit
from ..services.structures import StructureRow

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex

#: Role giving an accent-insensitive sort key (French order: « Châlons » before « Chaumont »).
SORT_ROLE = Qt.ItemDataRole.UserRole


def collation_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("æ", "ae"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


#: Warm background of the cells the reference data marks « à vérifier ».
TO_VERIFY_BRUSH = QBrush(QColor("#fff4d6"))


class RowsModel(QAbstractTableModel, Generic[T]):
    """A read-only table of rows; each column is a French header and a cell function."""

    columns: Sequence[tuple[str, Callable[[Any], str]]] = ()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[T] = []

    def set_rows(self, rows: list[T]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_at(self, index: Index) -> T:
        return self.rows[index.row()]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.columns[index.column()][1](self.rows[index.row()])
        if role == SORT_ROLE:
            return collation_key(self.columns[index.column()][1](self.rows[index.row()]))
        return self.extra_data(self.rows[index.row()], index.column(), role)

    def extra_data(self, row: T, column: int, role: int) -> Any:
        return None


class StructuresModel(RowsModel[StructureRow]):
    columns = (
        ("Structure", lambda r: r.name),
        ("Forme juridique", lambda r: r.legal_form_label),
        ("Siège", lambda r: r.seat_town),
        ("Départements", lambda r: r.departments.replace(",", ", ")),
        ("Maison de Région", lambda r: r.regional_office),
        ("À vérifier", lambda r: r.to_verify_labels),
    )
    #: Which column shows which verifiable field.
    _column_fields = {1: "legal_form", 2: "seat_town", 3: "departments", 4: "regional_office_id"}

    def extra_data(self, row: StructureRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole and self._column_fields.get(column) in row.to_verify:
            return TO_VERIFY_BRUSH
        return None


class SearchResultsModel(RowsModel[SearchHit]):
    columns = (
        ("Type", lambda h: h.kind_label),
        ("Titre", lambda h: h.title),
        ("Contexte", lambda h: h.context),
        ("Extrait", lambda h: h.excerpt),
    )
