"""The Tableau de bord of a year as a workbook: key figures, the per-structure table (with totals)
and the grid of the 30 × 3 sheets filled with their status colours. Sheets and texts are described
in ``reports/excel_tables.json`` (``workbooks.dashboard``); openpyxl is imported when called."""
from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from ...domain.enums import SheetKind, SheetStatus
from ...domain.values import format_date
from ...reports import sheet_status_colours
from .styles import (border, clean_text, fill, font, number_format, report_data, style_header, style_subtitle,
                     style_title, styles)
from .tables import FIRST_DATA_ROW, HEADER_ROW, finish_workbook, write_sheets

KINDS = tuple(k.value for k in SheetKind)


def _spec() -> dict[str, Any]:
    return report_data("excel_tables.json")["workbooks"]["dashboard"]


def status_label(status: str) -> str:
    return _spec()["figures"]["labels"]["missing"] if status == "missing" else SheetStatus(status).label


def _structure_rows(doc) -> list[SimpleNamespace]:
    return [SimpleNamespace(structure=r.name, regional_office=r.regional_office_name,
                            dialogues_held=r.dialogues_held, dialogues_planned=r.dialogues_planned,
                            voted_cents=r.voted_cents, paid_cents=r.paid_cents, remaining_cents=r.remaining_cents,
                            overdue_actions=r.overdue_actions) for r in doc.rows]


def _grid_rows(doc) -> list[SimpleNamespace]:
    return [SimpleNamespace(structure=r.name, regional_office=r.regional_office_name,
                            **{k: status_label(r.sheet_status(k)) for k in KINDS}) for r in doc.rows]


def _colour_cell(cell, status: str) -> None:
    colours = sheet_status_colours()
    spec = colours.get(status, colours["missing"])
    cell.fill = fill(spec["fill"])
    cell.font = font(color=spec["text"], bold=status in ("validated", "archived"))
    cell.border = border("FFFFFF")


def _colour_grid(ws, doc) -> None:
    """Fill each sheet cell with its status colour; a legend beside the table."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    centred = Alignment(horizontal="center", vertical="top")
    for offset, row in enumerate(doc.rows):
        for index, kind in enumerate(KINDS, start=3):
            cell = ws.cell(FIRST_DATA_ROW + offset, index)
            _colour_cell(cell, row.sheet_status(kind))
            cell.alignment = centred
    column = 3 + len(KINDS) + 1
    style_header(ws.cell(HEADER_ROW, column), _spec()["legend"])
    for offset, status in enumerate([*(s.value for s in SheetStatus), "missing"]):
        cell = ws.cell(FIRST_DATA_ROW + offset, column)
        cell.value = status_label(status)
        _colour_cell(cell, status)
    ws.column_dimensions[get_column_letter(column)].width = 28


def _figures_sheet(workbook, doc, params: dict[str, Any]) -> None:
    """Key figures (real numbers with their formats) and the sheets by kind and status."""
    spec = _spec()["figures"]
    labels = {k: v.format(**params) for k, v in spec["labels"].items()}
    ws = workbook.create_sheet(spec["title"], 0)
    style_title(ws.cell(1, 1), spec["heading"].format(**params))
    style_subtitle(ws.cell(2, 1), report_data("excel_tables.json")["subtitle"].format(**params))
    voted, paid = doc.total("voted_cents"), doc.total("paid_cents")
    figures = [(labels["structures"], len(doc.rows), "integer"),
               (labels["dialogues_held"], doc.total("dialogues_held"), "integer"),
               (labels["dialogues_planned"], doc.total("dialogues_planned"), "integer"),
               (labels["sheets_validated"], doc.sheets_validated, "integer"),
               (labels["sheets_expected"], doc.sheets_expected, "integer"),
               (labels["voted"], voted / 100, "money"), (labels["paid"], paid / 100, "money"),
               (labels["remaining"], (voted - paid) / 100, "money"),
               (labels["paid_rate"], paid / voted if voted else None, "percent"),
               (labels["overdue"], doc.total("overdue_actions"), "integer")]
    for index, header in enumerate(spec["headers"], start=1):
        style_header(ws.cell(HEADER_ROW, index), header)
    for offset, (label, value, kind) in enumerate(figures):
        ws.cell(FIRST_DATA_ROW + offset, 1).value = clean_text(label)
        cell = ws.cell(FIRST_DATA_ROW + offset, 2)
        cell.value = value
        cell.number_format = number_format(kind)
    top = FIRST_DATA_ROW + len(figures) + 2
    ws.cell(top, 1).value = spec["statuses_heading"].format(**params)
    ws.cell(top, 1).font = font(bold=True, color=styles()["title"]["color"])
    for index, header in enumerate(spec["statuses_headers"], start=1):
        style_header(ws.cell(top + 1, index), header)
    counts = doc.statuses_by_kind()
    statuses = [*(s.value for s in SheetStatus), "missing"]
    for offset, status in enumerate(statuses, start=top + 2):
        _colour_cell(ws.cell(offset, 1), status)
        ws.cell(offset, 1).value = status_label(status)
        for index, kind in enumerate(KINDS, start=2):
            ws.cell(offset, index).value = counts[kind].get(status, 0)
        ws.cell(offset, 2 + len(KINDS)).value = sum(counts[k].get(status, 0) for k in KINDS)
    total_row = top + 2 + len(statuses)
    ws.cell(total_row, 1).value = labels["total"]
    for index in range(1, 3 + len(KINDS)):
        ws.cell(total_row, index).font = font(bold=True)
        ws.cell(total_row, index).fill = fill(styles()["total"]["fill"])
    for index in range(2, 2 + len(KINDS)):
        ws.cell(total_row, index).value = len(doc.rows)
    ws.cell(total_row, 2 + len(KINDS)).value = doc.sheets_expected
    for offset, text in enumerate(spec["notes"], start=total_row + 2):
        note = ws.cell(offset, 1)
        note.value = clean_text(text.format(**params))
        note.font = font(italic=True, color=styles()["note"]["color"])
    ws.column_dimensions["A"].width = 42
    for letter in "BCDE":
        ws.column_dimensions[letter].width = 18
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.left.text = "Carnet PETR"
    ws.oddFooter.right.text = "Page &P / &N"


def render(doc) -> bytes:
    from openpyxl import Workbook

    tables = report_data("excel_tables.json")
    book = _spec()
    params = {"today": datetime.now().strftime("%d/%m/%Y à %H:%M"), "year": doc.year,
              "date": format_date(doc.today)}
    workbook = Workbook()
    workbook.remove(workbook.active)
    rows = {"structures": _structure_rows(doc), "grid": _grid_rows(doc)}
    write_sheets(workbook, book, rows, tables, params)
    _colour_grid(workbook[book["sheets"][1]["title"].format(**params)], doc)
    _figures_sheet(workbook, doc, params)
    workbook.active = 0
    return finish_workbook(workbook, book, params)


def dashboard_xlsx(db, year: int) -> bytes:
    """The Tableau de bord of ``year`` as an Excel workbook."""
    from ...services import dashboard

    return render(dashboard.year_dashboard(db, year))
