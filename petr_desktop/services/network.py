"""Network animation: multi-structure meetings (directors' network, sessions of the chantier
collectif, journée-conférence), attendance per structure, speakers, and the attendance rate that
feeds each structure's « Chantier collectif » sheet.

Decisions (documented here, tested in tests/test_network.py):

- **Represented structure** of an attendee: ``Attendance.structure_id``, else the structure of the
  contact (``Person.structure_id``) it was taken from. Attendees with neither (Région staff,
  partners) count for no structure.
- **Held session**: a meeting of kind ``collective_session``, not cancelled, whose day has come
  (``meeting_date <= today``) or that is marked « Tenue ». A session planned later does not count yet.
- **Attendance rate** of a structure for a year = held sessions with at least one *present* person of
  the structure / held sessions of the year (``None`` when no session was held).
- **Sheet sync**: the « Chantier collectif » template models participation as one ``SheetSession``
  line per session, and ``sheets.participation_rate`` is the share of lines marked present. So the
  sync writes one line per held session (present or not) with a deterministic id (UUIDv5 of the sheet
  and the meeting): two laptops converge, a second sync changes nothing, and lines typed by hand are
  never touched. The line's « Justificatif » stays the user's. A validated (frozen) sheet is not
  written: the refusal is reported in French (``SheetSync.refused``), never silently dropped.
- **Élu**: an attendee is an elected official when their *function* says so (« Élu·e », « Maire »,
  « Président·e », « Conseiller départemental »…, see ``is_elected``); ``ELECTED_FUNCTION`` is the
  function the app gives an invited élu whose function is not known.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, time
from typing import Any

from sqlmodel import Session, select

from ..domain import rules
from ..domain.enums import AttendanceStatus, MeetingKind, MeetingStatus, OrganisationKind, PlaceKind, SheetKind
from ..domain.ids import now_iso, singleton_id
from ..domain.models import Attendance, EvaluationSheet, Meeting, Person, SheetSession, Speaker, Structure
from ..domain.values import NNBSP, format_date
from . import meetings as meeting_service
from . import sheets as sheet_service
from .errors import FrozenRecordError, InvalidValueError
from .records import apply_changes, frozen_reason, insert, load, replace_children
from .structures import sort_key
from .uow import reading, transactional

#: Meeting kinds of the network (several structures, attendance per structure).
NETWORK_KINDS = frozenset({MeetingKind.DIRECTORS_NETWORK.value, MeetingKind.COLLECTIVE_SESSION.value,
                           MeetingKind.CONFERENCE_DAY.value})
#: Who organises the sessions of the chantier collectif (written on the sheet's lines).
ORGANISER = "Région Grand Est"
#: The function given to an invited élu whose function is not known.
ELECTED_FUNCTION = "Élu·e"
#: Label of the attendees who represent no structure.
NO_STRUCTURE = "Autres participants (Région, partenaires)"

_ELECTED = re.compile(
    r"\b(elu|elue|elus|elues|maire|president|presidente|vice-president|vice-presidente|"
    r"adjointe? au maire|conseill(?:er|ere) (?:municipale?|communautaire|departementale?|regionale?)|"
    r"deputee?|senat(?:eur|rice))\b")


def is_elected(function: str) -> bool:
    """Whether a function names an elected official (accents and case ignored)."""
    return bool(_ELECTED.search(sort_key(function or "")))


def percent(rate: float | None) -> str:
    """0.5 → « 50 % » (narrow no-break space), None → « — »."""
    return "—" if rate is None else f"{round(rate * 100)}{NNBSP}%"


def _live(session: Session, model: Any, **where: Any) -> list[Any]:
    query = select(model).where(model.deleted == False)  # noqa: E712
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return list(session.exec(query))


def _check_open(session: Session, meeting: Meeting) -> None:
    """Signed minutes freeze the meeting and everything it shows."""
    reason = frozen_reason(session, meeting, {"title"})
    if reason:
        raise FrozenRecordError(reason)


# --- Attendance per structure -----------------------------------------------------------------------

@dataclass
class AttendeeDraft:
    """One attendee as the attendance dialog holds it."""

    full_name: str
    function: str = ""
    organisation_name: str = ""
    structure_id: str | None = None
    status: str = AttendanceStatus.PRESENT.value
    person_id: str | None = None
    attendance_id: str | None = None

    @property
    def elected(self) -> bool:
        return is_elected(self.function)


def _people(session: Session) -> dict[str, Person]:
    return {p.id: p for p in session.exec(select(Person))}


def represented(attendance: Attendance, people: dict[str, Person]) -> str | None:
    """The structure an attendee represents (see the module's decisions)."""
    if attendance.structure_id:
        return attendance.structure_id
    person = people.get(attendance.person_id or "")
    if person is not None and person.organisation_kind == OrganisationKind.STRUCTURE and person.structure_id:
        return person.structure_id
    return None


@reading
def attendees(session: Session, meeting_id: str) -> list[AttendeeDraft]:
    """The attendees of a meeting with the structure each represents (for the dialog)."""
    load(session, Meeting, meeting_id)
    people = _people(session)
    return [AttendeeDraft(a.full_name, a.function, a.organisation_name, represented(a, people), a.status,
                          a.person_id, a.id)
            for a in meeting_service.participants(session, meeting_id)]


@dataclass(frozen=True)
class SheetSync:
    """What the sync did to one structure's « Chantier collectif » sheet."""

    structure_id: str
    structure_name: str
    year: int
    held: int
    attended: int
    sheet_id: str | None = None
    #: Lines written (added, updated or removed).
    changed: int = 0
    #: Why the sheet was not written (French), empty when it was (or had nothing to change).
    refused: str = ""

    @property
    def rate(self) -> float | None:
        return self.attended / self.held if self.held else None


@dataclass(frozen=True)
class AttendanceResult:
    meeting_id: str
    syncs: tuple[SheetSync, ...] = ()

    @property
    def refusals(self) -> list[str]:
        """The French messages of the sheets left untouched because they are validated."""
        return [s.refused for s in self.syncs if s.refused]


@transactional
def record_attendance(session: Session, meeting_id: str, rows: Iterable[AttendeeDraft],
                      today: date | None = None) -> AttendanceResult:
    """Make the attendance of a meeting exactly ``rows`` (with the structure each represents), link
    the structures represented to the meeting, and — for a session of the chantier collectif — update
    every active structure's « Chantier collectif » sheet of the session's year. One unit of work."""
    meeting = load(session, Meeting, meeting_id)
    _check_open(session, meeting)
    rows = list(rows)
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        if not row.full_name.strip():
            raise InvalidValueError(f"le participant n° {number} n'a pas de nom")
        try:
            AttendanceStatus.parse(row.status)
        except ValueError as exc:
            raise InvalidValueError(f"présence de « {row.full_name.strip()} » : {exc}") from exc
        if row.person_id:
            if row.person_id in seen:
                raise InvalidValueError(f"« {row.full_name.strip()} » figure deux fois parmi les participants")
            seen.add(row.person_id)
        if row.structure_id:
            load(session, Structure, row.structure_id)
    existing = {a.id: a for a in meeting_service.participants(session, meeting_id)}
    wanted_rows = []
    for position, row in enumerate(rows, start=1):
        organisation = row.organisation_name.strip()
        if not organisation and row.structure_id:
            organisation = load(session, Structure, row.structure_id).name
        wanted_rows.append((row.attendance_id, {
            "full_name": row.full_name.strip(), "function": row.function.strip(), "organisation_name": organisation,
            "status": row.status, "position": position, "structure_id": row.structure_id,
            "person_id": row.person_id}))
    replace_children(session, Attendance, existing, wanted_rows, meeting_id=meeting_id)
    linked = meeting_service.meeting_structures(session, meeting_id)
    wanted = [*linked, *(r.structure_id for r in rows if r.structure_id)]
    if set(wanted) - set(linked) - {meeting.structure_id}:
        meeting_service.set_meeting_structures(session, meeting_id, wanted)
    syncs: tuple[SheetSync, ...] = ()
    if meeting.kind == MeetingKind.COLLECTIVE_SESSION and meeting.meeting_date:
        syncs = tuple(sync_all_sheets(session, meeting.meeting_date.year, today=today))
    return AttendanceResult(meeting_id, syncs)


# --- Attendance rate of the chantier collectif ----------------------------------------------------

def is_held(meeting: Meeting, today: date) -> bool:
    """A session counts from its day on (or once marked « Tenue »); a cancelled one never."""
    if meeting.deleted or meeting.status == MeetingStatus.CANCELLED or meeting.meeting_date is None:
        return False
    return meeting.status == MeetingStatus.HELD or meeting.meeting_date <= today


@dataclass(frozen=True)
class SessionMark:
    """One held session, seen from one structure."""

    meeting_id: str
    day: date
    title: str
    place: str
    present: bool
    #: Names and functions of the structure's present attendees.
    attendees: tuple[tuple[str, str], ...] = ()

    @property
    def elected(self) -> bool:
        return any(is_elected(function) for _name, function in self.attendees)


@dataclass(frozen=True)
class AttendanceRate:
    structure_id: str
    structure_name: str
    sessions: tuple[SessionMark, ...] = ()

    @property
    def held(self) -> int:
        return len(self.sessions)

    @property
    def attended(self) -> int:
        return sum(1 for s in self.sessions if s.present)

    @property
    def rate(self) -> float | None:
        return self.attended / self.held if self.held else None

    @property
    def rate_label(self) -> str:
        return percent(self.rate)


def _place(meeting: Meeting) -> str:
    kind = PlaceKind(meeting.place_kind).label if meeting.place_kind else ""
    return meeting.place or kind


def _rates(session: Session, year: int, today: date, structures: list[Structure]) -> list[AttendanceRate]:
    held = sorted((m for m in _live(session, Meeting, kind=MeetingKind.COLLECTIVE_SESSION.value)
                   if m.meeting_date and m.meeting_date.year == year and is_held(m, today)),
                  key=lambda m: (m.meeting_date, m.start_time or time.min, m.id))
    people = _people(session)
    present: dict[tuple[str, str], list[tuple[str, str]]] = {}
    if held:
        query = select(Attendance).where(Attendance.meeting_id.in_([m.id for m in held]),
                                         Attendance.deleted == False,  # noqa: E712
                                         Attendance.status == AttendanceStatus.PRESENT.value)
        for a in sorted(session.exec(query), key=lambda a: (a.position, a.id)):
            sid = represented(a, people)
            if sid:
                present.setdefault((a.meeting_id or "", sid), []).append((a.full_name, a.function))
    return [AttendanceRate(s.id, s.name, tuple(
        SessionMark(m.id, m.meeting_date, m.title, _place(m), (m.id, s.id) in present,
                    tuple(present.get((m.id, s.id), ()))) for m in held)) for s in structures]


def _active_structures(session: Session, structure_ids: Iterable[str] | None = None) -> list[Structure]:
    chosen = set(structure_ids) if structure_ids is not None else None
    rows = [s for s in _live(session, Structure) if (s.active if chosen is None else s.id in chosen)]
    return sorted(rows, key=lambda s: sort_key(s.name))


@reading
def attendance_rates(session: Session, year: int, today: date | None = None,
                     structure_ids: Iterable[str] | None = None) -> list[AttendanceRate]:
    """The attendance rate of each active structure (or of ``structure_ids``) at the year's sessions
    of the chantier collectif, by structure name."""
    return _rates(session, year, today or date.today(), _active_structures(session, structure_ids))


def auto_line_id(sheet_id: str, meeting_id: str) -> str:
    """Deterministic id of the sheet line the sync writes for a session."""
    return singleton_id("sheet_session_sync", sheet_id, meeting_id)


def _line_values(mark: SessionMark) -> dict[str, Any]:
    names = [name for name, _function in mark.attendees]
    functions = list(dict.fromkeys(f for _name, f in mark.attendees if f))
    return {"session_on": mark.day, "place": mark.place, "theme": mark.title, "organiser": ORGANISER,
            "attendee": ", ".join(names), "attendee_function": ", ".join(functions),
            "elected": mark.elected, "present": mark.present}


def _sync_sheet(session: Session, rate: AttendanceRate, year: int, session_ids: list[str]) -> SheetSync:
    sid = sheet_service.sheet_id(rate.structure_id, year, SheetKind.COLLECTIVE.value)
    result = SheetSync(rate.structure_id, rate.structure_name, year, rate.held, rate.attended)
    sheet = session.get(EvaluationSheet, sid)
    if sheet is not None and sheet.deleted:
        sheet = None
    lines = {row.id: row for row in session.exec(select(SheetSession).where(SheetSession.sheet_id == sid))}
    wanted = {auto_line_id(sid, m.meeting_id): _line_values(m) for m in rate.sessions}
    ours = {auto_line_id(sid, mid) for mid in session_ids}
    stale = [row for line_id, row in lines.items() if line_id in ours and line_id not in wanted and not row.deleted]
    pending = [line_id for line_id, values in wanted.items()
               if line_id not in lines or lines[line_id].deleted
               or any(getattr(lines[line_id], k) != v for k, v in values.items())]
    changed = len(stale) + len(pending)
    if not changed or (sheet is None and not wanted):
        return replace(result, sheet_id=sheet.id if sheet else None)
    if sheet is not None and sheet.status in rules.FROZEN_SHEETS:
        message = (f"{rate.structure_name} : la fiche « Chantier collectif » {year} est validée ; les présences "
                   f"n'y ont pas été reportées (taux de participation calculé : {percent(rate.rate)}). "
                   "Faites un rectificatif.")
        return replace(result, sheet_id=sheet.id, refused=message)
    if sheet is None:
        sheet = sheet_service.open_sheet(session, rate.structure_id, year, SheetKind.COLLECTIVE.value)
    last = max((row.position for row in lines.values()), default=0)
    for line_id in pending:
        row = lines.get(line_id)
        if row is None:
            last += 1
            insert(session, SheetSession, pk=line_id, sheet_id=sid, position=last, **wanted[line_id])
            continue
        if row.deleted:
            row.deleted = False
            row.updated_at = now_iso()
            session.add(row)
        apply_changes(session, row, wanted[line_id])
    for row in stale:
        row.deleted = True
        row.updated_at = now_iso()
        session.add(row)
    session.flush()
    return replace(result, sheet_id=sheet.id, changed=changed)


def _session_ids(session: Session) -> list[str]:
    """Every session of the chantier collectif ever recorded (deleted too): the lines the sync owns."""
    return list(session.exec(select(Meeting.id).where(Meeting.kind == MeetingKind.COLLECTIVE_SESSION.value)))


@transactional
def sync_collective_sheet(session: Session, structure_id: str, year: int,
                          today: date | None = None) -> SheetSync:
    """Write the structure's attendance at the year's sessions into its « Chantier collectif » sheet
    (one line per held session; its participation rate then equals the attendance rate).
    Idempotent; a validated sheet is left untouched and the refusal reported."""
    structure = load(session, Structure, structure_id)
    rate = _rates(session, year, today or date.today(), [structure])[0]
    return _sync_sheet(session, rate, year, _session_ids(session))


@transactional
def sync_all_sheets(session: Session, year: int, today: date | None = None) -> list[SheetSync]:
    """``sync_collective_sheet`` for every active structure, in one unit of work."""
    rates = _rates(session, year, today or date.today(), _active_structures(session))
    ids = _session_ids(session)
    return [_sync_sheet(session, rate, year, ids) for rate in rates]


# --- Speakers (intervenants) ---------------------------------------------------------------------

@dataclass
class SpeakerDraft:
    full_name: str
    organisation: str = ""
    topic: str = ""
    speaker_id: str | None = None


@reading
def speakers(session: Session, meeting_id: str) -> list[Speaker]:
    """The speakers of a meeting, in programme order."""
    load(session, Meeting, meeting_id)
    return sorted(_live(session, Speaker, meeting_id=meeting_id), key=lambda s: (s.position, s.id))


def _speaker_values(draft: SpeakerDraft) -> dict[str, str]:
    name = draft.full_name.strip()
    if not name:
        raise InvalidValueError("indiquez le nom de l'intervenant")
    return {"full_name": name, "organisation": draft.organisation.strip(), "topic": draft.topic.strip()}


@transactional
def add_speaker(session: Session, meeting_id: str, full_name: str, organisation: str = "",
                topic: str = "") -> Speaker:
    meeting = load(session, Meeting, meeting_id)
    _check_open(session, meeting)
    values = _speaker_values(SpeakerDraft(full_name, organisation, topic))
    positions = [s.position for s in _live(session, Speaker, meeting_id=meeting_id)]
    return insert(session, Speaker, meeting_id=meeting_id, position=max(positions, default=0) + 1, **values)


@transactional
def update_speaker(session: Session, speaker_id: str, **changes: Any) -> Speaker:
    row = load(session, Speaker, speaker_id)
    _check_open(session, load(session, Meeting, row.meeting_id))
    draft = SpeakerDraft(changes.pop("full_name", row.full_name), changes.pop("organisation", row.organisation),
                         changes.pop("topic", row.topic))
    if changes:
        raise InvalidValueError(f"champ inconnu « {next(iter(changes))} » pour : intervenant")
    return apply_changes(session, row, _speaker_values(draft))


@transactional
def remove_speaker(session: Session, speaker_id: str) -> None:
    row = load(session, Speaker, speaker_id)
    _check_open(session, load(session, Meeting, row.meeting_id))
    row.deleted = True
    row.updated_at = now_iso()
    session.add(row)
    session.flush()


@transactional
def set_speakers(session: Session, meeting_id: str, drafts: Iterable[SpeakerDraft]) -> list[Speaker]:
    """Make the speakers of a meeting exactly ``drafts``, in that order (the dialog's « Enregistrer »)."""
    meeting = load(session, Meeting, meeting_id)
    _check_open(session, meeting)
    drafts = list(drafts)
    values = [_speaker_values(d) for d in drafts]
    existing = {s.id: s for s in _live(session, Speaker, meeting_id=meeting_id)}
    return replace_children(session, Speaker, existing, [
        (draft.speaker_id, {**fields, "position": position})
        for position, (draft, fields) in enumerate(zip(drafts, values), start=1)], meeting_id=meeting_id)


# --- Journée-conférence (and any network meeting): the summary --------------------------------------

@dataclass(frozen=True)
class StructureCount:
    structure_id: str | None
    structure_name: str
    invited: int = 0
    present: int = 0
    excused: int = 0
    absent: int = 0
    elected_invited: int = 0
    elected_present: int = 0


@dataclass(frozen=True)
class SpeakerRow:
    id: str
    full_name: str
    organisation: str
    topic: str


@dataclass(frozen=True)
class ConferenceSummary:
    meeting_id: str
    kind: str
    title: str
    meeting_date: date | None
    place: str
    status: str
    programme: tuple[str, ...]
    speakers: tuple[SpeakerRow, ...]
    #: The invited élus (attendees whose function names an elected official).
    elected: tuple[AttendeeDraft, ...]
    #: Counts per structure taking part (main and linked structures, and those represented), by name;
    #: the attendees representing none come last (``NO_STRUCTURE``).
    by_structure: tuple[StructureCount, ...]
    totals: StructureCount = field(default_factory=lambda: StructureCount(None, "Total"))

    @property
    def date_label(self) -> str:
        return format_date(self.meeting_date) or "date à fixer"


def _count(structure_id: str | None, name: str, rows: list[AttendeeDraft]) -> StructureCount:
    def n(status: str, elected: bool = False) -> int:
        return sum(1 for r in rows if r.status == status and (r.elected or not elected))

    return StructureCount(structure_id, name, len(rows), n("present"), n("excused"), n("absent"),
                          sum(1 for r in rows if r.elected), n("present", elected=True))


def count_by_structure(rows: Iterable[AttendeeDraft], names: dict[str, str],
                       linked: Iterable[str] = ()) -> list[StructureCount]:
    """Attendance counts per structure (``linked`` ones shown even without attendee), by name; the
    attendees representing no structure come last (``NO_STRUCTURE``)."""
    groups: dict[str | None, list[AttendeeDraft]] = {sid: [] for sid in linked if sid}
    for row in rows:
        groups.setdefault(row.structure_id or None, []).append(row)
    counts = [_count(sid, names.get(sid, "?"), people) for sid, people in groups.items() if sid]
    counts.sort(key=lambda c: sort_key(c.structure_name))
    if groups.get(None):
        counts.append(_count(None, NO_STRUCTURE, groups[None]))
    return counts


@reading
def conference_summary(session: Session, meeting_id: str) -> ConferenceSummary:
    """Programme, speakers, invited élus and attendance counts per structure of a (network) meeting."""
    meeting = load(session, Meeting, meeting_id)
    names = {s.id: s.name for s in session.exec(select(Structure))}
    people = attendees(session, meeting_id)
    linked = [meeting.structure_id, *meeting_service.meeting_structures(session, meeting_id)]
    programme = tuple(i.title for i in meeting_service.agenda(session, meeting_id))
    return ConferenceSummary(
        meeting.id, meeting.kind, meeting.title, meeting.meeting_date, _place(meeting), meeting.status, programme,
        tuple(SpeakerRow(s.id, s.full_name, s.organisation, s.topic) for s in speakers(session, meeting_id)),
        tuple(p for p in people if p.elected), tuple(count_by_structure(people, names, [s for s in linked if s])),
        _count(None, "Total", people))


@reading
def network_meetings(session: Session, year: int | None = None) -> list[meeting_service.MeetingRow]:
    """The network's meetings (directors, sessions, journées), by date."""
    return [r for r in meeting_service.list_meetings(session, year=year) if r.kind in NETWORK_KINDS]


@transactional
def set_attendance_status(session: Session, attendance_id: str, status: str,
                          today: date | None = None) -> list[SheetSync]:
    """Présent / excusé / absent for one participant; a session of the chantier collectif then
    updates the « Chantier collectif » sheets of its year, in the same unit of work."""
    row = apply_changes(session, load(session, Attendance, attendance_id), {"status": status})
    meeting = load(session, Meeting, row.meeting_id)
    if meeting.kind == MeetingKind.COLLECTIVE_SESSION and meeting.meeting_date:
        return sync_all_sheets(session, meeting.meeting_date.year, today)
    return []
