"""The yearly campaign of dialogues de gestion, and each structure's standing team.

``propose_campaign`` builds a plan (plain dataclasses, nothing written); ``create_campaign`` writes
all of its meetings in ONE unit of work, or none. The spread is deterministic:

- structures in the order of their Maison de Région, then of their name (French order);
- candidate days: weekdays of the chosen months, not a public holiday (national ones and those of
  Alsace-Moselle, since the Région works across Grand Est), not in the past, and free of any
  meeting already planned (cancelled ones aside);
- with two dialogues per structure the candidate days are cut in two halves (e.g. spring and autumn),
  the first round in the first half and the second in the second, the structures in the same order;
- inside a round the dialogues are spread evenly over the days (no two on the same day).

Participants proposed: the structure's standing team (``TeamMember``); without one, the people of
its Maison de Région (``Person.regional_office_id``).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from sqlmodel import Session, select

from ..domain.enums import MeetingKind, MeetingStatus, MinutesStatus, OrganisationKind, PlaceKind
from ..domain.models import Attendance, Meeting, Minutes, Person, RegionalOffice, Structure, TeamMember
from ..domain.values import MONTHS, format_date
from . import meetings as meeting_service
from .errors import InvalidValueError
from .records import insert, load, replace_children
from .structures import sort_key
from .uow import reading, transactional

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
START, END = time(9, 30), time(12, 0)


def day_label(day: date) -> str:
    """« jeudi 4 mars 2027 »."""
    return f"{WEEKDAYS[day.weekday()]} {format_date(day)}"


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def public_holidays(year: int) -> set[date]:
    """French public holidays, with Good Friday and 26 December (Alsace-Moselle)."""
    easter = _easter(year)
    fixed = {(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25), (12, 26)}
    moving = {easter - timedelta(days=2), easter + timedelta(days=1), easter + timedelta(days=39),
              easter + timedelta(days=50)}
    return {date(year, m, d) for m, d in fixed} | moving


# --- Standing team -------------------------------------------------------------------------------

@dataclass
class TeamMemberDraft:
    """A member of a structure's standing team, as the team editor holds it."""

    full_name: str
    role: str = ""
    organisation: str = ""
    person_id: str | None = None
    member_id: str | None = None


def _live(session: Session, model: Any, **where: Any) -> list[Any]:
    query = select(model).where(model.deleted == False)  # noqa: E712
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return list(session.exec(query))


@reading
def team(session: Session, structure_id: str) -> list[TeamMemberDraft]:
    """The standing team of a structure, in its order."""
    load(session, Structure, structure_id)
    rows = sorted(_live(session, TeamMember, structure_id=structure_id), key=lambda m: (m.position, m.id))
    return [TeamMemberDraft(m.full_name, m.role, m.organisation, m.person_id, m.id) for m in rows]


@transactional
def set_team(session: Session, structure_id: str, members: Iterable[TeamMemberDraft]) -> list[TeamMemberDraft]:
    """Make the standing team of a structure exactly ``members``, in that order (one unit of work)."""
    load(session, Structure, structure_id)
    members = list(members)
    seen: set[str] = set()
    for number, member in enumerate(members, start=1):
        if not member.full_name.strip():
            raise InvalidValueError(f"le membre n° {number} de l'équipe n'a pas de nom")
        if member.person_id:
            load(session, Person, member.person_id)
            if member.person_id in seen:
                raise InvalidValueError(f"« {member.full_name.strip()} » figure deux fois dans l'équipe")
            seen.add(member.person_id)
    existing = {m.id: m for m in _live(session, TeamMember, structure_id=structure_id)}
    replace_children(session, TeamMember, existing, [
        (member.member_id, {"full_name": member.full_name.strip(), "role": member.role.strip(),
                            "organisation": member.organisation.strip(), "person_id": member.person_id,
                            "position": position})
        for position, member in enumerate(members, start=1)], structure_id=structure_id)
    return team(session, structure_id)


@reading
def team_candidates(session: Session, structure_id: str) -> list[meeting_service.ContactChoice]:
    """Contacts to pick team members from: the structure's Maison de Région first, then the Région's
    services, then everyone else (alphabetical inside each group)."""
    structure = load(session, Structure, structure_id)
    people = [p for p in _live(session, Person)]

    def group(p: Person) -> int:
        if p.regional_office_id and p.regional_office_id == structure.regional_office_id:
            return 0
        return 1 if p.organisation_kind == OrganisationKind.REGION_SERVICE else 2

    people.sort(key=lambda p: (group(p), sort_key(p.full_name)))
    return [meeting_service.ContactChoice(p.id, p.full_name, p.function, p.organisation_name, p.organisation_kind,
                                          p.structure_id, p.email) for p in people]


def _proposed(session: Session, structure: Structure) -> list[meeting_service.ParticipantDraft]:
    members = team(session, structure.id)
    if members:
        return [meeting_service.ParticipantDraft(m.full_name, m.role, m.organisation, m.person_id) for m in members]
    referents = [p for p in _live(session, Person) if structure.regional_office_id
                 and p.regional_office_id == structure.regional_office_id]
    referents.sort(key=lambda p: sort_key(p.full_name))
    return [meeting_service.ParticipantDraft(p.full_name, p.function, p.organisation_name, p.id) for p in referents]


# --- The plan --------------------------------------------------------------------------------------

@dataclass
class PlannedDialogue:
    structure_id: str
    structure_name: str
    office_name: str
    meeting_date: date
    #: Rank of this dialogue among the structure's dialogues of the year (n°1, n°2…).
    number: int
    title: str
    place: str
    participants: list[meeting_service.ParticipantDraft] = field(default_factory=list)

    @property
    def date_label(self) -> str:
        return day_label(self.meeting_date)

    @property
    def participants_label(self) -> str:
        return ", ".join(p.full_name for p in self.participants) or "—"


@dataclass
class CampaignPlan:
    year: int
    months: list[int]
    per_structure: int
    dialogues: list[PlannedDialogue] = field(default_factory=list)
    #: Remarks for the user (structures without a team…), in French.
    notes: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.dialogues)


def _busy_days(session: Session, year: int) -> set[date]:
    return {m.meeting_date for m in _live(session, Meeting)
            if m.meeting_date and m.meeting_date.year == year and m.status != MeetingStatus.CANCELLED}


def _candidate_days(year: int, months: list[int], busy: set[date], today: date) -> list[date]:
    holidays = public_holidays(year)
    days = []
    for month in months:
        day = date(year, month, 1)
        while day.month == month:
            if day.weekday() < 5 and day not in holidays and day not in busy and day >= today:
                days.append(day)
            day += timedelta(days=1)
    return days


def _spread(days: list[date], count: int) -> list[date]:
    """``count`` distinct days spread evenly over ``days`` (centred in equal slices)."""
    return [days[(2 * i + 1) * len(days) // (2 * count)] for i in range(count)]


def _months_label(months: list[int]) -> str:
    return ", ".join(MONTHS[m - 1] for m in months)


@reading
def propose_campaign(session: Session, year: int, months: Iterable[int], per_structure: int = 1,
                     structures: Iterable[str] | None = None, today: date | None = None) -> CampaignPlan:
    """A plan of one or two dialogues de gestion per structure over the chosen months (nothing written)."""
    months = sorted({int(m) for m in months})
    if not months:
        raise InvalidValueError("choisissez au moins un mois pour la campagne")
    if any(not 1 <= m <= 12 for m in months):
        raise InvalidValueError("mois invalide : choisissez des mois de janvier (1) à décembre (12)")
    if per_structure not in (1, 2):
        raise InvalidValueError("une campagne prévoit un ou deux dialogues par structure")
    offices = {o.id: o.name for o in session.exec(select(RegionalOffice))}
    chosen = set(structures) if structures is not None else None
    rows = [s for s in _live(session, Structure) if (s.active if chosen is None else s.id in chosen)]
    if chosen is not None and len(rows) != len(chosen):
        raise InvalidValueError("une des structures choisies est introuvable")
    if not rows:
        raise InvalidValueError("aucune structure à rencontrer")
    rows.sort(key=lambda s: (sort_key(offices.get(s.regional_office_id or "", "~")), sort_key(s.name)))
    days = _candidate_days(year, months, _busy_days(session, year), today or date.today())
    needed = len(rows) * per_structure
    if len(days) < needed:
        raise InvalidValueError(f"pas assez de jours ouvrés libres en {_months_label(months)} {year} : "
                                f"{needed} dialogues à placer pour {len(days)} jour(s) disponible(s) ; "
                                "ajoutez des mois ou prévoyez un seul dialogue par structure")
    halves = [days[r * len(days) // per_structure:(r + 1) * len(days) // per_structure] for r in range(per_structure)]
    existing: dict[str, int] = {}
    for m in _live(session, Meeting, kind=MeetingKind.MANAGEMENT_DIALOGUE.value):
        if m.meeting_date and m.meeting_date.year == year and m.status != MeetingStatus.CANCELLED:
            existing[m.structure_id or ""] = existing.get(m.structure_id or "", 0) + 1
    plan = CampaignPlan(year, months, per_structure)
    without_team = []
    for round_number, half in enumerate(halves):
        for structure, day in zip(rows, _spread(half, len(rows))):
            number = existing.get(structure.id, 0) + round_number + 1
            numbered = per_structure > 1 or number > 1
            title = (f"Dialogue de gestion {year} n°{number} — {structure.name}" if numbered
                     else meeting_service.default_title(MeetingKind.MANAGEMENT_DIALOGUE.value, structure.name, day))
            people = _proposed(session, structure)
            if round_number == 0 and not people:
                without_team.append(structure.name)
            plan.dialogues.append(PlannedDialogue(
                structure.id, structure.name, offices.get(structure.regional_office_id or "", ""), day, number, title,
                meeting_service.default_place(PlaceKind.ON_SITE.value, structure.seat_town), people))
    plan.dialogues.sort(key=lambda d: (d.meeting_date, sort_key(d.structure_name)))
    already = sorted(n for sid, n in existing.items() if sid in {s.id for s in rows})
    if already:
        plan.notes.append(f"{len(already)} structure(s) ont déjà un dialogue de gestion en {year} : "
                          "les nouveaux sont numérotés à la suite")
    if without_team:
        plan.notes.append(f"sans équipe ni référent de Maison de Région à proposer : {', '.join(without_team)}")
    return plan


@transactional
def create_campaign(session: Session, plan: CampaignPlan) -> list[str]:
    """Write every dialogue of the plan (agenda from the template, participants) in one unit of work;
    refused as a whole if a day is no longer free. Returns the new meetings' ids."""
    if not plan.dialogues:
        raise InvalidValueError("la campagne ne contient aucun dialogue")
    busy = _busy_days(session, plan.year)
    seen: set[date] = set()
    for item in plan.dialogues:
        if item.meeting_date.weekday() >= 5:
            raise InvalidValueError(f"{day_label(item.meeting_date)} ({item.structure_name}) tombe un week-end")
        if item.meeting_date in busy or item.meeting_date in seen:
            raise InvalidValueError(f"le {day_label(item.meeting_date)} ({item.structure_name}) n'est plus libre : "
                                    "recalculez la proposition")
        seen.add(item.meeting_date)
    ids = []
    for item in plan.dialogues:
        meeting = meeting_service.create_meeting(
            session, MeetingKind.MANAGEMENT_DIALOGUE.value, item.meeting_date, structure_id=item.structure_id,
            title=item.title, start_time=START, end_time=END, place_kind=PlaceKind.ON_SITE.value, place=item.place,
            status=MeetingStatus.PLANNED.value)
        for position, person in enumerate(item.participants, start=1):
            insert(session, Attendance, meeting_id=meeting.id, person_id=person.person_id,
                   full_name=person.full_name, function=person.function,
                   organisation_name=person.organisation_name, status="present", position=position)
        ids.append(meeting.id)
    return ids


# --- Status of the campaign -------------------------------------------------------------------------

@dataclass(frozen=True)
class CampaignStatusRow:
    structure_id: str
    structure_name: str
    office_name: str
    #: Dialogues of the year, cancelled ones aside.
    scheduled: int
    #: Still to be held.
    planned: int
    held: int
    signed: int
    next_date: date | None = None


@reading
def campaign_status(session: Session, year: int) -> list[CampaignStatusRow]:
    """Per active structure: dialogues de gestion of the year scheduled, still planned, held, and
    with signed minutes; in the order of the Maisons de Région, then of the names."""
    offices = {o.id: o.name for o in session.exec(select(RegionalOffice))}
    dialogues: dict[str, list[Meeting]] = {}
    for m in _live(session, Meeting, kind=MeetingKind.MANAGEMENT_DIALOGUE.value):
        if m.meeting_date and m.meeting_date.year == year and m.status != MeetingStatus.CANCELLED:
            dialogues.setdefault(m.structure_id or "", []).append(m)
    signed = {r.meeting_id for r in _live(session, Minutes, status=MinutesStatus.SIGNED.value)}
    rows = []
    for s in _live(session, Structure):
        if not s.active:
            continue
        own = dialogues.get(s.id, [])
        upcoming = sorted(m.meeting_date for m in own if m.status == MeetingStatus.PLANNED)
        rows.append(CampaignStatusRow(
            s.id, s.name, offices.get(s.regional_office_id or "", ""), len(own),
            sum(1 for m in own if m.status == MeetingStatus.PLANNED),
            sum(1 for m in own if m.status == MeetingStatus.HELD), sum(1 for m in own if m.id in signed),
            upcoming[0] if upcoming else None))
    return sorted(rows, key=lambda r: (sort_key(r.office_name or "~"), sort_key(r.structure_name)))
