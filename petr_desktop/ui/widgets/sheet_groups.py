"""Editable tables of a sheet's repeating groups (indicators, posts, sessions, leads, projects,
action plan, supporting documents).

Each cell is saved through the services, typed by its column (French numbers, amounts, dates);
invalid text stays in the cell, in red, with the French reason as tooltip and under the table.
Posts get a checkable list of funding sources for the selected post and a visible
double-funding alert.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QMessageBox, QPushButton, QStyledItemDelegate, QTableView,
                               QVBoxLayout, QWidget)

from ...domain import rules
from ...domain.forms import FormField
from ...domain.models import Indicator, Synced
from ...services import records, sheets
from ...services.errors import ServiceError
from ...services.sheets import Column
from ...storage.database import Database
from ...storage.errors import StorageError
from ..autosave import SAVE_DELAY_MS
from ..icons import icon
from .sheet_fields import NUMERIC_TYPES, french_spacing, tint

Index = QModelIndex | QPersistentModelIndex
GREY = QBrush(QColor("#6b6b6b"))
RED = QBrush(QColor("#b71c1c"))
ALERT_BACKGROUND = QBrush(QColor("#fde0dc"))
ALERT_TEXT = "Alerte double financement"
_DECIMAL = FormField("value", "valeur", "decimal")
#: Column widths by type (pixels); the first text column stretches.
WIDTHS = {"text": 108, "longtext": 150, "decimal": 66, "money": 108, "date": 90, "bool": 58, "choice": 104,
          "gap": 58, "previous": 96, "funding": 170, "cumulative": 92, "unit": 84}
EDITING = (QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
           | QAbstractItemView.EditTrigger.AnyKeyPressed)


@dataclass(frozen=True)
class TableColumn:
    """A column of a group table: a stored field, or a computed value (gap, previous, funding)."""

    key: str
    header: str
    kind: str = "field"          # field, gap, previous, funding
    column: Column | None = None

    @property
    def type(self) -> str:
        return self.column.type if self.column else self.kind

    @property
    def checkable(self) -> bool:
        return self.kind == "field" and self.type == "bool"


def table_columns(group: str, year: int, previous_year: int | None) -> list[TableColumn]:
    """The columns of a group table; long headers go on two lines."""
    headers = {("indicators", "target"): f"Cible\n{year}", ("indicators", "actual"): f"Réalisé\n{year}",
               ("indicators", "cumulative"): "Cumul\ndepuis 2025", ("posts", "end_on"): "Départ ou\nvacance",
               ("diversification_leads", "expected_cents"): "Montant\nattendu",
               ("projects", "regional_funding"): "Financements\nrégionaux",
               ("action_plan", "planned"): "Calendrier\nprévu", ("action_plan", "actual"): "Calendrier\nréel",
               ("action_plan", "owner"): "Porteur"}
    columns = []
    for column in sheets.GROUP_COLUMNS[group]:
        columns.append(TableColumn(column.name, headers.get((group, column.name), column.label), "field", column))
        if group == "indicators" and column.name == "actual":
            columns.append(TableColumn("gap", "Écart", "gap"))
            if previous_year is not None:          # last year's values right beside this year's
                columns.append(TableColumn("previous", f"{previous_year}\ncible / réalisé", "previous"))
    if group == "posts":
        columns.append(TableColumn("funding", "Financements", "funding"))
    return columns


def funding_labels(row: Synced) -> str:
    return ", ".join(rules.POST_FUNDING[c] for c in sheets.post_funding(row) if c in rules.POST_FUNDING)


def has_alert(row: Synced) -> bool:
    return rules.double_funding_alert(sheets.post_funding(row))


class GroupModel(QAbstractTableModel):
    """The rows of one group; cell edits go through ``save_cell(row_id, column, value)``."""

    #: A cell could not be saved: French message ("" once every cell is valid again).
    problem = Signal(str)
    #: A value was saved.
    saved = Signal()

    def __init__(self, group: str, columns: list[TableColumn], save_cell, parent=None) -> None:
        super().__init__(parent)
        self.group = group
        self.columns = columns
        self.rows: list[Synced] = []
        self.previous: dict[str, Indicator] = {}
        self.read_only = False
        self.invalid: dict[tuple[str, str], tuple[str, str]] = {}     # (row id, column) → (text, message)
        self._save_cell = save_cell

    def set_rows(self, rows: list[Synced], previous: dict[str, Indicator] | None = None) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.previous = previous or {}
        self.invalid.clear()
        self.endResetModel()

    def append(self, row: Synced) -> int:
        position = len(self.rows)
        self.beginInsertRows(QModelIndex(), position, position)
        self.rows.append(row)
        self.endInsertRows()
        return position

    def remove(self, position: int) -> None:
        row = self.rows[position]
        self.beginRemoveRows(QModelIndex(), position, position)
        del self.rows[position]
        self.invalid = {k: v for k, v in self.invalid.items() if k[0] != row.id}
        self.endRemoveRows()

    def replace(self, position: int, row: Synced) -> None:
        self.rows[position] = row
        self.dataChanged.emit(self.index(position, 0), self.index(position, len(self.columns) - 1))

    def column_index(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    # --- Qt model -------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.columns[section].header.replace("\n", " ")
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        column = self.columns[index.column()]
        if self.read_only or column.kind != "field":
            return flags
        return flags | (Qt.ItemFlag.ItemIsUserCheckable if column.checkable else Qt.ItemFlag.ItemIsEditable)

    def text(self, row: Synced, column: TableColumn) -> str:
        """The French text of a cell (what was typed, when it could not be saved)."""
        if (row.id, column.key) in self.invalid:
            return self.invalid[(row.id, column.key)][0]
        if column.kind == "field":
            value = getattr(row, column.key)
            if column.checkable or (column.type == "money" and not value):
                return ""                   # an amount never entered (0) shows empty
            return sheets.format_value(column.column.form_field, value)
        if column.kind == "gap":
            gap = sheets.indicator_gap(row)
            return "" if gap is None else ("+" if gap > 0 else "") + sheets.format_value(_DECIMAL, gap)
        if column.kind == "funding":
            return funding_labels(row)
        if column.kind == "previous":
            before = self.previous.get(row.name)
            if before is None:
                return "—"
            return " / ".join(sheets.format_value(_DECIMAL, v) or "—" for v in (before.target, before.actual))
        return ""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, column = self.rows[index.row()], self.columns[index.column()]
        invalid = self.invalid.get((row.id, column.key))
        alert = column.kind == "funding" and has_alert(row)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if role == Qt.ItemDataRole.EditRole and column.type == "choice" and not invalid:
                return getattr(row, column.key)
            return self.text(row, column)
        if role == Qt.ItemDataRole.CheckStateRole and column.checkable:
            return Qt.CheckState.Checked if getattr(row, column.key) else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            if invalid:
                return invalid[1]
            if alert:
                return f"{ALERT_TEXT} : plusieurs financeurs publics pour ce poste ({funding_labels(row)})"
            if column.kind == "previous":
                return f"Cible et réalisé de l'indicateur « {row.name} » dans la fiche de l'année précédente"
            return self.text(row, column) or None
        if role == Qt.ItemDataRole.ForegroundRole:
            if invalid or alert:
                return RED
            if column.kind in ("gap", "previous"):
                return GREY
        if role == Qt.ItemDataRole.BackgroundRole and alert:
            return ALERT_BACKGROUND
        if role == Qt.ItemDataRole.TextAlignmentRole and (column.type in NUMERIC_TYPES
                                                          or column.kind in ("gap", "previous")):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or self.read_only:
            return False
        position, column = index.row(), self.columns[index.column()]
        row = self.rows[position]
        if column.kind != "field":
            return False
        if role == Qt.ItemDataRole.CheckStateRole and column.checkable:
            value = _is_checked(value)
        elif role != Qt.ItemDataRole.EditRole or column.checkable:
            return False
        elif value == self.text(row, column) and (row.id, column.key) not in self.invalid:
            return False                    # nothing changed
        try:
            updated = self._save_cell(row.id, column.key, value)
        except (ServiceError, StorageError) as exc:
            message = str(exc)
            self.invalid[(row.id, column.key)] = (str(value), message[:1].upper() + message[1:])
            self.dataChanged.emit(index, index)
            self.problem.emit(self.invalid[(row.id, column.key)][1])
            return True
        self.invalid.pop((row.id, column.key), None)
        self.replace(position, updated)
        self.problem.emit(next(iter(self.invalid.values()))[1] if self.invalid else "")
        self.saved.emit()
        return True


def _is_checked(value: Any) -> bool:
    if isinstance(value, Qt.CheckState):
        return value == Qt.CheckState.Checked
    return int(value) == Qt.CheckState.Checked.value


class GroupDelegate(QStyledItemDelegate):
    """Line edits (combos for choices); typing is committed ``SAVE_DELAY_MS`` after the first unsaved
    keystroke even while the cell is still being edited, like every other text of the app."""

    def __init__(self, model: GroupModel, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.open_editors: list[QWidget] = []

    def createEditor(self, parent: QWidget, option, index: Index) -> QWidget:  # noqa: N802
        column = self.model.columns[index.column()]
        if column.type == "choice":
            combo = QComboBox(parent)
            for value, label in sheets.choice_labels(column.column.form_field):
                combo.addItem(label, value)
            combo.activated.connect(lambda _i: self.commitData.emit(combo))
            return combo
        edit = QLineEdit(parent)
        timer = QTimer(edit)
        timer.setSingleShot(True)
        timer.setInterval(SAVE_DELAY_MS)
        timer.timeout.connect(lambda: self._commit(edit))
        edit.textEdited.connect(lambda _text: timer.isActive() or timer.start())
        if column.type in NUMERIC_TYPES:
            edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.open_editors.append(edit)
        return edit

    def _commit(self, editor: QWidget) -> None:
        if editor in self.open_editors:          # not after the view closed it
            self.commitData.emit(editor)

    def destroyEditor(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        if editor in self.open_editors:
            self.open_editors.remove(editor)
        super().destroyEditor(editor, index)

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(editor.findData(index.data(Qt.ItemDataRole.EditRole)), 0))
        else:
            editor.setText(index.data(Qt.ItemDataRole.EditRole) or "")

    def setModelData(self, editor: QWidget, model, index: Index) -> None:  # noqa: N802
        value = editor.currentData() if isinstance(editor, QComboBox) else editor.text()
        model.setData(index, value, Qt.ItemDataRole.EditRole)

    def flush(self) -> None:
        """Commit what is being typed in an open cell."""
        for editor in list(self.open_editors):
            self.commitData.emit(editor)


class GroupTable(QWidget):
    """A repeating group: table, « Ajouter une ligne », « Supprimer la ligne », problems and extras."""

    saved = Signal()

    def __init__(self, db: Database, group: str, columns: list[TableColumn], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.group = group
        self.sheet_id = ""
        self.setObjectName(f"group:{group}")
        self.model = GroupModel(group, columns, self._save_cell, self)
        self.model.saved.connect(self._after_save)
        self.view = QTableView(self)
        self.view.setObjectName(f"table:{group}")
        self.view.setModel(self.model)
        self.delegate = GroupDelegate(self.model, self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(EDITING)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(True)
        self.view.verticalHeader().hide()
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.view.setToolTip("Double-cliquez sur une case (ou tapez) pour la modifier ; "
                             "cochez les cases à cocher.")
        self._size_columns()

        self.add_button = QPushButton(icon("add"), "Ajouter une ligne", self)
        self.add_button.setObjectName(f"add:{group}")
        self.add_button.clicked.connect(self.add_row)
        self.delete_button = QPushButton(icon("remove"), "Supprimer la ligne", self)
        self.delete_button.setObjectName(f"delete:{group}")
        self.delete_button.clicked.connect(self.delete_current_row)
        self.problem = QLabel(self)
        self.problem.setObjectName(f"problem:{group}")
        self.problem.setWordWrap(True)
        tint(self.problem, "error")
        self.problem.hide()
        self.model.problem.connect(self._show_problem)
        self.summary = QLabel(self)
        self.summary.setObjectName(f"summary:{group}")
        self.summary.setWordWrap(True)
        if group == "posts":
            tint(self.summary, "alert", bold=True)
        self.summary.hide()

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.funding: dict[str, QCheckBox] = {}
        if group == "posts":
            layout.addWidget(self._funding_panel())
        layout.addWidget(self.problem)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        self.model.rowsInserted.connect(self._fit_height)
        self.model.rowsRemoved.connect(self._fit_height)
        self.model.modelReset.connect(self._fit_height)
        self.model.dataChanged.connect(lambda *_: self._fit_height())

    # --- sizes ---------------------------------------------------------------------------
    def _size_columns(self) -> None:
        """Fixed widths by type; the first text column and long texts share what is left."""
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(48)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        first_text = next((n for n, c in enumerate(self.model.columns) if c.type == "text"), None)
        self._flexible = {n: (3 if n == first_text else 2) for n, c in enumerate(self.model.columns)
                          if n == first_text or c.type == "longtext"}
        for number, column in enumerate(self.model.columns):
            if number not in self._flexible:
                self.view.setColumnWidth(number, WIDTHS.get(column.key, WIDTHS.get(column.type, 108)))
        self.view.viewport().installEventFilter(self)
        # Wrapped cells change height when columns change width.
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._fit_height)
        header.sectionResized.connect(lambda *_: self._fit_timer.start())

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self._distribute(event.size().width())
        return False

    def _distribute(self, width: int) -> None:
        fixed = sum(self.view.columnWidth(n) for n in range(len(self.model.columns)) if n not in self._flexible)
        left = max(width - fixed, 0)
        shares = sum(self._flexible.values())
        for number, share in self._flexible.items():
            minimum = 180 if share == 3 else 110
            self.view.setColumnWidth(number, max(minimum, left * share // shares))

    def _fit_height(self, *_args: object) -> None:
        """Show every row: the page scrolls, not the table."""
        self.view.resizeRowsToContents()
        rows = sum(self.view.rowHeight(r) for r in range(self.model.rowCount()))
        empty = self.view.verticalHeader().defaultSectionSize() if not self.model.rowCount() else 0
        bar = self.view.horizontalScrollBar()
        scroll = bar.sizeHint().height() if bar.maximum() > 0 else 0
        self.view.setFixedHeight(self.view.horizontalHeader().sizeHint().height() + rows + empty + scroll
                                 + 2 * self.view.frameWidth())
        self._refresh_summary()
        self._refresh_funding()

    # --- posts: funding sources of the selected post -----------------------------------------
    def _funding_panel(self) -> QWidget:
        panel = QWidget(self)
        column = QVBoxLayout(panel)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self.funding_label = QLabel("Financements du poste sélectionné :", panel)
        self.funding_label.setWordWrap(True)
        column.addWidget(self.funding_label)
        line = QHBoxLayout()
        line.setContentsMargins(12, 0, 0, 0)
        column.addLayout(line)
        for code, label in rules.POST_FUNDING.items():
            box = QCheckBox(label, panel)
            box.setObjectName(f"funding:{code}")
            box.toggled.connect(lambda on, c=code: self._funding_toggled(c, on))
            self.funding[code] = box
            line.addWidget(box)
        line.addStretch(1)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._refresh_funding())
        return panel

    def _refresh_funding(self) -> None:
        if not self.funding:
            return
        index = self.view.currentIndex()
        row = self.model.rows[index.row()] if index.isValid() else None
        codes = sheets.post_funding(row) if row is not None else []
        for code, box in self.funding.items():
            box.blockSignals(True)
            box.setChecked(code in codes)
            box.setEnabled(row is not None and not self.model.read_only)
            box.blockSignals(False)
        title = (row.title or "sans intitulé") if row is not None else ""
        self.funding_label.setText(f"Financements du poste « {title} » :" if row is not None
                                   else "Financements : choisissez un poste dans le tableau.")

    def _funding_toggled(self, code: str, on: bool) -> None:
        index = self.view.currentIndex()
        if not index.isValid():
            return
        position = index.row()
        row = self.model.rows[position]
        codes = set(sheets.post_funding(row)) - {code} | ({code} if on else set())
        try:
            updated = sheets.set_post_funding(self.db, row.id, [c for c in rules.POST_FUNDING if c in codes])
        except (ServiceError, StorageError) as exc:
            self._warn(exc)
            self._refresh_funding()
            return
        self.model.replace(position, updated)
        self._after_save()

    # --- content -------------------------------------------------------------------------
    def set_rows(self, sheet_id: str, rows: list[Synced], previous: dict[str, Indicator] | None = None) -> None:
        self.sheet_id = sheet_id
        self.model.set_rows(rows, previous)
        self._show_problem("")

    def set_read_only(self, read_only: bool) -> None:
        self.model.read_only = read_only
        self.add_button.setEnabled(not read_only)
        self.delete_button.setEnabled(not read_only)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers if read_only else EDITING)
        self._refresh_funding()

    def flush(self) -> list[str]:
        """Save the open cell; return the problems that remain (French)."""
        self.delegate.flush()
        return [message for _text, message in self.model.invalid.values()]

    def _show_problem(self, message: str) -> None:
        self.problem.setText(french_spacing(message))
        self.problem.setVisible(bool(message))

    def _refresh_summary(self) -> None:
        text = ""
        if self.group == "posts":
            flagged = [r for r in self.model.rows if has_alert(r)]
            if flagged:
                names = ", ".join(f"« {r.title or 'poste sans intitulé'} »" for r in flagged)
                text = (f"⚠ {ALERT_TEXT} : {names} — plusieurs financeurs publics sont cochés. "
                        "Vérifiez que les mêmes ETP ne sont pas financés deux fois.")
        elif self.group == "sessions" and self.model.rows:
            rate = sheets.participation_rate(self.model.rows)
            present = sum(1 for r in self.model.rows if r.present)
            text = (f"Taux de participation : {round(rate * 100)} % "
                    f"({present} présence(s) sur {len(self.model.rows)} ligne(s))")
        self.summary.setText(text)
        self.summary.setVisible(bool(text))

    # --- saving --------------------------------------------------------------------------
    def _save_cell(self, row_id: str, name: str, value: Any) -> Synced:
        return sheets.set_group_cell(self.db, self.group, row_id, name, value)

    def _after_save(self) -> None:
        self._refresh_summary()
        self.saved.emit()

    def _warn(self, exc: Exception) -> None:
        QMessageBox.warning(self, "Carnet PETR", str(exc)[:1].upper() + str(exc)[1:])

    def add_row(self) -> None:
        try:
            row = sheets.add_group_row(self.db, self.sheet_id, self.group)
        except (ServiceError, StorageError) as exc:
            self._warn(exc)
            return
        position = self.model.append(row)
        self.saved.emit()
        index = self.model.index(position, 0)
        self.view.setCurrentIndex(index)
        self.view.setFocus()
        self.view.edit(index)

    def delete_current_row(self) -> None:
        index = self.view.currentIndex()
        if not index.isValid():
            QMessageBox.information(self, "Carnet PETR", "Choisissez d'abord la ligne à supprimer.")
            return
        row = self.model.rows[index.row()]
        name = self.model.text(row, self.model.columns[0]) or "sans intitulé"
        answer = QMessageBox.question(self, "Carnet PETR", f"Supprimer la ligne « {name} » ?")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            records.delete(self.db, sheets.GROUP_MODELS[self.group], row.id)
        except (ServiceError, StorageError) as exc:
            self._warn(exc)
            return
        self.model.remove(index.row())
        self.saved.emit()
