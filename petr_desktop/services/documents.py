"""Read models of the printed documents (PDF) and their canonical contents.

Each document is read in ONE snapshot and carries the SHA-256 of its canonical content: what the
document shows, without local stamps and without the date it was printed, so that the same data
always gives the same hash. For minutes it is exactly ``services.minutes.canonical_content`` (the
sign-off stores the same hash). ``record_sha256`` recomputes the hash of any « table:id » key that
a PDF carries in its ``/PetrRecord`` entry.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from ..domain import rules
from ..domain.canonical import content_sha256
from ..domain.enums import MeetingKind, MeetingStatus, MinutesStatus, SheetKind, SheetStatus
from ..domain.models import (Action, AgendaItem, Amendment, Attendance, Decision, EvaluationSheet, Meeting,
                             Minutes, RegionalOffice, SignOff, Structure, Synced)
from ..domain.values import format_date
from ..storage.database import raw_connection
from . import dossier as dossier_service
from . import minutes as minutes_service
from . import sheets as sheets_service
from .errors import InvalidValueError, NotFoundError
from .meetings import agenda as meeting_agenda
from .meetings import participants as meeting_participants
from .records import load
from .structures import sort_key
from .uow import reading

OPEN_ACTION_STATUSES = dossier_service.OPEN_ACTION_STATUSES


def _plain(row: Synced) -> dict[str, Any]:
    return row.model_dump(exclude={"created_at", "updated_at", "deleted"})


def _signed_day(sign_off: SignOff) -> date | None:
    """The local day of a sign-off's UTC time stamp."""
    try:
        moment = datetime.fromisoformat(sign_off.signed_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone().date()


# --- Relevé d'échange ----------------------------------------------------------------------

@dataclass(frozen=True)
class MinutesDocument:
    """A relevé d'échange with everything it prints."""

    minutes: Minutes
    meeting: Meeting
    structure_id: str | None
    structure_name: str
    regional_office_name: str
    #: Rank of a dialogue de gestion among the structure's dialogues of its year (n°1, n°2…).
    sequence: int | None
    agenda: list[AgendaItem]
    attendance: list[Attendance]
    decisions: list[Decision]
    actions: list[Action]
    amendments: list[Amendment]
    sign_off: SignOff | None
    content_sha256: str

    @property
    def draft(self) -> bool:
        return self.minutes.status != MinutesStatus.SIGNED

    @property
    def heading(self) -> str:
        """« Dialogue de gestion 2026 n°2 », or the meeting's title for other kinds."""
        meeting = self.meeting
        if meeting.kind == MeetingKind.MANAGEMENT_DIALOGUE and meeting.meeting_date:
            number = f" n°{self.sequence}" if self.sequence else ""
            return f"{MeetingKind(meeting.kind).label} {meeting.meeting_date.year}{number}"
        return meeting.title or MeetingKind(meeting.kind).label

    @property
    def title(self) -> str:
        return f"Relevé d'échange — {self.heading}"

    @property
    def signature_matches(self) -> bool:
        return self.sign_off is not None and self.sign_off.content_sha256 == self.content_sha256

    @property
    def signed_on(self) -> date | None:
        if self.sign_off is None:
            return None
        return self.minutes.validated_on or _signed_day(self.sign_off)

    @property
    def status_text(self) -> str:
        """« Brouillon », « À valider », « Signé le 12 mars 2026 par Isabelle Kuntz »."""
        if self.minutes.status == MinutesStatus.SIGNED and self.sign_off is not None:
            text = f"Signé le {format_date(self.signed_on)} par {self.sign_off.signer_name}"
            if not self.signature_matches:
                text += " — contenu modifié depuis la signature"
            return text
        return MinutesStatus(self.minutes.status).label

    def decision_label(self, decision_id: str | None) -> str:
        for decision in self.decisions:
            if decision.id == decision_id:
                return rules.decision_label(decision.number)
        return ""


def _dialogue_sequence(session: Session, meeting: Meeting) -> int | None:
    if meeting.kind != MeetingKind.MANAGEMENT_DIALOGUE or not meeting.meeting_date or not meeting.structure_id:
        return None
    year = meeting.meeting_date.year
    rows = raw_connection(session).execute(
        "SELECT id, meeting_date, start_time FROM meeting WHERE deleted = 0 AND kind = ? AND structure_id = ? "
        "AND status != ? AND substr(meeting_date, 1, 4) = ?",
        (MeetingKind.MANAGEMENT_DIALOGUE.value, meeting.structure_id, MeetingStatus.CANCELLED.value,
         f"{year:04d}")).fetchall()
    ordered = sorted(rows, key=lambda r: (r[1] or "", r[2] or "", r[0]))
    ids = [r[0] for r in ordered]
    return ids.index(meeting.id) + 1 if meeting.id in ids else None


def _latest_sign_off(session: Session, table: str, record_id: str) -> SignOff | None:
    offs = session.exec(select(SignOff).where(SignOff.record_table == table, SignOff.record_id == record_id,
                                              SignOff.deleted == False)).all()  # noqa: E712
    return max(offs, key=lambda s: (s.signed_at, s.id)) if offs else None


@reading
def minutes_document(session: Session, minutes_id: str) -> MinutesDocument:
    """The relevé d'échange of ``minutes_id`` (NotFoundError if it does not exist)."""
    record = load(session, Minutes, minutes_id)
    meeting = load(session, Meeting, record.meeting_id)
    structure = session.get(Structure, meeting.structure_id) if meeting.structure_id else None
    office = (session.get(RegionalOffice, structure.regional_office_id)
              if structure is not None and structure.regional_office_id else None)
    return MinutesDocument(
        minutes=record, meeting=meeting, structure_id=meeting.structure_id,
        structure_name=structure.name if structure else "",
        regional_office_name=office.name if office else "",
        sequence=_dialogue_sequence(session, meeting),
        agenda=meeting_agenda(session, meeting.id), attendance=meeting_participants(session, meeting.id),
        decisions=minutes_service.decisions(session, minutes_id),
        actions=minutes_service.actions_of(session, minutes_id),
        amendments=minutes_service.amendments(session, minutes_id),
        sign_off=_latest_sign_off(session, "minutes", minutes_id),
        content_sha256=content_sha256(minutes_service.canonical_content(session, minutes_id)))


# --- Fiche évaluative ----------------------------------------------------------------------

@dataclass(frozen=True)
class StructureIdentity:
    id: str
    name: str
    legal_form: str
    seat_town: str
    siren: str
    president: str
    director: str
    regional_office_name: str


@dataclass(frozen=True)
class SheetDocument:
    bundle: sheets_service.SheetBundle
    structure: StructureIdentity | None
    content_sha256: str

    @property
    def sheet(self) -> EvaluationSheet:
        return self.bundle.sheet

    @property
    def draft(self) -> bool:
        return self.sheet.status not in rules.FROZEN_SHEETS

    @property
    def title(self) -> str:
        return self.bundle.template.title

    @property
    def status_text(self) -> str:
        """« Examinée en dialogue », « Validée le 12 mars 2026 (pièce pour solde) »…"""
        status = self.sheet.status
        if status == SheetStatus.VALIDATED and self.bundle.validated_on:
            return f"Validée le {format_date(self.bundle.validated_on)} (pièce pour solde)"
        return SheetStatus(status).label


def _identity(session: Session, structure_id: str | None) -> StructureIdentity | None:
    structure = session.get(Structure, structure_id) if structure_id else None
    if structure is None:
        return None
    office = session.get(RegionalOffice, structure.regional_office_id) if structure.regional_office_id else None
    return StructureIdentity(structure.id, structure.name, structure.legal_form, structure.seat_town,
                             structure.siren or "", structure.president, structure.director,
                             office.name if office else "")


def _sheet_content(record: EvaluationSheet, answers: dict[str, Any],
                   groups: dict[str, list[Synced]]) -> dict[str, Any]:
    common = _plain(record)
    common.pop("status")
    rows = {group: sorted((_plain(r) for r in found), key=lambda r: (r["position"], r["id"]))
            for group, found in groups.items()}
    return {"sheet": common, "answers": answers, "groups": rows}


@reading
def sheet_canonical_content(session: Session, sheet_id: str) -> dict[str, Any]:
    """What a sheet's validation covers: its common block, answers and the rows of its template's
    groups, without its status (validating a sheet does not change its hash)."""
    record = load(session, EvaluationSheet, sheet_id)
    template = sheets_service.load_template(record.kind, record.year)
    groups = {s.group: sheets_service.group_rows(session, sheet_id, s.group) for s in template.group_sections()}
    return _sheet_content(record, sheets_service.answers(session, sheet_id), groups)


@reading
def sheet_document(session: Session, sheet_id: str) -> SheetDocument:
    bundle = sheets_service.load_sheet(session, sheet_id)
    return SheetDocument(bundle, _identity(session, bundle.sheet.structure_id),
                         content_sha256(_sheet_content(bundle.sheet, bundle.answers, bundle.groups)))


# --- Dossier de structure ------------------------------------------------------------------

@dataclass(frozen=True)
class DossierDocument:
    dossier: dossier_service.Dossier
    sheets: list[SheetDocument]
    minutes: list[MinutesDocument]
    content_sha256: str

    @property
    def title(self) -> str:
        return f"Dossier de structure — {self.dossier.identity.name}"


def _dossier_content(d: dossier_service.Dossier, sheets: list[SheetDocument],
                     minutes: list[MinutesDocument]) -> dict[str, Any]:
    identity = d.identity
    return {
        "structure": {k: getattr(identity, k) for k in (
            "id", "name", "legal_form", "seat_town", "departments", "siren", "regional_office_id",
            "regional_office_name", "rurality_class", "president", "director", "active", "to_verify")},
        "contacts": [[c.id, c.full_name, c.function, c.email, c.phone] for c in d.contacts],
        "framework": None if d.framework is None else [
            d.framework.id, d.framework.number, d.framework.theme, d.framework.status,
            d.framework.period_start, d.framework.period_end, d.framework.signed_on],
        "money": [{"year": m.year, "id": m.agreement_id, "number": m.number, "cp_date": m.cp_date,
                   "deliberation_no": m.deliberation_no, "status": m.status,
                   "lines": [[l.kind, l.requested_cents, l.proposed_cents, l.voted_cents] for l in m.lines],
                   "payments": [[p.id, p.kind, p.amount_cents, p.due_on, p.paid_on, p.status, p.reference]
                                for p in m.payments]} for m in d.money],
        "meetings": [[t.id, t.meeting_date, t.kind, t.title, t.status, t.place_kind, t.minutes_status]
                     for t in d.meetings],
        "sheets": [[s.sheet.id, s.sheet.status, s.content_sha256] for s in sheets],
        "minutes": [[m.minutes.id, m.minutes.status, m.content_sha256] for m in minutes],
        "actions": [[a.id, a.label, a.text, a.owner_name, a.due_on, a.status] for a in d.actions],
    }


@reading
def dossier_document(session: Session, structure_id: str, today: date | None = None) -> DossierDocument:
    """The whole dossier of a structure with its sheets and relevés in full."""
    d = dossier_service.load(session, structure_id, today=today)
    kinds = {k.value: n for n, k in enumerate(SheetKind)}
    cells = sorted(d.sheets.values(), key=lambda c: (c.year, kinds.get(c.kind, 9)))
    sheet_docs = [sheet_document(session, cell.id) for cell in cells]
    minutes_docs = []
    for row in d.meetings:
        if row.minutes_status is None:
            continue
        found = session.exec(select(Minutes.id).where(Minutes.meeting_id == row.id,
                                                      Minutes.deleted == False)).first()  # noqa: E712
        if found:
            minutes_docs.append(minutes_document(session, found))
    return DossierDocument(d, sheet_docs, minutes_docs, content_sha256(_dossier_content(d, sheet_docs, minutes_docs)))


# --- Note de préparation (briefing) --------------------------------------------------------

@dataclass(frozen=True)
class BriefingDocument:
    meeting: Meeting
    structure_name: str
    regional_office_name: str
    participants: list[Attendance]
    agenda: list[AgendaItem]
    #: The relevé of the structure's latest meeting before this one, if any.
    last_minutes: MinutesDocument | None
    #: The structure's dossier (None for a meeting without a main structure).
    dossier: dossier_service.Dossier | None
    #: The years whose sheets and money are shown (the meeting's year and the one before).
    years: tuple[int, ...]
    content_sha256: str
    today: date

    @property
    def title(self) -> str:
        return f"Note de préparation — {self.meeting.title or MeetingKind(self.meeting.kind).label}"


def _previous_minutes(session: Session, meeting: Meeting) -> str | None:
    if not meeting.structure_id or not meeting.meeting_date:
        return None
    rows = raw_connection(session).execute(
        "SELECT n.id, m.meeting_date, m.start_time, m.id FROM minutes n JOIN meeting m ON m.id = n.meeting_id "
        "WHERE n.deleted = 0 AND m.deleted = 0 AND m.structure_id = ? AND m.id != ? AND m.meeting_date < ?",
        (meeting.structure_id, meeting.id, meeting.meeting_date.isoformat())).fetchall()
    if not rows:
        return None
    return max(rows, key=lambda r: (r[1] or "", r[2] or "", r[3]))[0]


def _briefing_content(meeting: Meeting, people: list[Attendance], items: list[AgendaItem],
                      last: MinutesDocument | None, d: dossier_service.Dossier | None,
                      years: tuple[int, ...]) -> dict[str, Any]:
    content: dict[str, Any] = {
        "meeting": _plain(meeting),
        "participants": [[a.id, a.full_name, a.function, a.organisation_name, a.status] for a in people],
        "agenda": [[i.id, i.position, i.title] for i in items],
        "last_minutes": None if last is None else [last.minutes.id, last.minutes.status, last.content_sha256],
        "years": list(years),
    }
    if d is not None:
        content["actions"] = [[a.id, a.label, a.text, a.owner_name, a.due_on, a.status] for a in d.actions]
        content["sheets"] = sorted([c.id, c.year, c.kind, c.status] for c in d.sheets.values() if c.year in years)
        content["money"] = [[m.year, m.requested_cents, m.voted_cents, m.paid_cents] for m in d.money
                            if m.year in years]
    return content


@reading
def briefing_document(session: Session, meeting_id: str, today: date | None = None) -> BriefingDocument:
    """What to know before a meeting: last relevé, open actions, sheets, money."""
    meeting = load(session, Meeting, meeting_id)
    today = today or date.today()
    d = dossier_service.load(session, meeting.structure_id, today=today) if meeting.structure_id else None
    last_id = _previous_minutes(session, meeting)
    last = minutes_document(session, last_id) if last_id else None
    year = (meeting.meeting_date or today).year
    years = (year - 1, year)
    people = meeting_participants(session, meeting_id)
    items = meeting_agenda(session, meeting_id)
    return BriefingDocument(meeting, d.identity.name if d else "", d.identity.regional_office_name if d else "",
                            people, items, last, d, years,
                            content_sha256(_briefing_content(meeting, people, items, last, d, years)), today)


# --- Rapport annuel à la 8ᵉ Commission ------------------------------------------------------

@dataclass(frozen=True)
class CommissionRow:
    structure_id: str
    name: str
    regional_office_name: str
    dialogues_held: int
    dialogues_planned: int
    #: sheet kind → status (None: sheet never opened).
    sheets: dict[str, str | None]
    requested_cents: int
    voted_cents: int
    paid_cents: int
    open_actions: int
    overdue_actions: int

    @property
    def remaining_cents(self) -> int:
        return self.voted_cents - self.paid_cents


@dataclass(frozen=True)
class OfficeTotals:
    name: str
    structures: int
    voted_cents: int
    paid_cents: int


@dataclass(frozen=True)
class CommissionDocument:
    year: int
    today: date
    rows: list[CommissionRow]
    offices: list[OfficeTotals]
    #: sheet status (or "missing") → number of sheets of the year.
    sheet_statuses: dict[str, int]
    content_sha256: str = ""

    @property
    def title(self) -> str:
        return f"Rapport annuel {self.year} — 8\u1d49 Commission « Territoires »"

    def total(self, name: str) -> int:
        return sum(getattr(row, name) for row in self.rows)


MISSING = "missing"


def _commission_content(year: int, rows: list[CommissionRow]) -> dict[str, Any]:
    return {"year": year, "rows": [
        [r.structure_id, r.name, r.regional_office_name, r.dialogues_held, r.dialogues_planned,
         sorted(r.sheets.items()), r.requested_cents, r.voted_cents, r.paid_cents, r.open_actions]
        for r in rows]}


@reading
def commission_document(session: Session, year: int, today: date | None = None) -> CommissionDocument:
    """The year over the active structures: dialogues held vs planned, sheets, money, open actions.

    Open actions are those of meetings held up to the end of ``year`` that are still open; « en
    retard » is counted at ``today``.
    """
    if not 2000 <= int(year) <= 2100:
        raise InvalidValueError(f"année invalide : {year}")
    year = int(year)
    today = today or date.today()
    conn = raw_connection(session)
    prefix = f"{year:04d}"
    structures = conn.execute(
        "SELECT s.id, s.name, o.name FROM structure s LEFT JOIN regional_office o ON o.id = s.regional_office_id "
        "WHERE s.deleted = 0 AND s.active = 1").fetchall()
    if not structures:
        raise NotFoundError("aucune structure active : rien à présenter à la Commission")
    held: dict[str, int] = {}
    planned: dict[str, int] = {}
    for sid, status in conn.execute(
            "SELECT structure_id, status FROM meeting WHERE deleted = 0 AND kind = ? AND status != ? "
            "AND substr(meeting_date, 1, 4) = ?",
            (MeetingKind.MANAGEMENT_DIALOGUE.value, MeetingStatus.CANCELLED.value, prefix)):
        planned[sid] = planned.get(sid, 0) + 1
        if status == MeetingStatus.HELD:
            held[sid] = held.get(sid, 0) + 1
    sheets: dict[str, dict[str, str]] = {}
    for sid, kind, status in conn.execute(
            "SELECT structure_id, kind, status FROM evaluation_sheet WHERE deleted = 0 AND year = ?", (year,)):
        sheets.setdefault(sid, {})[kind] = status
    money: dict[str, list[int]] = {}
    for sid, requested, voted in conn.execute(
            "SELECT a.structure_id, SUM(l.requested_cents), SUM(l.voted_cents) FROM aid_line l "
            "JOIN annual_agreement a ON a.id = l.annual_agreement_id "
            "WHERE a.deleted = 0 AND l.deleted = 0 AND a.year = ? GROUP BY a.structure_id", (year,)):
        money[sid] = [requested or 0, voted or 0, 0]
    for sid, paid in conn.execute(
            "SELECT a.structure_id, SUM(p.amount_cents) FROM payment p "
            "JOIN annual_agreement a ON a.id = p.annual_agreement_id "
            "WHERE a.deleted = 0 AND p.deleted = 0 AND a.year = ? AND p.status = 'paid' GROUP BY a.structure_id",
            (year,)):
        money.setdefault(sid, [0, 0, 0])[2] = paid or 0
    open_actions: dict[str, list[int]] = {}
    for sid, due in conn.execute(
            "SELECT a.structure_id, a.due_on FROM action a JOIN minutes n ON n.id = a.minutes_id "
            "JOIN meeting m ON m.id = n.meeting_id WHERE a.deleted = 0 AND n.deleted = 0 "
            "AND a.status IN (?, ?) AND m.meeting_date <= ?",
            (*OPEN_ACTION_STATUSES, f"{prefix}-12-31")):
        counts = open_actions.setdefault(sid, [0, 0])
        counts[0] += 1
        if due and date.fromisoformat(due[:10]) < today:
            counts[1] += 1
    rows = []
    for sid, name, office in structures:
        requested, voted, paid = money.get(sid, [0, 0, 0])
        own = sheets.get(sid, {})
        actions = open_actions.get(sid, [0, 0])
        rows.append(CommissionRow(sid, name, office or "", held.get(sid, 0), planned.get(sid, 0),
                                  {k.value: own.get(k.value) for k in SheetKind}, requested, voted, paid,
                                  actions[0], actions[1]))
    rows.sort(key=lambda r: (sort_key(r.regional_office_name), sort_key(r.name)))
    by_office: dict[str, list[CommissionRow]] = {}
    for row in rows:
        by_office.setdefault(row.regional_office_name, []).append(row)
    offices = [OfficeTotals(name or "Sans Maison de Région", len(group), sum(r.voted_cents for r in group),
                            sum(r.paid_cents for r in group)) for name, group in by_office.items()]
    statuses: dict[str, int] = {s.value: 0 for s in SheetStatus}
    statuses[MISSING] = 0
    for row in rows:
        for status in row.sheets.values():
            statuses[status or MISSING] = statuses.get(status or MISSING, 0) + 1
    return CommissionDocument(year, today, rows, offices, statuses,
                              content_sha256(_commission_content(year, rows)))


# --- Any record's hash ----------------------------------------------------------------------

RECORD_TABLES = ("minutes", "evaluation_sheet", "structure", "meeting", "commission", "dashboard")


def record_key(table: str, record_id: str | int) -> str:
    """The « table:id » key a PDF carries in ``/PetrRecord``."""
    if table not in RECORD_TABLES:
        raise InvalidValueError(f"type de document inconnu : « {table} »")
    return f"{table}:{record_id}"


@reading
def record_sha256(session: Session, key: str) -> str:
    """The current hash of the record a PDF's ``/PetrRecord`` names (for verification)."""
    table, _, record_id = key.partition(":")
    if table == "minutes":
        return content_sha256(minutes_service.canonical_content(session, record_id))
    if table == "evaluation_sheet":
        return content_sha256(sheet_canonical_content(session, record_id))
    if table == "structure":
        return dossier_document(session, record_id).content_sha256
    if table == "meeting":
        return briefing_document(session, record_id).content_sha256
    if table == "commission" and record_id.isdigit():
        return commission_document(session, int(record_id)).content_sha256
    if table == "dashboard" and record_id.isdigit():
        from .dashboard import year_dashboard

        return year_dashboard(session, int(record_id)).content_sha256
    raise InvalidValueError(f"référence de document invalide : « {key} »")
