"""The Excel tables: financial follow-up, actions, indicators of all sheets, the Commission table.

Each sheet holds a title, a subtitle, then one real Excel table (styled header, filters) whose
columns are described in ``reports/excel_tables.json``; amounts are numbers in euros with a euro
format, dates are real dates shown DD/MM/YYYY. Reads go through ``services.spreadsheets``.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .styles import (clean_text, column_width, display_length, fill, font, number_format, report_data, set_text,
                     style_header, style_subtitle, style_title, styles)

HEADER_ROW = 4
FIRST_DATA_ROW = HEADER_ROW + 1
#: Short values shown centred, so that they never touch the text of the next column.
CENTRED = {"date": "center", "year": "center", "bool": "center"}


@dataclass(frozen=True)
class SheetData:
    """The rows of one sheet of a workbook (objects whose attributes are the column keys)."""

    key: str
    rows: list[Any]


def _scope(db, structure_id: str | None, year: int | None = None, by_year: bool = True) -> str:
    """What a workbook covers: « toutes structures — exercice 2026 », « Alsace du Nord — tous les exercices »…"""
    from ...services import spreadsheets

    parts = [spreadsheets.structure_name(db, structure_id) if structure_id else "toutes structures"]
    if by_year:
        parts.append(f"exercice {year}" if year else "tous les exercices")
    return " — ".join(parts)


def finance_xlsx(db, year: int | None = None, structure_id: str | None = None) -> bytes:
    """Financial follow-up: per structure and year (voted by line, advance, balance, paid, remaining),
    the aid lines and the payments; of every structure, or of one."""
    from ...services import spreadsheets

    data = spreadsheets.finance(db, year, structure_id)
    return build_workbook("finance", [SheetData("summary", data.rows), SheetData("lines", data.lines),
                                      SheetData("payments", data.payments)],
                          scope=_scope(db, structure_id, year))


def actions_xlsx(db, structure_id: str | None = None) -> bytes:
    """Every live action (of every structure, or of one), with its owner, deadline and status."""
    from ...services import spreadsheets

    return build_workbook("actions", [SheetData("actions", spreadsheets.action_rows(db, structure_id=structure_id))],
                          scope=_scope(db, structure_id, by_year=False))


def indicators_xlsx(db, year: int | None = None, structure_id: str | None = None) -> bytes:
    """The indicators of every sheet (of every structure, or of one): target, actual, gap, rate, cumulative."""
    from ...services import spreadsheets

    rows = spreadsheets.indicator_rows(db, year, structure_id)
    return build_workbook("indicators", [SheetData("indicators", rows)], scope=_scope(db, structure_id, year))


def commission_xlsx(db, year: int) -> bytes:
    """The Commission table of a year: per active structure, the proposals against last year's vote."""
    from ...services import spreadsheets

    return build_workbook("commission", [SheetData("commission", spreadsheets.commission_rows(db, year))],
                          year=year, previous=year - 1)


def _value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "money":
        return round(value / 100, 2)
    if kind == "percent":
        return value / 100
    if kind == "bool":
        return "Oui" if value else "Non"
    if kind in ("text", "longtext"):
        return clean_text(str(value))
    if isinstance(value, datetime):
        return value
    if kind == "date" and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def build_workbook(key: str, sheets: list[SheetData], **params: Any) -> bytes:
    """A workbook described by ``excel_tables.json[workbooks][key]``, filled with ``sheets``."""
    from openpyxl import Workbook

    spec = report_data("excel_tables.json")
    book = spec["workbooks"][key]
    params = {"today": datetime.now().strftime("%d/%m/%Y à %H:%M")} | params
    rows_by_key = {s.key: s.rows for s in sheets}
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_spec in book["sheets"]:
        _write_sheet(workbook, sheet_spec, rows_by_key.get(sheet_spec["key"], []), spec, params)
    return finish_workbook(workbook, book, params)


def write_sheets(workbook, book: dict[str, Any], rows_by_key: dict[str, list[Any]], spec: dict[str, Any],
                 params: dict[str, Any], money_width: int = 16) -> None:
    """Every sheet of a workbook spec, money columns wide enough for totals (« 2 185 000,00 € »)."""
    from openpyxl.utils import get_column_letter

    for sheet_spec in book["sheets"]:
        _write_sheet(workbook, sheet_spec, rows_by_key[sheet_spec["key"]], spec, params)
        ws = workbook.worksheets[-1]
        for index, column in enumerate(sheet_spec["columns"], start=1):
            if column["type"] == "money":
                letter = get_column_letter(index)
                ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width, money_width)


def finish_workbook(workbook, book: dict[str, Any], params: dict[str, Any]) -> bytes:
    """Document properties (French) from the workbook's spec, then the file's bytes."""
    workbook.properties.title = book["properties"]["title"].format(**params)
    workbook.properties.subject = book["properties"]["subject"].format(**params)
    workbook.properties.creator = "Carnet PETR"
    workbook.properties.language = "fr-FR"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(workbook, sheet_spec: dict[str, Any], rows: list[Any], spec: dict[str, Any],
                 params: dict[str, Any]) -> None:
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    ws = workbook.create_sheet(sheet_spec["title"].format(**params)[:31])
    columns = sheet_spec["columns"]
    style_title(ws.cell(1, 1), sheet_spec["heading"].format(**params))
    style_subtitle(ws.cell(2, 1), spec["subtitle"].format(**params))
    headers = [column["header"].format(**params) for column in columns]
    lengths: list[list[int]] = [[len(h) if len(h) < 20 else 14] for h in headers]
    for index, header in enumerate(headers, start=1):
        style_header(ws.cell(HEADER_ROW, index), header)
    ws.row_dimensions[HEADER_ROW].height = styles()["header"]["height"]
    alignments = {kind: Alignment(vertical="top", horizontal=CENTRED.get(kind), wrap_text=kind == "longtext")
                  for kind in {column["type"] for column in columns}}
    for offset, row in enumerate(rows):
        for index, column in enumerate(columns, start=1):
            kind = column["type"]
            value = _value(kind, getattr(row, column["key"]))
            cell = ws.cell(FIRST_DATA_ROW + offset, index)
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = value
            cell.number_format = number_format(kind if kind not in ("text", "longtext", "bool") else "general")
            cell.alignment = alignments[kind]
            lengths[index - 1].append(display_length(value, kind))
    last_row = FIRST_DATA_ROW + max(len(rows), 1) - 1        # a table needs one data row, even empty
    last_column = get_column_letter(len(columns))
    table = Table(displayName=sheet_spec["table"].format(**params), ref=f"A{HEADER_ROW}:{last_column}{last_row}")
    table.tableStyleInfo = TableStyleInfo(name=styles()["table_style"], showRowStripes=True,
                                          showColumnStripes=False, showFirstColumn=False, showLastColumn=False)
    ws.add_table(table)
    if sheet_spec.get("totals") and rows:
        _totals_row(ws, columns, last_row, spec["total_label"])
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column_width(lengths[index - 1], column["type"])
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, sheet_spec.get("freeze_columns", 0) + 1).coordinate
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.left.text = "Carnet PETR"
    ws.oddFooter.right.text = "Page &P / &N"


def _totals_row(ws, columns: list[dict[str, Any]], last_row: int, label: str) -> None:
    """A total line under the table; SUBTOTAL ignores the rows hidden by a filter."""
    from openpyxl.utils import get_column_letter

    total_spec = styles()["total"]
    row = last_row + 1
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row, index)
        cell.font = font(bold=total_spec["bold"])
        cell.fill = fill(total_spec["fill"])
        if index == 1:
            cell.value = label
        elif column.get("total"):
            letter = get_column_letter(index)
            cell.value = f"=SUBTOTAL(109,{letter}{FIRST_DATA_ROW}:{letter}{last_row})"
            cell.number_format = number_format(column["type"])
