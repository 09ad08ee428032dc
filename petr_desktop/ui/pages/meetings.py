"""Réunions: the meetings, planned and held."""
from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout

from ...domain.enums import MeetingKind, MeetingStatus
from ...domain.values import format_date_short
from ...services import meetings
from ..models import RowsModel
from ..widgets.tables import make_table, source_row
from .base import Page


class MeetingsModel(RowsModel):
    columns = (("Date", lambda m: format_date_short(m.meeting_date)),
               ("Type", lambda m: MeetingKind(m.kind).label),
               ("Structure", lambda m: m.structure_name),
               ("Statut", lambda m: MeetingStatus(m.status).label),
               ("Réunion", lambda m: m.title))


class MeetingsPage(Page):
    title = "Réunions"
    icon_name = "meetings"

    def __init__(self, context, parent=None) -> None:
        super().__init__(context, parent)
        self.model = MeetingsModel(self)
        self.view = make_table(self.model, self, sortable=True)
        self.view.doubleClicked.connect(
            lambda i: self.context.bus.open_record.emit("meeting", self.model.rows[source_row(self.view, i)].id))
        QVBoxLayout(self).addWidget(self.view)

    def activate(self) -> None:
        self.context.tasks.run(lambda: meetings.list_meetings(self.db), self.model.set_rows)
