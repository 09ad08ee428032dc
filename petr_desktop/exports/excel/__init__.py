"""Excel exports (openpyxl, imported lazily inside the functions).

- ``finance_xlsx``, ``actions_xlsx``, ``indicators_xlsx``, ``commission_xlsx``: real Excel tables;
- ``sheet_template_xlsx``: the pre-filled, protected workbook of a sheet that a structure fills in;
- ``read_sheet_workbook``: pure reading and checking of a filled workbook (the import itself is
  ``services.spreadsheets.import_sheet_workbook``).

Every function returns bytes; callers write files with ``exports.files.atomic_write_bytes``.
"""
from __future__ import annotations

from .sheet_roundtrip import ParsedWorkbook, read_sheet_workbook, sheet_template_xlsx
from .tables import actions_xlsx, commission_xlsx, finance_xlsx, indicators_xlsx

__all__ = ["finance_xlsx", "actions_xlsx", "indicators_xlsx", "commission_xlsx", "sheet_template_xlsx",
           "read_sheet_workbook", "ParsedWorkbook"]
