"""One-page briefing before a meeting: the last relevé's decisions, open actions, sheets, money."""
from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, KeepInFrame, KeepTogether, Table, TableStyle

from ...domain import rules
from ...domain.enums import ActionStatus, MeetingKind, PlaceKind, SheetKind, SheetStatus
from ...domain.values import format_amount, format_date
from ...services import documents
from ...services.documents import BriefingDocument
from ...services.meetings import format_time
from .base import Kit, Meta, build, font_names, layout, page


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _side_by_side(kit: Kit, left: list[Flowable], right: list[Flowable], gap: float = 12) -> Table:
    half = (kit.width - gap) / 2
    table = Table([[left, "", right]], colWidths=[half, gap, half], hAlign="LEFT")
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font_names()[0]),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return table


def briefing_story(doc: BriefingDocument, kit: Kit) -> list[Flowable]:
    spec = layout("briefing")
    titles, labels, columns, limits = spec["sections"], spec["labels"], spec["columns"], spec["limits"]
    meeting = doc.meeting
    half = Kit((kit.width - 12) / 2)
    story: list[Flowable] = [kit.p(spec["kind"], "title"),
                             kit.p(meeting.title or MeetingKind(meeting.kind).label, "subtitle"), kit.space(2)]
    hours = " – ".join(format_time(t) for t in (meeting.start_time, meeting.end_time) if t)
    place_kind = PlaceKind(meeting.place_kind).label if meeting.place_kind else ""
    place = " — ".join(p for p in (place_kind, meeting.place) if p)
    facts = [(labels["date"], format_date(meeting.meeting_date)), (labels["hours"], hours),
             (labels["place"], place), (labels["structure"], doc.structure_name),
             (labels["office"], doc.regional_office_name)]
    story.append(kit.pairs([(k, v) for k, v in facts if v], label_fraction=0.2))

    last = doc.last_minutes
    if doc.dossier is None:
        pass                      # no structure: said below, in place of its dossier
    elif last is None:
        story += kit.section(titles["last_minutes"], kit.p(labels["no_last_minutes"], "empty"), level="h2")
    else:
        head = labels["last_minutes"].format(heading=last.heading, date=format_date(last.meeting.meeting_date),
                                             status=last.status_text)
        rows = [(rules.decision_label(d.number), _clip(d.text, limits["text_chars"]))
                for d in last.decisions[:limits["decisions"]]]
        content: list[Flowable] = [kit.p(head, "small")]
        content.append(kit.table([("", 0.07), ("", 0.93)], rows, styles=["cell_bold", "cell"], header=False)
                       if rows else kit.p(labels["no_decisions"], "empty"))
        if len(last.decisions) > limits["decisions"]:
            content.append(kit.p(labels["more_decisions"].format(count=len(last.decisions) - limits["decisions"]),
                                 "small"))
        if last.minutes.vigilance_points.strip():
            content.append(kit.rich([(labels["vigilance"], True),
                                     (_clip(last.minutes.vigilance_points, limits["text_chars"]), False)], "small"))
        upcoming = " — ".join(p for p in (format_date(last.minutes.next_meeting_on),
                                          _clip(last.minutes.next_steps, limits["text_chars"])) if p)
        if upcoming:
            content.append(kit.rich([(labels["next_steps"], True), (upcoming, False)], "small"))
        story += kit.section(titles["last_minutes"], *content, level="h2")

    if doc.dossier is None:
        story.append(kit.p(labels["no_structure"], "empty"))
    else:
        dossier = doc.dossier
        actions = dossier.actions
        rows = []
        for a in actions[:limits["actions"]]:
            due = format_date(a.due_on)
            due_cell = kit.p(f"{due} ({kit.common['overdue']})", "cell_alert") if a.overdue else due
            rows.append((a.label, _clip(a.text, limits["text_chars"]), a.owner_name, due_cell,
                         ActionStatus(a.status).label))
        title = titles["actions"]
        if actions:
            title += f" ({len(actions)}"
            title += f", {labels['overdue_count'].format(count=dossier.overdue_count)})" if dossier.overdue_count \
                else ")"
        content = [kit.table(columns["actions"], rows, styles=["cell_bold", "cell", "cell", "cell", "cell"])
                   if rows else kit.p(labels["no_actions"], "empty")]
        if len(actions) > limits["actions"]:
            content.append(kit.p(labels["more_actions"].format(count=len(actions) - limits["actions"]), "small"))
        story += kit.section(title, *content, level="h2")

        sheet_rows = []
        for year in doc.years:
            cells = [dossier.sheet(year, kind.value) for kind in SheetKind]
            sheet_rows.append((str(year), *[SheetStatus(c.status).label if c else kit.common["empty"]
                                            for c in cells]))
        money = {m.year: m for m in dossier.money}
        money_rows = [(str(y), format_amount(money[y].requested_cents), format_amount(money[y].voted_cents),
                       format_amount(money[y].paid_cents), format_amount(money[y].remaining_cents))
                      for y in doc.years if y in money]
        story.append(kit.p(titles["sheets"], "h2"))
        story.append(kit.table(columns["sheets"], sheet_rows))
        story.append(kit.p(titles["money"], "h2"))
        story.append(kit.table(columns["money"], money_rows, styles=["cell"] + ["cell_right"] * 4)
                     if money_rows else kit.p(layout("dossier")["labels"]["no_money"], "empty"))

    agenda = [half.p(f"{n}. {item.title}", "small") for n, item in enumerate(doc.agenda, start=1)]
    people = [half.p(", ".join(p for p in (a.full_name, a.function, a.organisation_name) if p), "small")
              for a in doc.participants[:limits["participants"]]]
    if len(doc.participants) > limits["participants"]:
        people.append(half.p(f"… (+{len(doc.participants) - limits['participants']})", "small"))
    story.append(kit.space(2))
    story.append(_side_by_side(kit, [half.p(titles["agenda"], "h2"), *(agenda or [half.p(kit.common["none"], "empty")])],
                               [half.p(titles["participants"], "h2"),
                                *(people or [half.p(kit.common["none"], "empty")])]))
    return story


def meta(doc: BriefingDocument) -> Meta:
    spec = layout("briefing")
    status = spec["status"].format(date=format_date(doc.today))
    name = f" — {doc.structure_name}" if doc.structure_name else ""
    return Meta(title=doc.title, subject=spec["subject"], record=documents.record_key("meeting", doc.meeting.id),
                sha256=doc.content_sha256, status=status, header_right=f"{spec['kind']}{name}",
                keywords=("note de préparation", doc.structure_name))


def _flat(story: list[Flowable]) -> list[Flowable]:
    """KeepTogether only works in a frame's flow, not inside KeepInFrame: unwrap it."""
    result: list[Flowable] = []
    for flowable in story:
        result += _flat(list(flowable._content)) if isinstance(flowable, KeepTogether) else [flowable]
    return result


def briefing_pdf(db: Any, meeting_id: str) -> bytes:
    """The one-page briefing of a meeting (the content shrinks to fit one page if it must)."""
    doc = documents.briefing_document(db, meeting_id)
    geometry = page()
    kit = Kit(geometry.frame_width)
    story = briefing_story(doc, kit)
    one_page = KeepInFrame(geometry.frame_width, geometry.frame_height, _flat(story), mode="shrink")
    return build([one_page], meta(doc), geometry=geometry)
