"""The sheet round-trip: a pre-filled, protected workbook that a structure fills in, and its reading.

Layout (``reports/excel_sheet_template.json`` holds the words): « Mode d'emploi » (identity and
instructions), « Réponses » (one row per field of the common block and of the template, the answer in
column B), one sheet per repeating group (existing rows, then blank rows to add some), a hidden
« Listes » sheet (sources of the drop-down lists) and a hidden « Technique » sheet holding the
structure id, year, kind, template version and sheet id.

Every answer cell carries, in a hidden locked column, the fingerprint of the value it was given: the
import can tell a value changed by the structure from a value changed in the application since the
export, and never overwrites the latter silently.

The layout is computed from the template alone (``build_layout``), identically when writing and
reading, so the reader checks that every row and column is where it should be.
openpyxl is imported inside the functions.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ...domain import rules
from ...domain.enums import SheetKind, SheetStatus
from ...domain.forms import FormField, FormTemplate
from ...domain.models import EvaluationSheet
from ...domain.values import ValueFormatError, example_date, format_amount, format_date_short, parse_amount, parse_date
from .styles import (border, clean_text, fill, font, report_data, safe_title, set_text, style_header,
                     style_subtitle, style_title, styles, text_height)

CONFIG_FILE = "excel_sheet_template.json"
ANSWERS_HEADER_ROW = 4
GROUP_HEADER_ROW = 3
#: Columns of « Réponses »: label, answer, expected format, help, then the hidden key and fingerprint.
LABEL_COL, ANSWER_COL, HINT_COL, HELP_COL, KEY_COL, PRINT_COL = 1, 2, 3, 4, 5, 6
#: Rows of the hidden « Technique » sheet (value in column B).
META_ROWS = {"format": 1, "format_version": 2, "structure_id": 3, "structure_name": 4, "year": 5, "kind": 6,
             "template_version": 7, "sheet_id": 8, "created": 9}
META_LABELS = {"format": "Format", "format_version": "Version du format",
               "structure_id": "Identifiant de la structure", "structure_name": "Structure", "year": "Exercice",
               "kind": "Type de fiche", "template_version": "Version du modèle",
               "sheet_id": "Identifiant de la fiche", "created": "Créé le"}
MAX_FILE_BYTES = 50 * 1024 * 1024
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_FINGERPRINT = re.compile(r"^[0-9a-f]{16}$")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def config() -> dict[str, Any]:
    return report_data(CONFIG_FILE)


# --- Layout ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Slot:
    """One answer row of « Réponses »: a field of the common block (``common``) or of the template."""

    key: str                     # template key, or « @name » for the common block
    name: str                    # template key, or the column of EvaluationSheet
    label: str
    type: str
    help: str
    unit: str
    choices: tuple[tuple[str, str], ...]    # (stored value, label shown)
    default: Any                 # what an empty cell stands for
    common: bool
    row: int

    @property
    def form_field(self) -> FormField:
        return FormField(self.name, self.label, self.type, choices=tuple(v for v, _ in self.choices))


@dataclass(frozen=True)
class Heading:
    row: int
    title: str
    note: str = ""


@dataclass(frozen=True)
class GroupColumn:
    name: str
    label: str
    type: str                    # a field type, or « funding » (sources of a post)
    choices: tuple[tuple[str, str], ...]
    default: Any
    index: int                   # 1-based column

    @property
    def form_field(self) -> FormField:
        return FormField(self.name, self.label, self.type, choices=tuple(v for v, _ in self.choices))


@dataclass(frozen=True)
class GroupLayout:
    group: str
    section_key: str
    title: str                   # the sheet title
    heading: str
    help: str
    columns: tuple[GroupColumn, ...]

    @property
    def id_index(self) -> int:
        return len(self.columns) + 1

    @property
    def print_index(self) -> int:
        return len(self.columns) + 2


@dataclass(frozen=True)
class Layout:
    template: FormTemplate
    headings: tuple[Heading, ...]
    slots: tuple[Slot, ...]
    groups: tuple[GroupLayout, ...]
    titles: dict[str, str]       # instructions / answers / lists / technical → sheet title


def _choices(form_field: FormField) -> tuple[tuple[str, str], ...]:
    from ...services.sheets import choice_labels

    return tuple(choice_labels(form_field)) if form_field.type == "choice" else ()


def build_layout(template: FormTemplate) -> Layout:
    """Where every field and group of ``template`` goes: the same when writing and when reading."""
    from ...services import sheets

    cfg = config()
    titles = dict(cfg["sheets"])
    taken = {t for t in titles.values()}
    group_titles = {s.key: safe_title(s.title, taken) for s in template.group_sections()}
    headings, slots, row = [], [], ANSWERS_HEADER_ROW + 1
    common = [s for s in sheets.COMMON_SECTIONS if s.key in cfg["common_sections"]]
    for section in (*common, *template.sections):
        is_common = section in common
        note = cfg["group_note"].format(sheet=group_titles[section.key]) if section.group else section.help
        headings.append(Heading(row, section.title, note))
        row += 2 if note else 1
        for form_field in section.fields:
            default = EvaluationSheet.model_fields[form_field.key].default if is_common else None
            slots.append(Slot(f"@{form_field.key}" if is_common else form_field.key, form_field.key,
                              form_field.label, form_field.type, form_field.help, form_field.unit,
                              _choices(form_field), default, is_common, row))
            row += 1
    groups = []
    for section in template.group_sections():
        model = sheets.GROUP_MODELS[section.group]
        columns = []
        for column in sheets.GROUP_COLUMNS[section.group]:
            columns.append(GroupColumn(column.name, column.label, column.type, _choices(column.form_field),
                                       model.model_fields[column.name].default, len(columns) + 1))
        if section.group == "posts":
            columns.append(GroupColumn("funding", cfg["funding_header"], "funding",
                                       tuple(rules.POST_FUNDING.items()), (), len(columns) + 1))
        groups.append(GroupLayout(section.group, section.key, group_titles[section.key], section.title,
                                  section.help, tuple(columns)))
    return Layout(template, tuple(headings), tuple(slots), tuple(groups), titles)


# --- Values: normal form, fingerprint, French display ----------------------------------------------

def normal(kind: str, value: Any) -> str:
    """The canonical text of a typed value, as both the database and a cell give it back."""
    if value is None or value == "" or value == ():
        return ""
    if kind in ("text", "longtext"):
        return clean_text(str(value)).replace("\r\n", "\n").strip()
    if kind in ("integer", "year", "money"):
        return str(int(value))
    if kind in ("decimal", "percent"):
        return format(float(value), ".9g")
    if kind == "date":
        if isinstance(value, datetime):
            value = value.date()
        return value.isoformat() if isinstance(value, date) else date.fromisoformat(str(value)).isoformat()
    if kind == "bool":
        return "1" if value else "0"
    if kind == "funding":
        return ",".join(value) if isinstance(value, (tuple, list)) else str(value)
    return str(value)


def fingerprint(kind: str, value: Any) -> str:
    """Short hash of a value's normal form: what the cell held when the workbook was made."""
    return hashlib.sha256(f"{kind}\x1f{normal(kind, value)}".encode()).hexdigest()[:16]


def same(kind: str, left: Any, right: Any) -> bool:
    return normal(kind, left) == normal(kind, right)


def _french_number(value: float) -> str:
    text = f"{value:.10g}"
    return text.replace(".", ",")


def display(kind: str, value: Any, choices: tuple[tuple[str, str], ...] = ()) -> str:
    """A typed value as French text, for messages."""
    if value is None or value == "" or value == ():
        return ""
    if kind == "money":
        return format_amount(int(value))
    if kind == "date":
        return format_date_short(date.fromisoformat(normal(kind, value)))
    if kind in ("decimal", "percent"):
        return _french_number(float(value)) + (" %" if kind == "percent" else "")
    if kind == "bool":
        return "Oui" if value else "Non"
    if kind in ("choice", "funding"):
        labels = dict(choices)
        items = value if kind == "funding" else (value,)
        return ", ".join(labels.get(v, str(v)) for v in items)
    return str(value)


def _cell_value(kind: str, value: Any, choices: tuple[tuple[str, str], ...]) -> Any:
    """What a cell shows for a stored value."""
    if value is None or value == "" or value == ():
        return None
    if kind == "money":
        return round(int(value) / 100, 2)
    if kind == "date":
        return date.fromisoformat(normal(kind, value))
    if kind == "percent":
        return float(value) / 100
    if kind == "decimal":
        return float(value)
    if kind in ("integer", "year"):
        return int(value)
    if kind == "bool":
        return "Oui" if value else "Non"
    if kind in ("choice", "funding"):
        return display(kind, value, choices)
    return clean_text(str(value))


# --- Writing the pre-filled workbook ----------------------------------------------------------------

def sheet_template_xlsx(db, structure_id: str, year: int, kind: str) -> bytes:
    """The pre-filled, protected workbook of a structure's sheet (nothing is created in the database)."""
    from ...services.spreadsheets import sheet_snapshot

    return build_template(sheet_snapshot(db, structure_id, year, kind))


def build_template(snapshot) -> bytes:
    from openpyxl import Workbook
    from openpyxl.workbook.protection import WorkbookProtection

    layout = build_layout(snapshot.template)
    workbook = Workbook()
    instructions = workbook.active
    instructions.title = layout.titles["instructions"]
    lists = _ListSheet(workbook.create_sheet(layout.titles["lists"]))
    _write_instructions(instructions, snapshot, layout)
    _write_answers(workbook.create_sheet(layout.titles["answers"], 1), snapshot, layout, lists)
    for position, group in enumerate(layout.groups, start=2):
        _write_group(workbook.create_sheet(group.title, position), group, snapshot.groups[group.group], lists)
    _write_meta(workbook.create_sheet(layout.titles["technical"]), snapshot)
    lists.finish()
    workbook.active = 0
    workbook.security = WorkbookProtection(lockStructure=True)
    workbook.properties.title = snapshot.template.title
    workbook.properties.subject = f"{snapshot.structure_name} — fiche évaluative {snapshot.year}"
    workbook.properties.creator = "Carnet PETR"
    workbook.properties.language = "fr-FR"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _protect(ws) -> None:
    ws.protection.sheet = True
    ws.protection.formatColumns = False      # widening a column stays possible
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


def _print_setup(ws, landscape: bool) -> None:
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.right.text = "Page &P / &N"


class _Validations:
    """The data validations of one sheet: one per kind of cell (and list), holding all its cells."""

    def __init__(self, ws, lists: "_ListSheet") -> None:
        self.ws = ws
        self.lists = lists
        self.rules: dict[tuple[Any, ...], Any] = {}

    def add(self, kind: str, choices: tuple[tuple[str, str], ...], where: str, prompt: str = "") -> None:
        key = (kind, choices, prompt)
        if key not in self.rules:
            self.rules[key] = _validation(kind, choices, self.lists, prompt)
            self.ws.add_data_validation(self.rules[key])
        self.rules[key].add(where)


class _ListSheet:
    """The hidden sheet holding the values of the drop-down lists (one column per list)."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.ranges: dict[tuple[str, ...], str] = {}

    def source(self, labels: tuple[str, ...]) -> str:
        from openpyxl.utils import get_column_letter

        if labels not in self.ranges:
            column = len(self.ranges) + 1
            for row, label in enumerate(labels, start=1):
                set_text(self.ws.cell(row, column), label)
            letter = get_column_letter(column)
            self.ranges[labels] = f"'{self.ws.title}'!${letter}$1:${letter}${len(labels)}"
        return self.ranges[labels]

    def finish(self) -> None:
        self.ws.sheet_state = "hidden"
        _protect(self.ws)


def _validation(kind: str, choices: tuple[tuple[str, str], ...], lists: _ListSheet, prompt: str = ""):
    """The data validation of a cell type: checks where Excel can, and the expected format as a tip."""
    from openpyxl.worksheet.datavalidation import DataValidation

    words = config()["validation"]
    if kind in ("choice", "bool"):
        labels = tuple(label for _v, label in choices) if kind == "choice" else ("Oui", "Non")
        rule = DataValidation(type="list", formula1=lists.source(labels), allow_blank=True)
    elif kind in ("integer", "year"):
        low, high = ("2000", "2100") if kind == "year" else ("0", "999999999")
        rule = DataValidation(type="whole", operator="between", formula1=low, formula2=high, allow_blank=True)
    elif kind in ("decimal", "money"):
        rule = DataValidation(type="decimal", operator="between", formula1="-1000000000000",
                              formula2="1000000000000", allow_blank=True)
    elif kind == "percent":
        rule = DataValidation(type="decimal", operator="between", formula1="0", formula2="1", allow_blank=True)
    elif kind == "date":
        rule = DataValidation(type="date", operator="between", formula1="36526", formula2="73051",
                              allow_blank=True)      # 01/01/2000 – 01/01/2100
    else:
        rule = DataValidation(allow_blank=True)      # any value: only the tip
    if kind in words:
        rule.showErrorMessage = True
        rule.errorTitle = words["title"]
        rule.error = words[kind]
    if prompt:
        rule.showInputMessage = True
        rule.prompt = prompt[:250]
    return rule


def _input_style(cell, kind: str) -> None:
    from openpyxl.styles import Alignment, Protection

    spec = styles()["input"]
    cell.protection = Protection(locked=False)
    cell.fill = fill(spec["fill"])
    cell.border = border(spec["border"])
    cell.font = font()
    number_kind = "text" if kind in ("text", "longtext", "choice", "bool", "funding") else kind
    cell.number_format = styles()["number_formats"].get(number_kind, "General")
    cell.alignment = Alignment(vertical="top", wrap_text=kind in ("longtext", "text", "funding"))


def _put(cell, value: Any) -> None:
    if isinstance(value, str):
        set_text(cell, value)
    else:
        cell.value = value


def _hint(kind: str, unit: str, choices: tuple[tuple[str, str], ...]) -> str:
    hints = config()["hints"]
    text = hints.get(kind, hints["text"]).format(choices=", ".join(label for _v, label in choices))
    return f"{text} — {unit}" if unit else text


def _kind_label(kind: str) -> str:
    return SheetKind(kind).label


def _write_instructions(ws, snapshot, layout: Layout) -> None:
    from openpyxl.styles import Alignment

    cfg = config()
    style_title(ws.cell(1, 1), f"{snapshot.template.title} — {snapshot.structure_name}")
    style_subtitle(ws.cell(2, 1), cfg["instructions_subtitle"])
    identity = {"structure": snapshot.structure_name, "year": str(snapshot.year),
                "kind": _kind_label(snapshot.kind), "status": SheetStatus(snapshot.status).label
                if snapshot.exists else "pas encore ouverte", "created": datetime.now().strftime("%d/%m/%Y à %H:%M")}
    row = 4
    for label, key in cfg["identity"]:
        ws.cell(row, 1, label).font = font(bold=True)
        set_text(ws.cell(row, 2), identity[key])
        row += 1
    if snapshot.frozen:
        cell = ws.cell(row, 1, "Cette fiche est validée dans Carnet PETR : elle ne peut plus être modifiée "
                               "par import (les corrections passent par un rectificatif).")
        cell.font = font(bold=True, color="C00000")
        row += 1
    row += 1
    ws.cell(row, 1, "Mode d'emploi").font = font(bold=True, size=12)
    row += 1
    wrap = Alignment(vertical="top", wrap_text=True)
    for number, text in enumerate(cfg["instructions"], start=1):
        ws.cell(row, 1, f"{number}.").alignment = Alignment(vertical="top", horizontal="right")
        cell = ws.cell(row, 2, text)
        cell.alignment = wrap
        ws.row_dimensions[row].height = text_height(text, 95)
        row += 1
    row += 1
    ws.cell(row, 1, "Onglets à compléter").font = font(bold=True, size=12)
    row += 1
    for title in (layout.titles["answers"], *(g.title for g in layout.groups)):
        set_text(ws.cell(row, 2), f"« {title} »")
        row += 1
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 95
    _protect(ws)
    _print_setup(ws, landscape=False)


def _write_answers(ws, snapshot, layout: Layout, lists: _ListSheet) -> None:
    from openpyxl.styles import Alignment

    cfg = config()
    style_title(ws.cell(1, 1), f"{snapshot.template.title} — {snapshot.structure_name}")
    style_subtitle(ws.cell(2, 1), "Complétez les cellules sur fond jaune (colonne « Réponse »).")
    for index, header in enumerate(cfg["answers_headers"], start=1):
        style_header(ws.cell(ANSWERS_HEADER_ROW, index), header)
    style_header(ws.cell(ANSWERS_HEADER_ROW, KEY_COL), "Clé")
    style_header(ws.cell(ANSWERS_HEADER_ROW, PRINT_COL), cfg["fingerprint_header"])
    section_spec = styles()["section"]
    note_spec = styles()["note"]
    wrap = Alignment(vertical="top", wrap_text=True)
    for heading in layout.headings:
        cell = ws.cell(heading.row, LABEL_COL, heading.title)
        cell.font = font(bold=section_spec["bold"], color=section_spec["color"])
        for column in range(LABEL_COL, HELP_COL + 1):
            ws.cell(heading.row, column).fill = fill(section_spec["fill"])
        if heading.note:
            ws.merge_cells(start_row=heading.row + 1, start_column=LABEL_COL, end_row=heading.row + 1,
                           end_column=HELP_COL)
            note = ws.cell(heading.row + 1, LABEL_COL, clean_text(heading.note))
            note.font = font(italic=note_spec["italic"], color=note_spec["color"])
            note.alignment = wrap
            ws.row_dimensions[heading.row + 1].height = text_height(heading.note, 190)
    values = {f"@{k}": v for k, v in snapshot.common.items()} | dict(snapshot.answers)
    validations = _Validations(ws, lists)
    for slot in layout.slots:
        value = values.get(slot.key, slot.default if slot.common else None)
        label = ws.cell(slot.row, LABEL_COL, clean_text(slot.label))
        label.alignment = wrap
        answer = ws.cell(slot.row, ANSWER_COL)
        _input_style(answer, slot.type)
        _put(answer, _cell_value(slot.type, value, slot.choices))
        if slot.type not in ("text", "longtext"):
            validations.add(slot.type, slot.choices, answer.coordinate)
        hint_text = _hint(slot.type, slot.unit, slot.choices)
        hint = ws.cell(slot.row, HINT_COL, hint_text)
        hint.font = font(italic=True, color=note_spec["color"])
        hint.alignment = wrap
        help_cell = ws.cell(slot.row, HELP_COL, clean_text(slot.help))
        help_cell.alignment = wrap
        set_text(ws.cell(slot.row, KEY_COL), slot.key)
        set_text(ws.cell(slot.row, PRINT_COL), fingerprint(slot.type, value))
        lines = text_height(str(answer.value or ""), 60, 4 if slot.type == "longtext" else 1)
        ws.row_dimensions[slot.row].height = max(lines, text_height(slot.label, 45), text_height(slot.help, 45),
                                                 text_height(hint_text, 26))
    for letter, width in (("A", 45), ("B", 60), ("C", 26), ("D", 45), ("E", 30), ("F", 18)):
        ws.column_dimensions[letter].width = width
    ws.column_dimensions["E"].hidden = True
    ws.column_dimensions["F"].hidden = True
    ws.freeze_panes = ws.cell(ANSWERS_HEADER_ROW + 1, 1).coordinate
    ws.print_title_rows = f"{ANSWERS_HEADER_ROW}:{ANSWERS_HEADER_ROW}"
    ws.print_area = f"A1:D{ws.max_row}"
    _protect(ws)
    _print_setup(ws, landscape=True)


def _write_group(ws, group: GroupLayout, rows: list[dict[str, Any]], lists: _ListSheet) -> None:
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    cfg = config()
    style_title(ws.cell(1, 1), group.heading)
    last_visible = get_column_letter(len(group.columns))
    if group.help:
        ws.merge_cells(f"A2:{last_visible}2")
        note = ws.cell(2, 1, clean_text(group.help))
        note.font = font(italic=True, color=styles()["note"]["color"])
        note.alignment = Alignment(vertical="top", wrap_text=True)
        ws.row_dimensions[2].height = text_height(group.help, 18 * len(group.columns))
    for column in group.columns:
        style_header(ws.cell(GROUP_HEADER_ROW, column.index), column.label)
    style_header(ws.cell(GROUP_HEADER_ROW, group.id_index), cfg["id_header"])
    style_header(ws.cell(GROUP_HEADER_ROW, group.print_index), cfg["fingerprint_header"])
    first = GROUP_HEADER_ROW + 1
    last = first + len(rows) + int(cfg["blank_rows"]) - 1
    validations = _Validations(ws, lists)
    widths = {c.index: max(12.0, min(40.0, len(c.label) + 4.0)) for c in group.columns}
    for offset, row in enumerate(rows):
        excel_row = first + offset
        prints = {}
        for column in group.columns:
            value = row.get(column.name)
            cell = ws.cell(excel_row, column.index)
            shown = _cell_value(column.type, value, column.choices)
            _put(cell, shown)
            prints[column.name] = fingerprint(column.type, value)
            if column.type in ("text", "longtext", "funding") and shown:
                widths[column.index] = min(45.0, max(widths[column.index], len(str(shown)) * 0.9 + 2))
        set_text(ws.cell(excel_row, group.id_index), row["id"])
        set_text(ws.cell(excel_row, group.print_index), json.dumps(prints, sort_keys=True, separators=(",", ":")))
    for column in group.columns:
        letter = get_column_letter(column.index)
        for excel_row in range(first, last + 1):
            _input_style(ws.cell(excel_row, column.index), column.type)
        validations.add(column.type, column.choices, f"{letter}{first}:{letter}{last}",
                        _hint(column.type, "", column.choices))
        ws.column_dimensions[letter].width = widths[column.index]
    for excel_row in range(first, first + len(rows)):
        ws.row_dimensions[excel_row].height = min(120.0, max(
            text_height(str(ws.cell(excel_row, c.index).value or ""), widths[c.index]) for c in group.columns))
    for index in (group.id_index, group.print_index):
        ws.column_dimensions[get_column_letter(index)].hidden = True
        ws.column_dimensions[get_column_letter(index)].width = 30
    ws.freeze_panes = ws.cell(first, 1).coordinate
    ws.print_title_rows = f"{GROUP_HEADER_ROW}:{GROUP_HEADER_ROW}"
    ws.print_area = f"A1:{last_visible}{last}"
    _protect(ws)
    _print_setup(ws, landscape=True)


def _write_meta(ws, snapshot) -> None:
    cfg = config()
    values = {"format": cfg["format"], "format_version": cfg["format_version"],
              "structure_id": snapshot.structure_id, "structure_name": snapshot.structure_name,
              "year": snapshot.year, "kind": snapshot.kind,
              "template_version": snapshot.template.template_version, "sheet_id": snapshot.sheet_id,
              "created": datetime.now().replace(microsecond=0)}
    for key, row in META_ROWS.items():
        ws.cell(row, 1, META_LABELS[key])
        _put(ws.cell(row, 2), values[key])
    ws.cell(META_ROWS["created"], 2).number_format = styles()["number_formats"]["datetime"]
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 40
    ws.sheet_state = "veryHidden"
    _protect(ws)


# --- Reading a filled workbook ------------------------------------------------------------------

@dataclass
class ParsedRow:
    """One row of a group sheet as filled in."""

    row: int                                  # Excel row number
    row_id: str | None                        # None for a row added in the workbook
    values: dict[str, Any]                    # typed; an empty cell gives the column's default
    filled: set[str]                          # columns whose cell is not empty
    fingerprints: dict[str, str]              # as exported (empty for a new row)
    kinds: dict[str, str]                     # column → type

    @property
    def empty(self) -> bool:
        return not self.filled

    @property
    def cleared(self) -> bool:
        """An existing row, not empty when exported, whose every cell was emptied: a deletion."""
        if self.row_id is None or not self.empty:
            return False
        return any(self.fingerprints.get(name) != fingerprint(kind, None) for name, kind in self.kinds.items())

    @property
    def untouched(self) -> bool:
        """Every cell still holds what it was given at the export."""
        return all(self.fingerprints.get(name) == fingerprint(kind, self.values[name])
                   for name, kind in self.kinds.items())

    def coordinate(self, column: GroupColumn) -> str:
        from openpyxl.utils import get_column_letter

        return f"{get_column_letter(column.index)}{self.row}"


@dataclass
class ParsedWorkbook:
    """A filled sheet workbook, checked cell by cell (no database involved)."""

    problems: list[str] = field(default_factory=list)
    layout: Layout | None = None
    structure_id: str = ""
    structure_name: str = ""
    year: int = 0
    kind: str = ""
    template_version: int = 0
    sheet_id: str = ""
    values: dict[str, Any] = field(default_factory=dict)          # slot key → typed value
    fingerprints: dict[str, str] = field(default_factory=dict)    # slot key → fingerprint at export
    locations: dict[str, str] = field(default_factory=dict)       # slot key → « Réponses, B12 »
    groups: dict[str, list[ParsedRow]] = field(default_factory=dict)
    meta_title: str = "Technique"

    @property
    def valid(self) -> bool:
        return not self.problems

    def meta_location(self, key: str) -> str:
        return f"{self.meta_title}, B{META_ROWS[key]}"


class CellProblem(ValueError):
    """A cell that cannot be read; the message is French."""


def _file_problem(text: str) -> ParsedWorkbook:
    return ParsedWorkbook(problems=[f"Fichier : {text}"])


def read_sheet_workbook(data: bytes) -> ParsedWorkbook:
    """Read and check a filled sheet workbook: every problem « Feuille, B12 : problème », in French."""
    if not data:
        return _file_problem("le fichier est vide")
    if len(data) > MAX_FILE_BYTES:
        return _file_problem("le fichier est trop volumineux pour être une fiche évaluative (plus de 50 Mo)")
    if not data.startswith(b"PK"):
        return _file_problem("ce n'est pas un classeur Excel (.xlsx) ; s'il s'agit d'un ancien format (.xls) "
                             "ou d'un autre tableur, enregistrez-le au format .xlsx")
    workbook = _load(data)
    if isinstance(workbook, ParsedWorkbook):
        return workbook
    titles = config()["sheets"]
    if titles["technical"] not in workbook.sheetnames:
        return _file_problem("ce classeur n'est pas une fiche évaluative créée par Carnet PETR "
                             f"(onglet « {titles['technical']} » absent) ; partez du classeur envoyé par la Région")
    parsed = ParsedWorkbook(meta_title=titles["technical"])
    _read_meta(workbook[titles["technical"]], parsed)
    if parsed.problems:
        return parsed
    from ...services.sheets import load_template

    template = load_template(parsed.kind, parsed.year)
    if template.template_version != parsed.template_version:
        parsed.problems.append(
            f"{parsed.meta_location('template_version')} : le modèle de la fiche « {_kind_label(parsed.kind)} » "
            f"{parsed.year} a changé depuis la création du classeur (version {parsed.template_version}, "
            f"aujourd'hui {template.template_version}) ; demandez un nouveau classeur")
        return parsed
    parsed.layout = build_layout(template)
    missing = [t for t in (parsed.layout.titles["answers"], *(g.title for g in parsed.layout.groups))
               if t not in workbook.sheetnames]
    if missing:
        parsed.problems.extend(f"Fichier : onglet « {t} » introuvable (renommé ou supprimé ?)" for t in missing)
        return parsed
    _read_answers(workbook[parsed.layout.titles["answers"]], parsed)
    for group in parsed.layout.groups:
        parsed.groups[group.group] = _read_group(workbook[group.title], group, parsed.problems)
    return parsed


def _load(data: bytes):
    from xml.etree.ElementTree import ParseError

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return _file_problem("le classeur est endommagé ou incomplet (archive illisible) ; demandez à la "
                             "structure de l'enregistrer de nouveau au format .xlsx")
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            return _file_problem("c'est un document Word, pas un classeur Excel (.xlsx)")
        if "content.xml" in names:
            return _file_problem("c'est un document OpenDocument (.ods/.odt) : enregistrez-le au format Excel (.xlsx)")
        return _file_problem("ce fichier n'est pas un classeur Excel (.xlsx)")
    try:
        return load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ParseError, OSError, EOFError, ValueError,
            TypeError, AttributeError, IndexError):
        return _file_problem("le classeur est endommagé ou incomplet et ne peut pas être lu ; demandez à la "
                             "structure de l'enregistrer de nouveau au format .xlsx")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_meta(ws, parsed: ParsedWorkbook) -> None:
    from ...domain.ids import singleton_id

    cfg = config()
    cells = {key: ws.cell(row, 2).value for key, row in META_ROWS.items()}
    problems = parsed.problems
    if _text(cells["format"]) != cfg["format"]:
        problems.append(f"{parsed.meta_location('format')} : ce classeur n'est pas une fiche évaluative créée par "
                        "Carnet PETR")
        return
    if _text(cells["format_version"]) != str(cfg["format_version"]):
        problems.append(f"{parsed.meta_location('format_version')} : version de format "
                        f"« {_text(cells['format_version'])} » inconnue de cette version de Carnet PETR ; "
                        "demandez un nouveau classeur")
        return
    parsed.structure_id = _text(cells["structure_id"]).lower()
    parsed.structure_name = _text(cells["structure_name"])
    if not _UUID.match(parsed.structure_id):
        problems.append(f"{parsed.meta_location('structure_id')} : identifiant de structure illisible "
                        f"« {_text(cells['structure_id'])} »")
    year = _text(cells["year"])
    if year.isdigit() and 2000 <= int(year) <= 2100:
        parsed.year = int(year)
    else:
        problems.append(f"{parsed.meta_location('year')} : exercice « {year} » invalide (attendu une année, "
                        "ex. 2026)")
    kind = _text(cells["kind"])
    if kind in {k.value for k in SheetKind}:
        parsed.kind = kind
    else:
        problems.append(f"{parsed.meta_location('kind')} : type de fiche « {kind} » inconnu (attendu "
                        + ", ".join(f"« {k.value} »" for k in SheetKind) + ")")
    version = _text(cells["template_version"])
    if version.isdigit():
        parsed.template_version = int(version)
    else:
        problems.append(f"{parsed.meta_location('template_version')} : version du modèle « {version} » invalide")
    parsed.sheet_id = _text(cells["sheet_id"]).lower()
    if problems:
        return
    if parsed.sheet_id != singleton_id("evaluation_sheet", parsed.structure_id, parsed.year, parsed.kind):
        problems.append(f"{parsed.meta_location('sheet_id')} : l'identifiant de la fiche ne correspond pas à la "
                        f"structure, à l'exercice ({parsed.year}) et au type (« {parsed.kind} ») indiqués : "
                        "le classeur a été modifié ; demandez un nouveau classeur")


def _read_answers(ws, parsed: ParsedWorkbook) -> None:
    from openpyxl.utils import get_column_letter

    assert parsed.layout is not None
    title = ws.title
    for slot in parsed.layout.slots:
        key_cell = ws.cell(slot.row, KEY_COL)
        if _text(key_cell.value) != slot.key:
            parsed.problems.append(f"{title}, {key_cell.coordinate} : la ligne de « {slot.label} » n'est plus à sa "
                                   "place (lignes insérées, supprimées ou déplacées ?) ; demandez un nouveau classeur")
            return
        cell = ws.cell(slot.row, ANSWER_COL)
        location = f"{title}, {get_column_letter(ANSWER_COL)}{slot.row}"
        parsed.locations[slot.key] = location
        print_cell = ws.cell(slot.row, PRINT_COL)
        original = _text(print_cell.value)
        if not _FINGERPRINT.match(original):
            parsed.problems.append(f"{title}, {print_cell.coordinate} : cellule technique modifiée ; demandez un "
                                   "nouveau classeur")
            continue
        parsed.fingerprints[slot.key] = original
        try:
            value = read_value(slot.type, cell, slot.label, slot.choices)
            if slot.common and slot.name == "version" and value is not None and value < 1:
                raise CellProblem(f"« {slot.label} » attend un nombre entier à partir de 1, pas « {value} »")
        except CellProblem as problem:
            parsed.problems.append(f"{location} : {problem}")
            continue
        parsed.values[slot.key] = slot.default if value is None else value


def _read_group(ws, group: GroupLayout, problems: list[str]) -> list[ParsedRow]:
    title = ws.title
    for column in group.columns:
        header = ws.cell(GROUP_HEADER_ROW, column.index)
        if _text(header.value) != column.label:
            problems.append(f"{title}, {header.coordinate} : colonne « {column.label} » attendue ici (colonnes "
                            "insérées, supprimées ou déplacées ?) ; demandez un nouveau classeur")
            return []
    kinds = {c.name: c.type for c in group.columns}
    rows: list[ParsedRow] = []
    seen: dict[str, int] = {}
    for excel_row in range(GROUP_HEADER_ROW + 1, ws.max_row + 1):
        id_cell = ws.cell(excel_row, group.id_index)
        print_cell = ws.cell(excel_row, group.print_index)
        row_id = _text(id_cell.value).lower() or None
        values, filled, row_problems = {}, set(), []
        for column in group.columns:
            cell = ws.cell(excel_row, column.index)
            try:
                value = read_value(column.type, cell, column.label, column.choices)
            except CellProblem as problem:
                row_problems.append(f"{title}, {cell.coordinate} : {problem}")
                continue
            if value is not None and value != ():
                filled.add(column.name)
            values[column.name] = column.default if value is None else value
        prints: dict[str, str] = {}
        if row_id is not None:
            if not _UUID.match(row_id):
                problems.append(f"{title}, {id_cell.coordinate} : identifiant de ligne illisible (cellule technique "
                                "modifiée) ; demandez un nouveau classeur")
                continue
            if row_id in seen:
                problems.append(f"{title}, ligne {excel_row} : cette ligne est une copie de la ligne {seen[row_id]} "
                                "(même identifiant) ; pour ajouter une ligne, utilisez une ligne vide en bas du "
                                "tableau")
                continue
            seen[row_id] = excel_row
            try:
                prints = json.loads(_text(print_cell.value))
                if not (isinstance(prints, dict) and set(prints) == set(kinds)
                        and all(isinstance(v, str) and _FINGERPRINT.match(v) for v in prints.values())):
                    raise ValueError
            except ValueError:
                problems.append(f"{title}, {print_cell.coordinate} : cellule technique modifiée ; demandez un "
                                "nouveau classeur")
                continue
        first_column = group.columns[0]
        if row_id is None and filled and first_column.name not in filled:
            row_problems.append(f"{title}, {ws.cell(excel_row, first_column.index).coordinate} : "
                                f"« {first_column.label} » est à renseigner pour ajouter cette ligne")
        problems.extend(row_problems)
        if row_problems:
            continue
        if row_id is None and not filled:
            continue
        rows.append(ParsedRow(excel_row, row_id, values, filled, prints, kinds))
    return rows


# --- Typing one cell ----------------------------------------------------------------------------

EXPECTED = {"integer": "un nombre entier positif", "year": "une année entre 2000 et 2100",
            "decimal": "un nombre (ex. 1,5)", "percent": "un pourcentage entre 0 et 100 % (ex. 45 %)",
            "money": "un montant en euros (ex. 12 500,00)", "date": "une date JJ/MM/AAAA (ex. {today})",
            "bool": "Oui ou Non"}


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M") if value.time() != datetime.min.time() else \
            value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return _french_number(value)
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    text = str(value).strip()
    return text if len(text) <= 60 else text[:57] + "…"


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def _percent_format(number_format: str) -> bool:
    """Whether a number format scales by 100 (a « % » outside quotes)."""
    return "%" in re.sub(r'"[^"]*"|\\.', "", number_format or "")


def read_value(kind: str, cell, label: str, choices: tuple[tuple[str, str], ...] = ()) -> Any:
    """The typed value of a cell (None when empty), or CellProblem with a French message."""
    raw = cell.value
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return () if kind == "funding" else None

    def refuse(expected: str | None = None) -> CellProblem:
        return CellProblem(f"« {label} » attend {expected or EXPECTED[kind].format(today=example_date())}, pas « {_shown(raw)} »")

    if kind in ("text", "longtext"):
        if isinstance(raw, datetime):
            return _shown(raw)
        if isinstance(raw, bool):
            return "Oui" if raw else "Non"
        if isinstance(raw, float):
            return _french_number(raw)
        return clean_text(str(raw)).replace("\r\n", "\n").strip()
    if kind in ("integer", "year"):
        if isinstance(raw, bool) or isinstance(raw, datetime):
            raise refuse()
        if isinstance(raw, str):
            text = _SPACES.sub("", raw)
            if not re.fullmatch(r"\d+", text):
                raise refuse()
            number = int(text)
        elif isinstance(raw, float):
            if not raw.is_integer():
                raise refuse()
            number = int(raw)
        else:
            number = int(raw)
        if number < 0 or (kind == "year" and not 2000 <= number <= 2100):
            raise refuse()
        return number
    if kind in ("decimal", "percent"):
        if isinstance(raw, bool) or isinstance(raw, datetime):
            raise refuse()
        if isinstance(raw, str):
            text = _SPACES.sub("", raw).replace(",", ".")
            if kind == "percent":
                text = text.removesuffix("%")
            try:
                number = float(text)
            except ValueError:
                raise refuse() from None
        else:
            number = float(raw)
            if kind == "percent" and _percent_format(cell.number_format):
                number = round(number * 100, 9)
        if number != number or number in (float("inf"), float("-inf")):
            raise refuse()
        if kind == "percent" and not 0 <= number <= 100:
            raise refuse()
        return number
    if kind == "money":
        if isinstance(raw, bool) or isinstance(raw, datetime):
            raise refuse()
        if isinstance(raw, str):
            try:
                return parse_amount(raw)
            except ValueFormatError:
                raise refuse() from None
        cents = round(float(raw) * 100)
        if abs(float(raw) * 100 - cents) > 1e-6:
            raise CellProblem(f"« {label} » : un montant a au plus deux décimales, pas « {_shown(raw)} »")
        return int(cents)
    if kind == "date":
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str):
            try:
                parsed = parse_date(raw)
            except ValueFormatError:
                raise refuse() from None
            if not 1900 <= parsed.year <= 2100:
                raise refuse()
            return parsed
        raise refuse()
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, (int, float)) and raw in (0, 1):
            return bool(raw)
        text = _fold(str(raw))
        if text in ("oui", "vrai", "true", "x"):
            return True
        if text in ("non", "faux", "false"):
            return False
        raise refuse()
    if kind == "choice":
        text = _shown(raw) if not isinstance(raw, str) else raw.strip()
        for value, shown in choices:
            if text in (value, shown):
                return value
        for value, shown in choices:
            if _fold(text) in (_fold(value), _fold(shown)):
                return value
        raise refuse("l'une des valeurs de la liste (" + ", ".join(s for _v, s in choices) + ")")
    if kind == "funding":
        codes = set()
        for part in re.split(r"[,;\n]+", str(raw)):
            if not part.strip():
                continue
            match = [value for value, shown in choices if _fold(part) in (_fold(value), _fold(shown))]
            if not match:
                raise CellProblem(f"« {label} » : source de financement « {part.strip()} » inconnue (sources "
                                  "possibles : " + ", ".join(s for _v, s in choices) + ")")
            codes.add(match[0])
        return tuple(value for value, _shown_label in choices if value in codes)
    return str(raw)
