"""Where a record is shown: a search hit on a child record opens its parent's screen."""
from __future__ import annotations

from sqlmodel import Session

from ..domain.models import MODEL_BY_TABLE, Minutes
from .uow import reading

#: Screens: structure (dossier), meeting (meeting mode), sheet (sheet editor), action (board).
_VIA_SHEET = {"sheet_answer", "indicator", "action_plan_item", "sheet_project", "diversification_lead",
              "sheet_post", "sheet_session", "supporting_document"}


@reading
def resolve(session: Session, kind: str, record_id: str) -> tuple[str, str] | None:
    """(screen, id) that shows the record, or None when it no longer exists."""
    model = MODEL_BY_TABLE.get(kind)
    row = session.get(model, record_id) if model else None
    if row is None and kind not in ("sheet", "structure", "meeting", "action"):
        return None
    if kind in ("structure", "meeting", "action"):
        return kind, record_id
    if kind in ("evaluation_sheet", "sheet"):
        return "sheet", record_id
    if kind in _VIA_SHEET:
        return "sheet", row.sheet_id
    if kind in ("agenda_item", "attendance"):
        return "meeting", row.meeting_id
    if kind == "minutes":
        return "meeting", row.meeting_id
    if kind == "decision":
        minutes = session.get(Minutes, row.minutes_id)
        return ("meeting", minutes.meeting_id) if minutes else None
    if kind == "amendment":
        minutes = session.get(Minutes, row.root_id)
        return ("meeting", minutes.meeting_id) if minutes else None
    if kind == "person":
        return ("structure", row.structure_id) if row.structure_id else None
    if kind == "regional_office":
        return None
    return None
