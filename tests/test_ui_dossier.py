"""The structure dossier through its widgets: opening, identity autosave and flags, contacts,
sheets grid, timeline, actions, money, splitter memory, and the time to open."""
from __future__ import annotations

import statistics
import time

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from conftest import type_text
from petr_desktop.domain.models import Action
from petr_desktop.domain.values import format_amount
from petr_desktop.services import dossier, meetings, minutes, records, structures
from petr_desktop.ui.main_window import MainWindow
from petr_desktop.ui.pages.dossier import (TAB_ACTIONS, TAB_CONTACTS, TAB_IDENTITY, TAB_MEETINGS, TAB_MONEY,
                                           TAB_SHEETS)
from petr_desktop.ui.pages.structures import StructuresPage


@pytest.fixture
def page(qtbot, demo_db, make_context):
    """The Structures page on its own (no main window listening to the bus)."""
    widget = StructuresPage(make_context(demo_db))
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activate()
    return widget


def _sid(page, name: str) -> str:
    return next(r.id for r in page.model.rows if r.name == name)


def _list_index(page, name: str):
    proxy = page.view.model()
    row = next(r for r in range(proxy.rowCount()) if proxy.index(r, 0).data() == name)
    return proxy.index(row, 0)


def _open(page, name: str):
    page.show_dossier(_sid(page, name))
    assert page.dossier.title.text() == name
    return page.dossier


def _double_click(qtbot, view, row: int, column: int) -> None:
    """A real double-click: QTest's alone lacks the first press an item view waits for."""
    index = view.model().index(row, column)
    view.scrollTo(index)
    point = view.visualRect(index).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def _identity(page, name: str):
    return dossier.load(page.db, _sid(page, name)).identity


# --- opening -------------------------------------------------------------------------------------------

def test_double_click_in_the_list_opens_the_dossier(page, qtbot):
    assert page.right.currentWidget() is page.placeholder
    _double_click(qtbot, page.view, _list_index(page, "Pays de la Déodatie").row(), 0)
    assert page.right.currentWidget() is page.dossier
    assert page.dossier.title.text() == "Pays de la Déodatie"
    assert "Maison de Région : Épinal" in page.dossier.subtitle.text()


def test_enter_in_the_list_opens_the_dossier(page, qtbot):
    index = _list_index(page, "Pays de Langres")
    page.view.setCurrentIndex(index)
    qtbot.keyClick(page.view, Qt.Key.Key_Return)
    assert page.dossier.title.text() == "Pays de Langres"
    assert page.right.currentWidget() is page.dossier


def test_filter_is_accent_free_and_enter_opens_the_first(page, qtbot):
    type_text(page.filter, "deodatie")
    assert page.view.model().rowCount() == 1
    qtbot.keyClick(page.filter, Qt.Key.Key_Return)
    assert page.dossier.title.text() == "Pays de la Déodatie"


def test_open_record_clears_a_filter_that_hides_the_structure(page):
    type_text(page.filter, "langres")
    assert page.open_record("structure", _sid(page, "Pays Barrois"))
    assert page.filter.text() == "" and page.view.model().rowCount() == 30
    assert [i.data() for i in page.view.selectionModel().selectedRows()] == ["Pays Barrois"]
    assert page.dossier.title.text() == "Pays Barrois"


def test_open_record_from_anywhere_shows_the_dossier(main_window, qtbot):
    structures_page = main_window.page(StructuresPage)
    sid = structures.find_structure(main_window.context.db, "Pays Barrois").id
    main_window.context.bus.open_record.emit("structure", sid)
    assert main_window.stack.currentWidget() is structures_page
    assert structures_page.dossier.title.text() == "Pays Barrois"
    assert structures_page.dossier.structure_id == sid
    assert [i.data() for i in structures_page.view.selectionModel().selectedRows()] == ["Pays Barrois"]


def test_coming_back_to_the_page_refreshes_the_dossier(page, qtbot):
    widget = _open(page, "Pays de la Déodatie")
    before = len(widget.data.actions)
    minutes.set_action_status(page.db, widget.data.actions[0].id, "done")
    page.activate()
    qtbot.waitUntil(lambda: len(page.dossier.data.actions) == before - 1, timeout=1000)
    assert page.dossier.tabs.tabText(TAB_ACTIONS) == f"Actions ({before - 1})"


def test_splitter_position_is_remembered(main_window, qtbot):
    structures_page = main_window.show_page(StructuresPage)
    structures_page.splitter.setSizes([260, 900])
    wanted = structures_page.splitter.sizes()[0]
    main_window.close()
    again = MainWindow(main_window.context)
    qtbot.addWidget(again)
    again.resize(main_window.size())     # restoreGeometry clamps to the 800 × 600 offscreen screen
    again.show()
    qtbot.waitExposed(again)
    shown = again.show_page(StructuresPage)                        # built now, on first show
    qtbot.waitUntil(lambda: shown.splitter.sizes()[0] == wanted, timeout=1000)


# --- identity -----------------------------------------------------------------------------------------------

def test_flagged_fields_are_marked_with_their_source(page):
    form = _open(page, "Bruche-Mossig").identity
    seat = form.fields["seat_town"]
    assert not seat.marker.isHidden() and seat.marker.text() == "à vérifier"
    assert seat.editor.property("toVerify") is True
    assert "Siège : Molsheim (à vérifier)" in seat.editor.toolTip()
    assert seat.flag_button.isChecked()
    president = form.fields["president"]
    assert president.marker.isHidden() and president.editor.property("toVerify") is False
    assert not president.flag_button.isChecked()
    assert page.dossier.tabs.tabToolTip(TAB_IDENTITY) == "4 champ(s) « à vérifier »"


def test_typing_the_seat_town_autosaves_and_clears_the_flag(page, qtbot):
    form = _open(page, "Bruche-Mossig").identity
    seat = form.fields["seat_town"].editor
    seat.selectAll()
    type_text(seat, "Mutzig-Molsheim é")
    assert form.pending == {"seat_town"}
    saver = form.savers["seat_town"]
    assert saver.timer.isActive() and saver.timer.interval() <= 2000          # the house rule: ≤ 2 s
    with qtbot.waitSignal(saver.saved, timeout=5000):     # margin for a slow disk (synchronous=FULL)
        pass
    identity = _identity(page, "Bruche-Mossig")
    assert "seat_town" not in identity.to_verify and "legal_form" in identity.to_verify
    assert form.fields["seat_town"].marker.isHidden()
    assert form.fields["seat_town"].editor.property("toVerify") is False
    row = next(r for r in page.model.rows if r.name == "Bruche-Mossig")        # the list follows
    assert row.seat_town == "Mutzig-Molsheim é" and "seat_town" not in row.to_verify


def test_leaving_a_field_saves_at_once(page, qtbot):
    form = _open(page, "Pays de Langres").identity
    president = form.fields["president"].editor
    page.activateWindow()
    president.setFocus()
    qtbot.waitUntil(president.hasFocus, timeout=1000)
    president.selectAll()
    type_text(president, "Jérôme Collin")
    form.fields["director"].editor.setFocus()                      # focus-out, no waiting for the timer
    assert _identity(page, "Pays de Langres").president == "Jérôme Collin"
    assert form.pending == set()


def test_typing_back_the_same_value_keeps_the_flag(page, qtbot):
    form = _open(page, "Bruche-Mossig").identity
    seat = form.fields["seat_town"].editor
    type_text(seat, "x")
    qtbot.keyClick(seat, Qt.Key.Key_Backspace)
    qtbot.keyClick(seat, Qt.Key.Key_Return)
    assert "seat_town" in _identity(page, "Bruche-Mossig").to_verify
    assert not form.fields["seat_town"].marker.isHidden()


def test_pending_typing_is_saved_when_another_dossier_opens(page):
    form = _open(page, "Pays de Langres").identity
    director = form.fields["director"].editor
    director.selectAll()
    type_text(director, "Grégoire Thiébaut")
    _open(page, "Pays Barrois")
    assert _identity(page, "Pays de Langres").director == "Grégoire Thiébaut"
    assert form.pending == set()


def test_bad_siren_shows_a_french_message_and_keeps_the_text(page, qtbot):
    form = _open(page, "Pays de Langres").identity
    siren = form.fields["siren"]
    type_text(siren.editor, "12345")
    qtbot.keyClick(siren.editor, Qt.Key.Key_Return)
    assert not siren.error.isHidden()
    assert siren.error.text() == "SIREN invalide : « 12345 » — il compte 9 chiffres (exemple : 200 012 345)"
    assert siren.editor.text() == "12345" and form.pending == {"siren"}
    assert _identity(page, "Pays de Langres").siren == ""
    siren.editor.selectAll()
    type_text(siren.editor, "200 012 345")
    qtbot.keyClick(siren.editor, Qt.Key.Key_Return)
    assert siren.error.isHidden() and form.pending == set()
    assert _identity(page, "Pays de Langres").siren == "200012345"


def test_a_refused_entry_is_not_left_silently(page, qtbot, monkeypatch):
    form = _open(page, "Pays de Langres").identity
    siren = form.fields["siren"]
    type_text(siren.editor, "1234")
    qtbot.keyClick(siren.editor, Qt.Key.Key_Return)
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda _parent, title, text, *a: asked.append(text) or QMessageBox.StandardButton.No)
    assert not page.show_dossier(_sid(page, "Pays Barrois"))
    assert page.dossier.title.text() == "Pays de Langres" and siren.editor.text() == "1234"
    assert "• SIREN : SIREN invalide : « 1234 »" in asked[0]
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    assert page.show_dossier(_sid(page, "Pays Barrois"))
    assert page.dossier.title.text() == "Pays Barrois" and siren.editor.text() == "" and form.pending == set()


def test_flag_button_marks_a_field_again_and_clears_it(page, qtbot):
    form = _open(page, "Pays de Langres").identity
    president = form.fields["president"]
    qtbot.mouseClick(president.flag_button, Qt.MouseButton.LeftButton)
    assert "president" in _identity(page, "Pays de Langres").to_verify
    assert not president.marker.isHidden() and president.editor.property("toVerify") is True
    assert president.editor.toolTip().startswith("« Président·e » à vérifier")
    assert "président·e" in next(r for r in page.model.rows if r.name == "Pays de Langres").to_verify_labels
    qtbot.mouseClick(president.flag_button, Qt.MouseButton.LeftButton)
    assert "president" not in _identity(page, "Pays de Langres").to_verify
    assert president.marker.isHidden()


def test_combos_and_checkbox_save_at_once(page, qtbot):
    form = _open(page, "Remiremont et ses vallées").identity
    legal_form = form.fields["legal_form"]
    assert legal_form.editor.currentText() == "Syndicat mixte" and not legal_form.marker.isHidden()
    index = legal_form.editor.findData("petr")
    legal_form.editor.setCurrentIndex(index)
    legal_form.editor.activated.emit(index)            # what a pick in the drop-down list emits
    identity = _identity(page, "Remiremont et ses vallées")
    assert identity.legal_form == "petr" and "legal_form" not in identity.to_verify
    office = form.fields["regional_office_id"].editor
    metz = office.findText("Metz")
    office.setCurrentIndex(metz)
    office.activated.emit(metz)
    assert _identity(page, "Remiremont et ses vallées").regional_office_name == "Metz"
    assert "Maison de Région : Metz" in page.dossier.subtitle.text()
    active = form.fields["active"].editor
    qtbot.mouseClick(active, Qt.MouseButton.LeftButton, pos=QPoint(8, active.height() // 2))
    assert _identity(page, "Remiremont et ses vallées").active is False
    assert page.dossier.title.text().endswith("(inactive)")


# --- contacts -----------------------------------------------------------------------------------------------

def test_add_a_contact_through_the_dialog_with_email_check(page, qtbot):
    panel = _open(page, "Pays de la Déodatie").contacts
    page.dossier.tabs.setCurrentIndex(TAB_CONTACTS)
    before = panel.model.rowCount()
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert dialog is not None and dialog.isVisible() and dialog.windowTitle() == "Nouveau contact"
    type_text(dialog.full_name, "Hélène Thiébaut")
    type_text(dialog.function, "Chargée de mission santé")
    type_text(dialog.email, "helene.thiebaut@deodatie")
    type_text(dialog.phone, "03 29 00 00 00")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and not dialog.error.isHidden()
    assert dialog.error.text().startswith("Adresse e-mail invalide : « helene.thiebaut@deodatie »")
    assert dialog.full_name.text() == "Hélène Thiébaut"                          # the typing stays
    type_text(dialog.email, ".fr")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert panel.model.rowCount() == before + 1
    saved = next(c for c in structures.list_contacts(page.db, _sid(page, "Pays de la Déodatie"))
                 if c.full_name == "Hélène Thiébaut")
    assert (saved.email, saved.phone) == ("helene.thiebaut@deodatie.fr", "03 29 00 00 00")
    assert page.dossier.tabs.tabText(TAB_CONTACTS) == f"Contacts ({before + 1})"


def test_edit_and_delete_a_contact(page, qtbot, monkeypatch):
    panel = _open(page, "Pays de Langres").contacts
    page.dossier.tabs.setCurrentIndex(TAB_CONTACTS)
    assert not panel.edit_button.isEnabled()
    panel.view.selectRow(0)
    chosen = panel.selected()
    qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert dialog.windowTitle() == "Modifier le contact" and dialog.full_name.text() == chosen.full_name
    dialog.function.selectAll()
    type_text(dialog.function, "Directrice générale des services")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    sid = _sid(page, "Pays de Langres")
    assert next(c for c in structures.list_contacts(page.db, sid) if c.id == chosen.id).function == \
        "Directrice générale des services"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    panel.view.selectRow(next(r for r, c in enumerate(panel.model.rows) if c.id == chosen.id))
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert chosen.id not in {c.id for c in structures.list_contacts(page.db, sid)}
    assert chosen.id not in {c.id for c in panel.model.rows}


# --- money, meetings, sheets, actions ---------------------------------------------------------------------------

def test_money_per_year_in_french_amounts(page):
    widget = _open(page, "Bruche-Mossig")
    widget.tabs.setCurrentIndex(TAB_MONEY)
    assert widget.money.framework.text().startswith("Convention-cadre 2025-2027 n° CC-2025-005 — thème : ")
    first = widget.money.boxes[0]
    assert first.title() == "Exercice 2025"
    assert "CP du 11 avril 2025" in first.details.text() and "délibération n° CP2025-04-021" in first.details.text()
    lines = first.lines_view.model()
    assert [lines.index(r, 0).data() for r in range(lines.rowCount())] == [
        "Socle forfaitaire", "Thématique", "Chantier collectif", "Total"]
    assert lines.index(3, 3).data() == format_amount(5_800_000) == "58\u202f000,00\u00a0€"
    payments = first.payments_view.model()
    assert [payments.index(r, 0).data() for r in range(payments.rowCount())] == ["Avance", "Solde"]
    assert first.totals.text() == (f"Voté : {format_amount(5_800_000)}   ·   Versé : {format_amount(5_680_000)}"
                                   f"   ·   Reste à verser : {format_amount(120_000)}")
    assert widget.money.boxes[1].title() == "Exercice 2026"


def test_timeline_double_click_opens_the_meeting(page, qtbot):
    widget = _open(page, "Bruche-Mossig")
    widget.tabs.setCurrentIndex(TAB_MEETINGS)
    model = widget.timeline_view.model()
    assert model.rowCount() == 4 and widget.tabs.tabText(TAB_MEETINGS) == "Réunions (4)"
    assert [model.index(r, 5).data() for r in range(4)] == ["Signé", "Signé", "Signé", "—"]
    expected = meetings.list_meetings(page.db, structure_id=_sid(page, "Bruche-Mossig"))[1].id
    with qtbot.waitSignal(page.context.bus.open_record, timeout=1000) as signal:
        _double_click(qtbot, widget.timeline_view, 1, 2)
    assert signal.args == ["meeting", expected]


def test_sheets_grid_shows_three_sheets_a_year_and_opens_them(page, qtbot):
    widget = _open(page, "Bruche-Mossig")
    widget.tabs.setCurrentIndex(TAB_SHEETS)
    grid = widget.sheets_view.model()
    headers = [grid.headerData(c, Qt.Orientation.Horizontal) for c in range(grid.columnCount())]
    assert headers == ["Exercice", "Missions socle", "Thématique", "Chantier collectif"]
    assert [grid.index(r, 0).data() for r in range(grid.rowCount())] == ["2025", "2026", "2027"]
    assert grid.index(0, 2).data() == "Validée (pièce pour solde)"
    assert grid.index(1, 1).data() == "Examinée en dialogue"
    assert grid.index(2, 3).data() == "—"
    data = dossier.load(page.db, _sid(page, "Bruche-Mossig"))
    with qtbot.waitSignal(page.context.bus.open_record, timeout=1000) as signal:
        _double_click(qtbot, widget.sheets_view, 1, 2)
    assert signal.args == ["sheet", data.sheet(2026, "thematic").id]
    with qtbot.assertNotEmitted(page.context.bus.open_record):
        _double_click(qtbot, widget.sheets_view, 2, 1)               # « — »: no sheet yet


def test_trajectory_shows_target_and_actual_per_year(page, qtbot):
    widget = _open(page, "Bruche-Mossig")
    widget.tabs.setCurrentIndex(TAB_SHEETS)
    model = widget.trajectory_view.model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["Fiche", "Indicateur", "2025\ncible", "2025\nréalisé", "2026\ncible", "2026\nréalisé",
                       "2027\ncible", "2027\nréalisé"]
    assert [model.index(0, c).data() for c in range(8)] == [
        "Missions socle", "Projets accompagnés (projets)", "12", "13", "12", "10", "", ""]
    assert model.index(0, 3).data(Qt.ItemDataRole.ForegroundRole).color().name() == "#1b6e2e"     # reached
    assert model.index(0, 5).data(Qt.ItemDataRole.ForegroundRole).color().name() == "#b3261e"     # below
    assert model.index(0, 5).data(Qt.ItemDataRole.ToolTipRole).startswith(
        "2026 : réalisé 10 pour une cible de 12 (83 %)")
    data = dossier.load(page.db, _sid(page, "Bruche-Mossig"))
    with qtbot.waitSignal(page.context.bus.open_record, timeout=1000) as signal:
        _double_click(qtbot, widget.trajectory_view, 0, 3)
    assert signal.args == ["sheet", data.sheet(2025, "core_missions").id]


def test_open_actions_overdue_in_red_and_double_click(page, qtbot):
    sid = _sid(page, "Coeur de Lorraine")
    before = dossier.load(page.db, sid)
    unsigned = {m.id for m in before.meetings if m.minutes_status != "signed"}
    later = next(a for a in before.actions if a.meeting_id in unsigned)
    records.update(page.db, Action, later.id, due_on="31/12/2099")       # whatever today is, one is not late
    widget = _open(page, "Coeur de Lorraine")
    widget.tabs.setCurrentIndex(TAB_ACTIONS)
    data = dossier.load(page.db, sid)
    model = widget.actions_view.model()
    assert model.rowCount() == len(data.actions) > 0
    assert 0 < data.overdue_count < len(data.actions)                # some late, some not
    assert widget.tabs.tabText(TAB_ACTIONS) == f"Actions ({len(data.actions)})"
    statuses = {model.index(r, 4).data().split(" — ")[0] for r in range(model.rowCount())}
    assert statuses <= {"À faire", "En cours"}
    for row, action in enumerate(data.actions):
        colour = model.index(row, 1).data(Qt.ItemDataRole.ForegroundRole)
        assert (colour is not None and colour.color().name() == "#b3261e") == action.overdue
    with qtbot.waitSignal(page.context.bus.open_record, timeout=1000) as signal:
        _double_click(qtbot, widget.actions_view, 0, 1)
    assert signal.args == ["action", data.actions[0].id]


def test_every_tab_renders(page, tmp_path):
    widget = _open(page, "Bruche-Mossig")
    for index in range(widget.tabs.count()):
        widget.tabs.setCurrentIndex(index)
        assert page.grab().save(str(tmp_path / f"dossier-{index}.png"))


def test_a_dossier_opens_in_under_100_ms(page):
    """Read + fill + paint, median over 10 structures (measured ~10 ms on the demo data)."""
    page.dossier.tabs.setCurrentIndex(TAB_SHEETS)
    timings = []
    for row in page.model.rows[::3]:
        started = time.perf_counter()
        page.show_dossier(row.id)
        page.dossier.repaint()
        timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.100
