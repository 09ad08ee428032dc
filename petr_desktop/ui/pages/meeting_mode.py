"""Mode réunion: take the minutes live — agenda at the side, one notes area per item,
attendance, decisions (Ctrl+D, Alt+D) and actions (Ctrl+Maj+A, Alt+A), a clock, autosave, the
draft → à valider → signé workflow, then rectificatifs; a point's notes or a decision may be marked
« bonne pratique » (also once signed: the practice is a record of its own)."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QApplication, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QMessageBox, QPlainTextEdit, QPushButton, QSplitter, QStackedWidget,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from ...domain import rules
from ...domain.enums import AttendanceStatus, MeetingKind, MinutesStatus, PlaceKind
from ...domain.models import AgendaItem, Minutes
from ...domain.values import format_date, format_date_short, parse_date
from ...services import meetings, minutes, network, practices, profile, records
from ...services.errors import ServiceError
from ..autosave import Autosaver
from .. import keys
from ..export_menus import build_minutes_menu, export_signed_minutes
from ..exporting import Exporter
from ..dialogs.minutes_dialogs import ActionDialog, DecisionDialog
from ..dialogs.network_dialogs import PracticeDialog
from ..icons import icon
from ..widgets.tables import set_cell_widget, tab_through_cells
from .base import Page

STATUS_STYLE = {"draft": "#5f6368", "to_validate": "#b06000", "signed": "#1e7b34"}


def _item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


class MeetingModePage(Page):
    #: The user leaves the focused screen (Échap or the button).
    leave_requested = Signal()

    def __init__(self, context, parent=None) -> None:
        super().__init__(context, parent)
        self.view: minutes.MinutesView | None = None
        #: The notes editor of each agenda point on screen, by agenda item id, with its Autosaver.
        self.notes_editors: dict[str, QPlainTextEdit] = {}
        self.notes_savers: dict[str, Autosaver] = {}
        self.confirm = self._ask

        self.heading = QLabel(self)
        self.heading.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.heading.setWordWrap(True)
        self.details = QLabel(self)
        self.clock = QLabel(self)
        self.clock.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.status_badge = QLabel(self)
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #e6f4ea; padding: 6px; border-radius: 4px;")
        self.submit_button = QPushButton(f"Soumettre pour validation ({keys.shown('submit')})", self)
        self.draft_button = QPushButton(f"Revenir au brouillon ({keys.shown('to_draft')})", self)
        self.sign_button = QPushButton(icon("sign"), f"Signer le relevé ({keys.shown('sign')})", self)
        self.leave_button = QPushButton(f"Quitter le mode réunion ({keys.shown('leave')})", self)
        self.exporter = Exporter(context, self)
        self.export_button = QPushButton(icon("export"), "Exporter", self)
        self.export_button.setMenu(build_minutes_menu(context, self, self.exporter, self._export_target))
        self.export_signed_button = QPushButton(
            icon("export"), f"Exporter le relevé (PDF signé / courriel) ({keys.shown('export_minutes')})", self)
        self.export_signed_button.setObjectName("export_signed")
        self.export_signed_button.clicked.connect(self.export_signed)
        self.submit_button.clicked.connect(self.submit)
        self.draft_button.clicked.connect(self.back_to_draft)
        self.sign_button.clicked.connect(self.sign)
        self.leave_button.clicked.connect(self.leave)

        self.agenda_list = QListWidget(self)
        self.agenda_list.setObjectName("agenda")
        self.item_title = QLabel(self)
        self.item_title.setStyleSheet("font-weight: bold;")
        self.practice_notes_button = QPushButton(icon("decision"), "Marquer comme bonne pratique", self)
        self.practice_notes_button.setToolTip("Ajouter les notes de ce point au recueil des bonnes pratiques")
        self.practice_notes_button.clicked.connect(self.tag_notes)
        self.notes_stack = QStackedWidget(self)
        self.agenda_list.currentRowChanged.connect(self._show_item)
        center = QWidget(self)
        center_layout = QVBoxLayout(center)
        center_layout.setContentsMargins(0, 0, 0, 0)
        item_line = QHBoxLayout()
        item_line.addWidget(self.item_title, 1)
        item_line.addWidget(self.practice_notes_button)
        center_layout.addLayout(item_line)
        center_layout.addWidget(self.notes_stack)

        self.tabs = QTabWidget(self)
        self.attendance_table = QTableWidget(0, 4, self)
        self.attendance_table.setHorizontalHeaderLabels(["Participant", "Fonction", "Organisation", "Présence"])
        self.attendance_table.horizontalHeader().setStretchLastSection(True)
        self.attendance_table.verticalHeader().hide()
        tab_through_cells(self.attendance_table)
        self.new_participant = QLineEdit(self)
        self.new_participant.setPlaceholderText("Ajouter un participant : nom, puis Entrée")
        self.new_participant.returnPressed.connect(self.add_participant)
        attendance_box = QWidget(self)
        box_layout = QVBoxLayout(attendance_box)
        box_layout.addWidget(self.attendance_table)
        box_layout.addWidget(self.new_participant)
        self.decision_list = QListWidget(self)
        self.decision_list.setWordWrap(True)
        self.add_decision_button = QPushButton(icon("decision"),
                                               f"Ajouter une décision ({keys.shown('decision')})", self)
        self.add_decision_button.clicked.connect(self.add_decision)
        self.practice_decision_button = QPushButton(icon("decision"), "Marquer comme bonne pratique", self)
        self.practice_decision_button.setToolTip("Ajouter la décision sélectionnée au recueil des bonnes pratiques")
        self.practice_decision_button.clicked.connect(self.tag_decision)
        self.action_table = QTableWidget(0, 4, self)
        self.action_table.setHorizontalHeaderLabels(["N°", "Action", "Responsable", "Échéance"])
        self.action_table.horizontalHeader().setStretchLastSection(True)
        self.action_table.verticalHeader().hide()
        self.action_table.setTabKeyNavigation(False)
        self.add_action_button = QPushButton(icon("add"), f"Ajouter une action ({keys.shown('action')})", self)
        self.add_action_button.clicked.connect(self.add_action)
        self.summary = QPlainTextEdit(self)
        self.vigilance = QPlainTextEdit(self)
        self.next_steps = QPlainTextEdit(self)
        self.next_meeting = QLineEdit(self)
        self.next_meeting.setPlaceholderText("jj/mm/aaaa")
        summary_box = QWidget(self)
        summary_form = QFormLayout(summary_box)
        summary_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        summary_form.addRow("Synthèse :", self.summary)
        summary_form.addRow("Points de vigilance :", self.vigilance)
        summary_form.addRow("Prochaines étapes :", self.next_steps)
        summary_form.addRow("Prochaine échéance (date) :", self.next_meeting)
        #: The relevé's own fields: one Autosaver each, bound to the relevé on screen.
        self.minutes_savers: dict[str, Autosaver] = {
            name: self._autosave(editor, lambda target, text, n=name: records.update(
                self.db, Minutes, target, **{n: text}))
            for editor, name in ((self.summary, "summary"), (self.vigilance, "vigilance_points"),
                                 (self.next_steps, "next_steps"))}
        self.minutes_savers["next_meeting_on"] = self._autosave(self.next_meeting, lambda target, text: records.update(
            self.db, Minutes, target, next_meeting_on=parse_date(text) if text.strip() else None))
        self.amendment_list = QListWidget(self)
        self.amendment_list.setWordWrap(True)
        self.amendment_reason = QLineEdit(self)
        self.amendment_reason.setPlaceholderText("Motif du rectificatif")
        self.amendment_body = QPlainTextEdit(self)
        self.amendment_body.setPlaceholderText("Texte corrigé")
        self.amendment_button = QPushButton("Ajouter le rectificatif", self)
        self.amendment_button.clicked.connect(self.add_amendment)
        amendment_box = QWidget(self)
        amendment_layout = QVBoxLayout(amendment_box)
        for widget in (self.amendment_list, self.amendment_reason, self.amendment_body, self.amendment_button):
            amendment_layout.addWidget(widget)
        self.tabs.addTab(attendance_box, "Présences")
        self.tabs.addTab(self._with_button(self.decision_list, self.add_decision_button,
                                           self.practice_decision_button), "Décisions")
        self.tabs.addTab(self._with_button(self.action_table, self.add_action_button), "Actions")
        self.tabs.addTab(summary_box, "Relevé")
        self.tabs.addTab(amendment_box, "Rectificatifs")

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("meeting_mode_splitter")
        self.splitter.addWidget(self.agenda_list)
        self.splitter.addWidget(center)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.agenda_list.setWordWrap(True)
        state = self.context.settings.value("meeting_mode/splitter")
        if state is None or not self.splitter.restoreState(state):
            self.splitter.setSizes([240, 640, 480])     # the notes get the most room
        self.splitter.splitterMoved.connect(
            lambda *_: self.context.settings.setValue("meeting_mode/splitter", self.splitter.saveState()))

        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.heading)
        titles.addWidget(self.details)
        top.addLayout(titles, 1)
        top.addWidget(self.status_badge)
        top.addWidget(self.clock)
        buttons = QHBoxLayout()
        for button in (self.submit_button, self.draft_button, self.sign_button, self.export_signed_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.leave_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)
        layout.addWidget(self.splitter, 1)

        self._clock_timer = QTimer(self)
        self._clock_timer.timeout.connect(self._tick)
        self._clock_timer.start(1000)
        self._tick()
        commands = {"decision": self.add_decision, "action": self.add_action, "leave": self.leave,
                    "save": self.flush, "previous_item": lambda: self._step(-1), "next_item": lambda: self._step(1),
                    "submit": self.submit, "sign": self.sign, "to_draft": self.back_to_draft,
                    "amendment": self.start_amendment, "export_minutes": self.export_signed}
        for name, slot in commands.items():
            keys.install(self, name, slot)
        #: In the text areas of this screen, its shortcuts win over the text bindings.
        self.typing_keys = keys.TypingKeys(tuple(commands), self)
        for editor in (self.summary, self.vigilance, self.next_steps, self.next_meeting, self.amendment_reason,
                       self.amendment_body, self.new_participant):
            self.typing_keys.watch(editor)

    @staticmethod
    def _with_button(view: QWidget, *buttons: QPushButton) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.addWidget(view)
        for button in buttons:
            layout.addWidget(button)
        return box

    def _export_target(self) -> tuple[str, str, str, bool] | None:
        """(minutes id, meeting id, title, signed) of the relevé on screen, after saving the typing."""
        if self.view is None or not self.flush():
            return None
        return self.view.minutes.id, self.view.meeting.id, self.view.meeting.title, self.view.frozen

    def _tick(self) -> None:
        self.clock.setText(datetime.now().strftime("%H:%M"))

    # --- loading -----------------------------------------------------------------------------
    def open_record(self, kind: str, record_id: str) -> bool:
        if kind != "meeting":
            return False
        self.flush()
        author = profile.get_profile(self.db).user_name
        view = self.guarded_read(minutes.open_for_meeting, self.db, record_id, author=author)
        if view is not None:
            self.show_view(view)
            if view.agenda:
                self.current_notes().setFocus()
        return view is not None

    def guarded_read(self, fn, *args, **kwargs):
        """A read whose refusal (e.g. a deleted meeting) is shown in French, without « Enregistré »."""
        try:
            return fn(*args, **kwargs)
        except ServiceError as exc:
            QMessageBox.warning(self, "Carnet PETR", str(exc))
            return None

    def reload(self, keep_item: bool = True) -> None:
        if self.view is None:
            return
        row = self.agenda_list.currentRow()
        self.flush()
        self.show_view(minutes.open_for_meeting(self.db, self.view.meeting.id))
        if keep_item and 0 <= row < self.agenda_list.count():
            self.agenda_list.setCurrentRow(row)

    def show_view(self, view: minutes.MinutesView) -> None:
        self.view = view
        meeting, record = view.meeting, view.minutes
        self.heading.setText(meeting.title)
        when = format_date(meeting.meeting_date) if meeting.meeting_date else "date à fixer"
        hours = f", {meeting.start_time:%H:%M}" if meeting.start_time else ""
        place = PlaceKind(meeting.place_kind).label + (f" — {meeting.place}" if meeting.place else "")
        self.details.setText(f"{MeetingKind(meeting.kind).label} · {view.structure_name} · {when}{hours} · {place}")
        status = MinutesStatus(record.status)
        self.status_badge.setText(f"Relevé : {status.label}")
        self.status_badge.setStyleSheet(f"color: white; background: {STATUS_STYLE[status]}; padding: 4px 8px;"
                                        "border-radius: 4px; font-weight: bold;")
        frozen = view.frozen
        if frozen:
            signer = view.sign_offs[-1] if view.sign_offs else None
            by = f" par {signer.signer_name}" if signer else ""
            self.banner.setText(f"Relevé signé le {format_date(record.validated_on)}{by} : il ne change plus. "
                                "Les corrections passent par un rectificatif (onglet « Rectificatifs »).")
        self.banner.setVisible(frozen)
        self.submit_button.setVisible(rules.can_transition(rules.MINUTES_TRANSITIONS, status, "to_validate"))
        self.draft_button.setVisible(rules.can_transition(rules.MINUTES_TRANSITIONS, status, "draft"))
        self.sign_button.setVisible(rules.can_transition(rules.MINUTES_TRANSITIONS, status, "signed"))
        self.export_signed_button.setVisible(frozen)
        self._show_agenda(view, frozen)
        self._fill_attendance(view, frozen)
        self.decision_list.clear()
        for decision in view.decisions:
            self.decision_list.addItem(f"{rules.decision_label(decision.number)} — {decision.text}")
        self.action_table.setRowCount(len(view.actions))
        for row, action in enumerate(view.actions):
            values = (rules.action_label(action.number), action.text, action.owner_name,
                      format_date_short(action.due_on))
            for column, value in enumerate(values):
                self.action_table.setItem(row, column, _item(value))
        self.action_table.resizeColumnsToContents()
        for name in ("summary", "vigilance_points", "next_steps"):
            self.minutes_savers[name].load(record.id, getattr(record, name))
        self.minutes_savers["next_meeting_on"].load(record.id, format_date_short(record.next_meeting_on))
        for saver in self.minutes_savers.values():
            saver.editor.setReadOnly(frozen)
        for widget in (self.add_decision_button, self.add_action_button, self.new_participant):
            widget.setEnabled(not frozen)
        self.amendment_list.clear()
        for amendment in view.amendments:
            self.amendment_list.addItem(f"Rectificatif n°{amendment.number} — {amendment.reason}\n{amendment.body}"
                                        + (f"\n({amendment.author})" if amendment.author else ""))
        for widget in (self.amendment_reason, self.amendment_body, self.amendment_button):
            widget.setEnabled(frozen)

    def _fill_attendance(self, view: minutes.MinutesView, frozen: bool) -> None:
        table = self.attendance_table
        table.setRowCount(len(view.attendance))
        for row, person in enumerate(view.attendance):
            for column, value in enumerate((person.full_name, person.function, person.organisation_name)):
                table.setItem(row, column, _item(value))
            combo = QComboBox(table)
            for status in AttendanceStatus:
                combo.addItem(status.label, status.value)
            combo.setCurrentIndex(combo.findData(person.status))
            combo.setEnabled(not frozen)
            combo.currentIndexChanged.connect(
                lambda _i, c=combo, pid=person.id: self.guarded(network.set_attendance_status, self.db, pid,
                                                                c.currentData()))
            set_cell_widget(table, row, 3, combo)
        table.resizeColumnsToContents()

    def _show_agenda(self, view: minutes.MinutesView, frozen: bool) -> None:
        """One notes editor per agenda point. The same points (a reload after a decision, an action,
        a sign-off) keep their editors, so the focus and the cursor stay where they were; another
        meeting or another agenda rebuilds them, and the old ones save into their own point first."""
        ids = [item.id for item in view.agenda]
        if ids != list(self.notes_editors):
            for saver in self.notes_savers.values():
                saver.detach()
            self.notes_savers = {}
            self.notes_editors = {}
            current = max(0, self.agenda_list.currentRow())
            self.agenda_list.blockSignals(True)
            self.agenda_list.clear()
            while self.notes_stack.count():
                widget = self.notes_stack.widget(0)
                self.notes_stack.removeWidget(widget)
                widget.deleteLater()
            for item in view.agenda:
                self.agenda_list.addItem(f"{item.position}. {item.title}")
                editor = QPlainTextEdit(self.notes_stack)
                editor.setObjectName(f"notes_{item.position}")
                editor.setPlaceholderText("Notes de ce point : ce qui a été dit, chiffres clés, positions…")
                self.typing_keys.watch(editor)
                self.notes_stack.addWidget(editor)
                self.notes_editors[item.id] = editor
                self.notes_savers[item.id] = self._autosave(
                    editor, lambda target, text: records.update(self.db, AgendaItem, target, notes=text))
            self.agenda_list.blockSignals(False)
            if view.agenda:
                self.agenda_list.setCurrentRow(min(current, len(view.agenda) - 1))
        for row, item in enumerate(view.agenda):
            self.agenda_list.item(row).setText(f"{item.position}. {item.title}")
            self.notes_savers[item.id].load(item.id, item.notes)
            self.notes_editors[item.id].setReadOnly(frozen)
        if view.agenda:
            self._show_item(self.agenda_list.currentRow(), focus=False)

    @property
    def savers(self) -> list[Autosaver]:
        return [*self.notes_savers.values(), *self.minutes_savers.values()]

    def _autosave(self, editor: QWidget, save) -> Autosaver:
        saver = Autosaver(editor, save, editor)
        saver.saved.connect(self.context.notify_saved)
        saver.failed.connect(self.context.bus.save_failed.emit)
        return saver

    def _show_item(self, row: int, focus: bool = True) -> None:
        if self.view is None or not 0 <= row < len(self.view.agenda):
            return
        self.notes_stack.setCurrentIndex(row)
        self.item_title.setText(self.view.agenda[row].title)
        if focus:
            self.notes_stack.currentWidget().setFocus()

    def _step(self, delta: int) -> None:
        row = self.agenda_list.currentRow() + delta
        if 0 <= row < self.agenda_list.count():
            self.agenda_list.setCurrentRow(row)

    def current_notes(self) -> QPlainTextEdit:
        return self.notes_stack.currentWidget()  # type: ignore[return-value]

    # --- commands ----------------------------------------------------------------------------
    def flush(self) -> bool:
        return all([saver.flush() for saver in self.savers])

    def before_close(self) -> None:
        self.flush()

    def leave(self) -> None:
        self.flush()
        self.leave_requested.emit()

    def add_decision(self) -> None:
        if self.view is None or self.view.frozen:
            return
        self.flush()
        dialog = DecisionDialog(len(self.view.decisions) + 1, self)
        with self._keeping_focus(tab=1):
            if self.run_dialog(dialog):
                values = dialog.values()
                if self.guarded(minutes.add_decision, self.db, self.view.minutes.id, values["text"],
                                status=values["status"]) is not None:
                    self.reload()

    def add_action(self) -> None:
        if self.view is None or self.view.frozen:
            return
        self.flush()
        owners = [(p.full_name, p.organisation_name) for p in self.view.attendance]
        decisions = [(f"{rules.decision_label(d.number)} — {d.text[:60]}", d.id) for d in self.view.decisions]
        dialog = ActionDialog(len(self.view.actions) + 1, owners, decisions, self)
        with self._keeping_focus(tab=2):
            if self.run_dialog(dialog):
                if self.guarded(minutes.add_action, self.db, self.view.minutes.id, **dialog.values()) is not None:
                    self.reload()

    @contextmanager
    def _keeping_focus(self, tab: int):
        """After a dialog the focus and the cursor go back exactly where they were; the side tab
        shows what was added unless the user was typing in it."""
        focus = QApplication.focusWidget()
        cursor = focus.textCursor() if isinstance(focus, QPlainTextEdit) else None
        before = self.view.minutes.id if self.view else None
        yield
        if self.view is None or self.view.minutes.id != before:
            return
        if focus is None or not self.tabs.isAncestorOf(focus):
            self.tabs.setCurrentIndex(tab)
        if focus is not None and self.isAncestorOf(focus) and focus.isVisible():
            focus.setFocus(Qt.FocusReason.OtherFocusReason)
            if cursor is not None:
                focus.setTextCursor(cursor)

    def run_dialog(self, dialog) -> bool:
        """Show a dialog modally (tests replace this to drive the dialog)."""
        return dialog.exec() == dialog.DialogCode.Accepted

    def add_participant(self) -> None:
        name = self.new_participant.text().strip()
        if not name or self.view is None:
            return
        if self.guarded(meetings.add_participant, self.db, self.view.meeting.id, full_name=name) is not None:
            self.new_participant.clear()
            self.reload()

    def submit(self) -> None:
        if self.view and self.flush() and self.guarded(minutes.submit_for_validation, self.db,
                                                       self.view.minutes.id) is not None:
            self.reload()

    def back_to_draft(self) -> None:
        if self.view and self.guarded(minutes.back_to_draft, self.db, self.view.minutes.id) is not None:
            self.reload()

    def sign(self) -> None:
        if self.view is None or not self.flush():
            return
        me = profile.get_profile(self.db)
        if not me.is_complete:
            QMessageBox.information(self, "Carnet PETR", "Renseignez d'abord votre nom et vos initiales dans "
                                                         "« Paramètres » : ils signent le relevé.")
            return
        if not self.confirm("Signer le relevé ? Il ne pourra plus être modifié ; "
                            "les corrections passeront par un rectificatif."):
            return
        if self.guarded(minutes.sign, self.db, self.view.minutes.id, me.user_name, me.user_role) is not None:
            self.reload()

    def start_amendment(self) -> None:
        """Ctrl+Maj+R: the « Rectificatifs » tab, the cursor in the reason (relevé signé)."""
        if self.view is None or not self.view.frozen:
            return
        self.tabs.setCurrentIndex(4)
        self.amendment_reason.setFocus()

    def export_signed(self) -> None:
        if self.view is not None and self.view.frozen:
            export_signed_minutes(self.context, self, self.exporter, self._export_target)

    def add_amendment(self) -> None:
        if self.view is None:
            return
        reason, body = self.amendment_reason.text().strip(), self.amendment_body.toPlainText().strip()
        if not reason or not body:
            QMessageBox.information(self, "Carnet PETR", "Indiquez le motif et le texte du rectificatif.")
            return
        author = profile.get_profile(self.db).user_name
        if self.guarded(minutes.add_amendment, self.db, self.view.minutes.id, reason, body, author) is not None:
            self.amendment_reason.clear()
            self.amendment_body.clear()
            self.reload()

    # --- bonnes pratiques ----------------------------------------------------------------------
    def tag_notes(self) -> None:
        """« Marquer comme bonne pratique » on the notes of the current point."""
        row = self.agenda_list.currentRow()
        if self.view is None or not 0 <= row < len(self.view.agenda):
            return
        self.flush()
        item = self.view.agenda[row]
        self.tag_practice("agenda_item", item.id, item.title)

    def tag_decision(self) -> None:
        """« Marquer comme bonne pratique » on the selected decision."""
        row = self.decision_list.currentRow()
        if self.view is None or not 0 <= row < len(self.view.decisions):
            QMessageBox.information(self, "Carnet PETR", "Sélectionnez d'abord une décision dans la liste.")
            return
        decision = self.view.decisions[row]
        self.tag_practice("decision", decision.id, "")

    def tag_practice(self, source_table: str, source_id: str, suggested_title: str) -> None:
        source = self.guarded_read(practices.source_of, self.db, source_table, source_id)
        if source is None:
            return
        if not source.text.strip():
            text = practices.EMPTY_SOURCE.get(source_table, "la source est vide")
            QMessageBox.information(self, "Carnet PETR", text[:1].upper() + text[1:] + ".")
            return
        dialog = PracticeDialog(practices.themes(self.db), source.label, practices.clip(source.text),
                                title=suggested_title, parent=self)
        if self.run_dialog(dialog):     # saved: the status bar says « Enregistré »
            self.guarded(practices.tag_practice, self.db, source_table, source_id, **dialog.values())

    def _ask(self, text: str) -> bool:
        answer = QMessageBox.question(self, "Carnet PETR", text)
        return answer == QMessageBox.StandardButton.Yes

