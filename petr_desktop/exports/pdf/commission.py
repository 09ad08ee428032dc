"""Yearly report to the 8ᵉ Commission « Territoires » over the structures, with charts
(reportlab.graphics): money voted and paid per Maison de Région, sheets by status, dialogues."""
from __future__ import annotations

from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.platypus import Flowable, PageBreak, Table, TableStyle

from ...domain.enums import SheetKind, SheetStatus
from ...domain.values import NNBSP, format_amount, format_date
from ...services import documents
from ...services.documents import MISSING, CommissionDocument
from ...reports import sheet_status_colours
from .base import Kit, Meta, amount_k, build, font_names, french, layout, page, styles_data


def _chart_fonts() -> tuple[str, str, float, float]:
    spec = styles_data()["charts"]
    regular, bold = font_names()
    return regular, bold, spec["font_size"], spec["title_size"]


def _short(name: str, limit: int = 24) -> str:
    """« Reims et/ou Châlons-en-Champagne (Marne) » → a label that fits under a bar."""
    name = name.split(" (")[0]
    return name if len(name) <= limit else name[:limit - 1].rstrip() + "…"


def _drawing(width: float, height: float) -> Drawing:
    """A drawing whose initial font is the embedded one (not reportlab's Helvetica)."""
    regular, _bold, size, _title_size = _chart_fonts()
    drawing = Drawing(width, height)
    drawing.initialFontName, drawing.initialFontSize = regular, size
    return drawing


def _title(drawing: Drawing, text: str, width: float, height: float) -> None:
    regular, bold, _size, title_size = _chart_fonts()
    drawing.add(String(0, height - title_size, french(text), fontName=bold, fontSize=title_size,
                       fillColor=colors.HexColor(styles_data()["colours"]["primary"])))


def _legend(drawing: Drawing, pairs: list[tuple[colors.Color, str]], x: float, y: float,
            horizontal: bool = False) -> None:
    """Colour swatches with French labels, one under the other or side by side."""
    regular, _bold, size, _title_size = _chart_fonts()
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = regular, size
    legend.alignment = "right"
    legend.boxAnchor = "nw"
    legend.columnMaximum = 1 if horizontal else max(1, len(pairs))
    legend.dx = legend.dy = 7
    legend.deltax = 60 if horizontal else 0
    legend.deltay = size + 4
    legend.strokeWidth = 0
    legend.colorNamePairs = [(colour, french(label)) for colour, label in pairs]
    drawing.add(legend)


def _bars(title: str, names: list[str], series: list[list[float]], legends: list[str], width: float,
          height: float, value_format: Any) -> Drawing:
    """Grouped vertical bars with French labels."""
    regular, _bold, size, title_size = _chart_fonts()
    palette = [colors.HexColor(c) for c in styles_data()["charts"]["series"]]
    drawing = _drawing(width, height)
    _title(drawing, title, width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 46, 64
    chart.width, chart.height = width - 60, height - 64 - title_size - 30
    chart.data = series
    chart.barSpacing = 1
    chart.groupSpacing = 6
    chart.strokeColor = None
    for index in range(len(series)):
        chart.bars[index].fillColor = palette[index % len(palette)]
        chart.bars[index].strokeColor = None
    axis = chart.categoryAxis
    axis.categoryNames = [french(_short(n)) for n in names]
    axis.labels.fontName, axis.labels.fontSize = regular, size
    axis.labels.angle = 35
    axis.labels.boxAnchor = "ne"
    axis.labels.dx, axis.labels.dy = 2, -2
    axis.strokeColor = colors.HexColor(styles_data()["colours"]["rule"])
    values = chart.valueAxis
    values.valueMin = 0
    if not any(v for serie in series for v in serie):      # nothing yet: a readable empty scale
        values.valueMax, values.valueStep = 10, 2
    values.labels.fontName, values.labels.fontSize = regular, size
    values.labelTextFormat = value_format
    values.strokeColor = colors.HexColor(styles_data()["colours"]["rule"])
    values.visibleGrid = True
    values.gridStrokeColor = colors.HexColor(styles_data()["colours"]["table_grid"])
    values.gridStrokeWidth = 0.3
    chart.barLabels.fontName = regular
    drawing.add(chart)
    _legend(drawing, [(palette[i % len(palette)], label) for i, label in enumerate(legends)],
            chart.x, height - title_size - 8, horizontal=True)
    return drawing


def money_chart(doc: CommissionDocument, width: float, height: float) -> Drawing:
    labels = layout("commission")["labels"]
    names = [o.name for o in doc.offices]
    voted = [o.voted_cents / 100_000 for o in doc.offices]
    paid = [o.paid_cents / 100_000 for o in doc.offices]
    return _bars(labels["chart_money"], names, [voted, paid], [labels["legend_voted"], labels["legend_paid"]],
                 width, height, lambda v: amount_k(int(round(v * 100_000))))


def dialogues_chart(doc: CommissionDocument, width: float, height: float) -> Drawing:
    labels = layout("commission")["labels"]
    names = [o.name for o in doc.offices]
    held = [sum(r.dialogues_held for r in doc.rows if (r.regional_office_name or "Sans Maison de Région") == n)
            for n in names]
    planned = [sum(r.dialogues_planned for r in doc.rows
                   if (r.regional_office_name or "Sans Maison de Région") == n) for n in names]
    return _bars(labels["chart_dialogues"].format(year=doc.year), names, [held, planned],
                 [labels["legend_held"], labels["legend_planned"]], width, height, lambda v: f"{v:.0f}")


def status_label(status: str) -> str:
    return layout("commission")["labels"]["missing"] if status == MISSING else SheetStatus(status).label


def sheets_chart(doc: CommissionDocument, width: float, height: float) -> Drawing:
    """A pie of the year's sheets by status, the counts in the legend."""
    labels = layout("commission")["labels"]
    regular, _bold, size, title_size = _chart_fonts()
    palette = {status: "#" + colours["fill"] for status, colours in sheet_status_colours().items()}
    drawing = _drawing(width, height)
    _title(drawing, labels["chart_sheets"].format(year=doc.year), width, height)
    shown = [(status, count) for status, count in doc.sheet_statuses.items() if count]
    total = sum(count for _, count in shown) or 1
    diameter = min(height - title_size - 24, width * 0.45)
    pie = Pie()
    pie.x, pie.y = 8, (height - title_size - diameter) / 2 - 4
    pie.width = pie.height = diameter
    pie.data = [count for _, count in shown] or [1]
    pie.labels = None
    pie.slices.fontName, pie.slices.fontSize = regular, size
    pie.slices.strokeColor = colors.white
    pie.slices.strokeWidth = 0.8
    pie.startAngle = 90
    pie.direction = "clockwise"
    for index, (status, _count) in enumerate(shown):
        pie.slices[index].fillColor = colors.HexColor(palette.get(status, palette[MISSING]))
    if not shown:
        pie.slices[0].fillColor = colors.HexColor(palette[MISSING])
    drawing.add(pie)
    pairs = [(colors.HexColor(palette.get(s, "#9AA5B1")),
              f"{status_label(s)} : {c} ({round(100 * c / total)}{NNBSP}%)") for s, c in shown]
    _legend(drawing, pairs, diameter + 28, pie.y + diameter - 4)
    return drawing


def _side_by_side(kit: Kit, left: Any, right: Any, left_width: float, gap: float = 16) -> Table:
    table = Table([[left, "", right]], colWidths=[left_width, gap, kit.width - left_width - gap], hAlign="LEFT")
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font_names()[0]),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _ratio(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}{NNBSP}%" if whole else ""


def commission_story(doc: CommissionDocument, kit: Kit) -> list[Flowable]:
    spec = layout("commission")
    titles, labels, columns, short = spec["sections"], spec["labels"], spec["columns"], spec["sheet_short"]
    rows = doc.rows
    expected = len(rows) * len(SheetKind)
    validated = sum(1 for r in rows for s in r.sheets.values()
                    if s in (SheetStatus.VALIDATED.value, SheetStatus.ARCHIVED.value))
    overdue = doc.total("overdue_actions")
    summary = [
        (labels["structures"], str(len(rows))),
        (labels["dialogues"], f"{doc.total('dialogues_held')} / {doc.total('dialogues_planned')}"),
        (labels["sheets_validated"], f"{validated} / {expected}"),
        (labels["requested"], format_amount(doc.total("requested_cents"))),
        (labels["voted"], format_amount(doc.total("voted_cents"))),
        (labels["paid"], format_amount(doc.total("paid_cents"))),
        (labels["remaining"], format_amount(doc.total("remaining_cents"))),
        (labels["open_actions"], f"{doc.total('open_actions')} ({overdue})"),
    ]
    left = kit.width * 0.42
    side = Kit(left)
    story: list[Flowable] = [
        kit.p(doc.title, "title"),
        kit.p(spec["intro"].format(count=len(rows), year=doc.year), "body"),
        kit.space(4),
        _side_by_side(kit, [side.p(titles["summary"], "h2"), side.pairs(summary, label_fraction=0.62),
                            side.space(6), side.status_box(spec["status"].format(
                                year=doc.year, date=format_date(doc.today)), doc.content_sha256)],
                      sheets_chart(doc, kit.width - left - 16, 180), left),
        kit.space(8),
        money_chart(doc, kit.width, 200),
        PageBreak(),
    ]
    office_rows = [(o.name, str(o.structures), format_amount(o.voted_cents), format_amount(o.paid_cents),
                    _ratio(o.paid_cents, o.voted_cents)) for o in doc.offices]
    office_rows.append((labels["total"], str(len(rows)), format_amount(doc.total("voted_cents")),
                        format_amount(doc.total("paid_cents")),
                        _ratio(doc.total("paid_cents"), doc.total("voted_cents"))))
    wide = kit.width * 0.54
    story += kit.section(titles["offices"], _side_by_side(
        kit, Kit(wide).table(columns["offices"], office_rows, total_rows=1,
                             styles=["cell", "cell_right", "cell_right", "cell_right", "cell_right"]),
        dialogues_chart(doc, kit.width - wide - 16, 230), wide))
    table_rows = []
    for r in rows:
        sheets = [short.get(r.sheets.get(k.value) or MISSING, "") for k in SheetKind]
        actions = f"{r.open_actions} ({r.overdue_actions})" if r.overdue_actions else str(r.open_actions)
        table_rows.append((r.name, r.regional_office_name, f"{r.dialogues_held} / {r.dialogues_planned}", *sheets,
                           format_amount(r.voted_cents), format_amount(r.paid_cents), actions))
    table_rows.append((labels["total"], " ", f"{doc.total('dialogues_held')} / {doc.total('dialogues_planned')}",
                       labels["validated_count"].format(validated=validated, expected=expected), " ", " ",
                       format_amount(doc.total("voted_cents")),
                       format_amount(doc.total("paid_cents")), f"{doc.total('open_actions')} ({overdue})"))
    styles = ["cell", "cell", "cell_center", "cell", "cell", "cell", "cell_right", "cell_right", "cell_right"]
    story += kit.section(titles["table"], kit.table(columns["table"], table_rows, styles=styles, total_rows=1,
                                                    extra=[("SPAN", (3, len(table_rows)), (5, len(table_rows)))]))
    notes = [labels["note_dialogues"], labels["note_sheets"],
             labels["note_actions"].format(year=doc.year, date=format_date(doc.today))]
    story += kit.section(titles["notes"], *[kit.p(n, "small") for n in notes], level="h2")
    return story


def meta(doc: CommissionDocument) -> Meta:
    spec = layout("commission")
    return Meta(title=doc.title, subject=spec["subject"], record=documents.record_key("commission", doc.year),
                sha256=doc.content_sha256, status=spec["status"].format(year=doc.year, date=format_date(doc.today)),
                header_right=f"{spec['kind']} — {doc.year}", keywords=("8ᵉ Commission", "Territoires", str(doc.year)))


def commission_pdf(db: Any, year: int) -> bytes:
    """The yearly report for the 8ᵉ Commission « Territoires » (A4 landscape)."""
    doc = documents.commission_document(db, year)
    geometry = page(landscape_page=True)
    return build(commission_story(doc, Kit(geometry.frame_width)), meta(doc), geometry=geometry)
