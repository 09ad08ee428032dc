"""The « support de présentation » for the Commission (python-pptx, imported when called): a short
16:9 deck — cover, key figures, the fiche grid coloured by status, then one native chart per slide
(voted vs paid per structure, sheets by status, dialogues held vs planned). Texts, colours and sizes
are read from ``reports/pptx_layout.json``; every run is tagged French for the spell checker."""
from __future__ import annotations

import io
import json
from functools import lru_cache
from importlib import resources
from typing import Any

from ..domain.enums import SheetKind, SheetStatus
from ..domain.values import NNBSP, format_amount, format_date
from ..reports import sheet_status_colours

KINDS = tuple(k.value for k in SheetKind)
STATUSES = (*(s.value for s in SheetStatus), "missing")


@lru_cache(maxsize=None)
def layout() -> dict[str, Any]:
    return json.loads(resources.files("petr_desktop.reports").joinpath("pptx_layout.json").read_text("utf-8"))


def status_label(status: str) -> str:
    return layout()["grid"]["missing"] if status == "missing" else SheetStatus(status).label


def french(text: str) -> str:
    """French spacing: no-break spaces inside « » and before « : », narrow ones before « ; ! ? »."""
    text = text.replace("« ", "«\u00a0").replace(" »", "\u00a0»").replace(" :", "\u00a0:")
    for mark in ";!?":
        text = text.replace(f" {mark}", f"{NNBSP}{mark}")
    return text


def _rgb(name_or_hex: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(layout()["colours"].get(name_or_hex, name_or_hex))


def euros(cents: int) -> str:
    """An amount rounded to the euro for a slide: « 2 185 000 € »."""
    return format_amount(round(cents, -2)).replace(",00", "")


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}{NNBSP}%" if whole else "—"


class Deck:
    """A 16:9 presentation with the house fonts, colours and footers."""

    def __init__(self, today_text: str) -> None:
        from pptx import Presentation
        from pptx.util import Inches

        spec = layout()["slide"]
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = Inches(spec["width_in"]), Inches(spec["height_in"])
        self.width, self.height, self.margin = self.prs.slide_width, self.prs.slide_height, Inches(spec["margin_in"])
        self.footer = layout()["footer"].format(date=today_text)

    # Text
    def write(self, frame, text: str, size: float, *, bold: bool = False, colour: str = "text",
              align: str | None = None, new_paragraph: bool = False) -> None:
        """Write ``text`` in a text frame (replacing it, or as a further paragraph), in French."""
        from pptx.enum.lang import MSO_LANGUAGE_ID
        from pptx.enum.text import PP_ALIGN
        from pptx.util import Pt

        paragraph = frame.add_paragraph() if new_paragraph else frame.paragraphs[0]
        if not new_paragraph:
            for extra in list(frame.paragraphs[1:]):
                extra._p.getparent().remove(extra._p)
            for run in list(paragraph.runs):
                run._r.getparent().remove(run._r)
        if align:
            paragraph.alignment = {"center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT, "left": PP_ALIGN.LEFT}[align]
        run = paragraph.add_run()
        run.text = french(text)
        font = run.font
        font.name = layout()["font"]
        font.size = Pt(size)
        font.bold = bold
        font.color.rgb = _rgb(colour)
        font.language_id = MSO_LANGUAGE_ID.FRENCH

    def textbox(self, slide, left, top, width, height, text: str, size: float, **style: Any):
        box = slide.shapes.add_textbox(left, top, width, height)
        box.text_frame.word_wrap = True
        self.write(box.text_frame, text, size, **style)
        return box

    # Slides
    def slide(self, title: str, notes: str = ""):
        """A « Title Only » slide whose title sits at the top of the 16:9 page."""
        from pptx.enum.shapes import MSO_CONNECTOR
        from pptx.enum.text import MSO_ANCHOR
        from pptx.util import Emu, Inches

        slide = self.prs.slides.add_slide(self.prs.slide_layouts[5])
        head = slide.shapes.title
        head.left, head.top = self.margin, Inches(0.3)
        head.width, head.height = Emu(self.width - 2 * self.margin), Inches(0.8)
        head.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        self.write(head.text_frame, title, 28, bold=True, colour="primary", align="left")
        rule = slide.shapes.add_connector(MSO_CONNECTOR.STRAIGHT, self.margin, Inches(1.12),
                                          self.width - self.margin, Inches(1.12))
        rule.line.color.rgb = _rgb("rule")
        rule.shadow.inherit = False
        if notes:
            self.write(slide.notes_slide.notes_text_frame, notes, 12)
        return slide

    def add_footers(self) -> None:
        """« Carnet PETR — Région Grand Est — date » and « n / N » on every slide but the cover."""
        from pptx.util import Emu, Inches

        total = len(self.prs.slides)
        for number, slide in enumerate(self.prs.slides, start=1):
            if number == 1:
                continue
            top = self.height - Inches(0.42)
            half = Emu((self.width - 2 * self.margin) // 2)
            self.textbox(slide, self.margin, top, half, Inches(0.3), self.footer, 10, colour="muted")
            self.textbox(slide, self.margin + half, top, half, Inches(0.3), f"{number} / {total}", 10,
                         colour="muted", align="right")

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.prs.save(buffer)
        return buffer.getvalue()


# --- The slides -------------------------------------------------------------------------------

def cover(deck: Deck, doc, today_text: str) -> None:
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Emu, Inches

    spec = layout()["cover"]
    slide = deck.prs.slides.add_slide(deck.prs.slide_layouts[0])
    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, deck.width, Inches(0.35))
    band.fill.solid()
    band.fill.fore_color.rgb = _rgb("primary")
    band.line.fill.background()
    band.shadow.inherit = False
    width = Emu(deck.width - 2 * deck.margin)
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    title.left, title.top, title.width, title.height = deck.margin, Inches(1.9), width, Inches(1.3)
    deck.write(title.text_frame, spec["title"].format(year=doc.year), 48, bold=True, colour="primary")
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = deck.margin, Inches(3.4), width, Inches(2.4)
    frame = subtitle.text_frame
    deck.write(frame, spec["subtitle"], 24, colour="accent", align="center")
    deck.write(frame, spec["purpose"], 20, colour="text", align="center", new_paragraph=True)
    deck.write(frame, " ", 12, new_paragraph=True)
    deck.write(frame, spec["organisation"], 16, colour="muted", align="center", new_paragraph=True)
    deck.write(frame, spec["date"].format(date=today_text), 16, colour="muted", align="center", new_paragraph=True)


def figures(deck: Deck, doc, today_text: str) -> None:
    """Eight tiles: a big figure and what it counts."""
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.enum.text import MSO_ANCHOR
    from pptx.util import Emu, Inches

    spec = layout()["figures"]
    tiles = spec["tiles"]
    voted, paid = doc.total("voted_cents"), doc.total("paid_cents")
    values = [
        (str(len(doc.rows)), tiles["structures"], "primary"),
        (f"{doc.total('dialogues_held')} / {doc.total('dialogues_planned')}", tiles["dialogues"], "primary"),
        (f"{doc.sheets_validated} / {doc.sheets_expected}", tiles["sheets"], "primary"),
        (str(doc.total("overdue_actions")), tiles["overdue"].format(date=today_text),
         "alert" if doc.total("overdue_actions") else "primary"),
        (euros(voted), tiles["voted"], "accent"),
        (euros(paid), tiles["paid"], "accent"),
        (euros(voted - paid), tiles["remaining"], "accent"),
        (_percent(paid, voted), tiles["paid_rate"], "accent"),
    ]
    notes = spec["notes"].format(year=doc.year, voted=euros(voted), paid=euros(paid), rate=_percent(paid, voted),
                                 held=doc.total("dialogues_held"), planned=doc.total("dialogues_planned"),
                                 validated=doc.sheets_validated, expected=doc.sheets_expected)
    slide = deck.slide(spec["title"].format(year=doc.year), notes)
    gap = Inches(0.3)
    width = Emu((deck.width - 2 * deck.margin - 3 * gap) // 4)
    height = Inches(2.3)
    for index, (value, label, colour) in enumerate(values):
        left = deck.margin + (index % 4) * (width + gap)
        top = Inches(1.55) + (index // 4) * (height + gap)
        tile = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, left, top, width, height)
        tile.adjustments[0] = 0.08
        tile.fill.solid()
        tile.fill.fore_color.rgb = _rgb("tile")
        tile.line.color.rgb = _rgb("tile_border")
        tile.shadow.inherit = False
        frame = tile.text_frame
        frame.word_wrap = True
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        deck.write(frame, value, 30 if len(value) < 9 else 26, bold=True, colour=colour, align="center")
        deck.write(frame, label, 15, colour="muted", align="center", new_paragraph=True)


def grid(deck: Deck, doc) -> None:
    """One table: a line per structure, a column per sheet kind, cells coloured by status; a legend."""
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Emu, Inches

    spec = layout()["grid"]
    slide = deck.slide(spec["title"].format(year=doc.year), spec["notes"])
    rows, columns = len(doc.rows) + 1, 1 + len(KINDS)
    top = Inches(1.25)
    height = Emu(deck.height - top - Inches(0.5))
    widths = [Inches(3.3)] + [Inches(2.0)] * len(KINDS)
    frame = slide.shapes.add_table(rows, columns, deck.margin, top, sum(widths, Emu(0)), height)
    table = frame.table
    table.first_row = True
    table.horz_banding = False
    for index, width in enumerate(widths):
        table.columns[index].width = width
    row_height = Emu(height // rows)
    size = 14 if rows <= 12 else (10 if rows <= 24 else 8)
    for row in table.rows:
        row.height = row_height
    statuses = sheet_status_colours()
    for column, header in enumerate(spec["headers"]):
        _cell(deck, table.cell(0, column), header, size, fill="primary", colour="white", bold=True,
              align="left" if column == 0 else "center")
    for index, line in enumerate(doc.rows, start=1):
        _cell(deck, table.cell(index, 0), line.name, size, fill="white" if index % 2 else "zebra")
        for column, kind in enumerate(KINDS, start=1):
            status = line.sheet_status(kind)
            style = statuses.get(status, statuses["missing"])
            _cell(deck, table.cell(index, column), status_label(status), size, fill=style["fill"],
                  colour=style["text"], bold=status in ("validated", "archived"), align="center")
    legend_left = deck.margin + sum(widths, Emu(0)) + Inches(0.35)
    legend_width = Emu(deck.width - deck.margin - legend_left)
    deck.textbox(slide, legend_left, top, legend_width, Inches(0.4), spec["legend"], 14, bold=True, colour="primary")
    for offset, status in enumerate(STATUSES):
        style = statuses[status]
        swatch = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, legend_left, top + Inches(0.5 + 0.5 * offset),
                                        legend_width, Inches(0.4))
        swatch.fill.solid()
        swatch.fill.fore_color.rgb = _rgb(style["fill"])
        swatch.line.fill.background()
        swatch.shadow.inherit = False
        count = doc.sheet_statuses.get(status, 0)
        deck.write(swatch.text_frame, f"{status_label(status)} ({count})", 11, colour=style["text"], align="left")


def _cell(deck: Deck, cell, text: str, size: float, *, fill: str, colour: str = "text", bold: bool = False,
          align: str = "left") -> None:
    from pptx.enum.text import MSO_ANCHOR
    from pptx.util import Pt

    cell.fill.solid()
    cell.fill.fore_color.rgb = _rgb(fill)
    cell.margin_top = cell.margin_bottom = Pt(0.5)
    cell.margin_left = cell.margin_right = Pt(4)
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    deck.write(cell.text_frame, text, size, bold=bold, colour=colour, align=align)


def _chart(deck: Deck, slide, chart_type, categories: list[str], series: list[tuple[str, list[float], str]],
           number_format: str):
    """A native chart under the title: French categories, coloured series, legend on top."""
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_LEGEND_POSITION
    from pptx.util import Emu, Inches, Pt

    data = CategoryChartData(number_format=number_format)
    data.categories = categories
    for name, values, _colour in series:
        data.add_series(name, values)
    top = Inches(1.25)
    frame = slide.shapes.add_chart(chart_type, deck.margin, top, Emu(deck.width - 2 * deck.margin),
                                   Emu(deck.height - top - Inches(0.5)), data)
    chart = frame.chart
    chart.font.size = Pt(11)
    chart.font.name = layout()["font"]
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.TOP
    chart.legend.include_in_layout = False
    for plotted, (_name, _values, colour) in zip(chart.plots[0].series, series):
        plotted.format.fill.solid()
        plotted.format.fill.fore_color.rgb = _rgb(colour)
        plotted.invert_if_negative = False
    value_axis = chart.value_axis
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = _rgb("tile_border")
    value_axis.tick_labels.number_format = number_format
    value_axis.tick_labels.number_format_is_linked = False
    value_axis.format.line.color.rgb = _rgb("rule")
    chart.category_axis.format.line.color.rgb = _rgb("rule")
    return chart


def _per_structure(deck: Deck, slide, chart_type, rows: list, series: list[tuple[str, Any, str]],
                   number_format: str):
    """Horizontal bars, one group per structure, read top to bottom in the table's order.

    A bar chart draws its first category at the bottom: the structures are given bottom-up (rather
    than reversing the axis, which moves the value scale to the top in some viewers)."""
    from pptx.util import Pt

    ordered = list(reversed(rows))
    # Likewise the last series is drawn on top of each group (and listed first in the legend).
    chart = _chart(deck, slide, chart_type, [r.name for r in ordered],
                   [(name, [value(r) for r in ordered], colour) for name, value, colour in reversed(series)],
                   number_format)
    chart.category_axis.tick_labels.font.size = Pt(9 if len(rows) > 20 else 11)
    plot = chart.plots[0]
    plot.gap_width = 40
    plot.overlap = 0
    return chart


def money_chart(deck: Deck, doc) -> None:
    from pptx.enum.chart import XL_CHART_TYPE

    spec = layout()["charts"]["money"]
    slide = deck.slide(spec["title"], spec["notes"].format(year=doc.year))
    colours = layout()["series"]
    _per_structure(deck, slide, XL_CHART_TYPE.BAR_CLUSTERED, doc.rows,
                   [(spec["series"][0], lambda r: r.voted_cents / 100_000, colours[0]),
                    (spec["series"][1], lambda r: r.paid_cents / 100_000, colours[1])], "#,##0")


def sheets_chart(deck: Deck, doc) -> None:
    """One stacked column per sheet kind, split by status in the grid's colours."""
    from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION
    from pptx.util import Pt

    spec = layout()["charts"]["sheets"]
    slide = deck.slide(spec["title"].format(year=doc.year), spec["notes"].format(year=doc.year))
    counts = doc.statuses_by_kind()
    shown = [s for s in STATUSES if any(counts[k].get(s, 0) for k in KINDS)] or ["missing"]
    statuses = sheet_status_colours()
    chart = _chart(deck, slide, XL_CHART_TYPE.COLUMN_STACKED, [SheetKind(k).label for k in KINDS],
                   [(status_label(s), [counts[k].get(s, 0) for k in KINDS], statuses[s]["fill"]) for s in shown],
                   "0")
    chart.plots[0].gap_width = 60
    chart.value_axis.minimum_scale = 0
    chart.value_axis.maximum_scale = max(1, len(doc.rows))
    chart.category_axis.tick_labels.font.size = Pt(14)
    for plotted, status in zip(chart.plots[0].series, shown):
        labels = plotted.data_labels
        labels.show_value = True
        labels.number_format = '0;;;'          # no label on an empty segment
        labels.number_format_is_linked = False
        labels.position = XL_LABEL_POSITION.CENTER
        labels.font.size = Pt(12)
        labels.font.bold = True
        labels.font.color.rgb = _rgb(statuses[status]["text"])


def dialogues_chart(deck: Deck, doc) -> None:
    from pptx.enum.chart import XL_CHART_TYPE

    spec = layout()["charts"]["dialogues"]
    slide = deck.slide(spec["title"].format(year=doc.year), spec["notes"])
    colours = layout()["series"]
    chart = _per_structure(deck, slide, XL_CHART_TYPE.BAR_CLUSTERED, doc.rows,
                           [(spec["series"][0], lambda r: r.dialogues_held, colours[0]),
                            (spec["series"][1], lambda r: r.dialogues_planned, colours[1])], "0")
    axis = chart.value_axis
    axis.minimum_scale = 0
    axis.maximum_scale = max([1, *(r.dialogues_planned for r in doc.rows)])
    axis.major_unit = 1


def render(doc) -> bytes:
    """The deck of a ``services.dashboard.YearDashboard``."""
    today_text = format_date(doc.today)
    deck = Deck(today_text)
    cover(deck, doc, today_text)
    figures(deck, doc, today_text)
    grid(deck, doc)
    money_chart(deck, doc)
    sheets_chart(deck, doc)
    dialogues_chart(deck, doc)
    deck.add_footers()
    properties = layout()["properties"]
    core = deck.prs.core_properties
    core.title = properties["title"].format(year=doc.year)
    core.subject = properties["subject"]
    core.keywords = properties["keywords"].format(year=doc.year)
    core.author = core.last_modified_by = "Carnet PETR"
    core.language = "fr-FR"
    core.revision = 1
    return deck.save()


def presentation_pptx(db, year: int) -> bytes:
    """The « support de présentation » of ``year`` for the Commission (.pptx)."""
    from ..services import dashboard
    from ..services.errors import NotFoundError

    doc = dashboard.year_dashboard(db, year)
    if not doc.rows:
        raise NotFoundError("aucune structure active : rien à présenter à la Commission")
    return render(doc)
