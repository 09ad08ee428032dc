"""The Tableau de bord of a year as a PDF (A4 landscape, 4 pages): key figures, the sheets pie and
the sheets by kind and status; money voted and paid, and dialogues held and planned, per structure;
the per-structure table with totals; the grid of the 30 × 3 sheets coloured by status. Built from
the Commission report's blocks (``commission``) and the house machinery (``base``)."""
from __future__ import annotations

from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.lib import colors
from reportlab.platypus import Flowable, PageBreak

from ...domain.values import format_amount, format_date
from ...services import dashboard
from ...services.dashboard import KINDS, MISSING, YearDashboard
from ...reports import sheet_status_colours
from . import commission
from .base import Kit, Meta, amount_k, build, layout, page

#: Statuses whose grid colour is dark: the label is written in white.
DARK = {"validated", "archived"}


def _spec() -> dict[str, Any]:
    return layout("dashboard")


def title(doc: YearDashboard) -> str:
    return _spec()["title"].format(year=doc.year)


def _status_colour(status: str) -> colors.Color:
    colours = sheet_status_colours()
    return colors.HexColor("#" + colours.get(status, colours["missing"])["fill"])


def _ratio(part: int, whole: int) -> str:
    return commission._ratio(part, whole) or "—"


def key_figures(doc: YearDashboard) -> list[tuple[str, str]]:
    labels = _spec()["labels"]
    return [
        (labels["structures"], str(len(doc.rows))),
        (labels["dialogues"], f"{doc.total('dialogues_held')} / {doc.total('dialogues_planned')}"),
        (labels["sheets_validated"], f"{doc.sheets_validated} / {doc.sheets_expected}"),
        (labels["voted"], format_amount(doc.total("voted_cents"))),
        (labels["paid"], format_amount(doc.total("paid_cents"))),
        (labels["remaining"], format_amount(doc.total("remaining_cents"))),
        (labels["paid_rate"], _ratio(doc.total("paid_cents"), doc.total("voted_cents"))),
        (labels["overdue"], str(doc.total("overdue_actions"))),
    ]


def money_chart(doc: YearDashboard, width: float, height: float):
    labels = _spec()["labels"]
    return commission._bars(labels["chart_money"], [r.name for r in doc.rows],
                            [[r.voted_cents / 100_000 for r in doc.rows], [r.paid_cents / 100_000 for r in doc.rows]],
                            [labels["legend_voted"], labels["legend_paid"]], width, height,
                            lambda v: amount_k(int(round(v * 100_000))))


def dialogues_chart(doc: YearDashboard, width: float, height: float):
    labels = _spec()["labels"]
    drawing = commission._bars(labels["chart_dialogues"].format(year=doc.year), [r.name for r in doc.rows],
                               [[r.dialogues_held for r in doc.rows], [r.dialogues_planned for r in doc.rows]],
                               [labels["legend_held"], labels["legend_planned"]], width, height, lambda v: f"{v:.0f}")
    most = max((r.dialogues_planned for r in doc.rows), default=0)
    for chart in drawing.contents:
        if isinstance(chart, VerticalBarChart) and most:
            chart.valueAxis.valueMax = most      # whole numbers only on the scale
            chart.valueAxis.valueStep = max(1, most // 5)
    return drawing


def structure_table(doc: YearDashboard, kit: Kit) -> Flowable:
    spec = _spec()
    rows = [(r.name, commission._short(r.regional_office_name, 60), f"{r.dialogues_held} / {r.dialogues_planned}",
             format_amount(r.voted_cents), format_amount(r.paid_cents), format_amount(r.remaining_cents),
             str(r.overdue_actions)) for r in doc.rows]
    rows.append((spec["labels"]["total"], " ", f"{doc.total('dialogues_held')} / {doc.total('dialogues_planned')}",
                 format_amount(doc.total("voted_cents")), format_amount(doc.total("paid_cents")),
                 format_amount(doc.total("remaining_cents")), str(doc.total("overdue_actions"))))
    styles = ["cell", "cell", "cell_center", "cell_right", "cell_right", "cell_right", "cell_right"]
    late = [("TEXTCOLOR", (6, index), (6, index), kit.styles["cell_alert"].textColor)
            for index, r in enumerate(doc.rows, start=1) if r.overdue_actions]
    # 30 structures on one landscape page: a little tighter than the house table.
    tight = [("FONTSIZE", (0, 1), (-1, -1), 8), ("LEADING", (0, 1), (-1, -1), 9.5),
             ("TOPPADDING", (0, 1), (-1, -1), 1), ("BOTTOMPADDING", (0, 1), (-1, -1), 2)]
    return kit.table(_spec()["columns"]["table"], rows, styles=styles, total_rows=1, extra=tight + late)


def _grid_half(rows: list[dashboard.StructureYear], kit: Kit) -> Flowable:
    short = layout("commission")["sheet_short"]
    cells = [(r.name, *[short.get(r.sheet_status(k), "") for k in KINDS]) for r in rows]
    extra: list[tuple] = [("ALIGN", (1, 0), (-1, -1), "CENTER"), ("GRID", (1, 1), (-1, -1), 1.2, colors.white)]
    for index, row in enumerate(rows, start=1):
        for column, kind in enumerate(KINDS, start=1):
            status = row.sheet_status(kind)
            extra.append(("BACKGROUND", (column, index), (column, index), _status_colour(status)))
            if status in DARK:
                extra.append(("TEXTCOLOR", (column, index), (column, index), colors.white))
    return kit.table(_spec()["columns"]["grid"], cells, zebra=False, extra=extra)


def sheet_grid(doc: YearDashboard, kit: Kit, gap: float = 16) -> Flowable:
    """The 30 × 3 grid in two halves side by side, cells coloured by status."""
    half = (kit.width - gap) / 2
    middle = (len(doc.rows) + 1) // 2
    left, right = Kit(half), Kit(half)
    return commission._side_by_side(kit, _grid_half(doc.rows[:middle], left),
                                    _grid_half(doc.rows[middle:], right) if doc.rows[middle:] else "", half, gap)


def legend(kit: Kit) -> Flowable:
    """The grid's colours with their French labels."""
    statuses = [*(s for s in sheet_status_colours() if s != MISSING), MISSING]
    cells = [[commission.status_label(s) for s in statuses]]
    extra: list[tuple] = [("ALIGN", (0, 0), (-1, -1), "CENTER"), ("GRID", (0, 0), (-1, -1), 2, colors.white)]
    for column, status in enumerate(statuses):
        extra.append(("BACKGROUND", (column, 0), (column, 0), _status_colour(status)))
        if status in DARK:
            extra.append(("TEXTCOLOR", (column, 0), (column, 0), colors.white))
    return kit.table([("", 1 / len(statuses))] * len(statuses), cells, header=False, zebra=False, extra=extra)


def by_kind_table(doc: YearDashboard, kit: Kit) -> Flowable:
    """Sheets of the year: one line per status, one column per kind, with a coloured swatch."""
    counts = doc.statuses_by_kind()
    statuses = [s for s in doc.sheet_statuses if s != MISSING] + [MISSING]
    rows = [(commission.status_label(s), *[str(counts[k].get(s, 0)) for k in KINDS],
             str(sum(counts[k].get(s, 0) for k in KINDS))) for s in statuses]
    rows.append((_spec()["labels"]["total"], *[str(len(doc.rows))] * len(KINDS), str(doc.sheets_expected)))
    swatches: list[tuple] = [("LEFTPADDING", (0, 1), (0, len(statuses)), 9)]
    swatches += [("LINEBEFORE", (0, index), (0, index), 5, _status_colour(s)) for index, s in enumerate(statuses, 1)]
    return kit.table(_spec()["columns"]["by_kind"], rows, styles=["cell"] + ["cell_right"] * (len(KINDS) + 1),
                     total_rows=1, extra=swatches)


def dashboard_story(doc: YearDashboard, kit: Kit) -> list[Flowable]:
    spec = _spec()
    titles, labels = spec["sections"], spec["labels"]
    day = format_date(doc.today)
    notes = [labels["note_dialogues"], labels["note_money"].format(year=doc.year),
             labels["note_actions"].format(date=day)]
    left = kit.width * 0.42
    side, other = Kit(left), Kit(kit.width - left - 16)
    story: list[Flowable] = [
        kit.p(title(doc), "title"),
        kit.p(spec["intro"].format(count=len(doc.rows), year=doc.year, date=day), "body"),
        kit.space(4),
        commission._side_by_side(kit, [side.p(titles["figures"], "h2"),
                                       side.pairs(key_figures(doc), label_fraction=0.62),
                                       side.space(6), side.status_box(spec["status"].format(year=doc.year, date=day),
                                                                      doc.content_sha256),
                                       side.p(titles["notes"], "h2"), *[side.p(n, "small") for n in notes]],
                                 [commission.sheets_chart(doc, other.width, 170), other.space(4),
                                  other.p(titles["by_kind"].format(year=doc.year), "h2"), by_kind_table(doc, other)],
                                 left),
        PageBreak(),
        money_chart(doc, kit.width, 225),
        kit.space(14),
        dialogues_chart(doc, kit.width, 205),
        PageBreak(),
    ]
    story += kit.section(titles["table"], structure_table(doc, kit))
    story.append(PageBreak())
    story += kit.section(titles["grid"].format(year=doc.year), legend(kit), kit.space(6), sheet_grid(doc, kit))
    return story


def meta(doc: YearDashboard) -> Meta:
    spec = _spec()
    return Meta(title=title(doc), subject=spec["subject"], record=f"dashboard:{doc.year}",
                sha256=doc.content_sha256, status=spec["status"].format(year=doc.year, date=format_date(doc.today)),
                header_right=f"{spec['kind']} — {doc.year}",
                keywords=("Tableau de bord", "Pays / PETR", str(doc.year)),
                edited_on=doc.today)


def render(doc: YearDashboard) -> bytes:
    geometry = page(landscape_page=True)
    return build(dashboard_story(doc, Kit(geometry.frame_width)), meta(doc), geometry=geometry)


def dashboard_pdf(db: Any, year: int) -> bytes:
    """The Tableau de bord of ``year`` (A4 landscape)."""
    return render(dashboard.year_dashboard(db, year))
