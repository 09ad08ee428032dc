"""Actions: the board of every action across the 30 structures, with filters that persist,
overdue actions in red, the status changed in place, and the meeting one double-click away."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, QEvent, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QApplication, QAbstractItemView, QComboBox, QCompleter, QDateEdit, QHBoxLayout, QHeaderView,
                               QLabel, QMenu, QMessageBox, QPushButton, QStyledItemDelegate, QVBoxLayout,
                               QWidget)

from ...domain.enums import ActionStatus
from ...domain.values import format_date, format_date_short
from ...services import actions
from ...services.actions import BoardFilter, BoardRow
from ..icons import icon
from ..models import SORT_ROLE, RowsModel, collation_key
from ..widgets.tables import make_table, select_source_row, source_row
from .base import Page

OVERDUE_BRUSH = QBrush(QColor("#b00020"))
CLOSED_BRUSH = QBrush(QColor("#6b6b6b"))
#: Role giving the status value (code) of a row, for the status editor.
STATUS_ROLE = Qt.ItemDataRole.UserRole + 1

STATUS_FILTER_LABELS = {"open": "Ouvertes (à faire, en cours)", "all": "Tous les statuts",
                        **{s.value: s.label for s in ActionStatus}}
DUE_FILTER_LABELS = {"all": "Toutes les échéances", "overdue": "En retard", "week": "Cette semaine",
                     "month": "Ce mois-ci", "until": "Au plus tard le…"}
STATUS_ORDER = {s.value: n for n, s in enumerate(ActionStatus)}
SETTINGS_PREFIX = "actions/"


def _meeting_tooltip(a: BoardRow) -> str:
    if not a.meeting_id:
        return "Réunion introuvable"
    signed = " — relevé signé" if a.minutes_status == "signed" else ""
    return f"{a.meeting_title}{signed}\nDouble-cliquez pour ouvrir la réunion."


class ActionsModel(RowsModel[BoardRow]):
    DUE, STRUCTURE, NUMBER, TEXT, OWNER, STATUS, MEETING = range(7)
    columns = (("Échéance", lambda a: format_date_short(a.due_on)),
               ("Structure", lambda a: a.structure_name or "—"),
               ("N°", lambda a: a.label),
               ("Action", lambda a: a.text),
               ("Responsable", lambda a: a.owner_name),
               ("Statut", lambda a: ActionStatus(a.status).label),
               ("Réunion du", lambda a: a.meeting_label))
    #: Sort keys where the displayed text does not sort right (dates, A2 before A10, workflow order).
    _sort_keys = {DUE: lambda a: a.due_on.isoformat() if a.due_on else "9999",
                  NUMBER: lambda a: a.number,
                  STATUS: lambda a: STATUS_ORDER.get(a.status, 99),
                  MEETING: lambda a: (a.meeting_date.isoformat() if a.meeting_date else "", a.meeting_label)}

    #: Emitted (queued) when the status editor asks for a new status: (action id, status).
    status_requested = Signal(str, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.today = date.today()

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):
        if index.isValid() and role == SORT_ROLE:
            key = self._sort_keys.get(index.column())
            row = self.rows[index.row()]
            return key(row) if key else collation_key(self.columns[index.column()][1](row))
        if index.isValid() and role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(self.rows[index.row()], index.column())
        return super().data(index, role)

    def _tooltip(self, a: BoardRow, column: int) -> str:
        if column == self.DUE:
            if a.overdue:
                days = a.days_late(self.today)
                return f"En retard de {days} jour{'s' if days > 1 else ''} (échéance : {format_date(a.due_on)})"
            return format_date(a.due_on) or "Sans échéance"
        if column == self.STATUS:
            done = f" le {format_date(a.done_on)}" if a.status == ActionStatus.DONE and a.done_on else ""
            return f"{ActionStatus(a.status).label}{done} — double-cliquez pour changer le statut"
        if column == self.OWNER and a.owner_organisation:
            return f"{a.owner_name} ({a.owner_organisation})"
        if column == self.MEETING:
            return _meeting_tooltip(a)
        return self.columns[column][1](a)

    def extra_data(self, row: BoardRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.overdue:
                return OVERDUE_BRUSH
            return None if row.is_open else CLOSED_BRUSH
        if role == Qt.ItemDataRole.DecorationRole and column == self.DUE and row.overdue:
            return icon("overdue")
        if role == STATUS_ROLE:
            return row.status
        if role == Qt.ItemDataRole.EditRole and column == self.STATUS:
            return row.status
        return None

    def flags(self, index):
        flags = super().flags(index)
        if index.isValid() and index.column() == self.STATUS:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        """The status editor's choice goes to the page (queued: no dialog inside the editor's commit)."""
        if not index.isValid() or index.column() != self.STATUS or role != Qt.ItemDataRole.EditRole:
            return False
        row = self.rows[index.row()]
        if value and value != row.status:
            self.status_requested.emit(row.id, str(value))
        return True

    def replace_row(self, new: BoardRow) -> None:
        for number, old in enumerate(self.rows):
            if old.id == new.id:
                self.rows[number] = new
                self.dataChanged.emit(self.index(number, 0), self.index(number, len(self.columns) - 1))
                return

    def position(self, action_id: str) -> int:
        return next((n for n, r in enumerate(self.rows) if r.id == action_id), -1)


class StatusDelegate(QStyledItemDelegate):
    """A combo box of the four statuses; choosing one commits at once."""

    def createEditor(self, parent, option, index):  # noqa: N802
        combo = QComboBox(parent)
        combo.setObjectName("status_editor")
        for status in ActionStatus:
            combo.addItem(status.label, status.value)
        combo.activated.connect(lambda _number, editor=combo: self._commit(editor))
        return combo

    def setEditorData(self, editor, index) -> None:  # noqa: N802
        editor.setCurrentIndex(max(0, editor.findData(index.data(STATUS_ROLE))))

    def setModelData(self, editor, model, index) -> None:  # noqa: N802
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)

    def _commit(self, editor) -> None:
        self.commitData.emit(editor)
        self.closeEditor.emit(editor)


def _labelled(text: str, field: QWidget, *extra: QWidget) -> QWidget:
    """A filter: its French label above its field(s)."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    label = QLabel(text, box)
    label.setBuddy(field)
    layout.addWidget(label)
    row = QHBoxLayout()
    row.setSpacing(4)
    row.addWidget(field, 1)
    for widget in extra:
        row.addWidget(widget)
    layout.addLayout(row)
    return box


class ActionsPage(Page):

    def __init__(self, context, parent=None) -> None:
        super().__init__(context, parent)
        self._generation = 0          # latest load asked for
        self._shown_generation = 0    # load whose rows are shown
        self._pending_select: str | None = None
        self._choices_loaded = False
        self.filter = self._restore_filter()

        self.structure_box = QComboBox(self)
        self.structure_box.setObjectName("structure_filter")
        self.structure_box.addItem("Toutes les structures", "")
        self.owner_box = QComboBox(self)
        self.owner_box.setObjectName("owner_filter")
        self.owner_box.setEditable(True)
        self.owner_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.owner_box.lineEdit().setPlaceholderText("Tous les responsables")
        self.owner_box.lineEdit().setClearButtonEnabled(True)
        self.owner_box.setToolTip("Nom du responsable, ou une partie (sans tenir compte des accents)")
        self.status_box = QComboBox(self)
        self.status_box.setObjectName("status_filter")
        for value, label in STATUS_FILTER_LABELS.items():
            self.status_box.addItem(label, value)
        self.due_box = QComboBox(self)
        self.due_box.setObjectName("due_filter")
        for value, label in DUE_FILTER_LABELS.items():
            self.due_box.addItem(label, value)
        self.until_edit = QDateEdit(self)
        self.until_edit.setObjectName("due_until")
        self.until_edit.setCalendarPopup(True)
        self.until_edit.setDisplayFormat("dd/MM/yyyy")
        self.until_edit.setToolTip("Dernière échéance affichée (incluse)")
        for combo, length in ((self.structure_box, 14), (self.owner_box, 10), (self.status_box, 11),
                              (self.due_box, 9)):
            # Sized by a length, not by the longest item, so the page fits a small laptop screen.
            combo.setMinimumContentsLength(length)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.reset_button = QPushButton("Réinitialiser", self)
        self.reset_button.setToolTip("Revenir aux actions ouvertes de toutes les structures, sans autre filtre")

        filters = QHBoxLayout()
        filters.addWidget(_labelled("&Structure", self.structure_box), 3)
        filters.addWidget(_labelled("&Responsable", self.owner_box), 2)
        filters.addWidget(_labelled("S&tatut", self.status_box), 2)
        filters.addWidget(_labelled("É&chéance", self.due_box, self.until_edit), 3)
        filters.addWidget(self.reset_button, 0, Qt.AlignmentFlag.AlignBottom)

        self.summary = QLabel(self)
        self.summary.setObjectName("actions_summary")
        hint = QLabel("Double-cliquez sur une action pour ouvrir sa réunion, sur son statut pour le changer.",
                      self)
        hint.setStyleSheet("color: #555;")
        summary_row = QHBoxLayout()
        summary_row.addWidget(self.summary, 1)
        summary_row.addWidget(hint)

        self.model = ActionsModel(self)
        self.model.status_requested.connect(self.change_status, Qt.ConnectionType.QueuedConnection)
        self.view = make_table(self.model, self, sortable=True)
        self.view.setObjectName("actions_table")
        self.view.setItemDelegateForColumn(ActionsModel.STATUS, StatusDelegate(self.view))
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.SelectedClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.view.activated.connect(self._activated)           # double-click, or Entrée
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._show_menu)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(ActionsModel.TEXT, QHeaderView.ResizeMode.Stretch)
        self._natural_widths: dict[int, int] = {}
        self.view.viewport().installEventFilter(self)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(summary_row)
        layout.addWidget(self.view, 1)

        self._owner_timer = QTimer(self)
        self._owner_timer.setSingleShot(True)
        self._owner_timer.setInterval(250)
        self._owner_timer.timeout.connect(self._owner_changed)
        self._show_filter()
        self.structure_box.currentIndexChanged.connect(
            lambda: self.set_filter(replace(self.filter, structure_id=self.structure_box.currentData() or "")))
        self.owner_box.lineEdit().textChanged.connect(lambda _text: self._owner_timer.start())
        self.owner_box.activated.connect(lambda _number: self._owner_changed())
        self.owner_box.lineEdit().returnPressed.connect(self._owner_changed)
        self.status_box.currentIndexChanged.connect(
            lambda: self.set_filter(replace(self.filter, status=self.status_box.currentData())))
        self.due_box.currentIndexChanged.connect(self._due_changed)
        self.until_edit.dateChanged.connect(self._due_changed)
        self.reset_button.clicked.connect(lambda: self.set_filter(BoardFilter()))
        context.bus.data_changed.connect(self._data_changed)

    # --- filters -----------------------------------------------------------------------------
    def _restore_filter(self) -> BoardFilter:
        settings = self.context.settings

        def text(key: str, default: str = "") -> str:
            return str(settings.value(SETTINGS_PREFIX + key, default) or default)

        until = None
        try:
            until = date.fromisoformat(text("due_until")) if text("due_until") else None
        except ValueError:
            pass
        status, due = text("status", "open"), text("due", "all")
        return BoardFilter(structure_id=text("structure"), owner=text("owner"),
                           status=status if status in actions.STATUS_FILTERS else "open",
                           due=due if due in actions.DUE_FILTERS else "all", due_until=until)

    def _save_filter(self) -> None:
        settings = self.context.settings
        values = {"structure": self.filter.structure_id, "owner": self.filter.owner, "status": self.filter.status,
                  "due": self.filter.due,
                  "due_until": self.filter.due_until.isoformat() if self.filter.due_until else ""}
        for key, value in values.items():
            settings.setValue(SETTINGS_PREFIX + key, value)

    def _show_filter(self) -> None:
        """Make the filter widgets show ``self.filter`` (without reloading)."""
        widgets = (self.structure_box, self.owner_box, self.status_box, self.due_box, self.until_edit)
        for widget in widgets:
            widget.blockSignals(True)
        try:
            position = self.structure_box.findData(self.filter.structure_id)
            if position < 0 and self.filter.structure_id and not self._choices_loaded:
                # Choices not loaded yet: remember the structure until they are.
                self.structure_box.addItem("…", self.filter.structure_id)
                position = self.structure_box.count() - 1
            self.structure_box.setCurrentIndex(max(0, position))
            if self.owner_box.currentText() != self.filter.owner:
                self.owner_box.setEditText(self.filter.owner)
            self.status_box.setCurrentIndex(max(0, self.status_box.findData(self.filter.status)))
            self.due_box.setCurrentIndex(max(0, self.due_box.findData(self.filter.due)))
            until = self.filter.due_until or date.today() + timedelta(days=30)
            self.until_edit.setDate(QDate(until.year, until.month, until.day))
            self.until_edit.setEnabled(self.filter.due == "until")
        finally:
            for widget in widgets:
                widget.blockSignals(False)

    def set_filter(self, board_filter: BoardFilter) -> None:
        """Apply a filter: widgets, settings, then a reload."""
        changed = board_filter != self.filter
        self.filter = board_filter
        self._show_filter()
        if changed:
            self._save_filter()
            self.reload()

    def _owner_changed(self) -> None:
        self._owner_timer.stop()
        self.set_filter(replace(self.filter, owner=self.owner_box.currentText().strip()))

    def _due_changed(self) -> None:
        due = self.due_box.currentData()
        until = self.until_edit.date().toPython() if due == "until" else self.filter.due_until
        self.set_filter(replace(self.filter, due=due, due_until=until))

    # --- loading -----------------------------------------------------------------------------
    def activate(self) -> None:
        self.reload(with_choices=True)

    def _data_changed(self) -> None:
        if self.isVisible():
            self.reload(with_choices=True)

    def reload(self, with_choices: bool = False) -> None:
        """Load the board in the background; only the latest request's rows are shown."""
        self._generation += 1
        generation, board_filter, db = self._generation, self.filter, self.db

        def work():
            today = date.today()
            choices = actions.board_choices(db) if with_choices else None
            return choices, actions.board(db, board_filter, today), today

        self.context.tasks.run(work, lambda result: self._loaded(generation, *result))

    def _loaded(self, generation: int, choices, rows: list[BoardRow], today: date) -> None:
        if choices is not None:
            self._set_choices(choices)
        if generation != self._generation:
            return
        self._shown_generation = generation
        self.model.today = today
        self.model.set_rows(rows)
        if not self._natural_widths and rows:
            self._measure_columns()
        self._update_summary()
        if self._pending_select:
            self._select(self._pending_select)
            self._pending_select = None

    def _set_choices(self, choices: actions.BoardChoices) -> None:
        self._choices_loaded = True
        self.structure_box.blockSignals(True)
        self.owner_box.blockSignals(True)
        try:
            self.structure_box.clear()
            self.structure_box.addItem("Toutes les structures", "")
            for structure_id, name in choices.structures:
                self.structure_box.addItem(name, structure_id)
            self.owner_box.clear()
            self.owner_box.addItems(choices.owners)
            self.owner_box.setCurrentIndex(-1)
            completer = QCompleter(choices.owners, self.owner_box)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            self.owner_box.setCompleter(completer)
            completer.activated.connect(lambda _text: self._owner_changed())
        finally:
            self.structure_box.blockSignals(False)
            self.owner_box.blockSignals(False)
        if self.filter.structure_id and self.structure_box.findData(self.filter.structure_id) < 0:
            self.filter = replace(self.filter, structure_id="")   # the structure no longer exists
            self._save_filter()
            self.reload()
        self._show_filter()

    def _measure_columns(self) -> None:
        widths = {ActionsModel.DUE: 110, ActionsModel.NUMBER: 46, ActionsModel.STATUS: 96}
        for column in (ActionsModel.STRUCTURE, ActionsModel.OWNER, ActionsModel.MEETING):
            self.view.resizeColumnToContents(column)
            widths[column] = min(self.view.columnWidth(column), 240)
        self._natural_widths = widths
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Narrow windows shrink the structure and owner columns first, so the text of the
        action (the stretching column) stays readable."""
        if not self._natural_widths:
            return
        widths = dict(self._natural_widths)
        free = self.view.viewport().width() - sum(
            widths[c] for c in (ActionsModel.DUE, ActionsModel.NUMBER, ActionsModel.STATUS, ActionsModel.MEETING))
        widths[ActionsModel.STRUCTURE] = min(widths[ActionsModel.STRUCTURE], max(120, int(free * 0.3)))
        widths[ActionsModel.OWNER] = min(widths[ActionsModel.OWNER], max(110, int(free * 0.22)))
        for column, width in widths.items():
            self.view.setColumnWidth(column, width)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _update_summary(self) -> None:
        total = len(self.model.rows)
        late = sum(1 for r in self.model.rows if r.overdue)
        if not total:
            self.summary.setText("Aucune action ne correspond à ces filtres.")
            return
        count = f"{total} action{'s' if total > 1 else ''}"
        self.summary.setText(f"{count}, dont {late} en retard" if late else f"{count}, aucune en retard")

    # --- rows ----------------------------------------------------------------------------------
    def _row_at(self, index: QModelIndex) -> BoardRow:
        return self.model.rows[source_row(self.view, index)]

    def _select(self, action_id: str) -> bool:
        position = self.model.position(action_id)
        if position < 0:
            return False
        select_source_row(self.view, position)
        self.view.scrollTo(self.view.currentIndex(), QAbstractItemView.ScrollHint.PositionAtCenter)
        self.view.setFocus()
        return True

    def selected_row(self) -> BoardRow | None:
        indexes = self.view.selectionModel().selectedRows()
        return self._row_at(indexes[0]) if indexes else None

    def _activated(self, index: QModelIndex) -> None:
        """Entrée opens the action's meeting from any column; a double-click on the status edits it."""
        mouse = QApplication.mouseButtons() != Qt.MouseButton.NoButton
        if index.column() != ActionsModel.STATUS or not mouse:
            self.open_meeting(self._row_at(index))

    def open_meeting(self, row: BoardRow) -> None:
        if not row.meeting_id:
            QMessageBox.information(self, "Carnet PETR",
                                    f"La réunion de l'action {row.label} est introuvable (supprimée ?).")
            return
        self.context.bus.open_record.emit("meeting", row.meeting_id)

    def change_status(self, action_id: str, status: str) -> None:
        """Set the status of an action (also on signed minutes) and refresh its row."""
        row = self.guarded(actions.set_status, self.db, action_id, status, self.model.today)
        if row is not None:
            self.model.replace_row(row)
            self._update_summary()

    def row_menu(self, row: BoardRow) -> QMenu:
        menu = QMenu(self)
        menu.addAction(icon("meetings"), "Ouvrir la réunion", lambda: self.open_meeting(row))
        menu.addSeparator()
        for status in ActionStatus:
            action = menu.addAction(f"Marquer « {status.label} »",
                                    lambda s=status.value: self.change_status(row.id, s))
            action.setCheckable(True)
            action.setChecked(row.status == status)
        return menu

    def _show_menu(self, position) -> None:
        index = self.view.indexAt(position)
        if index.isValid():
            self.row_menu(self._row_at(index)).exec(self.view.viewport().mapToGlobal(position))

    def open_record(self, kind: str, record_id: str) -> bool:
        """Show an action: the filters that hide it are cleared, then it is selected."""
        if kind != "action":
            return False
        row = actions.board_row(self.db, record_id)
        if row is None:
            QMessageBox.information(self, "Carnet PETR", "Cette action n'existe plus.")
            return True
        if self._shown_generation == self._generation and self._select(record_id):
            return True
        self._pending_select = record_id
        revealing = self.filter.revealing(row, date.today())
        if revealing != self.filter:
            self.set_filter(revealing)
        else:
            self.reload()
        return True
