"""What the Tableau de bord shows, read in one snapshot."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from ..domain.enums import MeetingStatus
from ..domain.models import Minutes
from . import meetings, minutes, sheets
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
