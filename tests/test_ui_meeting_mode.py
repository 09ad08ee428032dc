"""Meeting mode, driven through its widgets: notes with autosave, attendance, decisions,
actions, the draft → à valider → signé workflow, freezing and rectificatifs."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from conftest import type_text
from petr_desktop.domain.models import AgendaItem, Attendance
from petr_desktop.services import meetings, minutes, profile, records
from petr_desktop.services.reference import structure_id
from petr_desktop.ui.autosave import SAVE_DELAY_MS
from petr_desktop.ui.main_window import MainWindow
from petr_desktop.ui.pages.meeting_mode import MeetingModePage


@pytest.fixture
def meeting(db):
    record = meetings.create_meeting(db, "management_dialogue", "12/03/2026", structure_id=structure_id("Pays de Langres"),
                                     start_time="09:30", place_kind="on_site", place="Langres")
    meetings.add_participant(db, record.id, full_name="Hélène Roux", function="Directrice",
                             organisation_name="PETR du Pays de Langres")
    return record


@pytest.fixture
def window(db, make_window):
    return make_window(db)


@pytest.fixture
def mode(window, meeting) -> MeetingModePage:
    window.context.bus.open_record.emit("meeting", meeting.id)
    page = window.stack.currentWidget()
    assert isinstance(page, MeetingModePage)
    page.run_dialog = lambda dialog: _drive(dialog)
    return page


_pending: list = []


def _drive(dialog) -> bool:
    """Fill a dialog the way a user would, with the queued keystrokes, then press Ctrl+Entrée."""
    fill = _pending.pop(0)
    fill(dialog)
    dialog.try_accept()
    return dialog.result() == dialog.DialogCode.Accepted


def test_opening_a_meeting_shows_the_focused_screen(window, mode, meeting):
    assert not window.nav.isVisible()
    assert mode.heading.text() == "Dialogue de gestion 2026 — Pays de Langres"
    assert "12 mars 2026, 09:30" in mode.details.text() and "Sur place — Langres" in mode.details.text()
    assert mode.agenda_list.count() == 8
    assert mode.status_badge.text() == "Relevé : Brouillon"
    assert len(mode.clock.text()) == 5
    mode.leave()
    assert window.nav.isVisible() and window.stack.currentWidget() is not mode


def test_notes_autosave_within_two_seconds_and_on_focus_change(mode, qtbot, db, meeting, window):
    mode.agenda_list.setCurrentRow(1)
    editor = mode.current_notes()
    type_text(editor, "Bilan très positif : 14 projets accompagnés, « effet levier » 3,2 ; mise en œuvre lancée.")
    assert SAVE_DELAY_MS <= 2000
    item = meetings.agenda(db, meeting.id)[1]
    qtbot.waitUntil(lambda: records.get(db, AgendaItem, item.id).notes.endswith("mise en œuvre lancée."),
                    timeout=SAVE_DELAY_MS + 1000)
    type_text(editor, " Suite.")
    mode.agenda_list.setCurrentRow(2)          # focus change saves at once
    mode.flush()
    assert records.get(db, AgendaItem, item.id).notes.endswith("Suite.")
    assert window.save_state.text().startswith("Enregistré à ")


def test_alt_arrows_move_through_the_agenda(mode, qtbot):
    mode.agenda_list.setCurrentRow(0)
    qtbot.keyClick(mode.current_notes(), Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert mode.agenda_list.currentRow() == 1
    assert mode.item_title.text() == "Bilan de l’année — missions socles"


def test_attendance_check_list(mode, db, meeting):
    combo = mode.attendance_table.cellWidget(0, 3)
    combo.setCurrentIndex(combo.findData("excused"))
    [person] = meetings.participants(db, meeting.id)
    assert records.get(db, Attendance, person.id).status == "excused"
    type_text(mode.new_participant, "Théo Müller")
    mode.new_participant.returnPressed.emit()
    assert [p.full_name for p in meetings.participants(db, meeting.id)] == ["Hélène Roux", "Théo Müller"]
    assert mode.attendance_table.rowCount() == 2


def test_decision_and_action_from_the_keyboard(mode, qtbot, db):
    def decision(dialog):
        type_text(dialog.text, "Valider la trajectoire « mobilité » 2025-2027")
        dialog.status.setCurrentIndex(dialog.status.findData("final"))

    def action(dialog):
        type_text(dialog.text, "Transmettre l'état récapitulatif certifié")
        dialog.owner.setCurrentText("Hélène Roux")
        type_text(dialog.due, "30/04/2026")
        dialog.decision.setCurrentIndex(1)

    _pending[:] = [decision, action]
    qtbot.keyClick(mode.current_notes(), Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(mode.current_notes(), Qt.Key.Key_A,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    record_id = mode.view.minutes.id
    [d1] = minutes.decisions(db, record_id)
    [a1] = minutes.actions_of(db, record_id)
    assert (d1.number, d1.text, d1.status) == (1, "Valider la trajectoire « mobilité » 2025-2027", "final")
    assert (a1.number, a1.owner_name, a1.owner_organisation, a1.due_on, a1.decision_id) == (
        1, "Hélène Roux", "PETR du Pays de Langres", date(2026, 4, 30), d1.id)
    assert mode.decision_list.item(0).text().startswith("D1 — Valider")
    assert mode.action_table.item(0, 0).text() == "A1"


def test_action_dialog_refuses_a_bad_date(mode):
    def bad(dialog):
        type_text(dialog.text, "Envoyer la fiche")
        type_text(dialog.due, "31/02/2026")
        dialog.try_accept()
        assert "Échéance : date invalide" in dialog.error.text()
        dialog.due.clear()

    _pending[:] = [bad]
    mode.add_action()
    assert [a.text for a in minutes.actions_of(mode.db, mode.view.minutes.id)] == ["Envoyer la fiche"]


def test_workflow_sign_freezes_every_control_then_amendment(mode, qtbot, db, message_boxes):
    type_text(mode.current_notes(), "Contexte : renouvellement du bureau.")
    mode.submit_button.click()
    assert mode.status_badge.text() == "Relevé : À valider"
    assert mode.draft_button.isVisible() and mode.sign_button.isVisible() and not mode.submit_button.isVisible()
    mode.sign_button.click()                     # no profile yet: a message, nothing signed
    assert minutes.open_minutes(db, mode.view.meeting.id).status == "to_validate"
    assert "Paramètres" in message_boxes[-1][1]
    profile.set_profile(db, "Isabelle Kuntz", "Chargée de mission", "IK", "Portable")
    mode.confirm = lambda text: "rectificatif" in text
    mode.sign_button.click()
    assert mode.status_badge.text() == "Relevé : Signé"
    assert "Isabelle Kuntz" in mode.banner.text() and mode.banner.isVisible()
    assert minutes.verify_signature(db, mode.view.minutes.id)
    notes = [mode.notes_stack.widget(i) for i in range(mode.notes_stack.count())]
    assert all(editor.isReadOnly() for editor in notes)
    assert mode.summary.isReadOnly() and mode.next_meeting.isReadOnly()
    assert not mode.add_decision_button.isEnabled() and not mode.add_action_button.isEnabled()
    assert not mode.attendance_table.cellWidget(0, 3).isEnabled()
    assert not (mode.sign_button.isVisible() or mode.draft_button.isVisible() or mode.submit_button.isVisible())
    mode.add_decision()                          # Ctrl+D does nothing on signed minutes
    assert minutes.decisions(db, mode.view.minutes.id) == []
    type_text(mode.amendment_reason, "Erreur de date")
    type_text(mode.amendment_body, "Lire « 14 mars » au lieu de « 12 mars ».")
    mode.amendment_button.click()
    assert mode.amendment_list.count() == 1
    assert mode.amendment_list.item(0).text().startswith("Rectificatif n°1 — Erreur de date")
    assert minutes.amendments(db, mode.view.minutes.id)[0].author == "Isabelle Kuntz"


def test_refused_save_keeps_the_text_and_says_why(mode, qtbot, db, window):
    editor = mode.summary
    type_text(editor, "Synthèse en cours")
    # someone signs the minutes behind this screen (e.g. another window): the save is refused
    record_id = mode.view.minutes.id
    minutes.submit_for_validation(db, record_id)
    minutes.sign(db, record_id, "Marc Hoffmann", "Chef de pôle")
    assert mode.flush() is False
    assert editor.toPlainText() == "Synthèse en cours"
    assert "signé" in editor.toolTip()
    assert window.save_state.text().startswith("Non enregistré : Ce relevé d'échange est signé")


def test_next_meeting_date_is_checked(mode, db):
    type_text(mode.next_meeting, "32/13/2026")
    assert mode.flush() is False
    assert "date invalide" in mode.next_meeting.toolTip()
    mode.next_meeting.clear()
    type_text(mode.next_meeting, "15/09/2026")
    assert mode.flush()
    assert minutes.open_minutes(db, mode.view.meeting.id).next_meeting_on == date(2026, 9, 15)


def test_signed_demo_minutes_open_read_only(qtbot, demo_db, make_context, tmp_path):
    signed = next(m for m in records.list_rows(demo_db, minutes.Minutes) if m.status == "signed")
    win = MainWindow(make_context(demo_db))
    qtbot.addWidget(win)
    win.show()
    win.context.bus.open_record.emit("meeting", signed.meeting_id)
    page = win.meeting_mode
    assert page.view.frozen and page.current_notes().isReadOnly()
    assert page.current_notes().toPlainText()
    assert win.grab().save(str(tmp_path / "signed.png"))
