"""The actions board: every live action across the structures, its filters, and the follow-up
of an action (status) changed from the board."""
from __future__ import annotations

import calendar
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, select

from ..domain import rules
from ..domain.enums import ActionStatus, MeetingKind
from ..domain.models import Action, Meeting, Minutes, Structure
from ..storage.fts import fold
from .errors import InvalidValueError
from .minutes import set_action_status
from .structures import list_structures
from .uow import reading, transactional

OPEN_STATUSES = frozenset({ActionStatus.TODO.value, ActionStatus.IN_PROGRESS.value})

#: Status filter choices: « open » (à faire + en cours), « all », or one status.
STATUS_FILTERS = ("open", "all", *(s.value for s in ActionStatus))
#: Due-date filter choices; « until » uses ``BoardFilter.due_until`` (inclusive).
DUE_FILTERS = ("all", "overdue", "week", "month", "until")


def fold_text(text: str) -> str:
    """Case- and accent-insensitive form (« Élodie » and « elodie » compare equal)."""
    decomposed = unicodedata.normalize("NFKD", fold(text or ""))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class BoardRow:
    id: str
    number: int
    text: str
    structure_id: str | None
    structure_name: str
    owner_name: str
    owner_organisation: str
    due_on: date | None
    status: str
    done_on: date | None
    meeting_id: str | None
    meeting_kind: str
    meeting_title: str
    meeting_date: date | None
    minutes_status: str
    overdue: bool

    @property
    def label(self) -> str:
        return rules.action_label(self.number)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def meeting_label(self) -> str:
        """« 16/03/2026 » for a dialogue de gestion (the structure has its own column), else
        « 16/03/2026 — Réseau des directeurs »."""
        if not self.meeting_id:
            return ""
        day = f"{self.meeting_date:%d/%m/%Y}" if self.meeting_date else "sans date"
        if self.meeting_kind in ("", MeetingKind.MANAGEMENT_DIALOGUE):
            return day
        return f"{day} — {MeetingKind(self.meeting_kind).label}"

    def days_late(self, today: date) -> int:
        return (today - self.due_on).days if self.overdue and self.due_on else 0


def due_window(due: str, today: date, until: date | None = None) -> tuple[date | None, date | None]:
    """Inclusive (first, last) deadline of a due-date filter; None means unbounded."""
    if due == "week":
        monday = today - timedelta(days=today.weekday())
        return monday, monday + timedelta(days=6)
    if due == "month":
        return today.replace(day=1), today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if due == "until":
        return None, until
    return None, None


@dataclass(frozen=True)
class BoardFilter:
    """What the board shows. Empty structure or owner means all; ``status`` and ``due`` take a
    value of STATUS_FILTERS and DUE_FILTERS."""

    structure_id: str = ""
    owner: str = ""
    status: str = "open"
    due: str = "all"
    due_until: date | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUS_FILTERS:
            raise InvalidValueError(f"filtre de statut inconnu : « {self.status} »")
        if self.due not in DUE_FILTERS:
            raise InvalidValueError(f"filtre d'échéance inconnu : « {self.due} »")

    def _status_ok(self, row: BoardRow) -> bool:
        if self.status == "open":
            return row.is_open
        return self.status == "all" or row.status == self.status

    def _due_ok(self, row: BoardRow, today: date) -> bool:
        if self.due == "all":
            return True
        if self.due == "overdue":
            return row.overdue
        if self.due == "until" and self.due_until is None:
            return True
        first, last = due_window(self.due, today, self.due_until)
        if row.due_on is None:
            return False
        return (first is None or row.due_on >= first) and (last is None or row.due_on <= last)

    def _owner_ok(self, row: BoardRow) -> bool:
        wanted = fold_text(self.owner.strip())
        return not wanted or wanted in fold_text(row.owner_name)

    def matches(self, row: BoardRow, today: date) -> bool:
        return ((not self.structure_id or row.structure_id == self.structure_id) and self._owner_ok(row)
                and self._status_ok(row) and self._due_ok(row, today))

    def revealing(self, row: BoardRow, today: date) -> BoardFilter:
        """This filter with every criterion that hides ``row`` cleared; the others are kept."""
        result = self
        if self.structure_id and row.structure_id != self.structure_id:
            result = replace(result, structure_id="")
        if not self._owner_ok(row):
            result = replace(result, owner="")
        if not self._status_ok(row):
            result = replace(result, status="all")
        if not self._due_ok(row, today):
            result = replace(result, due="all")
        return result


def _query():
    return (select(Action.id, Action.number, Action.text, Action.structure_id, Structure.name,
                   Action.owner_name, Action.owner_organisation, Action.due_on, Action.status, Action.done_on,
                   Meeting.id, Meeting.kind, Meeting.title, Meeting.meeting_date, Minutes.status)
            .join(Structure, Structure.id == Action.structure_id, isouter=True)
            .join(Minutes, Minutes.id == Action.minutes_id, isouter=True)
            .join(Meeting, (Meeting.id == Minutes.meeting_id) & (Meeting.deleted == False), isouter=True)  # noqa: E712
            .where(Action.deleted == False))  # noqa: E712


def _row(values: Any, today: date) -> BoardRow:
    (id_, number, text, structure_id, structure_name, owner, organisation, due_on, status, done_on,
     meeting_id, meeting_kind, meeting_title, meeting_date, minutes_status) = values
    overdue = bool(status in OPEN_STATUSES and due_on and due_on < today)
    return BoardRow(id_, number, text, structure_id, structure_name or "", owner, organisation, due_on, status,
                    done_on, meeting_id, meeting_kind or "", meeting_title or "", meeting_date,
                    minutes_status or "", overdue)


@reading
def board(session: Session, board_filter: BoardFilter | None = None,
          today: date | None = None) -> list[BoardRow]:
    """Every live action the filter lets through, soonest deadline first."""
    board_filter = board_filter or BoardFilter()
    today = today or date.today()
    query = _query()
    if board_filter.structure_id:
        query = query.where(Action.structure_id == board_filter.structure_id)
    rows = [r for r in (_row(v, today) for v in session.exec(query)) if board_filter.matches(r, today)]
    return sorted(rows, key=lambda r: (r.due_on or date.max, fold_text(r.structure_name), r.number))


@reading
def board_row(session: Session, action_id: str, today: date | None = None) -> BoardRow | None:
    """One action as the board shows it, or None if it does not exist (or was deleted)."""
    values = session.exec(_query().where(Action.id == action_id)).first()
    return _row(values, today or date.today()) if values else None


@dataclass(frozen=True)
class BoardChoices:
    """What the filters offer: the structures (id, name) in French order and the known owners."""

    structures: list[tuple[str, str]]
    owners: list[str]


@reading
def board_choices(session: Session) -> BoardChoices:
    names = session.exec(select(Action.owner_name).where(Action.deleted == False).distinct()).all()  # noqa: E712
    owners = sorted({n.strip() for n in names if n and n.strip()}, key=fold_text)
    return BoardChoices([(s.id, s.name) for s in list_structures(session)], owners)


@transactional
def set_status(session: Session, action_id: str, status: str, today: date | None = None) -> BoardRow:
    """Change the follow-up status of an action (allowed on signed minutes) and return its new row.
    Leaving « Fait » clears the completion date."""
    try:
        ActionStatus(status)
    except ValueError:
        raise InvalidValueError(f"statut d'action inconnu : « {status} »") from None
    set_action_status(session, action_id, status)
    row = board_row(session, action_id, today)
    assert row is not None
    return row
