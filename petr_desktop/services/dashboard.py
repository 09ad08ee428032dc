"""What the Tableau de bord shows, read in one snapshot: today's follow-up (``load``) and the
balance of a year over the structures (``year_dashboard``)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from ..domain.canonical import content_sha256
from ..domain.enums import ActionStatus, MeetingKind, MeetingStatus, MinutesStatus, SheetKind, SheetStatus
from ..domain.models import Minutes
from ..storage.database import raw_connection
from . import meetings, minutes, sheets
from .errors import InvalidValueError
from .structures import sort_key
from .uow import reading


@dataclass(frozen=True)
class Dashboard:
    today: date
    upcoming: list[meetings.MeetingRow] = field(default_factory=list)
    overdue: list[minutes.ActionRow] = field(default_factory=list)
    open_actions: int = 0
    sheets_by_status: dict[str, int] = field(default_factory=dict)
    sheets_year: int = 0
    minutes_to_validate: int = 0


@reading
def load(session: Session, today: date | None = None) -> Dashboard:
    today = today or date.today()
    upcoming = [m for m in meetings.list_meetings(session)
                if m.meeting_date and m.meeting_date >= today and m.status == MeetingStatus.PLANNED][:15]
    board = minutes.action_board(session, today=today)
    open_rows = [r for r in board if r.status in ("todo", "in_progress")]
    year = today.year
    counts = Counter(s.status for s in sheets.list_sheets(session, year=year))
    to_validate = len(session.exec(select(Minutes.id).where(Minutes.status == "to_validate",
                                                            Minutes.deleted == False)).all())  # noqa: E712
    return Dashboard(today, upcoming, [r for r in open_rows if r.overdue], len(open_rows), dict(counts), year,
                     to_validate)


# --- The balance of a year ----------------------------------------------------------------------

#: Grid cell of a sheet never opened.
MISSING = "missing"
#: Sheet statuses that count as « validée » (a supporting document for the balance).
VALIDATED = (SheetStatus.VALIDATED.value, SheetStatus.ARCHIVED.value)
KINDS = tuple(k.value for k in SheetKind)


@dataclass(frozen=True)
class SheetCell:
    id: str
    status: str


@dataclass(frozen=True)
class StructureYear:
    """One line of the year's table: a structure's dialogues, sheets, money and late actions."""

    structure_id: str
    name: str
    regional_office_name: str
    dialogues_held: int
    dialogues_planned: int
    #: sheet kind → its sheet (absent: never opened).
    sheets: dict[str, SheetCell]
    voted_cents: int
    paid_cents: int
    overdue_actions: int

    @property
    def remaining_cents(self) -> int:
        return self.voted_cents - self.paid_cents

    def sheet_status(self, kind: str) -> str:
        """The status of the sheet of ``kind``, or ``MISSING``."""
        cell = self.sheets.get(kind)
        return cell.status if cell else MISSING


@dataclass(frozen=True)
class YearDashboard:
    year: int
    today: date
    rows: list[StructureYear]
    content_sha256: str = ""

    def total(self, name: str) -> int:
        return sum(getattr(row, name) for row in self.rows)

    @property
    def sheets_expected(self) -> int:
        return len(self.rows) * len(KINDS)

    @property
    def sheets_validated(self) -> int:
        return sum(1 for r in self.rows for k in KINDS if r.sheet_status(k) in VALIDATED)

    @property
    def sheet_statuses(self) -> dict[str, int]:
        """Sheet status (or ``MISSING``) → number of cells of the grid, every status listed."""
        counts = {s.value: 0 for s in SheetStatus} | {MISSING: 0}
        for row in self.rows:
            for kind in KINDS:
                counts[row.sheet_status(kind)] = counts.get(row.sheet_status(kind), 0) + 1
        return counts

    def statuses_by_kind(self) -> dict[str, dict[str, int]]:
        """Sheet kind → {status (or ``MISSING``) → count}, every status listed."""
        result = {k: {s.value: 0 for s in SheetStatus} | {MISSING: 0} for k in KINDS}
        for row in self.rows:
            for kind in KINDS:
                status = row.sheet_status(kind)
                result[kind][status] = result[kind].get(status, 0) + 1
        return result


def check_year(year: int | str) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise InvalidValueError(f"année invalide : {year}") from None
    if not 2000 <= value <= 2100:
        raise InvalidValueError(f"année invalide : {year}")
    return value


_DIALOGUES = """
WITH d AS (
  SELECT m.id, m.structure_id AS sid,
         (m.status = :held OR COALESCE(n.status, '') = :signed) AS held
  FROM meeting m LEFT JOIN minutes n ON n.meeting_id = m.id AND n.deleted = 0
  WHERE m.deleted = 0 AND m.kind = :kind AND m.status != :cancelled
    AND m.meeting_date >= :start AND m.meeting_date < :end)
SELECT sid, COUNT(*), SUM(held) FROM (
  SELECT id, sid, held FROM d
  UNION
  SELECT d.id, s.structure_id, d.held FROM d JOIN meeting_structure s ON s.meeting_id = d.id AND s.deleted = 0)
WHERE sid IS NOT NULL GROUP BY sid
"""


@reading
def year_dashboard(session: Session, year: int, today: date | None = None) -> YearDashboard:
    """Per active structure, for ``year``: dialogues de gestion held / planned (a dialogue counts as
    held when the meeting is marked held or its relevé is signed; cancelled ones are left out; a
    dialogue counts for its structure and for every further structure it names), the three sheets,
    amounts voted on the year's annual agreement and paid on it, and the open actions whose
    deadline is before ``today`` (whatever their year). Five queries, no ORM objects."""
    year = check_year(year)
    today = today or date.today()
    conn = raw_connection(session)
    structures = conn.execute(
        "SELECT s.id, s.name, COALESCE(o.name, '') FROM structure s "
        "LEFT JOIN regional_office o ON o.id = s.regional_office_id AND o.deleted = 0 "
        "WHERE s.deleted = 0 AND s.active = 1").fetchall()
    dialogues = {sid: (planned, held or 0) for sid, planned, held in conn.execute(_DIALOGUES, {
        "held": MeetingStatus.HELD.value, "signed": MinutesStatus.SIGNED.value,
        "kind": MeetingKind.MANAGEMENT_DIALOGUE.value, "cancelled": MeetingStatus.CANCELLED.value,
        "start": f"{year:04d}-01-01", "end": f"{year + 1:04d}-01-01"})}
    grid: dict[str, dict[str, SheetCell]] = {}
    for sid, kind, sheet_id, status in conn.execute(
            "SELECT structure_id, kind, id, status FROM evaluation_sheet WHERE deleted = 0 AND year = ? "
            "ORDER BY created_at, id", (year,)):
        grid.setdefault(sid, {}).setdefault(kind, SheetCell(sheet_id, status))
    voted = dict(conn.execute(
        "SELECT a.structure_id, SUM(l.voted_cents) FROM aid_line l "
        "JOIN annual_agreement a ON a.id = l.annual_agreement_id "
        "WHERE a.deleted = 0 AND l.deleted = 0 AND a.year = ? GROUP BY a.structure_id", (year,)).fetchall())
    paid = dict(conn.execute(
        "SELECT a.structure_id, SUM(p.amount_cents) FROM payment p "
        "JOIN annual_agreement a ON a.id = p.annual_agreement_id "
        "WHERE a.deleted = 0 AND p.deleted = 0 AND a.year = ? AND p.status = 'paid' GROUP BY a.structure_id",
        (year,)).fetchall())
    overdue = dict(conn.execute(
        "SELECT structure_id, COUNT(*) FROM action WHERE deleted = 0 AND status IN (?, ?) "
        "AND due_on IS NOT NULL AND due_on < ? GROUP BY structure_id",
        (ActionStatus.TODO.value, ActionStatus.IN_PROGRESS.value, today.isoformat())).fetchall())
    rows = []
    for sid, name, office in structures:
        planned, held = dialogues.get(sid, (0, 0))
        rows.append(StructureYear(sid, name, office, held, planned, grid.get(sid, {}), voted.get(sid) or 0,
                                  paid.get(sid) or 0, overdue.get(sid, 0)))
    rows.sort(key=lambda r: sort_key(r.name))
    return YearDashboard(year, today, rows, content_sha256(_content(year, today, rows)))


def _content(year: int, today: date, rows: list[StructureYear]) -> dict:
    """What the exported dashboard shows (the overdue count depends on the day)."""
    return {"year": year, "today": today, "rows": [
        [r.structure_id, r.name, r.regional_office_name, r.dialogues_held, r.dialogues_planned,
         [r.sheet_status(k) for k in KINDS], r.voted_cents, r.paid_cents, r.overdue_actions] for r in rows]}


@reading
def dashboard_years(session: Session, today: date | None = None) -> list[int]:
    """The years that have sheets, agreements or dialogues, and the current one; newest first."""
    today = today or date.today()
    conn = raw_connection(session)
    years = {today.year}
    for (value,) in conn.execute(
            "SELECT year FROM evaluation_sheet WHERE deleted = 0 UNION SELECT year FROM annual_agreement "
            "WHERE deleted = 0 UNION SELECT CAST(substr(meeting_date, 1, 4) AS INTEGER) FROM meeting "
            "WHERE deleted = 0 AND kind = ? AND meeting_date IS NOT NULL",
            (MeetingKind.MANAGEMENT_DIALOGUE.value,)):
        if value is not None and 2000 <= int(value) <= 2100:
            years.add(int(value))
    return sorted(years, reverse=True)
