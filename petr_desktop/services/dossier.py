"""The structure dossier: everything one screen shows about a Pays/PETR, read in ONE snapshot.

Identity (with its « à vérifier » flags and source notes), contacts, the framework agreement,
money per year, the timeline of meetings, the three sheets of each year, the trajectory of
indicators, and the open actions. Raw SQL on the session's connection (a dozen indexed
selects, no ORM objects) keeps the open under a few milliseconds on the demo data.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from ..domain import rules
from ..domain.enums import ActionStatus, AidLineKind, PaymentStatus, SheetKind
from ..storage.database import raw_connection
from .errors import NotFoundError
from .structures import VERIFIABLE_FIELDS, ContactRow, sort_key
from .uow import reading

#: The years shown when no framework agreement says otherwise (convention-cadre 2025-2027).
DEFAULT_PERIOD = (2025, 2027)
OPEN_ACTION_STATUSES = (ActionStatus.TODO.value, ActionStatus.IN_PROGRESS.value)

#: How the reference loader prefixes a field's remark in ``Structure.notes``.
_NOTE_PREFIXES = {"legal_form": "Forme juridique :", "seat_town": "Siège :",
                  "regional_office_id": "Maison de Région :"}


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


@dataclass(frozen=True)
class Identity:
    id: str
    name: str
    legal_form: str
    seat_town: str
    departments: str
    siren: str
    regional_office_id: str | None
    regional_office_name: str
    rurality_class: str
    president: str
    director: str
    active: bool
    to_verify: tuple[str, ...]
    notes: str
    sources: str

    def flagged(self, name: str) -> bool:
        return name in self.to_verify

    def source_note(self, name: str) -> str:
        """French tooltip of a field: why it is « à vérifier » and where the value comes from."""
        lines = [line.strip() for line in self.notes.splitlines() if line.strip()]
        remarks = [line for line in lines if line.startswith(_NOTE_PREFIXES.get(name, "\0"))]
        general = [line for line in lines if not any(line.startswith(p) for p in _NOTE_PREFIXES.values())]
        parts = []
        if self.flagged(name):
            parts.append(f"« {VERIFIABLE_FIELDS.get(name, name).capitalize()} » à vérifier : valeur déduite "
                         "ou non confirmée par une source publique.")
        parts += remarks
        if general and self.flagged(name):
            parts.append("Remarque : " + " ".join(general))
        sources = [s.strip() for s in self.sources.splitlines() if s.strip()]
        if sources and self.flagged(name):
            parts.append("Sources :\n" + "\n".join(f"• {s}" for s in sources))
        return "\n".join(parts)


@dataclass(frozen=True)
class FrameworkRow:
    id: str
    number: str
    theme: str
    status: str
    period_start: int
    period_end: int
    signed_on: date | None


@dataclass(frozen=True)
class AidLineRow:
    kind: str
    requested_cents: int
    proposed_cents: int
    voted_cents: int


@dataclass(frozen=True)
class PaymentRow:
    id: str
    kind: str
    amount_cents: int
    due_on: date | None
    paid_on: date | None
    status: str
    reference: str


@dataclass(frozen=True)
class YearMoney:
    """The annual agreement of a year, its aid lines and payments, and the totals."""

    year: int
    agreement_id: str
    number: str
    cp_date: date | None
    deliberation_no: str
    status: str
    lines: tuple[AidLineRow, ...] = ()
    payments: tuple[PaymentRow, ...] = ()

    @property
    def requested_cents(self) -> int:
        return sum(line.requested_cents for line in self.lines)

    @property
    def proposed_cents(self) -> int:
        return sum(line.proposed_cents for line in self.lines)

    @property
    def voted_cents(self) -> int:
        return sum(line.voted_cents for line in self.lines)

    @property
    def paid_cents(self) -> int:
        return sum(p.amount_cents for p in self.payments if p.status == PaymentStatus.PAID)

    @property
    def remaining_cents(self) -> int:
        return self.voted_cents - self.paid_cents


@dataclass(frozen=True)
class TimelineRow:
    id: str
    meeting_date: date | None
    kind: str
    title: str
    status: str
    place_kind: str
    minutes_status: str | None       # None: no relevé yet


@dataclass(frozen=True)
class SheetCell:
    id: str
    year: int
    kind: str
    status: str


@dataclass(frozen=True)
class Trajectory:
    """One indicator of a sheet kind across the years: (target, actual) per year."""

    kind: str
    name: str
    unit: str
    points: dict[int, tuple[float | None, float | None]] = field(default_factory=dict)
    sheet_ids: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OpenAction:
    id: str
    label: str
    text: str
    owner_name: str
    due_on: date | None
    status: str
    overdue: bool
    meeting_id: str | None
    meeting_title: str
    meeting_date: date | None


@dataclass(frozen=True)
class Dossier:
    identity: Identity
    offices: tuple[tuple[str, str], ...]
    contacts: tuple[ContactRow, ...]
    framework: FrameworkRow | None
    money: tuple[YearMoney, ...]
    meetings: tuple[TimelineRow, ...]
    years: tuple[int, ...]
    sheets: dict[tuple[int, str], SheetCell]
    trajectory: tuple[Trajectory, ...]
    actions: tuple[OpenAction, ...]
    today: date

    def sheet(self, year: int, kind: str) -> SheetCell | None:
        return self.sheets.get((year, kind))

    @property
    def overdue_count(self) -> int:
        return sum(1 for a in self.actions if a.overdue)


def _rows(conn: sqlite3.Connection, sql: str, params: Iterable[object]) -> list[tuple]:
    return conn.execute(sql, tuple(params)).fetchall()


@reading
def load(session: Session, structure_id: str, today: date | None = None) -> Dossier:
    """The whole dossier of a structure (NotFoundError if it does not exist or was deleted)."""
    today = today or date.today()
    conn = raw_connection(session)
    sid = (structure_id,)
    found = _rows(conn, "SELECT s.id, s.name, s.legal_form, s.seat_town, s.departments, s.siren, "
                        "s.regional_office_id, o.name, s.rurality_class, s.president, s.director, s.active, "
                        "s.to_verify, s.notes, s.sources FROM structure s "
                        "LEFT JOIN regional_office o ON o.id = s.regional_office_id "
                        "WHERE s.id = ? AND s.deleted = 0", sid)
    if not found:
        raise NotFoundError(f"structure introuvable : {structure_id}")
    r = found[0]
    identity = Identity(r[0], r[1], r[2], r[3], r[4], r[5] or "", r[6], r[7] or "", r[8], r[9], r[10],
                        bool(r[11]), tuple(f for f in (r[12] or "").split(",") if f), r[13] or "", r[14] or "")
    offices = tuple(sorted(((o[0], o[1]) for o in _rows(
        conn, "SELECT id, name FROM regional_office WHERE deleted = 0", ())), key=lambda o: sort_key(o[1])))
    contacts = tuple(sorted((ContactRow(*c) for c in _rows(
        conn, "SELECT id, full_name, function, email, phone FROM person WHERE structure_id = ? AND deleted = 0",
        sid)), key=lambda c: sort_key(c.full_name)))

    frameworks = _rows(conn, "SELECT id, number, theme, status, period_start, period_end, signed_on "
                             "FROM framework_agreement WHERE structure_id = ? AND deleted = 0 "
                             "ORDER BY period_start DESC", sid)
    framework = (FrameworkRow(*frameworks[0][:6], _day(frameworks[0][6])) if frameworks else None)
    money = _money(conn, structure_id)
    meetings = _meetings(conn, structure_id)

    sheets = {(y, k): SheetCell(i, y, k, st) for i, y, k, st in _rows(
        conn, "SELECT id, year, kind, status FROM evaluation_sheet WHERE structure_id = ? AND deleted = 0", sid)}
    start, end = (framework.period_start, framework.period_end) if framework else DEFAULT_PERIOD
    years = tuple(sorted(set(range(start, end + 1)) | {y for y, _ in sheets}))
    trajectory = _trajectory(conn, structure_id)
    actions = _open_actions(conn, structure_id, today)
    return Dossier(identity, offices, contacts, framework, money, meetings, years, sheets, trajectory, actions,
                   today)


def _money(conn: sqlite3.Connection, structure_id: str) -> tuple[YearMoney, ...]:
    agreements = _rows(conn, "SELECT id, year, number, cp_date, deliberation_no, status FROM annual_agreement "
                             "WHERE structure_id = ? AND deleted = 0 ORDER BY year", (structure_id,))
    lines: dict[str, list[AidLineRow]] = {}
    order = {k.value: i for i, k in enumerate(AidLineKind)}
    for agreement_id, kind, requested, proposed, voted in _rows(
            conn, "SELECT l.annual_agreement_id, l.kind, l.requested_cents, l.proposed_cents, l.voted_cents "
                  "FROM aid_line l JOIN annual_agreement a ON a.id = l.annual_agreement_id "
                  "WHERE a.structure_id = ? AND a.deleted = 0 AND l.deleted = 0", (structure_id,)):
        lines.setdefault(agreement_id, []).append(AidLineRow(kind, requested, proposed, voted))
    payments: dict[str, list[PaymentRow]] = {}
    for row in _rows(conn, "SELECT p.annual_agreement_id, p.id, p.kind, p.amount_cents, p.due_on, p.paid_on, "
                           "p.status, p.reference FROM payment p "
                           "JOIN annual_agreement a ON a.id = p.annual_agreement_id "
                           "WHERE a.structure_id = ? AND a.deleted = 0 AND p.deleted = 0", (structure_id,)):
        payments.setdefault(row[0], []).append(PaymentRow(row[1], row[2], row[3], _day(row[4]), _day(row[5]),
                                                          row[6], row[7] or ""))
    result = []
    for agreement_id, year, number, cp_date, deliberation_no, status in agreements:
        own_lines = sorted(lines.get(agreement_id, []), key=lambda line: order.get(line.kind, 9))
        own_payments = sorted(payments.get(agreement_id, []),
                              key=lambda p: (p.kind != "advance", p.due_on or p.paid_on or date.max))
        result.append(YearMoney(year, agreement_id, number or "", _day(cp_date), deliberation_no or "", status,
                                tuple(own_lines), tuple(own_payments)))
    return tuple(result)


def _meetings(conn: sqlite3.Connection, structure_id: str) -> tuple[TimelineRow, ...]:
    """Meetings of the structure: those it leads and those it takes part in (network, sessions)."""
    rows = _rows(conn, "SELECT m.id, m.meeting_date, m.kind, m.title, m.status, m.place_kind, "
                       "(SELECT n.status FROM minutes n WHERE n.meeting_id = m.id AND n.deleted = 0 LIMIT 1) "
                       "FROM meeting m WHERE m.deleted = 0 AND (m.structure_id = ? OR m.id IN "
                       "(SELECT meeting_id FROM meeting_structure WHERE structure_id = ? AND deleted = 0))",
                 (structure_id, structure_id))
    timeline = [TimelineRow(r[0], _day(r[1]), r[2], r[3], r[4], r[5], r[6]) for r in rows]
    return tuple(sorted(timeline, key=lambda t: (t.meeting_date or date.max, t.title)))


def _trajectory(conn: sqlite3.Connection, structure_id: str) -> tuple[Trajectory, ...]:
    rows = _rows(conn, "SELECT s.kind, s.year, s.id, i.name, i.unit, i.target, i.actual, i.position "
                       "FROM indicator i JOIN evaluation_sheet s ON s.id = i.sheet_id "
                       "WHERE s.structure_id = ? AND s.deleted = 0 AND i.deleted = 0 "
                       "ORDER BY s.year, i.position", (structure_id,))
    kinds = {k.value: n for n, k in enumerate(SheetKind)}
    found: dict[tuple[str, str], tuple[int, Trajectory]] = {}
    for kind, year, sheet_id, name, unit, target, actual, position in rows:
        key = (kind, name.strip())
        if key not in found:
            found[key] = (position, Trajectory(kind, name.strip(), unit or ""))
        trajectory = found[key][1]
        trajectory.points[year] = (target, actual)
        trajectory.sheet_ids[year] = sheet_id
    ordered = sorted(found.values(), key=lambda item: (kinds.get(item[1].kind, 9), item[0]))
    return tuple(t for _, t in ordered)


def _open_actions(conn: sqlite3.Connection, structure_id: str, today: date) -> tuple[OpenAction, ...]:
    rows = _rows(conn, "SELECT a.id, a.number, a.text, a.owner_name, a.due_on, a.status, m.id, m.title, "
                       "m.meeting_date FROM action a "
                       "LEFT JOIN minutes n ON n.id = a.minutes_id "
                       "LEFT JOIN meeting m ON m.id = n.meeting_id "
                       "WHERE a.structure_id = ? AND a.deleted = 0 AND a.status IN (?, ?)",
                 (structure_id, *OPEN_ACTION_STATUSES))
    actions = []
    for action_id, number, text, owner, due, status, meeting_id, title, meeting_date in rows:
        due_on = _day(due)
        actions.append(OpenAction(action_id, rules.action_label(number), text, owner, due_on, status,
                                  bool(due_on and due_on < today), meeting_id, title or "", _day(meeting_date)))
    return tuple(sorted(actions, key=lambda a: (a.due_on or date.max, a.meeting_date or date.max, a.label)))
