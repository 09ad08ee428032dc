"""A relevé d'échange as a Word document (.docx), for colleagues who edit in Word.

The content arrives already worded in French (``MinutesDocument``, built by
``services.exports``); this module only lays it out with Word's own styles (Titre,
Titre 1, Grille du tableau…) so that the document stays editable. python-docx is
imported lazily.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

HEADING = "Région Grand Est — Direction de l'Innovation et du Développement des Territoires (DITS) — SIPUN"


@dataclass(frozen=True)
class ParticipantLine:
    name: str
    function: str
    organisation: str
    presence: str


@dataclass(frozen=True)
class AgendaLine:
    title: str
    notes: str


@dataclass(frozen=True)
class DecisionLine:
    label: str
    text: str
    scope: str
    status: str


@dataclass(frozen=True)
class ActionLine:
    label: str
    text: str
    owner: str
    due: str
    status: str
    decision: str = ""


@dataclass(frozen=True)
class AmendmentLine:
    label: str
    status: str
    reason: str
    body: str


@dataclass(frozen=True)
class MinutesDocument:
    """Everything a relevé shows, worded in French."""

    title: str
    status: str
    draft: bool
    facts: tuple[tuple[str, str], ...]
    participants: tuple[ParticipantLine, ...]
    agenda: tuple[AgendaLine, ...]
    summary: str = ""
    decisions: tuple[DecisionLine, ...] = ()
    actions: tuple[ActionLine, ...] = ()
    vigilance: str = ""
    next_steps: str = ""
    next_meeting: str = ""
    drafting: tuple[tuple[str, str], ...] = ()
    amendments: tuple[AmendmentLine, ...] = field(default_factory=tuple)
    author: str = ""
    heading: str = HEADING


#: Background of header cells and labels.
_GREY = "D9D9D9"


def minutes_docx(document: MinutesDocument) -> bytes:
    """The relevé as .docx bytes."""
    from docx import Document
    from docx.shared import Cm, Pt

    doc = Document()
    _french_defaults(doc, Pt)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2))
    section.top_margin = section.bottom_margin = Cm(2)
    _header_footer(doc, document)

    core = doc.core_properties
    core.title = document.title
    core.author = document.author or "Carnet PETR"
    core.language = "fr-FR"
    core.subject = "Relevé d'échange"

    heading = doc.add_paragraph(document.heading)
    heading.runs[0].font.size = Pt(9)
    doc.add_paragraph(document.title, style="Title")
    status = doc.add_paragraph()
    status.add_run("Statut : ").bold = True
    status.add_run(document.status)

    _facts_table(doc, document.facts)

    doc.add_heading("Participants", level=1)
    if document.participants:
        _table(doc, ("Nom", "Fonction", "Organisme", "Présence"),
               [(p.name, p.function, p.organisation, p.presence) for p in document.participants],
               widths=(4.5, 4.5, 5, 3))
    else:
        _empty(doc, "Aucun participant enregistré.")

    doc.add_heading("Ordre du jour et points abordés", level=1)
    if document.agenda:
        for number, item in enumerate(document.agenda, start=1):
            doc.add_heading(f"{number}. {item.title}", level=2)
            if item.notes.strip():
                _text(doc, item.notes)
            else:
                _empty(doc, "Pas de notes sur ce point.")
    else:
        _empty(doc, "Pas d'ordre du jour.")
    if document.summary.strip():
        doc.add_heading("Synthèse", level=1)
        _text(doc, document.summary)

    doc.add_heading("Décisions", level=1)
    if document.decisions:
        for decision in document.decisions:
            paragraph = doc.add_paragraph()
            paragraph.add_run(f"{decision.label} — ").bold = True
            paragraph.add_run(decision.text)
            details = [d for d in (decision.scope and f"portée : {decision.scope}", decision.status) if d]
            if details:
                paragraph.add_run(f" ({' ; '.join(details)})").italic = True
    else:
        _empty(doc, "Aucune décision.")

    doc.add_heading("Actions à suivre", level=1)
    if document.actions:
        _table(doc, ("N°", "Action", "Responsable", "Échéance", "Statut"),
               [(a.label, a.text + (f" (suite à {a.decision})" if a.decision else ""), a.owner, a.due, a.status)
                for a in document.actions], widths=(1.3, 7.2, 3.8, 2.7, 2))
    else:
        _empty(doc, "Aucune action.")

    doc.add_heading("Points de vigilance", level=1)
    if document.vigilance.strip():
        _text(doc, document.vigilance)
    else:
        _empty(doc, "Aucun point de vigilance.")

    doc.add_heading("Prochaines étapes", level=1)
    if document.next_steps.strip():
        _text(doc, document.next_steps)
    if document.next_meeting:
        paragraph = doc.add_paragraph()
        paragraph.add_run("Prochaine échéance : ").bold = True
        paragraph.add_run(document.next_meeting)
    if not document.next_steps.strip() and not document.next_meeting:
        _empty(doc, "Non précisées.")

    if document.amendments:
        doc.add_heading("Rectificatifs", level=1)
        for amendment in document.amendments:
            paragraph = doc.add_paragraph()
            paragraph.add_run(f"{amendment.label} ({amendment.status}) — ").bold = True
            paragraph.add_run(amendment.reason)
            if amendment.body.strip():
                _text(doc, amendment.body)

    doc.add_heading("Rédaction et validation", level=1)
    _facts_table(doc, document.drafting)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _french_defaults(doc, pt) -> None:
    """Calibri 11 and French proofing language on the Normal style (Word checks spelling in French)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = pt(11)
    rpr = normal.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "fr-FR")
    lang.set(qn("w:eastAsia"), "fr-FR")
    lang.set(qn("w:bidi"), "ar-SA")


def _header_footer(doc, document: MinutesDocument) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.text = "PROJET — document non validé" if document.draft else "Relevé d'échange"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if document.draft:
        header.runs[0].bold = True
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(f"{document.title} — {document.status} — page ")
    _field(footer, "PAGE")
    footer.add_run(" / ")
    _field(footer, "NUMPAGES")


def _field(paragraph, instruction: str) -> None:
    """A Word field (page number…), updated by Word when the document is shown."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)


def _text(doc, text: str) -> None:
    """Free text: one Word paragraph per line; « — » or « - » lines become bullets."""
    for line in text.strip().splitlines():
        line = line.strip()
        if not line:
            continue
        if line[:2] in ("— ", "- ", "• "):
            doc.add_paragraph(line[2:].strip(), style="List Bullet")
        else:
            doc.add_paragraph(line)


def _empty(doc, text: str) -> None:
    doc.add_paragraph().add_run(text).italic = True


def _facts_table(doc, facts: tuple[tuple[str, str], ...]) -> None:
    if not facts:
        return
    table = doc.add_table(rows=0, cols=2)
    table.style = doc.styles["Table Grid"]
    for label, value in facts:
        cells = table.add_row().cells
        cells[0].text = ""
        cells[0].paragraphs[0].add_run(label).bold = True
        _shade(cells[0], _GREY)
        cells[1].text = value
    _widths(table, (4.5, 12.5))
    doc.add_paragraph()


def _table(doc, headers: tuple[str, ...], rows: list[tuple[str, ...]], widths: tuple[float, ...]) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = doc.add_table(rows=1, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, headers):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
        _shade(cell, _GREY)
    # Repeat the header row on every page.
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for row in rows:
        for cell, text in zip(table.add_row().cells, row):
            cell.text = text
    _widths(table, widths)
    doc.add_paragraph()


def _widths(table, widths_cm: tuple[float, ...]) -> None:
    from docx.shared import Cm

    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm):
            cell.width = Cm(width)


def _shade(cell, colour: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shading)
