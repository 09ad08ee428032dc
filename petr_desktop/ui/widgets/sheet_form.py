"""The sheet editor: header with the status workflow, the common block, then one section per
template section — typed fields with last year's value beside them, or a repeating group table.

The form is built once per template and year and reused when another sheet of the same kind
and year is shown (only the values change), so switching sheets stays fast.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFrame, QGridLayout, QHBoxLayout, QLabel, QMessageBox, QPushButton,
                               QScrollArea, QVBoxLayout, QWidget)

from ...domain import rules
from ...domain.enums import SheetStatus
from ...domain.forms import FormTemplate, Section
from ...domain.values import format_date
from ...services import sheets
from ...services.sheets import COMMON_FIELDS, COMMON_SECTIONS, SheetBundle
from ..context import AppContext
from ..icons import icon
from .sheet_fields import FieldEditor, grey_label, tint
from .sheet_groups import GroupTable, table_columns

BANNER_STYLE = ("QLabel { background: #fff4d6; border: 1px solid #e0b84d; border-radius: 3px; padding: 6px; "
                "font-weight: bold; }")
INFO_STYLE = "QLabel { background: #e6f4e4; border: 1px solid #9ccc95; border-radius: 3px; padding: 6px; }"

#: Buttons of the forward moves of the workflow; backward moves read « Revenir à « … » ».
TRANSITION_LABELS = {
    SheetStatus.RECEIVED: "Marquer comme transmise par le PETR",
    SheetStatus.REVIEWED_IN_DIALOGUE: "Marquer comme examinée en dialogue",
    SheetStatus.VALIDATED: "Valider (pièce pour solde)",
    SheetStatus.ARCHIVED: "Archiver",
}
STATUS_ORDER = list(SheetStatus)

Guarded = Callable[..., Any]


@dataclass
class BuiltForm:
    """The widgets of one template and year, kept to show other sheets of the same kind and year."""

    body: QWidget
    editors: dict[str, FieldEditor] = field(default_factory=dict)
    groups: dict[str, GroupTable] = field(default_factory=dict)
    rates: dict[str, tuple[Section, QLabel]] = field(default_factory=dict)
    grids: list[QGridLayout] = field(default_factory=list)
    sections: list[tuple[str, str, QFrame]] = field(default_factory=list)     # key, title, frame


def _common_value(sheet, name: str) -> Any:
    """A common-block value to show: amounts never entered (0) show as empty, like a blank form."""
    value = getattr(sheet, name, None)
    if COMMON_FIELDS[name].type == "money" and not value:
        return None
    return value


def transition_label(current: str, target: str) -> str:
    if STATUS_ORDER.index(SheetStatus(target)) < STATUS_ORDER.index(SheetStatus(current)):
        return f"Revenir à « {SheetStatus(target).label} »"
    return TRANSITION_LABELS[SheetStatus(target)]


class SheetEditor(QWidget):
    """Edits one sheet; ``show_bundle`` displays a ``sheets.load_sheet`` result."""

    #: Something was written (autosave or action).
    saved = Signal()
    #: The sheet must be read again (after a transition or a pre-fill): sheet id.
    reload_requested = Signal(str)
    #: The workflow moved: sheet id, new status.
    status_changed = Signal(str, str)

    def __init__(self, context: AppContext, guarded: Guarded, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sheet_editor")
        self.context = context
        self.guarded = guarded
        self.bundle: SheetBundle | None = None
        self.sheet = None
        self.values: dict[str, Any] = {}
        self.form: BuiltForm | None = None
        self._forms: dict[tuple[str, int, int, int], BuiltForm] = {}
        self.last_build_ms = 0.0
        self.last_show_ms = 0.0
        self._saves = 0
        self.saved.connect(self._count_save)

        self.title = QLabel(self)
        self.title.setObjectName("sheet_title")
        self.title.setWordWrap(True)
        tint(self.title, "section", bold=True, point_delta=3)
        self.status = QLabel(self)
        self.status.setObjectName("sheet_status")
        self.status.setWordWrap(True)
        self.banner = QLabel(self)
        self.banner.setObjectName("sheet_banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.hide()
        self.info = QLabel(self)
        self.info.setObjectName("sheet_info")
        self.info.setWordWrap(True)
        self.info.setStyleSheet(INFO_STYLE)
        self.info.hide()
        self.workflow_box = QWidget(self)
        self.workflow = QHBoxLayout(self.workflow_box)
        self.workflow.setContentsMargins(0, 0, 0, 0)
        self.workflow_buttons: dict[str, QPushButton] = {}
        self.prefill_button = QPushButton(icon("open"), "Pré-remplir depuis l'année précédente", self)
        self.prefill_button.setObjectName("prefill")
        self.prefill_button.clicked.connect(self.prefill)
        self.jump = QComboBox(self)
        self.jump.setObjectName("jump")
        self.jump.setToolTip("Aller directement à une section de la fiche")
        self.jump.setMinimumContentsLength(24)
        self.jump.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.jump.activated.connect(self._jump_to)

        actions = QHBoxLayout()
        actions.addWidget(self.workflow_box)
        actions.addStretch(1)
        actions.addWidget(self.prefill_button)
        self.status_line = QHBoxLayout()
        status_line = self.status_line
        status_line.addWidget(self.status, 1)
        status_line.addWidget(QLabel("Aller à :", self))
        status_line.addWidget(self.jump)

        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 0)
        self.title_line = QHBoxLayout()
        self.title_line.addWidget(self.title, 1)
        layout.addLayout(self.title_line)
        layout.addLayout(status_line)
        layout.addLayout(actions)
        layout.addWidget(self.banner)
        layout.addWidget(self.info)
        layout.addWidget(self.scroll, 1)

    def _count_save(self) -> None:
        self._saves += 1

    def add_header_widget(self, widget: QWidget) -> None:
        """A page tool shown at the right of the sheet's title."""
        self.title_line.addWidget(widget, 0, Qt.AlignmentFlag.AlignTop)

    # --- what the current form holds ------------------------------------------------------
    @property
    def editors(self) -> dict[str, FieldEditor]:
        return self.form.editors if self.form else {}

    @property
    def groups(self) -> dict[str, GroupTable]:
        """Group tables by section key."""
        return self.form.groups if self.form else {}

    def group(self, group: str) -> GroupTable:
        """The table of a repeating group (``indicators``, ``posts``…)."""
        return next(t for t in self.groups.values() if t.group == group)

    # --- building ------------------------------------------------------------------------
    def _build(self, template: FormTemplate, year: int) -> BuiltForm:
        """The widgets of a template (built once per template and year)."""
        started = time.perf_counter()
        body = QWidget()
        body.setObjectName("sheet_body")
        form = BuiltForm(body)
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 4, 8, 12)
        column.setSpacing(10)
        for section in COMMON_SECTIONS:
            column.addWidget(self._section(form, section, common=True))
        for section in template.sections:
            column.addWidget(self._section(form, section, common=False, year=year))
        column.addStretch(1)
        self.last_build_ms = (time.perf_counter() - started) * 1000
        return form

    def _section(self, form: BuiltForm, section: Section, common: bool, year: int = 0) -> QFrame:
        frame = QFrame(form.body)
        frame.setObjectName(f"section:{section.key}")
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame.setAutoFillBackground(True)
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(12, 10, 12, 10)
        heading = QLabel(section.title, frame)
        heading.setWordWrap(True)
        tint(heading, "section", bold=True, point_delta=1)
        layout.addWidget(heading)
        if section.help:
            layout.addWidget(grey_label(section.help, frame))
        form.sections.append((section.key, section.title, frame))
        if section.group:
            table = GroupTable(self.context.db, section.group, table_columns(section.group, year, year - 1), frame)
            table.saved.connect(self.saved)
            form.groups[section.key] = table
            layout.addWidget(table)
            return frame
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        grid.setColumnMinimumWidth(0, 200)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 5)
        for row, form_field in enumerate(section.fields):
            saver = self._common_saver(form_field.key) if common else self._answer_saver(form_field.key)
            editor = FieldEditor(form_field, saver, frame)
            editor.saved.connect(self.saved)
            form.editors[form_field.key] = editor
            grid.addWidget(editor.label, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(editor.box, row, 1, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(editor.previous, row, 2, Qt.AlignmentFlag.AlignTop)
        form.grids.append(grid)
        layout.addLayout(grid)
        if not common and sheets.realisation_rates(section, {}):
            rates = QLabel(frame)
            rates.setObjectName(f"rates:{section.key}")
            rates.setWordWrap(True)
            tint(rates, "rates")
            form.rates[section.key] = (section, rates)
            layout.addWidget(rates)
        return frame

    def _answer_saver(self, key: str) -> Callable[[Any], Any]:
        def save(sheet_id: str, value: Any) -> Any:
            answer = sheets.set_answer(self.context.db, sheet_id, key, value)
            stored = json.loads(answer.value)
            if self.sheet is not None and sheet_id == self.sheet.id:
                self.values[key] = stored
                self._refresh_rates()
            return stored
        return save

    def _common_saver(self, name: str) -> Callable[[Any], Any]:
        def save(sheet_id: str, value: Any) -> Any:
            sheet = sheets.set_common_field(self.context.db, sheet_id, name, value)
            if self.sheet is not None and sheet_id == self.sheet.id:
                self.sheet = sheet
                if name == "version":
                    self._refresh_header()
            return _common_value(sheet, name)
        return save

    def _use_form(self, template: FormTemplate, year: int) -> None:
        key = (template.kind, template.year, template.template_version, year)
        if self.form is not None and self._forms.get(key) is self.form:
            return
        if key not in self._forms:
            self._forms[key] = self._build(template, year)
        if self.form is not None:
            self.scroll.takeWidget()             # kept in the cache, shown again later
        self.form = self._forms[key]
        self.scroll.setWidget(self.form.body)
        self.jump.clear()
        for key_, title, _frame in self.form.sections:
            self.jump.addItem(title, key_)

    # --- showing a sheet -----------------------------------------------------------------
    def show_bundle(self, bundle: SheetBundle) -> None:
        started = time.perf_counter()
        same_sheet = self.sheet is not None and self.sheet.id == bundle.sheet.id
        saves = self._saves
        self.flush()
        if same_sheet and self._saves != saves:
            # Typing saved just now is newer than this reading: read the sheet again.
            self.reload_requested.emit(bundle.sheet.id)
            return
        year = bundle.sheet.year
        self._use_form(bundle.template, year)
        self.bundle = bundle
        self.sheet = bundle.sheet
        self.values = dict(bundle.answers)
        previous_year = year - 1 if bundle.previous is not None else None
        for grid in self.form.grids:
            grid.setColumnStretch(2, 3 if previous_year else 0)
        for key, editor in self.editors.items():
            if key in COMMON_FIELDS:
                editor.set_value(_common_value(bundle.sheet, key), bundle.sheet.id)
                editor.set_previous(previous_year, _common_value(bundle.previous, key))
            else:
                editor.set_value(bundle.answers.get(key), bundle.sheet.id)
                editor.set_previous(previous_year, bundle.previous_answers.get(key))
        for section_key, table in self.groups.items():
            section = next(s for s in bundle.template.sections if s.key == section_key)
            table.set_rows(bundle.sheet.id, bundle.groups.get(section.group, []), bundle.previous_indicators)
            if section.group == "indicators":
                table.view.setColumnHidden(table.model.column_index("previous"), previous_year is None)
        self._refresh_rates()
        self._refresh_header()
        self._apply_read_only()
        if not same_sheet:
            self.info.hide()
            self.scroll.verticalScrollBar().setValue(0)
        self.last_show_ms = (time.perf_counter() - started) * 1000

    def _refresh_rates(self) -> None:
        for section, label in self.form.rates.values():
            parts = [f"{name} : {round(rate * 100)} %" if rate is not None else f"{name} : —"
                     for name, rate in sheets.realisation_rates(section, self.values)]
            label.setText("Taux de réalisation (réalisé / prévu) — " + " ; ".join(parts))

    def _refresh_header(self) -> None:
        bundle, sheet = self.bundle, self.sheet
        self.title.setText(bundle.title)
        status = SheetStatus(sheet.status)
        self.status.setText(f"Statut : {status.label} · version {sheet.version}")
        self.status.setToolTip(bundle.template.title)
        for button in self.workflow_buttons.values():
            self.workflow.removeWidget(button)
            button.deleteLater()
        self.workflow_buttons.clear()
        targets = sorted(rules.SHEET_TRANSITIONS[status], key=lambda s: STATUS_ORDER.index(SheetStatus(s)))
        for target in targets:
            button = QPushButton(transition_label(status, target), self.workflow_box)
            button.setObjectName(f"transition:{target}")
            if target == SheetStatus.VALIDATED:
                button.setIcon(icon("sign"))
            button.clicked.connect(lambda _=False, t=target: self.move_to(t))
            self.workflow.addWidget(button)
            self.workflow_buttons[str(target)] = button
        self.workflow.activate()                 # the new buttons get their size now
        self.layout().activate()
        frozen = bundle.frozen
        if frozen:
            when = f" le {format_date(bundle.validated_on)}" if bundle.validated_on else ""
            if status == SheetStatus.ARCHIVED:
                text = f"Fiche archivée (validée{when}) : elle ne change plus."
            else:
                text = f"Fiche validée{when} : elle ne change plus."
            self.banner.setText(text + " Pour la corriger, faites un rectificatif.")
        self.banner.setVisible(frozen)

    def _apply_read_only(self) -> None:
        frozen = self.bundle.frozen
        for editor in self.editors.values():
            editor.set_read_only(frozen)
        for table in self.groups.values():
            table.set_read_only(frozen)
        has_previous = self.bundle.previous is not None
        self.prefill_button.setEnabled(not frozen and has_previous)
        if frozen:
            tip = "La fiche est validée : elle ne change plus."
        elif not has_previous:
            tip = f"Aucune fiche {self.sheet.year - 1} de cette structure pour ce type."
        else:
            tip = (f"Copie les valeurs de la fiche {self.sheet.year - 1} dans les champs encore vides "
                   "et ajoute ses indicateurs ; rien de ce qui est déjà saisi n'est écrasé.")
        self.prefill_button.setToolTip(tip)

    # --- actions -------------------------------------------------------------------------
    def flush(self) -> list[str]:
        """Save everything typed and not yet saved; return what could not be (French)."""
        if self.sheet is None:
            return []
        problems = []
        for editor in self.editors.values():
            if not editor.commit():
                problems.append(editor.error_text)
        for table in self.groups.values():
            problems.extend(table.flush())
        return problems

    def move_to(self, target: str) -> None:
        if self.flush():
            QMessageBox.warning(self, "Carnet PETR", "Certaines valeurs saisies sont invalides (en rouge) : "
                                "corrigez-les avant de changer le statut de la fiche.")
            return
        if target == SheetStatus.VALIDATED:
            answer = QMessageBox.question(
                self, "Carnet PETR", "Valider la fiche ? Elle devient la pièce pour le solde et ne pourra "
                "plus être modifiée (les corrections passeront par un rectificatif).")
            if answer != QMessageBox.StandardButton.Yes:
                return
        if self.guarded(sheets.transition, self.context.db, self.sheet.id, target) is None:
            return
        self.status_changed.emit(self.sheet.id, target)
        self.reload_requested.emit(self.sheet.id)

    def prefill(self) -> None:
        self.flush()
        copied = self.guarded(sheets.prefill_from_previous_year, self.context.db, self.sheet.id)
        if copied is None:
            return
        year = self.sheet.year - 1
        if copied:
            self.info.setText(f"{copied} valeur(s) copiée(s) depuis la fiche {year}. "
                              "Les champs déjà remplis n'ont pas été modifiés.")
        else:
            self.info.setText(f"Rien à copier depuis la fiche {year} : les champs déjà remplis ne sont "
                              "jamais écrasés.")
        self.info.show()
        self.reload_requested.emit(self.sheet.id)

    def _jump_to(self, index: int) -> None:
        wanted = self.jump.itemData(index)
        for key, _title, frame in self.form.sections if self.form else ():
            if key == wanted:
                self.scroll.verticalScrollBar().setValue(frame.y())
