"""Issue 12.2–12.3: shortcuts win where the user types, Tab moves on, the F1 panel is the registry.

Run offscreen here, and once more under Xvfb with the xcb platform (the last test): only there do a
focused text area's own bindings (Ctrl+D deletes, Ctrl+Shift+A deselects) compete with shortcuts."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from html import escape
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtTest import QTest

from conftest import type_text
from petr_desktop.services import meetings, minutes
from petr_desktop.services.reference import structure_id
from petr_desktop.ui import keys
from petr_desktop.ui.dialogs.shortcuts import ShortcutsDialog
from petr_desktop.ui.main_window import PAGES
from petr_desktop.ui.pages.meeting_mode import MeetingModePage

CTRL, SHIFT, ALT = (Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier,
                    Qt.KeyboardModifier.AltModifier)


def _active(widget) -> None:
    window = widget.window()
    window.activateWindow()
    assert QTest.qWaitForWindowActive(window)
    QTest.qWait(20)
    assert window.isActiveWindow()


@pytest.fixture
def mode(db, make_window) -> MeetingModePage:
    record = meetings.create_meeting(db, "management_dialogue", "12/03/2026", structure_id=structure_id("Pays de Langres"))
    meetings.add_participant(db, record.id, full_name="Hélène Roux", organisation_name="PETR du Pays de Langres")
    window = make_window(db)
    window.context.bus.open_record.emit("meeting", record.id)
    page = window.stack.currentWidget()
    assert isinstance(page, MeetingModePage)
    _active(page)
    return page


def _accept_with_keys(fill):
    """A dialog shown and filled with key events, accepted with Ctrl+Entrée."""
    def run(dialog) -> bool:
        dialog.show()
        _active(dialog)
        fill(dialog)
        QTest.keyClick(dialog.focusWidget(), Qt.Key.Key_Return, CTRL)
        return dialog.result() == dialog.DialogCode.Accepted
    return run


def _decision(dialog):
    type_text(dialog.text, "Valider la trajectoire")


def _action(dialog):
    type_text(dialog.text, "Envoyer la fiche")


@pytest.mark.parametrize(("key", "modifiers", "kind"), [
    (Qt.Key.Key_D, CTRL, "decision"), (Qt.Key.Key_D, ALT, "decision"),
    (Qt.Key.Key_A, CTRL | SHIFT, "action"), (Qt.Key.Key_A, ALT, "action")])
def test_shortcut_in_the_notes_opens_its_dialog_and_the_cursor_stays(mode, db, key, modifiers, kind):
    notes = mode.current_notes()
    QTest.mouseClick(notes.viewport(), Qt.MouseButton.LeftButton)
    type_text(notes, "Avant après")
    for _ in range(5):
        QTest.keyClick(notes, Qt.Key.Key_Left)
    mode.run_dialog = _accept_with_keys(_decision if kind == "decision" else _action)
    QTest.keyClick(notes, key, modifiers)
    record_id = mode.view.minutes.id
    added = minutes.decisions(db, record_id) if kind == "decision" else minutes.actions_of(db, record_id)
    assert len(added) == 1
    assert notes.toPlainText() == "Avant après"          # nothing deleted, nothing deselected
    _active(mode)                                        # the dialog closed: the window is active again
    assert notes.hasFocus() and notes.textCursor().position() == len("Avant ")
    type_text(notes, "X")
    assert notes.toPlainText() == "Avant Xaprès"


def test_tab_leaves_a_notes_area_and_ctrl_tab_types_a_tab(mode):
    notes = mode.current_notes()
    QTest.mouseClick(notes.viewport(), Qt.MouseButton.LeftButton)
    type_text(notes, "a")
    QTest.keyClick(notes, Qt.Key.Key_Tab, CTRL)
    assert notes.toPlainText() == "a\t"
    QTest.keyClick(notes, Qt.Key.Key_Tab)
    assert not notes.hasFocus() and notes.toPlainText() == "a\t"


def test_tab_leaves_the_attendance_table_after_its_last_cell(mode):
    table = mode.attendance_table
    mode.tabs.setCurrentIndex(0)
    table.setFocus()
    table.setCurrentCell(table.rowCount() - 1, 2)
    QTest.keyClick(table, Qt.Key.Key_Tab)
    focus = mode.window().focusWidget()
    assert focus is table.cellWidget(table.rowCount() - 1, 3)       # the Présence combo
    QTest.keyClick(focus, Qt.Key.Key_Tab)
    focus = mode.window().focusWidget()
    assert focus is not table and not table.isAncestorOf(focus)


def test_workflow_shortcuts(mode, db):
    from petr_desktop.services import profile
    profile.set_profile(db, "Isabelle Kuntz", "Chargée de mission", "IK", "Portable")
    mode.confirm = lambda _text: True
    notes = mode.current_notes()
    QTest.keyClick(notes, Qt.Key.Key_V, CTRL | SHIFT)
    assert mode.status_badge.text() == "Relevé : À valider"
    QTest.keyClick(notes, Qt.Key.Key_B, CTRL | SHIFT)
    assert mode.status_badge.text() == "Relevé : Brouillon"
    QTest.keyClick(notes, Qt.Key.Key_V, CTRL | SHIFT)
    QTest.keyClick(notes, Qt.Key.Key_S, CTRL | SHIFT)
    assert mode.status_badge.text() == "Relevé : Signé" and mode.export_signed_button.isVisible()
    QTest.keyClick(mode.current_notes(), Qt.Key.Key_R, CTRL | SHIFT)
    assert mode.tabs.currentIndex() == 4 and mode.amendment_reason.hasFocus()


def test_the_f1_panel_is_the_registry_of_every_installed_shortcut(mode):
    window = mode.window()
    for page in PAGES:
        window.page(page.class_name)
    registered = {sequence for key in keys.KEYS for sequence in key.sequences}
    installed = {shortcut.key().toString(QKeySequence.SequenceFormat.PortableText).replace("Esc", "Escape")
                 for shortcut in window.findChildren(QShortcut)}
    assert installed and installed <= registered, installed - registered
    assert {f"Ctrl+{n}" for n in range(1, len(PAGES) + 1)} <= installed
    text = ShortcutsDialog(window).label.text()
    assert f"Ctrl+1 … Ctrl+{len(PAGES)}" in text
    for key in keys.KEYS:
        assert escape(keys.shown(key.name)) in text and escape(key.label) in text


@pytest.mark.skipif(os.environ.get("QT_QPA_PLATFORM") == "xcb", reason="this is the xcb run itself")
def test_the_same_tests_pass_under_xcb(tmp_path):
    """The keyboard tests again, in a real X server (Xvfb) with the xcb platform."""
    assert shutil.which("xvfb-run"), "xvfb-run is installed by scripts/system-deps.sh (make test)"
    env = dict(os.environ, QT_QPA_PLATFORM="xcb")
    done = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1366x768x24", sys.executable, "-m", "pytest", "-q",
                           "-p", "no:cacheprovider", str(Path(__file__)), "-k", "not under_xcb"],
                          env=env, cwd=Path(__file__).parent.parent, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
