"""Issue 12.1: an autosave writes only into the record it was made for.

The meeting screen reuses its editors from relevé to relevé; every save must land in the relevé
(or agenda point) the text was typed for, whatever the user opens, leaves, signs or reopens."""
from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from conftest import type_text
from petr_desktop.domain.models import AgendaItem, Minutes
from petr_desktop.services import meetings, minutes, profile, records
from petr_desktop.services.reference import structure_id
from petr_desktop.ui.autosave import SAVE_DELAY_MS
from petr_desktop.ui.pages.meeting_mode import MeetingModePage

STRUCTURES = ("Pays de Langres", "Pays Barrois", "Pays de la Déodatie")
FIELDS = ("summary", "vigilance_points", "next_steps", "notes_0", "notes_1")


def _meeting(db, name: str, day: str):
    return meetings.create_meeting(db, "management_dialogue", day, structure_id=structure_id(name))


def _open(window, meeting_id: str) -> MeetingModePage:
    window.context.bus.open_record.emit("meeting", meeting_id)
    page = window.stack.currentWidget()
    assert isinstance(page, MeetingModePage) and page.view.meeting.id == meeting_id
    return page


def _editor(page: MeetingModePage, field: str):
    """The editor of ``field``, clicked into as a user would."""
    if field.startswith("notes_"):
        page.agenda_list.setCurrentRow(int(field[-1]))
        editor = page.current_notes()
    else:
        page.tabs.setCurrentIndex(3)
        editor = {"summary": page.summary, "vigilance_points": page.vigilance, "next_steps": page.next_steps}[field]
    window = page.window()
    if not window.isActiveWindow():
        window.activateWindow()
        assert QTest.qWaitForWindowActive(window)
    QTest.mouseClick(editor.viewport(), Qt.MouseButton.LeftButton)
    assert editor.hasFocus()
    return editor


def _stored(db, meeting_id: str) -> dict[str, str]:
    record = minutes.open_minutes(db, meeting_id)
    agenda = meetings.agenda(db, meeting_id)
    return {"summary": record.summary, "vigilance_points": record.vigilance_points,
            "next_steps": record.next_steps, "notes_0": agenda[0].notes, "notes_1": agenda[1].notes}


def test_leaving_a_and_opening_b_never_writes_b_into_a(db, make_window, qtbot):
    """The reproduction of the issue: open A, Échap, open B, wait; A keeps its own text."""
    window = make_window(db)
    a = _meeting(db, STRUCTURES[0], "12/03/2026")
    b = _meeting(db, STRUCTURES[1], "13/03/2026")
    records.update(db, Minutes, minutes.open_for_meeting(db, b.id).minutes.id,
                   summary="Synthèse de B", vigilance_points="Vigilance de B", next_steps="Étapes de B")
    page = _open(window, a.id)
    type_text(_editor(page, "summary"), "Synthèse de A")
    QTest.keyClick(page.summary, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is not page
    _open(window, b.id)
    qtbot.wait(SAVE_DELAY_MS + 400)
    page.flush()
    stored_a, stored_b = _stored(db, a.id), _stored(db, b.id)
    assert (stored_a["summary"], stored_a["vigilance_points"], stored_a["next_steps"]) == ("Synthèse de A", "", "")
    assert (stored_b["summary"], stored_b["vigilance_points"], stored_b["next_steps"]) == (
        "Synthèse de B", "Vigilance de B", "Étapes de B")
    assert page.summary.toPlainText() == "Synthèse de B"


def test_signing_or_opening_a_signed_releve_shows_no_false_refusal(db, make_window, qtbot):
    window = make_window(db)
    profile.set_profile(db, "Isabelle Kuntz", "Chargée de mission", "IK", "Portable")
    a = _meeting(db, STRUCTURES[0], "12/03/2026")
    b = _meeting(db, STRUCTURES[1], "13/03/2026")
    page = _open(window, a.id)
    type_text(_editor(page, "summary"), "Synthèse signée")
    page.confirm = lambda _text: True
    page.submit_button.click()
    page.sign_button.click()
    assert page.view.frozen
    qtbot.wait(SAVE_DELAY_MS + 400)
    assert "Non enregistré" not in window.save_state.text()
    _open(window, b.id)
    _open(window, a.id)                          # a signed relevé opened again
    qtbot.wait(SAVE_DELAY_MS + 400)
    assert "Non enregistré" not in window.save_state.text()
    assert page.summary.toPlainText() == "Synthèse signée" and page.summary.isReadOnly()
    assert _stored(db, a.id)["summary"] == "Synthèse signée"


STEPS = st.lists(st.one_of(
    st.tuples(st.just("open"), st.integers(0, 2)),
    st.tuples(st.just("type"), st.sampled_from(FIELDS), st.sampled_from(("Alpha ", "Bêta « x » ", "Œuvre "))),
    st.tuples(st.just("leave")),
    st.tuples(st.just("wait")),
    st.tuples(st.just("sign")),
), min_size=1, max_size=14)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(steps=STEPS)
@example(steps=[("open", 0), ("type", "summary", "Alpha "), ("leave",), ("open", 1), ("wait",)])
@example(steps=[("open", 0), ("type", "notes_1", "Alpha "), ("sign",), ("wait",), ("open", 2),
                ("type", "notes_1", "Œuvre "), ("open", 0), ("wait",)])
def test_every_record_holds_exactly_what_was_typed_into_it(db, make_window, qtbot, steps):
    window = make_window(db)
    profile.set_profile(db, "Isabelle Kuntz", "Chargée de mission", "IK", "Portable")
    ids = [_meeting(db, name, f"1{n}/03/2026").id for n, name in enumerate(STRUCTURES)]
    expected = {i: dict.fromkeys(FIELDS, "") for i in ids}
    signed: set[str] = set()
    page: MeetingModePage | None = None
    for step in steps:
        if step[0] == "open":
            page = _open(window, ids[step[1]])
        elif page is None or window.stack.currentWidget() is not page:
            continue
        elif step[0] == "type":
            _, field, text = step
            editor = _editor(page, field)
            editor.moveCursor(editor.textCursor().MoveOperation.End)
            type_text(editor, text)
            if page.view.meeting.id not in signed:
                expected[page.view.meeting.id][field] += text
        elif step[0] == "leave":
            QTest.keyClick(page.focusWidget() or page, Qt.Key.Key_Escape)
        elif step[0] == "wait":
            qtbot.wait(SAVE_DELAY_MS + 200)
        elif step[0] == "sign" and page.view.meeting.id not in signed:
            page.confirm = lambda _text: True
            page.submit_button.click()
            page.sign_button.click()
            signed.add(page.view.meeting.id)
    if page is not None:
        page.flush()
    for meeting_id in ids:
        assert _stored(db, meeting_id) == expected[meeting_id]
    assert "Non enregistré" not in window.save_state.text()
    window.close()
