"""Meetings: planning, participants and agenda."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlmodel import Session, select

from ..domain.enums import MeetingKind, MeetingStatus
from ..domain.models import AgendaItem, Attendance, Meeting, Person, Structure
from .records import apply_changes, insert, load
from .uow import reading, transactional


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


@reading
def list_meetings(session: Session, structure_id: str | None = None, year: int | None = None) -> list[MeetingRow]:
    query = (select(Meeting, Structure.name).join(Structure, Structure.id == Meeting.structure_id, isouter=True)
             .where(Meeting.deleted == False))  # noqa: E712
    if structure_id:
        query = query.where(Meeting.structure_id == structure_id)
    rows = [MeetingRow(m.id, m.kind, m.title, m.meeting_date, m.structure_id, name or "", m.status)
            for m, name in session.exec(query)]
    if year:
        rows = [r for r in rows if r.meeting_date and r.meeting_date.year == year]
    return sorted(rows, key=lambda r: (r.meeting_date or date.min, r.title))


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
