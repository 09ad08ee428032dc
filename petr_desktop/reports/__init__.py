"""Report layouts, styles and templates: data, not code — and the one palette of sheet statuses."""
from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def sheet_status_colours() -> dict[str, dict[str, str]]:
    """``{status: {"fill": "RRGGBB", "text": "RRGGBB"}}``, ``missing`` included: the colours of the
    fiche grid, shared by the app's dashboard and the PDF, Excel and PowerPoint exports."""
    data = json.loads(resources.files(__name__).joinpath("sheet_statuses.json").read_text("utf-8"))
    return {status: colours for status, colours in data.items() if not status.startswith("_")}
