"""PDF of a relevé d'échange (DESIGN.md §5, fiche_fields.md §B)."""
from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, KeepTogether

from ...domain import rules
from ...domain.enums import ActionStatus, AmendmentStatus, AttendanceStatus, MeetingKind, PlaceKind
from ...domain.values import format_date
from ...services import documents
from ...services.documents import MinutesDocument
from ...services.meetings import format_time
from .base import Kit, Meta, VisaArea, build, layout, page


def hours(doc: MinutesDocument) -> str:
    start, end = doc.meeting.start_time, doc.meeting.end_time
    if start and end:
        return f"{format_time(start)} – {format_time(end)}"
    return format_time(start)


def place(doc: MinutesDocument) -> str:
    kind = PlaceKind(doc.meeting.place_kind).label if doc.meeting.place_kind else ""
    if kind and doc.meeting.place:
        return f"{kind} — {doc.meeting.place}"
    return kind or doc.meeting.place


def owner(action: Any) -> str:
    return ", ".join(part for part in (action.owner_name, action.owner_organisation) if part)


def minutes_story(doc: MinutesDocument, kit: Kit, visa_area: bool = True) -> list[Flowable]:
    """The flowables of one relevé, from its header to its rectificatifs; a signed relevé keeps
    room for its visa block unless ``visa_area`` is False (inside a dossier)."""
    spec = layout("minutes")
    titles, labels, columns = spec["sections"], spec["labels"], spec["columns"]
    meeting = doc.meeting
    story: list[Flowable] = [kit.p(doc.title, "title")]
    if doc.structure_name:
        story.append(kit.p(doc.structure_name, "subtitle"))
    if meeting.kind != MeetingKind.MANAGEMENT_DIALOGUE and meeting.title and meeting.title != doc.heading:
        story.append(kit.p(meeting.title, "meta"))
    story.append(kit.space(4))
    facts = [(labels["structure"], doc.structure_name), (labels["office"], doc.regional_office_name),
             (labels["date"], format_date(meeting.meeting_date)), (labels["hours"], hours(doc)),
             (labels["place"], place(doc))]
    story.append(kit.pairs([(k, v) for k, v in facts if v], label_fraction=0.22))
    story.append(kit.space(6))
    warning = [labels["signature_mismatch"]] if doc.sign_off is not None and not doc.signature_matches else []
    story.append(kit.status_box(doc.status_text, doc.content_sha256, warning))

    people = [(a.full_name, a.function, a.organisation_name, AttendanceStatus(a.status).label)
              for a in doc.attendance]
    body = [kit.table(columns["participants"], people)] if people else [kit.p(kit.common["none"], "empty")]
    story += kit.section(titles["participants"], *body)
    story.append(kit.p(labels["distribution"], "small"))

    items = [f"{n}. {item.title}" for n, item in enumerate(doc.agenda, start=1)]
    story += kit.section(titles["agenda"], *([kit.p(t, "body") for t in items] or
                                              [kit.p(kit.common["none"], "empty")]))

    if doc.minutes.summary.strip():
        story += kit.section(titles["summary"], *kit.text_or_empty(doc.minutes.summary))

    points: list[Flowable] = []
    for n, item in enumerate(doc.agenda, start=1):
        notes = kit.text_or_empty(item.notes) if item.notes.strip() else [kit.p(labels["no_notes"], "empty")]
        points.append(KeepTogether([kit.p(f"{n}. {item.title}", "h3"), notes[0]]))
        points += notes[1:]
    story += kit.section(titles["points"], *(points or [kit.p(kit.common["none"], "empty")]))

    decision_rows = [(rules.decision_label(d.number), d.text,
                      labels["decision_status"].get(d.status, d.status)) for d in doc.decisions]
    story += kit.section(titles["decisions"], kit.table(columns["decisions"], decision_rows,
                                                        styles=["cell_bold", "cell", "cell"])
                         if decision_rows else kit.p(kit.common["none"], "empty"))

    action_rows = [(rules.action_label(a.number), a.text, owner(a), format_date(a.due_on),
                    ActionStatus(a.status).label, doc.decision_label(a.decision_id)) for a in doc.actions]
    story += kit.section(titles["actions"], kit.table(columns["actions"], action_rows,
                                                      styles=["cell_bold", "cell", "cell", "cell", "cell", "cell"])
                         if action_rows else kit.p(kit.common["none"], "empty"))

    story += kit.section(titles["vigilance"], *kit.text_or_empty(doc.minutes.vigilance_points))

    upcoming: list[Flowable] = []
    if doc.minutes.next_meeting_on:
        upcoming.append(kit.rich([(labels["next_meeting"], False),
                                  (format_date(doc.minutes.next_meeting_on), True)]))
    if doc.minutes.next_steps.strip():
        upcoming += kit.text_or_empty(doc.minutes.next_steps)
    story += kit.section(titles["next"], *(upcoming or [kit.p(kit.common["empty"], "empty")]))

    written = doc.minutes.author or kit.common["empty"]
    if doc.minutes.written_on:
        written += labels["written_on"] + format_date(doc.minutes.written_on)
    if doc.sign_off is not None and doc.minutes.status == "signed":
        role = f" ({doc.sign_off.signer_role})" if doc.sign_off.signer_role else ""
        validation = doc.status_text + role
    else:
        validation = f"{doc.status_text} — {labels['not_validated']}"
    writing: list[Flowable] = [kit.p(titles["writing"], "h1"),
                               kit.rich([(labels["author"], False), (written, True)]),
                               kit.rich([(labels["version"], False), (str(doc.minutes.version), True)]),
                               kit.rich([(labels["validation"], False), (validation, True)])]
    if visa_area and doc.minutes.status == "signed":
        writing.append(VisaArea(kit.width))        # where signing puts the visa block
    story.append(KeepTogether(writing))

    if doc.amendments:
        story += kit.section(titles["amendments"], kit.p(labels["amendment_intro"], "small"))
        for amendment in doc.amendments:
            head = (labels["amendment"].format(number=amendment.number) + " — "
                    + AmendmentStatus(amendment.status).label)
            block: list[Flowable] = [kit.p(head, "h2")]
            if amendment.reason:
                block.append(kit.rich([(labels["amendment_reason"], False), (amendment.reason, True)]))
            block += kit.text_or_empty(amendment.body)
            if amendment.author:
                block.append(kit.rich([(labels["amendment_author"], False), (amendment.author, False)], "small"))
            story.append(KeepTogether(block[:2]))
            story += block[2:]
    return story


def meta(doc: MinutesDocument) -> Meta:
    spec = layout("minutes")
    name = f" — {doc.structure_name}" if doc.structure_name else ""
    return Meta(title=doc.title + name, subject=spec["subject"],
                record=documents.record_key("minutes", doc.minutes.id), sha256=doc.content_sha256,
                status=f"{spec['kind']} — {doc.status_text}",
                header_right=f"{spec['kind']}{name}",
                keywords=("relevé d'échange", doc.structure_name))


def minutes_pdf(db: Any, minutes_id: str) -> bytes:
    """The PDF of a relevé d'échange; drafts and relevés « à valider » carry « PROJET »."""
    doc = documents.minutes_document(db, minutes_id)
    kit = Kit(page().frame_width)
    return build(minutes_story(doc, kit), meta(doc), draft=doc.draft)
