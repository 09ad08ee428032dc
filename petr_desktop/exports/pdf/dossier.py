"""PDF of a structure's dossier: cover, identity, agreements and payments, every sheet and relevé
in full, open actions. Sheets and relevés that are still drafts get « PROJET » on their pages."""
from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, NextPageTemplate, PageBreak

from ...domain.enums import (ActionStatus, AgreementStatus, AidLineKind, LegalForm, MeetingStatus, MinutesStatus,
                             PaymentKind, PaymentStatus, PlaceKind, SheetKind, SheetStatus)
from ...domain.values import format_amount, format_date
from ...services import documents
from ...services.documents import DossierDocument
from ...services.structures import VERIFIABLE_FIELDS
from .base import DRAFT, FINAL, Kit, Meta, build, layout, page
from .minutes import minutes_story
from .sheet import sheet_story


def state_on(doc: DossierDocument) -> str:
    return layout("dossier")["state_on"].format(date=format_date(doc.dossier.today))


def _cover(doc: DossierDocument, kit: Kit) -> list[Flowable]:
    spec = layout("dossier")
    identity = doc.dossier.identity
    labels, titles = spec["labels"], spec["sections"]
    facts = [(labels["legal_form"], LegalForm(identity.legal_form).label if identity.legal_form else ""),
             (labels["seat_town"], identity.seat_town), (labels["office"], identity.regional_office_name),
             (labels["president"], identity.president), (labels["director"], identity.director)]
    contents = [titles[k] for k in ("identity", "money", "sheets", "minutes", "actions")]
    counts = {titles["sheets"]: len(doc.sheets), titles["minutes"]: len(doc.minutes),
              titles["actions"]: len(doc.dossier.actions)}
    lines = [f"{n}. {t}" + (f" ({counts[t]})" if t in counts else "") for n, t in enumerate(contents, start=1)]
    return [kit.p(spec["kind"], "cover_title"), kit.p(identity.name, "cover_name"),
            kit.pairs([(k, v) for k, v in facts if v], label_fraction=0.3), kit.space(14),
            kit.status_box(state_on(doc), doc.content_sha256), kit.space(10),
            kit.p(spec["contents_title"], "h2"), *[kit.p(line) for line in lines]]


def _identity(doc: DossierDocument, kit: Kit) -> list[Flowable]:
    spec = layout("dossier")
    labels, titles = spec["labels"], spec["sections"]
    identity = doc.dossier.identity
    flag = f" ({kit.common['to_verify']})"
    values = {"name": identity.name,
              "legal_form": LegalForm(identity.legal_form).label if identity.legal_form else "",
              "seat_town": identity.seat_town, "departments": identity.departments.replace(",", ", "),
              "siren": identity.siren, "regional_office_id": identity.regional_office_name,
              "rurality_class": identity.rurality_class, "president": identity.president,
              "director": identity.director,
              "active": kit.common["yes"] if identity.active else kit.common["no"]}
    names = {"regional_office_id": "office"}
    rows = []
    for field in values:
        label = labels[names.get(field, field)]
        value = values[field]
        if identity.flagged(field) and field in VERIFIABLE_FIELDS:
            value = f"{value}{flag}" if value else kit.common["to_verify"]
        rows.append((label, value))
    story = kit.section(titles["identity"], kit.pairs(rows, label_fraction=0.3))
    contacts = [(c.full_name, c.function, c.email, c.phone) for c in doc.dossier.contacts]
    story += kit.section(titles["contacts"], kit.table(spec["columns"]["contacts"], contacts) if contacts
                         else kit.p(labels["no_contacts"], "empty"), level="h2")
    return story


def _money(doc: DossierDocument, kit: Kit) -> list[Flowable]:
    spec = layout("dossier")
    labels, titles, columns = spec["labels"], spec["sections"], spec["columns"]
    framework = doc.dossier.framework
    story: list[Flowable] = [kit.p(titles["money"], "h1")]
    if framework is None:
        story += kit.section(titles["framework"], kit.p(labels["no_framework"], "empty"), level="h2")
    else:
        rows = [(labels["framework_number"], framework.number),
                (labels["framework_period"], f"{framework.period_start}-{framework.period_end}"),
                (labels["framework_theme"], framework.theme),
                (labels["framework_status"], AgreementStatus(framework.status).label),
                (labels["framework_signed_on"], format_date(framework.signed_on))]
        story += kit.section(titles["framework"], kit.pairs(rows, label_fraction=0.3), level="h2")
    if not doc.dossier.money:
        story.append(kit.p(labels["no_money"], "empty"))
    for year in doc.dossier.money:
        head = labels["year"].format(year=year.year)
        agreement = labels["agreement"].format(number=year.number or kit.common["empty"],
                                               cp_date=format_date(year.cp_date) or kit.common["empty"],
                                               deliberation=year.deliberation_no or kit.common["empty"])
        lines = [(AidLineKind(l.kind).label, format_amount(l.requested_cents), format_amount(l.proposed_cents),
                  format_amount(l.voted_cents)) for l in year.lines]
        lines.append((labels["total"], format_amount(year.requested_cents), format_amount(year.proposed_cents),
                      format_amount(year.voted_cents)))
        right = ["cell", "cell_right", "cell_right", "cell_right"]
        story += kit.section(head, kit.p(agreement, "small"),
                             kit.table(columns["lines"], lines, styles=right, total_rows=1), level="h2")
        payments = [(PaymentKind(p.kind).label, PaymentStatus(p.status).label, format_date(p.due_on),
                     format_date(p.paid_on), p.reference, format_amount(p.amount_cents)) for p in year.payments]
        story += kit.section(labels["payments"],
                             kit.table(columns["payments"], payments,
                                       styles=["cell", "cell", "cell", "cell", "cell", "cell_right"])
                             if payments else kit.p(labels["no_payments"], "empty"), level="h3")
        story.append(kit.space(3))
        story.append(kit.rich([(f"{labels['voted']} : ", False), (format_amount(year.voted_cents), True),
                               (f" — {labels['paid']} : ", False), (format_amount(year.paid_cents), True),
                               (f" — {labels['remaining']} : ", False), (format_amount(year.remaining_cents), True)]))
    return story


def _sheets_overview(doc: DossierDocument, kit: Kit) -> list[Flowable]:
    spec = layout("dossier")
    dossier = doc.dossier
    rows = []
    for year in dossier.years if dossier.sheets else ():
        cells = [dossier.sheet(year, kind.value) for kind in SheetKind]
        rows.append((str(year), *[SheetStatus(c.status).label if c else spec["labels"]["sheet_missing"]
                                  for c in cells]))
    return kit.section(spec["sections"]["sheets"], kit.table(spec["columns"]["sheets"], rows) if rows
                       else kit.p(spec["labels"]["no_sheets"], "empty"))


def _meetings_overview(doc: DossierDocument, kit: Kit) -> list[Flowable]:
    spec = layout("dossier")
    labels = spec["labels"]
    rows = [(format_date(m.meeting_date), m.title, MeetingStatus(m.status).label,
             PlaceKind(m.place_kind).label if m.place_kind else "",
             MinutesStatus(m.minutes_status).label if m.minutes_status else labels["no_minutes_yet"])
            for m in doc.dossier.meetings]
    story = kit.section(spec["sections"]["minutes"], kit.p(spec["sections"]["meetings"], "h2"),
                        kit.table(spec["columns"]["meetings"], rows) if rows
                        else kit.p(labels["no_meetings"], "empty"))
    if not doc.minutes:
        story.append(kit.p(labels["no_minutes"], "empty"))
    return story


def _actions(doc: DossierDocument, kit: Kit) -> list[Flowable]:
    spec = layout("dossier")
    rows = []
    for a in doc.dossier.actions:
        due = format_date(a.due_on)
        due_cell = kit.p(f"{due}\n{kit.common['overdue']}", "cell_alert") if a.overdue else due
        rows.append((a.label, a.text, a.owner_name, due_cell, ActionStatus(a.status).label,
                     format_date(a.meeting_date)))
    return kit.section(spec["sections"]["actions"],
                       kit.table(spec["columns"]["actions"], rows, styles=["cell_bold"] + ["cell"] * 5) if rows
                       else kit.p(spec["labels"]["no_actions"], "empty"))


def dossier_story(doc: DossierDocument, kit: Kit) -> list[Flowable]:
    story = _cover(doc, kit) + [PageBreak()] + _identity(doc, kit) + _money(doc, kit)
    story += _sheets_overview(doc, kit)
    for sheet in doc.sheets:
        story += [NextPageTemplate(DRAFT if sheet.draft else FINAL), PageBreak(), *sheet_story(sheet, kit)]
    story += [NextPageTemplate(FINAL), PageBreak()] + _meetings_overview(doc, kit)
    for minutes in doc.minutes:
        story += [NextPageTemplate(DRAFT if minutes.draft else FINAL), PageBreak(),
                  *minutes_story(minutes, kit, visa_area=False)]
    story += [NextPageTemplate(FINAL), PageBreak()] + _actions(doc, kit)
    return story


def meta(doc: DossierDocument) -> Meta:
    spec = layout("dossier")
    name = doc.dossier.identity.name
    return Meta(title=doc.title, subject=spec["subject"],
                record=documents.record_key("structure", doc.dossier.identity.id), sha256=doc.content_sha256,
                status=f"{spec['kind']} — {name} — {state_on(doc)}", header_right=f"{spec['kind']} — {name}",
                keywords=("dossier", name))


def dossier_pdf(db: Any, structure_id: str) -> bytes:
    """The whole dossier of a structure as one PDF."""
    doc = documents.dossier_document(db, structure_id)
    return build(dossier_story(doc, Kit(page().frame_width)), meta(doc))
