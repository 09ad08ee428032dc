"""Meetings: planning, participants, agenda, and the calendar (.ics) export."""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from ..domain.enums import MeetingKind, MeetingStatus, OrganisationKind, PlaceKind
from ..domain.ids import now_iso
from ..domain.models import (AgendaItem, Attendance, Meeting, MeetingStructure, Person, RegionalOffice,
                             Structure)
from ..domain.values import format_date
from ..storage.fts import fold
from .errors import FrozenRecordError, InvalidValueError, ServiceError, describe_os_error
from .records import apply_changes, frozen_reason, insert, load
from .uow import reading, transactional

#: Kinds that gather several structures (their meeting_structure links).
MULTI_STRUCTURE_KINDS = frozenset({MeetingKind.DIRECTORS_NETWORK, MeetingKind.COLLECTIVE_SESSION,
                                   MeetingKind.CONFERENCE_DAY, MeetingKind.OTHER})


@lru_cache(maxsize=1)
def _agendas() -> dict[str, list[str]]:
    return json.loads(resources.files("petr_desktop.resources").joinpath("agendas.json").read_text("utf-8"))


def default_agenda(kind: str) -> list[str]:
    """The agenda template of a meeting kind (resources/agendas.json), empty if none."""
    return list(_agendas().get(kind, []))


def default_title(kind: str, structure_name: str, day: date | None) -> str:
    label = MeetingKind(kind).label
    year = f" {day.year}" if day else ""
    return f"{label}{year} — {structure_name}" if structure_name else f"{label}{year}"


def default_place(place_kind: str, seat_town: str = "", office_name: str = "") -> str:
    """The place text suggested for a kind of place and a structure."""
    if place_kind == PlaceKind.ON_SITE:
        return f"Siège du PETR, {seat_town}" if seat_town else ""
    if place_kind == PlaceKind.REGIONAL_OFFICE:
        return f"Maison de Région {office_name}" if office_name else "Maison de Région"
    return "Visioconférence (Teams)"


def format_time(value: time | None) -> str:
    """« 9 h 30 »."""
    return f"{value.hour} h {value.minute:02d}" if value else ""


@transactional
def create_meeting(session: Session, kind: str, meeting_date: date | str | None,
                   structure_id: str | None = None, title: str = "",
                   agenda: list[str] | None = None, **values: Any) -> Meeting:
    """Plan a meeting; the agenda comes from the kind's template unless given."""
    structure = load(session, Structure, structure_id) if structure_id else None
    meeting = insert(session, Meeting, kind=kind, meeting_date=meeting_date, structure_id=structure_id,
                     title="", **values)
    if not title:
        title = default_title(kind, structure.name if structure else "", meeting.meeting_date)
    apply_changes(session, meeting, {"title": title})
    for position, item in enumerate(default_agenda(kind) if agenda is None else agenda, start=1):
        insert(session, AgendaItem, meeting_id=meeting.id, position=position, title=item)
    return meeting


@transactional
def add_agenda_item(session: Session, meeting_id: str, title: str) -> AgendaItem:
    items = session.exec(select(AgendaItem.position).where(AgendaItem.meeting_id == meeting_id)).all()
    return insert(session, AgendaItem, meeting_id=meeting_id, position=max(items, default=0) + 1, title=title)


@transactional
def add_participant(session: Session, meeting_id: str, person_id: str | None = None,
                    full_name: str = "", function: str = "", organisation_name: str = "",
                    status: str = "present") -> Attendance:
    """Add a participant, from a contact (its details are copied) or typed on the spot."""
    load(session, Meeting, meeting_id)
    if person_id:
        person = load(session, Person, person_id)
        full_name = full_name or person.full_name
        function = function or person.function
        organisation_name = organisation_name or person.organisation_name
    count = len(session.exec(select(Attendance.id).where(Attendance.meeting_id == meeting_id)).all())
    return insert(session, Attendance, meeting_id=meeting_id, person_id=person_id, full_name=full_name,
                  function=function, organisation_name=organisation_name, status=status,
                  position=count + 1)


@dataclass(frozen=True)
class MeetingRow:
    id: str
    kind: str
    title: str
    meeting_date: date | None
    structure_id: str | None
    structure_name: str
    status: str
    start_time: time | None = None
    end_time: time | None = None
    place_kind: str = PlaceKind.ON_SITE.value
    place: str = ""
    #: Names of the further structures taking part (network meetings, sessions).
    other_structures: tuple[str, ...] = ()

    @property
    def structures_label(self) -> str:
        names = ([self.structure_name] if self.structure_name else []) + list(self.other_structures)
        return ", ".join(names)

    @property
    def hours_label(self) -> str:
        if self.start_time and self.end_time:
            return f"{format_time(self.start_time)} – {format_time(self.end_time)}"
        return format_time(self.start_time)

    @property
    def place_label(self) -> str:
        kind = PlaceKind(self.place_kind).label if self.place_kind else ""
        return f"{kind} — {self.place}" if kind and self.place else kind or self.place


def _linked_structures(session: Session, meeting_ids: Iterable[str] | None = None) -> dict[str, list[str]]:
    """meeting id → ids of its further structures."""
    query = select(MeetingStructure).where(MeetingStructure.deleted == False)  # noqa: E712
    if meeting_ids is not None:
        query = query.where(MeetingStructure.meeting_id.in_(list(meeting_ids)))
    links: dict[str, list[str]] = {}
    for link in session.exec(query):
        links.setdefault(link.meeting_id or "", []).append(link.structure_id or "")
    return links


@reading
def list_meetings(session: Session, structure_id: str | None = None, year: int | None = None) -> list[MeetingRow]:
    """Meetings by date; with ``structure_id``, those it takes part in (main or further structure)."""
    names = {s.id: s.name for s in session.exec(select(Structure))}
    links = _linked_structures(session)
    query = select(Meeting).where(Meeting.deleted == False)  # noqa: E712
    rows = []
    for m in session.exec(query):
        others = [sid for sid in links.get(m.id, []) if sid != m.structure_id]
        if structure_id and structure_id != m.structure_id and structure_id not in others:
            continue
        rows.append(MeetingRow(m.id, m.kind, m.title, m.meeting_date, m.structure_id,
                               names.get(m.structure_id or "", ""), m.status, m.start_time, m.end_time,
                               m.place_kind, m.place, tuple(sorted(names.get(s, "") for s in others))))
    if year:
        rows = [r for r in rows if r.meeting_date and r.meeting_date.year == year]
    return sorted(rows, key=lambda r: (r.meeting_date or date.min, r.start_time or time.min, r.title))


#: Periods of the meetings page.
UPCOMING, PAST, ALL = "upcoming", "past", "all"


def in_period(rows: Iterable[MeetingRow], period: str, today: date) -> list[MeetingRow]:
    """Upcoming (today and later, soonest first), past (latest first) or all (by date)."""
    if period == UPCOMING:
        return [r for r in rows if r.meeting_date and r.meeting_date >= today]
    if period == PAST:
        return sorted((r for r in rows if not r.meeting_date or r.meeting_date < today),
                      key=lambda r: (r.meeting_date or date.min, r.start_time or time.min), reverse=True)
    return list(rows)


def on_day(rows: Iterable[MeetingRow], day: date) -> list[MeetingRow]:
    return [r for r in rows if r.meeting_date == day]


@reading
def agenda(session: Session, meeting_id: str) -> list[AgendaItem]:
    return list(session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id,
                                                      AgendaItem.deleted == False)  # noqa: E712
                             .order_by(AgendaItem.position)))


@reading
def participants(session: Session, meeting_id: str) -> list[Attendance]:
    return list(session.exec(select(Attendance).where(Attendance.meeting_id == meeting_id,
                                                      Attendance.deleted == False)  # noqa: E712
                             .order_by(Attendance.position)))


@transactional
def mark_held(session: Session, meeting_id: str) -> Meeting:
    return apply_changes(session, load(session, Meeting, meeting_id), {"status": MeetingStatus.HELD.value})


@reading
def meeting_structures(session: Session, meeting_id: str) -> list[str]:
    """Ids of the further structures of a meeting (besides its main structure)."""
    return sorted(_linked_structures(session, [meeting_id]).get(meeting_id, []))


@transactional
def set_meeting_structures(session: Session, meeting_id: str, structure_ids: Iterable[str]) -> list[str]:
    """Make the further structures of a meeting exactly ``structure_ids`` (the main one is left out)."""
    meeting = load(session, Meeting, meeting_id)
    reason = frozen_reason(session, meeting, {"structure_id"})
    if reason:
        raise FrozenRecordError(reason)
    wanted = [sid for sid in dict.fromkeys(structure_ids) if sid and sid != meeting.structure_id]
    kept: set[str] = set()
    links = session.exec(select(MeetingStructure).where(MeetingStructure.meeting_id == meeting_id)
                         .order_by(MeetingStructure.deleted, MeetingStructure.created_at)).all()
    for link in links:            # live links first; a twin that came by sync is dropped
        if link.structure_id in wanted and link.structure_id not in kept:
            kept.add(link.structure_id)
            if link.deleted:
                link.deleted = False
                _touch(session, link)
        elif not link.deleted:
            _soft_delete(session, link)
    for sid in wanted:
        if sid not in kept:
            insert(session, MeetingStructure, meeting_id=meeting_id, structure_id=sid)
    return wanted


def _touch(session: Session, row: Any) -> None:
    row.updated_at = now_iso()
    session.add(row)
    session.flush()


def _soft_delete(session: Session, row: Any) -> None:
    row.deleted = True
    _touch(session, row)


def _plain(text: str) -> str:
    """Accent- and case-insensitive key (French order, name matching)."""
    return unicodedata.normalize("NFKD", fold(text)).encode("ascii", "ignore").decode().lower()


# --- Planning: the dialog's plain data ---------------------------------------------------

@dataclass
class ParticipantDraft:
    """A participant as the planning dialog holds it: from a contact, or typed on the spot."""

    full_name: str
    function: str = ""
    organisation_name: str = ""
    person_id: str | None = None
    attendance_id: str | None = None
    #: For a typed participant: also create a contact (with this e-mail).
    save_as_contact: bool = False
    email: str = ""
    status: str = "present"


@dataclass
class AgendaDraft:
    title: str
    item_id: str | None = None


@dataclass
class MeetingDraft:
    kind: str
    meeting_date: date | None
    start_time: time | None = None
    end_time: time | None = None
    structure_id: str | None = None
    other_structure_ids: list[str] = field(default_factory=list)
    place_kind: str = PlaceKind.ON_SITE.value
    place: str = ""
    title: str = ""
    participants: list[ParticipantDraft] = field(default_factory=list)
    agenda: list[AgendaDraft] = field(default_factory=list)


@dataclass(frozen=True)
class StructureChoice:
    id: str
    name: str
    seat_town: str
    office_name: str


@dataclass(frozen=True)
class ContactChoice:
    id: str
    full_name: str
    function: str
    organisation_name: str
    organisation_kind: str
    structure_id: str | None
    email: str

    @property
    def label(self) -> str:
        details = ", ".join(p for p in (self.function, self.organisation_name) if p)
        return f"{self.full_name} — {details}" if details else self.full_name


@dataclass(frozen=True)
class PlanningChoices:
    structures: list[StructureChoice]
    contacts: list[ContactChoice]


@reading
def planning_choices(session: Session) -> PlanningChoices:
    """What the planning dialog offers: the structures (French order) and every contact."""
    offices = {o.id: o.name for o in session.exec(select(RegionalOffice))}
    structures = [StructureChoice(s.id, s.name, s.seat_town, offices.get(s.regional_office_id or "", ""))
                  for s in session.exec(select(Structure).where(Structure.deleted == False))]  # noqa: E712
    contacts = [ContactChoice(p.id, p.full_name, p.function, p.organisation_name, p.organisation_kind,
                              p.structure_id, p.email)
                for p in session.exec(select(Person).where(Person.deleted == False))]  # noqa: E712
    return PlanningChoices(sorted(structures, key=lambda s: _plain(s.name)),
                           sorted(contacts, key=lambda c: _plain(c.full_name)))


def contact_group(contact: ContactChoice, structure_ids: Iterable[str]) -> int:
    """0: people of the meeting's structures, 1: the Région's staff, 2: everyone else."""
    if contact.structure_id and contact.structure_id in set(structure_ids):
        return 0
    return 1 if contact.organisation_kind == OrganisationKind.REGION_SERVICE else 2


def order_contacts(contacts: Iterable[ContactChoice], structure_ids: Iterable[str]) -> list[ContactChoice]:
    """The meeting's structures' people first, then the Région's staff, then everyone else."""
    chosen = {sid for sid in structure_ids if sid}
    # sorted() is stable: the alphabetical order holds inside each group.
    return sorted(contacts, key=lambda c: contact_group(c, chosen))


@dataclass(frozen=True)
class MeetingDetails:
    id: str
    status: str
    draft: MeetingDraft
    #: Why the meeting may not be edited (signed minutes), in French; empty when it may.
    frozen_reason: str


@reading
def meeting_details(session: Session, meeting_id: str) -> MeetingDetails:
    """Everything the planning dialog shows of an existing meeting."""
    meeting = load(session, Meeting, meeting_id)
    people = [ParticipantDraft(a.full_name, a.function, a.organisation_name, a.person_id, a.id, status=a.status)
              for a in participants(session, meeting_id)]
    items = [AgendaDraft(i.title, i.id) for i in agenda(session, meeting_id)]
    draft = MeetingDraft(meeting.kind, meeting.meeting_date, meeting.start_time, meeting.end_time,
                         meeting.structure_id, meeting_structures(session, meeting_id), meeting.place_kind,
                         meeting.place, meeting.title, people, items)
    return MeetingDetails(meeting.id, meeting.status, draft, frozen_reason(session, meeting, {"title"}) or "")


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _validate(session: Session, draft: MeetingDraft) -> None:
    try:
        MeetingKind.parse(draft.kind)
        PlaceKind.parse(draft.place_kind)
    except ValueError as exc:
        raise InvalidValueError(f"réunion : {exc}") from exc
    if draft.meeting_date is None:
        raise InvalidValueError("indiquez la date de la réunion")
    if draft.start_time and draft.end_time and draft.end_time <= draft.start_time:
        raise InvalidValueError(f"l'heure de fin ({format_time(draft.end_time)}) doit venir après "
                                f"l'heure de début ({format_time(draft.start_time)})")
    if draft.kind == MeetingKind.MANAGEMENT_DIALOGUE and not draft.structure_id:
        raise InvalidValueError("un dialogue de gestion se tient avec une structure : choisissez-la")
    for sid in [draft.structure_id, *draft.other_structure_ids]:
        if sid:
            load(session, Structure, sid)
    seen: set[str] = set()
    for number, person in enumerate(draft.participants, start=1):
        if not person.full_name.strip():
            raise InvalidValueError(f"le participant n° {number} n'a pas de nom")
        if person.email.strip() and not _EMAIL.match(person.email.strip()):
            raise InvalidValueError(f"adresse électronique invalide : « {person.email.strip()} » "
                                    "(exemple : prenom.nom@grandest.fr)")
        if person.person_id:
            if person.person_id in seen:
                raise InvalidValueError(f"« {person.full_name} » figure deux fois parmi les participants")
            seen.add(person.person_id)
    for number, item in enumerate(draft.agenda, start=1):
        if not item.title.strip():
            raise InvalidValueError(f"le point n° {number} de l'ordre du jour n'a pas d'intitulé")


def _organisation_of(session: Session, name: str) -> dict[str, Any]:
    """Where a contact typed on the spot belongs, guessed from its organisation's name."""
    wanted = _plain(name.strip())
    for structure in session.exec(select(Structure).where(Structure.deleted == False)):  # noqa: E712
        if wanted and _plain(structure.name) == wanted:
            return {"organisation_kind": OrganisationKind.STRUCTURE.value, "structure_id": structure.id}
    if "maison de region" in wanted:
        return {"organisation_kind": OrganisationKind.REGIONAL_OFFICE.value}
    if wanted.startswith("region"):
        return {"organisation_kind": OrganisationKind.REGION_SERVICE.value}
    return {"organisation_kind": OrganisationKind.PARTNER.value}


def _save_participants(session: Session, meeting_id: str, people: list[ParticipantDraft]) -> None:
    existing = {a.id: a for a in participants(session, meeting_id)}
    kept: set[str] = set()
    for position, person in enumerate(people, start=1):
        person_id = person.person_id
        if not person_id and person.save_as_contact:
            contact = insert(session, Person, full_name=person.full_name.strip(), function=person.function.strip(),
                             organisation_name=person.organisation_name.strip(), email=person.email.strip(),
                             **_organisation_of(session, person.organisation_name))
            person_id = contact.id
        values = {"full_name": person.full_name.strip(), "function": person.function.strip(),
                  "organisation_name": person.organisation_name.strip(), "position": position}
        row = existing.get(person.attendance_id or "")
        if row is None:
            insert(session, Attendance, meeting_id=meeting_id, person_id=person_id, status=person.status, **values)
        else:
            kept.add(row.id)
            apply_changes(session, row, values)
    for attendance_id, row in existing.items():
        if attendance_id not in kept:
            _soft_delete(session, row)


def _save_agenda(session: Session, meeting_id: str, items: list[AgendaDraft]) -> None:
    existing = {i.id: i for i in agenda(session, meeting_id)}
    kept = {item.item_id for item in items if item.item_id in existing}
    for item_id, row in existing.items():
        if item_id not in kept and row.notes.strip():
            raise InvalidValueError(f"le point « {row.title} » contient déjà des notes du relevé : "
                                    "il ne peut pas être retiré de l'ordre du jour")
    for position, item in enumerate(items, start=1):
        row = existing.get(item.item_id or "")
        if row is None:
            insert(session, AgendaItem, meeting_id=meeting_id, position=position, title=item.title.strip())
        else:
            apply_changes(session, row, {"position": position, "title": item.title.strip()})
    for item_id, row in existing.items():
        if item_id not in kept:
            _soft_delete(session, row)


@transactional
def save_meeting(session: Session, draft: MeetingDraft, meeting_id: str | None = None) -> Meeting:
    """Create (no ``meeting_id``) or update a planned meeting with its structures, participants
    and agenda — all of it or nothing. Typed participants may become contacts."""
    _validate(session, draft)
    structure = load(session, Structure, draft.structure_id) if draft.structure_id else None
    title = draft.title.strip() or default_title(draft.kind, structure.name if structure else "",
                                                 draft.meeting_date)
    fields = {"kind": draft.kind, "meeting_date": draft.meeting_date, "start_time": draft.start_time,
              "end_time": draft.end_time, "structure_id": draft.structure_id, "place_kind": draft.place_kind,
              "place": draft.place.strip(), "title": title}
    if meeting_id is None:
        meeting = insert(session, Meeting, **fields)
    else:
        meeting = load(session, Meeting, meeting_id)
        reason = frozen_reason(session, meeting, set(fields))
        if reason:
            raise FrozenRecordError(reason)
        apply_changes(session, meeting, fields)
    set_meeting_structures(session, meeting.id, draft.other_structure_ids)
    _save_participants(session, meeting.id, draft.participants)
    _save_agenda(session, meeting.id, draft.agenda)
    return meeting


# --- Calendar export ---------------------------------------------------------------------

def upcoming_ids(rows: Iterable[MeetingRow], today: date) -> list[str]:
    """The meetings « à venir » that go to the calendar: from today on, not cancelled."""
    return [r.id for r in in_period(rows, UPCOMING, today) if r.status != MeetingStatus.CANCELLED]


@reading
def calendar_events(session: Session, meeting_ids: list[str],
                    report: Callable[[int, int, str], None] | None = None) -> list[Any]:
    """The calendar events (exports.ics.CalendarEvent) of meetings, in date order."""
    from ..exports.ics import CalendarAttendee, CalendarEvent, event_uid

    names = {s.id: s.name for s in session.exec(select(Structure))}
    meetings = [load(session, Meeting, mid) for mid in dict.fromkeys(meeting_ids)]
    meetings.sort(key=lambda m: (m.meeting_date or date.min, m.start_time or time.min))
    links = _linked_structures(session, [m.id for m in meetings])
    emails = {p.id: p.email for p in session.exec(select(Person))}
    events = []
    for done, meeting in enumerate(meetings):
        if report:
            report(done, len(meetings), f"Réunion {done + 1} sur {len(meetings)}")
        if meeting.meeting_date is None:
            continue
        structures = [names.get(sid, "") for sid in [meeting.structure_id, *links.get(meeting.id, [])] if sid]
        people = participants(session, meeting.id)
        items = agenda(session, meeting.id)
        lines = [f"{MeetingKind(meeting.kind).label} — {format_date(meeting.meeting_date)}"]
        if structures:
            lines.append(("Structures : " if len(structures) > 1 else "Structure : ") + ", ".join(structures))
        if items:
            lines += ["", "Ordre du jour :"] + [f"{n}. {i.title}" for n, i in enumerate(items, start=1)]
        if people:
            lines += ["", "Participants :"] + [
                "— " + ", ".join(p for p in (a.full_name, a.function, a.organisation_name) if p) for a in people]
        attendees = tuple(CalendarAttendee(a.full_name, emails[a.person_id], a.status != "present")
                          for a in people if a.person_id and emails.get(a.person_id))
        row = MeetingRow(meeting.id, meeting.kind, meeting.title, meeting.meeting_date, meeting.structure_id, "",
                         meeting.status, place_kind=meeting.place_kind, place=meeting.place)
        events.append(CalendarEvent(
            uid=event_uid(meeting.id), title=meeting.title, day=meeting.meeting_date, start=meeting.start_time,
            end=meeting.end_time, location=row.place_label, description="\n".join(lines), attendees=attendees,
            cancelled=meeting.status == MeetingStatus.CANCELLED,
            last_modified=datetime.fromisoformat(meeting.updated_at.replace("Z", "+00:00")).astimezone(UTC)))
    return events


def export_ics(db: Any, path: str | Path, meeting_ids: list[str],
               report: Callable[[int, int, str], None] | None = None) -> int:
    """Write the meetings as one .ics file (atomically); returns the number of events.

    A file-system failure becomes a ServiceError with a French message; no partial file is left.
    """
    from ..exports.ics import write_calendar

    if not meeting_ids:
        raise InvalidValueError("aucune réunion à exporter")
    events = calendar_events(db, meeting_ids, report)
    if not events:
        raise InvalidValueError("ces réunions n'ont pas de date : rien à mettre dans l'agenda")
    try:
        write_calendar(Path(path), events)
    except OSError as exc:
        raise ServiceError(f"Export impossible : {describe_os_error(exc)}") from exc
    if report:
        report(len(events), len(events), "Fichier écrit")
    return len(events)
