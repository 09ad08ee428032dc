"""« Suivi financier {année} » as a PDF (A4 landscape): key figures; per structure and aid line, voted,
advance, balance (« bloqué : fiche … » when it waits for a sheet), paid and remaining, with a total
line per structure and overall; the applications of the year. Read model shared with the workbook
(``exports.excel.finance_followup``); built with the house machinery (``base``) and the Commission's
blocks (``commission``)."""
from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, PageBreak, Paragraph

from ...domain.values import format_amount, format_date
from ..excel.finance_followup import FinanceFollowup, LineRow, StructureRow, Step, followup
from . import commission
from .base import Kit, Meta, build, colour, layout, markup, page


def _spec() -> dict[str, Any]:
    return layout("finance")


def title(doc: FinanceFollowup) -> str:
    return _spec()["title"].format(year=doc.year)


def _amount(cents: int | None) -> str:
    return "" if cents is None else format_amount(cents)


def key_figures(doc: FinanceFollowup) -> list[tuple[str, str]]:
    labels = _spec()["labels"]
    return [
        (labels["structures"].format(year=doc.year), str(len(doc.structures))),
        (labels["voted"], format_amount(doc.total("voted_cents"))),
        (labels["advances"], format_amount(doc.total("advance_paid_cents"))),
        (labels["balances"], format_amount(doc.total("balance_paid_cents"))),
        (labels["paid"], format_amount(doc.total("paid_cents"))),
        (labels["remaining"], format_amount(doc.total("remaining_cents"))),
        (labels["blocked"], str(doc.total("blocked"))),
        (labels["applications"].format(year=doc.year), str(len(doc.applications))),
    ]


def _step(step: Step, kit: Kit) -> Any:
    """« 16 250,00 € — Prévu » and, in red under it, « bloqué : fiche … »."""
    if not step.blocked:
        return step.text()
    alert = colour("alert").hexval().replace("0x", "#")
    return Paragraph(f"{markup(step.text())}<br/><font color=\"{alert}\">{markup(step.blocked)}</font>",
                     kit.styles["cell"])


def _line(row: LineRow, kit: Kit) -> tuple:
    return (row.line, _amount(row.voted_cents), _step(row.advance, kit), _step(row.balance, kit),
            _amount(row.paid_cents), _amount(row.remaining_cents))


def _group(structure: StructureRow, kit: Kit) -> tuple:
    number = _spec()["labels"]["agreement"].format(number=structure.agreement_no) if structure.agreement_no else ""
    return (kit.p(structure.structure, "cell_bold"), format_amount(structure.voted_cents), number, " ",
            format_amount(structure.paid_cents), format_amount(structure.remaining_cents))


def payments_table(doc: FinanceFollowup, kit: Kit) -> Flowable:
    """One bold, shaded line per structure with its totals, its aid lines under it; the overall total."""
    spec = _spec()
    rows: list[tuple] = []
    groups: list[int] = []
    for structure in doc.structures:
        groups.append(len(rows) + 1)
        rows.append(_group(structure, kit))
        rows += [_line(line, kit) for line in structure.lines]
    rows.append((spec["labels"]["total"], format_amount(doc.total("voted_cents")), "", "",
                 format_amount(doc.total("paid_cents")), format_amount(doc.total("remaining_cents"))))
    styles = ["cell", "cell_right", "cell", "cell", "cell_right", "cell_right"]
    bold = kit.styles["cell_right_bold"].fontName
    extra: list[tuple] = [("FONTSIZE", (0, 1), (-1, -1), 8), ("LEADING", (0, 1), (-1, -1), 9.5),
                          ("TOPPADDING", (0, 1), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 1), (-1, -1), 2)]
    lines = [index for index in range(1, len(rows)) if index not in groups]
    extra += [("LEFTPADDING", (0, index), (0, index), 14) for index in lines]
    for index in groups:
        extra += [("BACKGROUND", (0, index), (-1, index), colour("table_header")),
                  ("FONTNAME", (0, index), (-1, index), bold),
                  ("LINEABOVE", (0, index), (-1, index), 0.6, colour("rule"))]
    return kit.table(spec["columns"]["payments"], rows, styles=styles, zebra=False, total_rows=1, extra=extra)


def applications_table(doc: FinanceFollowup, kit: Kit) -> Flowable:
    spec = _spec()
    rows = [(a.structure, a.status, format_date(a.received_on), format_amount(a.requested_cents),
             format_amount(a.proposed_cents), a.documents) for a in doc.applications]
    rows.append((spec["labels"]["total"], str(len(doc.applications)), "",
                 format_amount(sum(a.requested_cents for a in doc.applications)),
                 format_amount(sum(a.proposed_cents for a in doc.applications)), ""))
    styles = ["cell", "cell", "cell", "cell_right", "cell_right", "cell"]
    tight = [("FONTSIZE", (0, 1), (-1, -1), 8), ("LEADING", (0, 1), (-1, -1), 9.5),
             ("TOPPADDING", (0, 1), (-1, -1), 1), ("BOTTOMPADDING", (0, 1), (-1, -1), 2)]
    return kit.table(spec["columns"]["applications"], rows, styles=styles, total_rows=1, extra=tight)


def finance_story(doc: FinanceFollowup, kit: Kit) -> list[Flowable]:
    spec = _spec()
    titles, labels = spec["sections"], spec["labels"]
    day = format_date(doc.today)
    left = kit.width * 0.46
    side = Kit(left)
    story: list[Flowable] = [
        kit.p(title(doc), "title"),
        kit.p(spec["intro"].format(count=len(doc.structures), year=doc.year, date=day), "body"),
        kit.space(4),
        commission._side_by_side(kit, [side.p(titles["figures"], "h2"),
                                       side.pairs(key_figures(doc), label_fraction=0.6)],
                                 [Kit(kit.width - left - 16).status_box(spec["status"].format(year=doc.year, date=day),
                                                                        doc.content_sha256)],
                                 left),
        kit.space(6),
    ]
    if doc.structures:      # a long table: the heading is not kept with all of it
        story += [kit.p(titles["payments"], "h1"), payments_table(doc, kit)]
    else:
        story += kit.section(titles["payments"], kit.p(labels["no_agreement"].format(year=doc.year), "empty"))
    story.append(PageBreak())
    applications = titles["applications"].format(year=doc.year)
    if doc.applications:
        story += kit.section(applications, applications_table(doc, kit))
    else:
        story += kit.section(applications, kit.p(labels["no_application"].format(year=doc.year), "empty"))
    return story


def meta(doc: FinanceFollowup) -> Meta:
    spec = _spec()
    return Meta(title=title(doc), subject=spec["subject"].format(year=doc.year), record=f"finance:{doc.year}",
                sha256=doc.content_sha256, status=spec["status"].format(year=doc.year, date=format_date(doc.today)),
                header_right=f"{spec['kind']} — {doc.year}",
                keywords=("Suivi financier", "Pays / PETR", str(doc.year)), edited_on=doc.today)


def render(doc: FinanceFollowup) -> bytes:
    geometry = page(landscape_page=True)
    return build(finance_story(doc, Kit(geometry.frame_width)), meta(doc), geometry=geometry)


def finance_pdf(db: Any, year: int) -> bytes:
    """The « Suivi financier » of ``year`` (A4 landscape)."""
    return render(followup(db, year))
