"""Fiches: pick a structure, a year and a kind (or a sheet of the list) and edit the sheet."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHeaderView, QLabel, QMessageBox, QPushButton,
                               QSplitter, QStackedWidget, QToolButton, QVBoxLayout, QWidget)

from ...domain.enums import SheetKind, SheetStatus
from ...services import sheets
from ...services.errors import ServiceError
from ...services.sheets import SheetBundle, SheetRow
from ...services.structures import list_structures
from ...storage.errors import StorageError
from .. import palette
from ..icons import icon
from ..models import RowsModel
from ..export_menus import build_sheet_menu
from ..exporting import Exporter
from ..widgets.sheet_form import SheetEditor
from ..widgets.tables import make_table, select_source_row, source_row
from .base import Page

STATUS_BRUSHES = palette.brushes(palette.SHEET_TINTS)
LAST_SHEET_KEY = "sheets/last_sheet"
LIST_SHOWN_KEY = "sheets/list_shown"


def short_status(status: str) -> str:
    """« Validée » for « Validée (pièce pour solde) »: the list is narrow; the tooltip says it all."""
    return SheetStatus(status).label.split(" (")[0]


class SheetsModel(RowsModel[SheetRow]):
    columns = (("Structure", lambda s: s.structure_name), ("Exercice", lambda s: str(s.year)),
               ("Fiche", lambda s: SheetKind(s.kind).label), ("Statut", lambda s: short_status(s.status)))

    def extra_data(self, row: SheetRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole and column == 3:
            return STATUS_BRUSHES.get(SheetStatus(row.status))
        return None

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid():
            row = self.rows[index.row()]
            return f"{row.structure_name} — {SheetKind(row.kind).label} {row.year} : {SheetStatus(row.status).label}"
        return super().data(index, role)


class SheetsPage(Page):

    def __init__(self, context, parent=None) -> None:
        super().__init__(context, parent)
        self._requested: str | None = None

        self.structure_combo = QComboBox(self)
        self.structure_combo.setObjectName("structure")
        self.structure_combo.setMinimumContentsLength(18)
        self.structure_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.structure_combo.currentIndexChanged.connect(lambda _i: self.refresh_list())
        self.year_combo = QComboBox(self)
        self.year_combo.setObjectName("year")
        for year in sheets.template_years():
            self.year_combo.addItem(str(year), year)
        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("kind")
        for kind in SheetKind:
            self.kind_combo.addItem(kind.label, kind.value)
        self.open_button = QPushButton(icon("open"), "Ouvrir la fiche", self)
        self.open_button.setObjectName("open_sheet")
        self.open_button.clicked.connect(self.open_chosen)
        self.all_structures = QCheckBox("Lister les fiches de toutes les structures", self)
        self.all_structures.toggled.connect(lambda _on: self.refresh_list())
        self.model = SheetsModel(self)
        self.view = make_table(self.model, self, sortable=True)
        self.view.setObjectName("sheet_list")
        self.view.setWordWrap(True)
        self.view.selectionModel().currentRowChanged.connect(self._row_chosen)
        self.count = QLabel(self)

        picker = QWidget(self)
        self.picker = picker
        form = QFormLayout()
        form.addRow("Structure", self.structure_combo)
        form.addRow("Exercice", self.year_combo)
        form.addRow("Fiche", self.kind_combo)
        left = QVBoxLayout(picker)
        left.setContentsMargins(0, 0, 0, 0)
        left.addLayout(form)
        left.addWidget(self.open_button)
        left.addSpacing(8)
        left.addWidget(self.all_structures)
        left.addWidget(self.count)
        left.addWidget(self.view, 1)

        self.editor = SheetEditor(context, self.guarded, self)
        self.exporter = Exporter(context, self)
        self.export_button = QPushButton(icon("export"), "Exporter", self)
        self.export_button.setMenu(build_sheet_menu(context, self, self.exporter, self._export_target,
                                                    self._after_import))
        self.editor.title_line.addWidget(self.export_button)
        self.editor.saved.connect(context.notify_saved)
        self.editor.reload_requested.connect(self.show_sheet)
        self.editor.status_changed.connect(lambda *_: self.refresh_list())
        self.list_toggle = QToolButton(self.editor)
        self.list_toggle.setObjectName("list_toggle")
        self.list_toggle.setText("Liste des fiches")
        self.list_toggle.setIcon(icon("sheets"))
        self.list_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.list_toggle.setCheckable(True)
        self.list_toggle.setToolTip("Afficher ou masquer le choix de la fiche, pour donner plus de place au formulaire")
        self.editor.add_header_widget(self.list_toggle)
        self.placeholder = QLabel("Choisissez une structure, un exercice et un type de fiche, puis « Ouvrir la "
                                  "fiche » — ou une fiche de la liste.", self)
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.editor)

        splitter = QSplitter(self)
        splitter.addWidget(picker)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([350, 930])
        QVBoxLayout(self).addWidget(splitter)
        shown = context.settings.value(LIST_SHOWN_KEY, True, type=bool)
        self.list_toggle.setChecked(shown)
        picker.setVisible(shown)
        self.list_toggle.toggled.connect(self._show_list)

    # --- page ----------------------------------------------------------------------------
    def activate(self) -> None:
        self.editor.flush()
        self._fill_choices()
        self.refresh_list()
        if self.editor.sheet is None and self._requested is None:
            QTimer.singleShot(0, self._restore_last)      # unless a record is being opened right now

    def _fill_choices(self) -> None:
        if self.structure_combo.count():
            return
        self.structure_combo.blockSignals(True)
        for structure in list_structures(self.db):
            self.structure_combo.addItem(structure.name, structure.id)
        self.structure_combo.blockSignals(False)
        self.year_combo.setCurrentIndex(max(self.year_combo.findData(2026), 0))

    def _restore_last(self) -> None:
        """Show again the sheet open when the app was last used."""
        last = self.context.settings.value(LAST_SHEET_KEY, "")
        if last and self.editor.sheet is None and self._requested is None:
            self.show_sheet(str(last), quiet=True)

    def open_record(self, kind: str, record_id: str) -> bool:
        if kind not in ("sheet", "evaluation_sheet"):
            return False
        self._fill_choices()
        self.show_sheet(record_id)
        return True

    def before_close(self) -> None:
        """The window closes: save what is typed."""
        self.editor.flush()

    def hideEvent(self, event) -> None:  # noqa: N802
        self.editor.flush()
        super().hideEvent(event)

    def _show_list(self, shown: bool) -> None:
        self.picker.setVisible(shown)
        self.context.settings.setValue(LIST_SHOWN_KEY, shown)

    # --- the list ------------------------------------------------------------------------
    def refresh_list(self) -> None:
        everyone = self.all_structures.isChecked()
        structure = None if everyone else self.structure_combo.currentData()
        if not everyone and structure is None:
            return
        self.context.tasks.run(lambda: sheets.list_sheets(self.db, structure), self._set_rows)

    def _set_rows(self, rows: list[SheetRow]) -> None:
        self.view.selectionModel().blockSignals(True)
        self.model.set_rows(rows)
        self.view.setColumnHidden(0, not self.all_structures.isChecked())
        self.view.resizeColumnsToContents()
        self.view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.view.resizeRowsToContents()
        self._select_current()
        self.view.selectionModel().blockSignals(False)
        self.count.setText(f"{len(rows)} fiche(s)" if rows else "Aucune fiche pour cette structure.")

    def _select_current(self) -> None:
        current = self.editor.sheet.id if self.editor.sheet is not None else None
        for number, row in enumerate(self.model.rows):
            if row.id == current:
                select_source_row(self.view, number)
                return
        self.view.clearSelection()

    def _row_chosen(self, index, _previous) -> None:
        if not index.isValid():
            return
        row = self.model.rows[source_row(self.view, index)]
        if self.editor.sheet is None or row.id != self.editor.sheet.id:
            self.show_sheet(row.id)

    # --- opening -------------------------------------------------------------------------
    def open_chosen(self) -> None:
        structure_id = self.structure_combo.currentData()
        year, kind = self.year_combo.currentData(), self.kind_combo.currentData()
        if structure_id is None:
            return
        existing = sheets.find_sheet(self.db, structure_id, year, kind)
        if existing is None:
            question = (f"La fiche « {SheetKind(kind).label} » {year} de « {self.structure_combo.currentText()} » "
                        "n'existe pas encore. La créer ?")
            if QMessageBox.question(self, "Carnet PETR", question) != QMessageBox.StandardButton.Yes:
                return
            created = self.guarded(sheets.open_sheet, self.db, structure_id, year, kind)
            if created is None:
                return
            existing = created.id
        self.show_sheet(existing)
        self.refresh_list()

    def show_sheet(self, sheet_id: str, quiet: bool = False) -> bool:
        """Load a sheet into the editor (after saving what is typed in the current one)."""
        current = self.editor.sheet
        if current is not None and current.id != sheet_id:
            problems = self.editor.flush()
            if problems:
                listed = "\n".join(f"— {p}" for p in problems[:5])
                answer = QMessageBox.question(
                    self, "Carnet PETR", f"Ces valeurs sont invalides et n'ont pas été enregistrées :\n{listed}\n\n"
                    "Ouvrir quand même l'autre fiche ? Elles seront perdues.")
                if answer != QMessageBox.StandardButton.Yes:
                    self._select_current()
                    return False
        self._requested = sheet_id
        self.context.tasks.run(lambda: sheets.load_sheet(self.db, sheet_id), self._show_bundle,
                               lambda exc: self._load_failed(exc, quiet))
        return True

    def _show_bundle(self, bundle: SheetBundle) -> None:
        if bundle.sheet.id != self._requested:
            return                          # the user asked for another sheet meanwhile
        self.editor.show_bundle(bundle)
        self.stack.setCurrentWidget(self.editor)
        self.context.settings.setValue(LAST_SHEET_KEY, bundle.sheet.id)
        for combo, value in ((self.structure_combo, bundle.sheet.structure_id), (self.year_combo, bundle.sheet.year),
                             (self.kind_combo, bundle.sheet.kind)):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(combo.findData(value), 0))
            combo.blockSignals(False)
        self.refresh_list()

    def _load_failed(self, exc: BaseException, quiet: bool) -> None:
        self._requested = None
        if not isinstance(exc, (ServiceError, StorageError)):
            raise exc
        if not quiet:
            QMessageBox.warning(self, "Carnet PETR", str(exc)[:1].upper() + str(exc)[1:])

    def _export_target(self) -> tuple[str, str, int, str, str] | None:
        """(sheet id, structure id, year, kind, title) of the sheet on screen, after saving the typing."""
        sheet = self.editor.sheet
        if sheet is None:
            return None
        self.before_close()
        name = self.editor.bundle.structure_name if self.editor.bundle else ""
        return sheet.id, sheet.structure_id, sheet.year, sheet.kind, f"Fiche {SheetKind(sheet.kind).label} {sheet.year} — {name}"

    def _after_import(self) -> None:
        sheet = self.editor.sheet
        if sheet is not None:
            self.open_record("sheet", sheet.id)
