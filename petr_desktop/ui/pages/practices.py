"""Bonnes pratiques: the library of good practices and lessons learnt tagged in the meetings and
the sheets — filters (theme, structure, year, text), the list, the detail of one practice, and
« Exporter le recueil (PDF) » to share them with the network."""
from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QComboBox, QFrame, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QScrollArea, QSplitter, QVBoxLayout, QWidget)

from ...services import exports, practices
from ...services.practices import PracticeRow
from ...services.structures import list_structures
from ..dialogs.network_dialogs import PracticeDialog
from ..exporting import Exporter
from ..icons import icon
from ..models import RowsModel
from ..widgets.tables import make_table, select_source_row, source_row
from .base import Page

SPLITTER_KEY = "practices/splitter"


@dataclass(frozen=True)
class PracticeFilter:
    theme: str = ""
    structure_id: str = ""
    year: int = 0
    text: str = ""

    def arguments(self) -> dict:
        """The service's keyword arguments (empty filters are None)."""
        return {"theme": self.theme or None, "structure_id": self.structure_id or None, "year": self.year or None,
                "text": self.text or None}


class PracticesModel(RowsModel[PracticeRow]):
    columns = (("Thématique", lambda p: p.theme),
               ("Bonne pratique", lambda p: p.title),
               ("Structure", lambda p: p.structure_name),
               ("Année", lambda p: str(p.year)),
               ("Source", lambda p: p.source_kind))


def _labelled(text: str, field: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    label = QLabel(text, box)
    label.setBuddy(field)
    layout.addWidget(label)
    layout.addWidget(field)
    return box


class PracticeDetail(QScrollArea):
    """One practice: title, theme, structure and year, note, the source and its excerpt."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(self)
        self.title = QLabel(body)
        self.title.setObjectName("practice_title")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.facts = QLabel(body)
        self.facts.setWordWrap(True)
        self.facts.setStyleSheet("color: #444444;")
        self.note = QLabel(body)
        self.note.setObjectName("practice_note")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.source = QLabel(body)
        self.source.setWordWrap(True)
        self.source.setStyleSheet("font-weight: bold; margin-top: 8px;")
        self.excerpt = QLabel(body)
        self.excerpt.setWordWrap(True)
        self.excerpt.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.excerpt.setStyleSheet("color: #333333; background: #f3f5f8; padding: 6px; "
                                   "border-left: 3px solid #9fb3c8;")
        self.open_button = QPushButton(icon("open"), "Ouvrir la source", body)
        self.edit_button = QPushButton(icon("edit"), "Modifier…", body)
        self.remove_button = QPushButton(icon("remove"), "Retirer du recueil", body)
        buttons = QHBoxLayout()
        for button in (self.open_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(body)
        for widget in (self.title, self.facts, self.note, self.source, self.excerpt):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.setWidget(body)
        self.show_practice(None)

    def show_practice(self, row: PracticeRow | None) -> None:
        for widget in (self.facts, self.note, self.source, self.excerpt, self.open_button, self.edit_button,
                       self.remove_button):
            widget.setVisible(row is not None)
        if row is None:
            self.title.setText("Choisissez une bonne pratique dans la liste pour la lire ici.")
            self.title.setStyleSheet("color: #666666;")
            return
        self.title.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.title.setText(row.title)
        self.facts.setText(f"{row.theme} · {row.structure_name} · {row.year}")
        self.note.setText(row.note or "Pas de note.")
        self.source.setText(f"Source : {row.source_label}")
        self.excerpt.setText(row.excerpt)
        self.excerpt.setVisible(bool(row.excerpt))
        self.open_button.setEnabled(bool(row.open_id))


class PracticesPage(Page):

    def __init__(self, context, parent=None) -> None:
        super().__init__(context, parent)
        self.filter = PracticeFilter()
        self._generation = 0
        self.theme_box = QComboBox(self)
        self.theme_box.setObjectName("theme_filter")
        self.structure_box = QComboBox(self)
        self.structure_box.setObjectName("structure_filter")
        self.year_box = QComboBox(self)
        self.year_box.setObjectName("year_filter")
        self.text_edit = QLineEdit(self)
        self.text_edit.setObjectName("text_filter")
        self.text_edit.setPlaceholderText("Mots du titre, de la note ou de la source (sans tenir compte des accents)")
        self.text_edit.setClearButtonEnabled(True)
        for combo, length in ((self.theme_box, 18), (self.structure_box, 16), (self.year_box, 8)):
            combo.setMinimumContentsLength(length)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self._fill_choices([], [], [])
        self.reset_button = QPushButton("Réinitialiser", self)
        self.export_button = QPushButton(icon("export"), "Exporter le recueil (PDF)", self)
        self.export_button.setObjectName("export_practices")
        self.export_button.setToolTip("Les bonnes pratiques affichées (filtres compris), classées par thématique")
        filters = QHBoxLayout()
        filters.addWidget(_labelled("&Thématique", self.theme_box), 3)
        filters.addWidget(_labelled("&Structure", self.structure_box), 3)
        filters.addWidget(_labelled("&Année", self.year_box), 1)
        filters.addWidget(_labelled("&Recherche", self.text_edit), 4)
        filters.addWidget(self.reset_button, 0, Qt.AlignmentFlag.AlignBottom)
        self.summary = QLabel(self)
        self.summary.setObjectName("practices_summary")
        hint = QLabel("Pour ajouter une bonne pratique : « Marquer comme bonne pratique » dans le mode réunion.", self)
        hint.setStyleSheet("color: #555555;")
        summary_row = QHBoxLayout()
        summary_row.addWidget(self.summary)
        summary_row.addWidget(hint, 1)
        summary_row.addWidget(self.export_button)

        self.model = PracticesModel(self)
        self.view = make_table(self.model, self, sortable=True)
        self.view.setObjectName("practices_table")
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.detail = PracticeDetail(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([760, 420])
        if context.settings.contains(SPLITTER_KEY):
            self.splitter.restoreState(context.settings.value(SPLITTER_KEY))
        self.splitter.splitterMoved.connect(
            lambda *_: context.settings.setValue(SPLITTER_KEY, self.splitter.saveState()))
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(summary_row)
        layout.addWidget(self.splitter, 1)

        self.exporter = Exporter(context, self)
        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(250)
        self._text_timer.timeout.connect(self._text_changed)
        self.theme_box.currentIndexChanged.connect(
            lambda: self.set_filter(replace(self.filter, theme=self.theme_box.currentData() or "")))
        self.structure_box.currentIndexChanged.connect(
            lambda: self.set_filter(replace(self.filter, structure_id=self.structure_box.currentData() or "")))
        self.year_box.currentIndexChanged.connect(
            lambda: self.set_filter(replace(self.filter, year=self.year_box.currentData() or 0)))
        self.text_edit.textChanged.connect(lambda _text: self._text_timer.start())
        self.text_edit.returnPressed.connect(self._text_changed)
        self.reset_button.clicked.connect(lambda: self.set_filter(PracticeFilter()))
        self.export_button.clicked.connect(self.export_digest)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._show_selected())
        self.view.activated.connect(lambda _index: self.open_source())
        self.detail.open_button.clicked.connect(self.open_source)
        self.detail.edit_button.clicked.connect(self.edit_selected)
        self.detail.remove_button.clicked.connect(self.remove_selected)
        context.bus.data_changed.connect(self._data_changed)

    # --- filters -----------------------------------------------------------------------------------
    def _fill_choices(self, themes: list[str], structures: list[tuple[str, str]], years: list[int]) -> None:
        boxes = (self.theme_box, self.structure_box, self.year_box)
        for box in boxes:
            box.blockSignals(True)
        try:
            self.theme_box.clear()
            self.theme_box.addItem("Toutes les thématiques", "")
            for theme in themes:
                self.theme_box.addItem(theme, theme)
            self.structure_box.clear()
            self.structure_box.addItem("Toutes les structures", "")
            for structure_id, name in structures:
                self.structure_box.addItem(name, structure_id)
            self.year_box.clear()
            self.year_box.addItem("Toutes", 0)
            for year in years:
                self.year_box.addItem(str(year), year)
        finally:
            for box in boxes:
                box.blockSignals(False)
        self._show_filter()

    def _show_filter(self) -> None:
        for box, value in ((self.theme_box, self.filter.theme), (self.structure_box, self.filter.structure_id),
                           (self.year_box, self.filter.year)):
            box.blockSignals(True)
            box.setCurrentIndex(max(0, box.findData(value)))
            box.blockSignals(False)
        if self.text_edit.text() != self.filter.text:
            self.text_edit.blockSignals(True)
            self.text_edit.setText(self.filter.text)
            self.text_edit.blockSignals(False)

    def set_filter(self, practice_filter: PracticeFilter) -> None:
        changed = practice_filter != self.filter
        self.filter = practice_filter
        self._show_filter()
        if changed:
            self.reload()

    def _text_changed(self) -> None:
        self._text_timer.stop()
        self.set_filter(replace(self.filter, text=self.text_edit.text().strip()))

    # --- loading -----------------------------------------------------------------------------------
    def activate(self) -> None:
        self.reload(with_choices=True)

    def _data_changed(self) -> None:
        if self.isVisible():
            self.reload(with_choices=True)

    def reload(self, with_choices: bool = False) -> None:
        """Load the list in the background; only the latest request's rows are shown."""
        self._generation += 1
        generation, db, arguments = self._generation, self.db, self.filter.arguments()

        def work():
            choices = None
            if with_choices:
                choices = (practices.themes(db), [(s.id, s.name) for s in list_structures(db)],
                           practices.practice_years(db))
            return choices, practices.list_practices(db, **arguments)

        self.context.tasks.run(work, lambda result: self._loaded(generation, *result))

    def _loaded(self, generation: int, choices, rows: list[PracticeRow]) -> None:
        if choices is not None:
            self._fill_choices(*choices)
        if generation != self._generation:
            return
        selected = self.selected()
        self.model.set_rows(rows)
        self.view.resizeColumnToContents(0)
        self.view.resizeColumnToContents(2)
        for column, widest in ((0, 190), (2, 170)):       # the title (stretching column) keeps the room
            self.view.setColumnWidth(column, min(max(self.view.columnWidth(column), 120), widest))
        self.view.resizeColumnToContents(3)
        self.view.resizeColumnToContents(4)
        count = len(rows)
        self.summary.setText(f"{count} bonne{'s' if count > 1 else ''} pratique{'s' if count > 1 else ''}"
                             if count else "Aucune bonne pratique ne correspond à ces filtres.")
        self.export_button.setEnabled(bool(count))
        if selected is not None and not self.select(selected.id):
            self.detail.show_practice(None)
        elif selected is None:
            self.detail.show_practice(None)

    # --- selection and commands ------------------------------------------------------------------------
    def selected(self) -> PracticeRow | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.rows[source_row(self.view, rows[0])] if rows else None

    def select(self, practice_id: str) -> bool:
        for number, row in enumerate(self.model.rows):
            if row.id == practice_id:
                select_source_row(self.view, number)
                return True
        return False

    def _show_selected(self) -> None:
        self.detail.show_practice(self.selected())

    def open_source(self) -> None:
        row = self.selected()
        if row is not None and row.open_id:
            self.context.bus.open_record.emit(row.open_kind, row.open_id)

    def run_dialog(self, dialog) -> bool:
        """Show a dialog modally (tests replace this to drive the dialog)."""
        return dialog.exec() == dialog.DialogCode.Accepted

    def edit_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        dialog = PracticeDialog(practices.themes(self.db), row.source_label, row.excerpt, title=row.title,
                                theme=row.theme, note=row.note, parent=self)
        dialog.setWindowTitle("Modifier la bonne pratique")
        if self.run_dialog(dialog) and self.guarded(practices.update_practice, self.db, row.id,
                                                    **dialog.values()) is not None:
            self.reload(with_choices=True)
            self.select(row.id)

    def remove_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        answer = QMessageBox.question(self, "Retirer la bonne pratique",
                                      f"Retirer « {row.title} » du recueil ? Sa source (relevé ou fiche) "
                                      "ne change pas.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        if self.guarded(practices.remove_practice, self.db, row.id) is not None:
            self.reload(with_choices=True)

    def export_digest(self) -> None:
        """« Exporter le recueil (PDF) »: the practices shown, grouped by theme."""
        db, arguments = self.db, self.filter.arguments()
        name = "Recueil des bonnes pratiques" + (f" — {self.filter.theme}" if self.filter.theme else "")
        self.exporter.export_to("Exporter le recueil des bonnes pratiques", f"{name}.pdf", "Document PDF (*.pdf)",
                                lambda path, _progress: exports.export_practices(db, path, **arguments))
