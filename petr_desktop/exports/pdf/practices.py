"""The digest (recueil) of good practices, grouped by theme, to share with the network.

Texts and columns come from ``reports/pdf_practices.json``; the page, fonts, footer and metadata
are the shared machinery of ``base.py``.
"""
from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Table, TableStyle

from ...domain.values import format_date
from ...services import practices
from ...services.practices import PracticeDigest, PracticeRow
from .base import Kit, Meta, build, colour, font_names, page, report_data


def spec() -> dict[str, Any]:
    return report_data("pdf_practices")


def _quote(kit: Kit, label: str, text: str) -> Table:
    """The source's excerpt in a light box."""
    box = Table([[kit.rich([(label, True), (text, False)], "small")]], colWidths=[kit.width], hAlign="LEFT")
    box.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font_names()[0]),
        ("BACKGROUND", (0, 0), (-1, -1), colour("box")),
        ("LINEBEFORE", (0, 0), (0, -1), 2, colour("box_border")),
        ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    return box


def _practice(kit: Kit, row: PracticeRow) -> list[Flowable]:
    labels = spec()["labels"]
    facts = kit.rich([(labels["structure"], True), (row.structure_name or kit.common["empty"], False),
                      (labels["separator"], False), (labels["year"], True), (str(row.year), False)], "small")
    source = kit.rich([(labels["source"], True), (row.source_label, False)], "small")
    head = [kit.p(row.title, "h2"), facts, source]
    body: list[Flowable] = kit.text_or_empty(row.note) if row.note.strip() else []
    if row.excerpt:
        body.append(_quote(kit, labels["excerpt"], row.excerpt))
    # The heading and the first lines stay together; a long note may run on the next page.
    return [KeepTogether([*head, *body[:1]]), *body[1:], kit.space(4)]


def _intro(layout: dict[str, Any], count: int) -> str:
    return layout["intro_one"] if count == 1 else layout["intro_many"].format(count=count)


def practices_story(doc: PracticeDigest, kit: Kit) -> list[Flowable]:
    layout = spec()
    story: list[Flowable] = [kit.p(doc.title, "title"), kit.p(doc.scope, "subtitle"), kit.space(2)]
    if not doc.count:
        story.append(kit.p(layout["empty"], "empty"))
        return story
    story.append(kit.p(_intro(layout, doc.count), "body"))
    summary = [(theme, str(len(rows))) for theme, rows in doc.groups]
    summary.append((layout["labels"]["total"], str(doc.count)))
    story += kit.section(layout["sections"]["summary"],
                         kit.table(layout["columns"]["summary"], summary, styles=["cell", "cell_right"],
                                   total_rows=1), level="h2")
    for theme, rows in doc.groups:
        content = [flowable for row in rows for flowable in _practice(kit, row)]
        story += kit.section(layout["sections"]["theme"].format(theme=theme, count=len(rows)), *content)
    return story


def meta(doc: PracticeDigest) -> Meta:
    layout = spec()
    return Meta(title=doc.title, subject=layout["subject"], record="practice:digest", sha256=doc.content_sha256,
                status=layout["status"].format(date=format_date(doc.today)), header_right=layout["kind"],
                keywords=("bonnes pratiques", "retours d'expérience", "réseau des PETR"))


def practices_pdf(db: Any, theme: str | None = None, structure_id: str | None = None, year: int | None = None,
                  text: str | None = None) -> bytes:
    """The digest of the practices matching the filters (A4 portrait)."""
    doc = practices.digest_document(db, theme, structure_id, year, text)
    geometry = page()
    return build(practices_story(doc, Kit(geometry.frame_width)), meta(doc), geometry=geometry)
