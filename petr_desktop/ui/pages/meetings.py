"""Réunions: plan meetings (one by one, or the yearly campaign of dialogues de gestion), see them as
a list (à venir / passées / toutes) or by month, export them to Outlook as .ics files; for the
network's meetings, their speakers and the attendance per structure."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor, QTextCharFormat
from PySide6.QtWidgets import (QButtonGroup, QCalendarWidget, QFileDialog, QHBoxLayout, QHeaderView, QLabel,
                               QMessageBox, QPushButton, QTableView, QTabWidget, QVBoxLayout, QWidget)

from ...domain.enums import MeetingKind, MeetingStatus
from ...domain.values import format_date
from ...services import meetings, network
from ...services.errors import ServiceError
from ...services.meetings import ALL, PAST, UPCOMING, MeetingRow
from ...services.network import NETWORK_KINDS, SpeakerDraft
from ..dialogs.campaign_dialog import CampaignDialog
from ..dialogs.meeting_dialog import FRENCH, MeetingDialog
from ..dialogs.network_dialogs import AttendanceDialog, SpeakersDialog
from ..icons import icon
from ..models import RowsModel
from ..widgets.tables import make_table, select_source_row, source_row
from .base import Page

CANCELLED_BRUSH = QBrush(QColor("#8a8a8a"))
MEETING_DAY_BACKGROUND = QColor("#d6e6f7")
MEETING_DAY_FOREGROUND = QColor("#1f4e79")
PERIODS = ((UPCOMING, "À venir"), (PAST, "Passées"), (ALL, "Toutes"))
EMPTY_TEXT = {UPCOMING: "Aucune réunion à venir.", PAST: "Aucune réunion passée.", ALL: "Aucune réunion."}
COUNT_TEXT = {UPCOMING: "à venir", PAST: "passée(s)", ALL: "au total"}


WEEKDAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")


def _day(row: MeetingRow) -> str:
    """« jeu. 03/12/2026 »."""
    day = row.meeting_date
    return f"{WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}" if day else ""


def _summary(row: MeetingRow) -> str:
    """The meeting on a few lines, for the narrow list of a day."""
    lines = [row.title]
    if row.other_structures:
        lines.append(f"Structures : {row.structures_label}")
    lines.append(f"{row.place_label} · {MeetingStatus(row.status).label}" if row.place_label
                 else MeetingStatus(row.status).label)
    return "\n".join(lines)


class MeetingsModel(RowsModel[MeetingRow]):
    columns = (("Date", _day),
               ("Horaires", lambda m: m.hours_label),
               ("Type", lambda m: MeetingKind(m.kind).label),
               ("Structure", lambda m: m.structures_label),
               ("Lieu", lambda m: m.place_label),
               ("Statut", lambda m: MeetingStatus(m.status).label),
               ("Réunion", lambda m: m.title))

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        # Dates and hours sort chronologically, not as text.
        if role == Qt.ItemDataRole.UserRole and index.isValid() and index.column() in (0, 1):
            row = self.rows[index.row()]
            day = row.meeting_date.isoformat() if row.meeting_date else ""
            hour = row.start_time.isoformat() if row.start_time else ""
            return f"{day} {hour}" if index.column() == 0 else f"{hour} {day}"
        return super().data(index, role)

    def extra_data(self, row: MeetingRow, column: int, role: int):
        if role == Qt.ItemDataRole.ForegroundRole and row.status == MeetingStatus.CANCELLED:
            return CANCELLED_BRUSH
        return None


class DayModel(MeetingsModel):
    """The meetings of one day: hours, and the meeting on three lines."""

    columns = (("Horaires", lambda m: m.hours_label), ("Réunion", _summary))

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.UserRole and index.isValid():
            row = self.rows[index.row()]
            return row.start_time.isoformat() if row.start_time else ""
        return RowsModel.data(self, index, role)


def _meetings_table(model: MeetingsModel, parent: QWidget) -> QTableView:
    view = make_table(model, parent, sortable=True)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    return view


class MeetingsPage(Page):

    def __init__(self, context, parent=None) -> None:
        super().__init__(context, parent)
        #: Today's date; tests pin it (the demo data is built around 28 November 2026).
        self.today: Callable[[], date] = date.today
        self.period = UPCOMING
        self.all_rows: list[MeetingRow] = []
        self.dialog: MeetingDialog | None = None
        self.campaign_dialog: CampaignDialog | None = None
        self.network_dialog: SpeakersDialog | AttendanceDialog | None = None
        self._highlighted: list[QDate] = []
        self._pending_select: str | None = None

        self.new_button = QPushButton(icon("add"), "Nouvelle réunion", self)
        self.new_button.setToolTip("Planifier une réunion (Ctrl+N)")
        self.edit_button = QPushButton(icon("edit"), "Modifier", self)
        self.edit_button.setToolTip("Modifier la réunion sélectionnée")
        self.export_button = QPushButton(icon("calendar-export"), "Exporter (.ics)", self)
        self.export_button.setToolTip("Enregistrer la réunion sélectionnée pour Outlook")
        self.export_all_button = QPushButton(icon("export"), "Exporter toutes les réunions à venir (.ics)", self)
        self.export_all_button.setToolTip("Un seul fichier avec toutes les réunions prévues à partir d'aujourd'hui")
        self.campaign_button = QPushButton(icon("meetings"), "Planifier la campagne…", self)
        self.campaign_button.setToolTip("Proposer puis créer d'un coup les dialogues de gestion de l'année "
                                        "avec chaque structure")
        self.speakers_button = QPushButton(icon("contacts"), "Intervenants…", self)
        self.speakers_button.setToolTip("Intervenants de la réunion du réseau sélectionnée et leurs sujets")
        self.attendance_button = QPushButton(icon("structures"), "Présences par structure…", self)
        self.attendance_button.setToolTip("Qui était présent, pour quel Pays/PETR (séances : met à jour les fiches "
                                          "« Chantier collectif »)")

        toolbar = QHBoxLayout()
        for button in (self.new_button, self.campaign_button, self.edit_button, self.export_button):
            toolbar.addWidget(button)
        toolbar.addStretch(1)
        toolbar.addWidget(self.export_all_button)

        # List tab: period toggle, count, table.
        self.model = MeetingsModel(self)
        self.view = _meetings_table(self.model, self)
        self.period_group = QButtonGroup(self)
        self.period_buttons: dict[str, QPushButton] = {}
        periods = QHBoxLayout()
        for period, label in PERIODS:
            button = QPushButton(label, self)
            button.setCheckable(True)
            button.setObjectName(f"period_{period}")
            self.period_group.addButton(button)
            self.period_buttons[period] = button
            button.clicked.connect(lambda _=False, p=period: self.set_period(p))
            periods.addWidget(button)
        self.period_buttons[UPCOMING].setChecked(True)
        self.count_label = QLabel(self)
        periods.addSpacing(12)
        periods.addWidget(self.count_label, 1)
        list_tab = QWidget(self)
        list_layout = QVBoxLayout(list_tab)
        list_layout.addLayout(periods)
        list_layout.addWidget(self.view)
        # The selected network meeting: its speakers and attendance per structure.
        self.network_label = QLabel(self)
        self.network_label.setObjectName("network_summary")
        self.network_label.setWordWrap(True)
        network_bar = QHBoxLayout()
        network_bar.addWidget(self.network_label, 1)
        network_bar.addWidget(self.speakers_button)
        network_bar.addWidget(self.attendance_button)
        self.network_box = QWidget(self)
        self.network_box.setLayout(network_bar)
        self.network_box.hide()

        # Month tab: calendar with meeting days highlighted, and the chosen day's meetings.
        self.calendar = QCalendarWidget(self)
        self.calendar.setLocale(FRENCH)
        self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        self.calendar.setGridVisible(True)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.calendar.setMinimumSize(520, 360)
        self.month_label = QLabel(self)
        self.day_label = QLabel(self)
        self.day_label.setStyleSheet("font-weight: bold;")
        self.day_model = DayModel(self)
        self.day_view = _meetings_table(self.day_model, self)
        self.day_view.setWordWrap(True)
        self.day_view.setStyleSheet("QTableView::item { padding: 4px; }")
        month_tab = QWidget(self)
        month_layout = QHBoxLayout(month_tab)
        calendar_column = QVBoxLayout()
        calendar_column.addWidget(self.calendar)
        calendar_column.addWidget(self.month_label)
        calendar_column.addStretch(1)
        day_column = QVBoxLayout()
        day_column.addWidget(self.day_label)
        day_column.addWidget(self.day_view, 1)
        month_layout.addLayout(calendar_column)
        month_layout.addLayout(day_column, 1)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(list_tab, "Liste")
        self.tabs.addTab(month_tab, icon("meetings"), "Mois")
        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.network_box)

        for view in (self.view, self.day_view):
            view.activated.connect(lambda index, v=view: self._open(v, index))     # double-click, or Entrée
            view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.tabs.currentChanged.connect(lambda _i: self._update_buttons())
        self.calendar.selectionChanged.connect(self._show_day)
        self.calendar.currentPageChanged.connect(lambda _y, _m: self._show_month())
        self.new_button.clicked.connect(self.new_meeting)
        self.campaign_button.clicked.connect(self.open_campaign)
        self.speakers_button.clicked.connect(self.edit_speakers)
        self.attendance_button.clicked.connect(self.edit_attendance)
        self.edit_button.clicked.connect(self.edit_meeting)
        self.export_button.clicked.connect(self.export_selected)
        self.export_all_button.clicked.connect(self.export_upcoming)
        context.bus.data_changed.connect(self._reload_if_shown)
        self._update_buttons()

    # --- loading ------------------------------------------------------------------------
    def activate(self) -> None:
        self.context.tasks.run(lambda: meetings.list_meetings(self.db), self._loaded)

    def _reload_if_shown(self) -> None:
        if self.isVisible():
            self.activate()

    def _loaded(self, rows: list[MeetingRow], select_id: str | None = None) -> None:
        self.all_rows = rows
        current = self.selected_meeting()
        select_id = select_id or self._pending_select or (current.id if current else None)
        self._pending_select = None
        self._show_period()
        self._highlight_days()
        self._show_day()
        self._show_month()
        if select_id:
            self.select_meeting(select_id)

    def set_period(self, period: str) -> None:
        self.period = period
        self.period_buttons[period].setChecked(True)
        self._show_period()

    def _show_period(self) -> None:
        rows = meetings.in_period(self.all_rows, self.period, self.today())
        self.model.set_rows(rows)
        order = Qt.SortOrder.DescendingOrder if self.period == PAST else Qt.SortOrder.AscendingOrder
        self.view.sortByColumn(0, order)
        self.count_label.setText(f"{len(rows)} réunion(s) {COUNT_TEXT[self.period]}" if rows
                                 else EMPTY_TEXT[self.period])
        self._fit_columns(self.view)
        self._update_buttons()

    @staticmethod
    def _fit_columns(view: QTableView) -> None:
        view.resizeColumnsToContents()
        header = view.horizontalHeader()
        for column in range(header.count() - 1):
            header.resizeSection(column, min(header.sectionSize(column), 230))

    # --- month view ---------------------------------------------------------------------
    def _highlight_days(self) -> None:
        for day in self._highlighted:
            self.calendar.setDateTextFormat(day, QTextCharFormat())
        marked = QTextCharFormat()
        marked.setFontWeight(700)
        marked.setBackground(MEETING_DAY_BACKGROUND)
        marked.setForeground(MEETING_DAY_FOREGROUND)
        days = {r.meeting_date for r in self.all_rows if r.meeting_date}
        self._highlighted = [QDate(d.year, d.month, d.day) for d in sorted(days)]
        for day in self._highlighted:
            self.calendar.setDateTextFormat(day, marked)

    def show_day(self, day: date) -> None:
        """Select a day of the month view (as a click on it would)."""
        self.calendar.setSelectedDate(QDate(day.year, day.month, day.day))
        self._show_day()

    def _show_day(self) -> None:
        day = self.calendar.selectedDate().toPython()
        rows = meetings.on_day(self.all_rows, day)
        self.day_model.set_rows(rows)
        self.day_label.setText(f"Réunions du {format_date(day)}" if rows else f"Aucune réunion le {format_date(day)}")
        self.day_view.resizeColumnToContents(0)
        self.day_view.resizeRowsToContents()
        self._update_buttons()

    def _show_month(self) -> None:
        year, month = self.calendar.yearShown(), self.calendar.monthShown()
        count = sum(1 for r in self.all_rows if r.meeting_date and (r.meeting_date.year, r.meeting_date.month)
                    == (year, month))
        name = FRENCH.standaloneMonthName(month)
        self.month_label.setText(f"{count} réunion(s) en {name} {year} (jours en gras)" if count
                                 else f"Aucune réunion en {name} {year}")

    # --- selection ----------------------------------------------------------------------
    def _current_view(self) -> tuple[QTableView, MeetingsModel]:
        return (self.view, self.model) if self.tabs.currentIndex() == 0 else (self.day_view, self.day_model)

    def selected_meeting(self) -> MeetingRow | None:
        view, model = self._current_view()
        rows = view.selectionModel().selectedRows()
        return model.rows[source_row(view, rows[0])] if rows else None

    def select_meeting(self, meeting_id: str) -> bool:
        """Show a meeting: in the month view if it lists it, else in the list (« Toutes » if need be)."""
        if self.tabs.currentIndex() == 1:
            for row, meeting in enumerate(self.day_model.rows):
                if meeting.id == meeting_id:
                    select_source_row(self.day_view, row)
                    return True
        self.tabs.setCurrentIndex(0)
        for attempt in (self.period, ALL):
            if attempt != self.period:
                self.set_period(attempt)
            for row, meeting in enumerate(self.model.rows):
                if meeting.id == meeting_id:
                    select_source_row(self.view, row)
                    self.view.scrollTo(self.view.currentIndex())
                    return True
        return False

    def _update_buttons(self) -> None:
        chosen = self.selected_meeting()
        self.edit_button.setEnabled(chosen is not None)
        self.export_button.setEnabled(chosen is not None)
        self._show_network(chosen if chosen is not None and chosen.kind in NETWORK_KINDS else None)

    def _show_network(self, row: MeetingRow | None) -> None:
        """Under the list: the speakers and attendance of the selected network meeting."""
        self.network_box.setVisible(row is not None)
        if row is None:
            return
        try:
            summary = network.conference_summary(self.db, row.id)
        except ServiceError:
            self.network_box.hide()
            return
        total = summary.totals
        represented = sum(1 for c in summary.by_structure if c.structure_id and c.present)
        parts = [f"{len(summary.speakers)} intervenant(s)",
                 f"{total.present} présent(s) sur {total.invited} inscrit(s)"
                 + (f", dont {total.elected_present} élu(s)" if total.elected_present else ""),
                 f"{represented} structure(s) représentée(s)"]
        if summary.programme:
            parts.append(f"programme en {len(summary.programme)} point(s)")
        self.network_label.setText(f"<b>{MeetingKind(row.kind).label}</b> — " + " · ".join(parts))

    def _open(self, view: QTableView, index) -> None:
        model = view.model().sourceModel()
        self.context.bus.open_record.emit("meeting", model.rows[source_row(view, index)].id)

    def open_record(self, kind: str, record_id: str) -> bool:
        """The meeting mode is the main window's; here a meeting is at most shown in the list
        (once the list is loaded, if it is still loading)."""
        if kind != "meeting":
            return False
        if not self.all_rows:
            self._pending_select = record_id
            self.activate()
            return True
        return self.select_meeting(record_id)

    # --- planning -----------------------------------------------------------------------
    def new_meeting(self) -> None:
        day = self.calendar.selectedDate().toPython() if self.tabs.currentIndex() == 1 else self.today()
        self.context.tasks.run(lambda: meetings.planning_choices(self.db),
                               lambda choices: self._open_dialog(choices, None, day))

    def edit_meeting(self) -> None:
        chosen = self.selected_meeting()
        if chosen is None:
            QMessageBox.information(self, "Carnet PETR", "Sélectionnez d'abord une réunion.")
            return
        self.context.tasks.run(
            lambda: (meetings.planning_choices(self.db), meetings.meeting_details(self.db, chosen.id)),
            lambda loaded: self._open_dialog(loaded[0], loaded[1], None))

    def _open_dialog(self, choices, details, day) -> None:
        if details is not None and details.frozen_reason:
            QMessageBox.warning(self, "Carnet PETR", details.frozen_reason)
            return
        if self.dialog is not None and not self.dialog.isVisible():
            self.dialog.deleteLater()
        self.dialog = MeetingDialog(self.context, choices, details, day, self)
        self.dialog.saved.connect(self._after_save)
        self.dialog.open()

    def _after_save(self, meeting_id: str) -> None:
        self.context.tasks.run(lambda: meetings.list_meetings(self.db),
                               lambda rows: self._saved(rows, meeting_id))

    def _saved(self, rows: list[MeetingRow], meeting_id: str) -> None:
        self._loaded(rows, select_id=meeting_id)
        row = next((r for r in rows if r.id == meeting_id), None)
        if row is not None and row.kind == "collective_session" and row.meeting_date:
            # A session moved, held or cancelled changes the attendance rates: the sheets follow.
            syncs = self.guarded(network.sync_all_sheets, self.db, row.meeting_date.year, today=self.today())
            self._report_syncs(syncs or [])

    # --- campaign of dialogues de gestion ------------------------------------------------------
    def campaign_year(self) -> int:
        """The year a new campaign is about: next year from October on, else this year."""
        today = self.today()
        return today.year + 1 if today.month >= 10 else today.year

    def open_campaign(self) -> None:
        if self.campaign_dialog is not None and not self.campaign_dialog.isVisible():
            self.campaign_dialog.deleteLater()
        self.campaign_dialog = CampaignDialog(self.context, self.campaign_year(), self.today(), self)
        self.campaign_dialog.created.connect(self._after_campaign)
        self.campaign_dialog.open()

    def _after_campaign(self, ids: list[str]) -> None:
        self.set_period(UPCOMING)
        self.context.tasks.run(lambda: meetings.list_meetings(self.db),
                               lambda rows: self._loaded(rows, select_id=ids[0] if ids else None))
        QMessageBox.information(self, "Carnet PETR", f"{len(ids)} dialogue(s) de gestion planifié(s), avec leur "
                                "ordre du jour et les participants proposés.\n\nExportez-les vers Outlook avec "
                                "« Exporter toutes les réunions à venir (.ics) ».")

    # --- network meetings: speakers, attendance per structure -----------------------------------------
    def _network_meeting(self) -> MeetingRow | None:
        chosen = self.selected_meeting()
        if chosen is None or chosen.kind not in NETWORK_KINDS:
            QMessageBox.information(self, "Carnet PETR", "Sélectionnez d'abord une réunion du réseau (réseau des "
                                    "directeurs, séance du chantier collectif ou journée-conférence).")
            return None
        return chosen

    def _open_network_dialog(self, dialog: SpeakersDialog | AttendanceDialog) -> None:
        if self.network_dialog is not None and not self.network_dialog.isVisible():
            self.network_dialog.deleteLater()
        self.network_dialog = dialog
        dialog.accepted.connect(lambda d=dialog: self._network_saved(d))
        dialog.open()

    def edit_speakers(self) -> None:
        chosen = self._network_meeting()
        if chosen is None:
            return
        details = meetings.meeting_details(self.db, chosen.id)
        drafts = [SpeakerDraft(s.full_name, s.organisation, s.topic, s.id)
                  for s in network.speakers(self.db, chosen.id)]
        self._open_network_dialog(SpeakersDialog(self.context, chosen.id, chosen.title, drafts,
                                                 details.frozen_reason, self))

    def edit_attendance(self) -> None:
        chosen = self._network_meeting()
        if chosen is None:
            return
        choices = meetings.planning_choices(self.db)
        details = meetings.meeting_details(self.db, chosen.id)
        self._open_network_dialog(AttendanceDialog(
            self.context, chosen.id, chosen.title, network.attendees(self.db, chosen.id), choices.structures,
            choices.contacts, details.frozen_reason, self))

    def _network_saved(self, dialog: SpeakersDialog | AttendanceDialog) -> None:
        chosen = self.selected_meeting()
        self._show_network(chosen if chosen is not None and chosen.kind in NETWORK_KINDS else None)
        result = getattr(dialog, "result_", None)
        if isinstance(result, network.AttendanceResult):
            self._report_syncs(result.syncs)

    def _report_syncs(self, syncs) -> None:
        """Say which « Chantier collectif » sheets were updated, and which were not (validated)."""
        written = sum(1 for s in syncs if s.changed)
        refused = [s.refused for s in syncs if s.refused]
        if not written and not refused:
            return
        lines = [f"Fiches « Chantier collectif » mises à jour : {written}."] if written else []
        if refused:
            lines += ["Fiches non modifiées car validées :", *(f"— {text}" for text in refused)]
        (QMessageBox.warning if refused else QMessageBox.information)(self, "Carnet PETR", "\n".join(lines))

    # --- calendar export ----------------------------------------------------------------
    def _ask_path(self, suggested: str) -> Path | None:
        folder = self.context.settings.value("meetings/ics_folder", str(Path.home()), type=str)
        path, _ = QFileDialog.getSaveFileName(self, "Exporter pour l'agenda (Outlook)",
                                              str(Path(folder) / suggested), "Agenda iCalendar (*.ics)")
        if not path:
            return None
        target = Path(path) if path.lower().endswith(".ics") else Path(f"{path}.ics")
        self.context.settings.setValue("meetings/ics_folder", str(target.parent))
        return target

    def export_selected(self) -> None:
        chosen = self.selected_meeting()
        if chosen is None:
            QMessageBox.information(self, "Carnet PETR", "Sélectionnez d'abord une réunion.")
            return
        day = chosen.meeting_date.isoformat() if chosen.meeting_date else "sans-date"
        target = self._ask_path(f"reunion-{day}.ics")
        if target is None:
            return
        self.context.tasks.run(lambda: meetings.export_ics(self.db, target, [chosen.id]),
                               lambda count: self._exported(target, count), self._export_failed)

    def export_upcoming(self) -> None:
        ids = meetings.upcoming_ids(self.all_rows, self.today())
        if not ids:
            QMessageBox.information(self, "Carnet PETR", "Aucune réunion à venir à exporter.")
            return
        target = self._ask_path(f"reunions-a-venir-{self.today().isoformat()}.ics")
        if target is None:
            return
        self.context.tasks.run_with_progress(
            self, "Export des réunions à venir…",
            lambda progress: meetings.export_ics(self.db, target, ids, progress.report),
            lambda count: self._exported(target, count), self._export_failed)

    def _exported(self, target: Path, count: int) -> None:
        what = "1 réunion exportée" if count == 1 else f"{count} réunions exportées"
        QMessageBox.information(self, "Carnet PETR", f"{what} dans « {target} ».\n\n"
                                "Ouvrez ce fichier avec Outlook pour l'ajouter à votre agenda.")

    def _export_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, ServiceError):
            raise exc
        QMessageBox.warning(self, "Carnet PETR", str(exc))
