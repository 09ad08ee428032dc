"""Styles of the Excel workbooks, read from ``reports/excel_styles.json`` (data, not code).

openpyxl is imported inside the functions: this module may be imported at any time.
"""
from __future__ import annotations

import json
import math
import re
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

#: Characters openpyxl refuses in a cell (same set as ``openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE``).
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
#: Longest text a cell holds; longer texts are cut by Excel.
MAX_CELL_TEXT = 32767
#: Characters a sheet title may not contain.
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


@lru_cache(maxsize=None)
def report_data(name: str) -> dict[str, Any]:
    """A JSON file of ``petr_desktop/reports/``."""
    text = resources.files("petr_desktop.reports").joinpath(name).read_text("utf-8")
    return json.loads(text)


def styles() -> dict[str, Any]:
    return report_data("excel_styles.json")


def number_format(kind: str) -> str:
    return styles()["number_formats"].get(kind, "General")


def clean_text(value: str) -> str:
    """Text a cell can hold: control characters removed, cut at Excel's limit."""
    return ILLEGAL_CHARACTERS.sub("", value)[:MAX_CELL_TEXT]


def safe_title(text: str, taken: set[str] | None = None) -> str:
    """A valid, unique sheet title (≤ 31 characters, none of []:*?/\\)."""
    title = _BAD_TITLE.sub("-", clean_text(text)).strip().strip("'") or "Feuille"
    title = title[:31].rstrip()
    taken = taken if taken is not None else set()
    candidate, number = title, 2
    while candidate.casefold() in {t.casefold() for t in taken}:
        suffix = f" ({number})"
        candidate = title[:31 - len(suffix)].rstrip() + suffix
        number += 1
    taken.add(candidate)
    return candidate


def font(**overrides: Any):
    from openpyxl.styles import Font

    base = styles()["font"]
    values = {"name": base["name"], "size": base["size"]} | overrides
    return Font(**values)


def fill(colour: str):
    from openpyxl.styles import PatternFill

    return PatternFill("solid", start_color=colour, end_color=colour)


def border(colour: str):
    from openpyxl.styles import Border, Side

    side = Side(style="thin", color=colour)
    return Border(left=side, right=side, top=side, bottom=side)


def style_title(cell, text: str) -> None:
    spec = styles()["title"]
    cell.value = clean_text(text)
    cell.font = font(size=spec["size"], bold=spec["bold"], color=spec["color"])


def style_subtitle(cell, text: str) -> None:
    spec = styles()["subtitle"]
    cell.value = clean_text(text)
    cell.font = font(size=spec["size"], italic=spec["italic"], color=spec["color"])


def style_header(cell, text: str) -> None:
    from openpyxl.styles import Alignment

    spec = styles()["header"]
    cell.value = clean_text(text)
    cell.font = font(bold=spec["bold"], color=spec["color"])
    cell.fill = fill(spec["fill"])
    cell.border = border(spec["border"])
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def set_text(cell, text: str) -> None:
    """Store text as text, even when it starts with « = » (never a formula)."""
    cell.value = clean_text(text)
    cell.data_type = "s"


def display_length(value: Any, kind: str) -> int:
    """About how many characters a value takes on screen, to size its column."""
    if value is None or value == "":
        return 0
    if kind == "money" and isinstance(value, (int, float)):
        return len(f"{value:,.2f}") + 2
    if isinstance(value, (date, datetime)):
        return 10
    if kind == "percent" and isinstance(value, (int, float)):
        return len(f"{value * 100:.1f}") + 2
    if isinstance(value, float):
        return len(f"{value:.10g}")
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def column_width(lengths: list[int], kind: str) -> float:
    spec = styles()["widths"]
    longest = max(lengths, default=0) + spec["padding"]
    limit = spec["longtext"] if kind == "longtext" else spec["max"]
    return float(min(limit, max(spec["min"], longest)))


def text_height(text: str, width_chars: float, minimum_lines: int = 1) -> float:
    """Row height (points) that shows a wrapped text whole in a column ``width_chars`` wide."""
    per_line = max(1, int(width_chars * 1.1))
    lines = sum(max(1, math.ceil(len(line) / per_line)) for line in (text or "").splitlines() or [""])
    return float(min(409, styles()["line_height"] * max(lines, minimum_lines) + 4))
