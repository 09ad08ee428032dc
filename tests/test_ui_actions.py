"""The « Actions » page: the board of every action, its filters, overdue in red, inline status."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox

from conftest import type_text
from petr_desktop.domain.models import Action, Minutes
from petr_desktop.services import actions, minutes, records
from petr_desktop.services.actions import BoardFilter, due_window, fold_text
from petr_desktop.services.errors import InvalidValueError
from petr_desktop.tasks.runner import TaskRunner
from petr_desktop.ui.pages.actions import OVERDUE_BRUSH, ActionsModel, ActionsPage
from petr_desktop.ui.widgets.tables import source_row

TODAY = date.today()


@pytest.fixture
def page(main_window) -> ActionsPage:
    return main_window.show_page(ActionsPage)


def shown(page: ActionsPage) -> list:
    """The rows in the order the view shows them."""
    view = page.view
    return [page.model.rows[source_row(view, view.model().index(r, 0))] for r in range(view.model().rowCount())]


def ids(rows) -> set[str]:
    return {r.id for r in rows}


def everything(db) -> list:
    return actions.board(db, BoardFilter(status="all"))


def choose(combo: QComboBox, data) -> None:
    """Pick an item of a combo box as a user does (the index change signals fire)."""
    position = combo.findData(data)
    assert position >= 0, data
    combo.setCurrentIndex(position)


def signed_open_action(db):
    return next(r for r in everything(db) if r.minutes_status == "signed" and r.status == "in_progress")


# --- the board ------------------------------------------------------------------------------

def test_board_shows_open_actions_with_their_meeting_and_a_count_line(page):
    db = page.db
    expected = [r for r in everything(db) if r.status in ("todo", "in_progress")]
    assert expected and ids(shown(page)) == ids(expected)
    headers = [page.view.model().headerData(c, Qt.Orientation.Horizontal) for c in range(7)]
    assert headers == ["Échéance", "Structure", "N°", "Action", "Responsable", "Statut", "Réunion du"]
    late = sum(r.overdue for r in expected)
    assert late > 0
    assert page.summary.text() == f"{len(expected)} actions, dont {late} en retard"
    first = page.view.model().index(0, 0)
    row = shown(page)[0]
    cells = [page.view.model().index(0, c).data() for c in range(7)]
    assert cells[0] == row.due_on.strftime("%d/%m/%Y") and cells[2] == f"A{row.number}"
    assert cells[5] in ("À faire", "En cours")
    assert cells[6] == row.meeting_date.strftime("%d/%m/%Y")
    assert row.meeting_title in page.view.model().index(0, 6).data(Qt.ItemDataRole.ToolTipRole)
    assert first.data(Qt.ItemDataRole.ToolTipRole).startswith("En retard de ")   # soonest first: late


def test_overdue_rows_are_red_with_a_marker_and_others_are_not(page):
    model = page.view.model()
    rows = shown(page)
    late = next(n for n, r in enumerate(rows) if r.overdue)
    on_time = next(n for n, r in enumerate(rows) if not r.overdue)
    for column in range(7):
        brush = model.index(late, column).data(Qt.ItemDataRole.ForegroundRole)
        assert brush is not None and brush.color() == OVERDUE_BRUSH.color()
        assert model.index(on_time, column).data(Qt.ItemDataRole.ForegroundRole) is None
    assert model.index(late, 0).data(Qt.ItemDataRole.DecorationRole) is not None
    assert model.index(on_time, 0).data(Qt.ItemDataRole.DecorationRole) is None
    days = (TODAY - rows[late].due_on).days
    assert model.index(late, 0).data(Qt.ItemDataRole.ToolTipRole).startswith(f"En retard de {days} jour")


def test_structure_filter_narrows_to_one_structure(page):
    choose(page.status_box, "all")
    name = "Pays de la Déodatie"
    assert page.structure_box.count() == 31 and page.structure_box.itemText(0) == "Toutes les structures"
    page.structure_box.setCurrentIndex(page.structure_box.findText(name))
    rows = shown(page)
    assert rows and {r.structure_name for r in rows} == {name}
    assert ids(rows) == {r.id for r in everything(page.db) if r.structure_name == name}


def test_owner_filter_typed_without_accents(page, qtbot):
    choose(page.status_box, "all")
    page.owner_box.lineEdit().setFocus()
    type_text(page.owner_box.lineEdit(), "elodie")
    expected = {r.id for r in everything(page.db) if "elodie" in fold_text(r.owner_name)}
    assert len(expected) >= 10
    qtbot.waitUntil(lambda: ids(shown(page)) == expected, timeout=3000)
    assert all(r.owner_name.startswith("Élodie") for r in shown(page))
    assert page.filter.owner == "elodie"


def test_owner_filter_offers_the_known_owners(page, qtbot):
    owners = [page.owner_box.itemText(i) for i in range(page.owner_box.count())]
    assert "Isabelle Kuntz" in owners and owners == sorted(owners, key=fold_text)
    page.owner_box.setCurrentIndex(owners.index("Isabelle Kuntz"))
    page.owner_box.activated.emit(owners.index("Isabelle Kuntz"))
    rows = shown(page)
    assert rows and {r.owner_name for r in rows} == {"Isabelle Kuntz"}


@pytest.mark.parametrize("status, allowed", [("open", {"todo", "in_progress"}), ("todo", {"todo"}),
                                             ("in_progress", {"in_progress"}), ("done", {"done"})])
def test_status_filter(page, status, allowed):
    choose(page.status_box, status)
    rows = shown(page)
    assert rows and {r.status for r in rows} == allowed
    assert ids(rows) == {r.id for r in everything(page.db) if r.status in allowed}


def test_status_filter_all_shows_every_action(page):
    choose(page.status_box, "all")
    assert page.view.model().rowCount() == len(everything(page.db)) > 400


def test_due_filter_overdue_only_keeps_late_open_actions(page):
    choose(page.due_box, "overdue")
    rows = shown(page)
    assert rows and all(r.overdue and r.due_on < TODAY for r in rows)
    assert page.summary.text() == f"{len(rows)} actions, dont {len(rows)} en retard"


@pytest.mark.parametrize("due", ["week", "month"])
def test_due_filter_this_week_and_this_month(page, due):
    choose(page.status_box, "all")
    choose(page.due_box, due)
    first, last = due_window(due, TODAY)
    expected = {r.id for r in everything(page.db) if r.due_on and first <= r.due_on <= last}
    assert ids(shown(page)) == expected


def test_due_filter_until_a_date(page):
    choose(page.status_box, "all")
    assert not page.until_edit.isEnabled()
    choose(page.due_box, "until")
    assert page.until_edit.isEnabled()
    page.until_edit.setDate(QDate(2025, 6, 30))
    rows = shown(page)
    assert rows and all(r.due_on <= date(2025, 6, 30) for r in rows)
    assert ids(rows) == {r.id for r in everything(page.db) if r.due_on and r.due_on <= date(2025, 6, 30)}


def test_filters_combine_and_reset(page):
    choose(page.status_box, "all")
    page.structure_box.setCurrentIndex(page.structure_box.findText("Pays de Langres"))
    choose(page.due_box, "overdue")
    rows = shown(page)
    assert rows and all(r.structure_name == "Pays de Langres" and r.overdue for r in rows)
    QTest.mouseClick(page.reset_button, Qt.MouseButton.LeftButton)
    assert page.filter == BoardFilter()
    assert page.structure_box.currentIndex() == 0 and page.due_box.currentData() == "all"
    assert page.status_box.currentData() == "open"
    assert len(shown(page)) == len(actions.board(page.db))


def test_no_match_says_so(page):
    type_text(page.owner_box.lineEdit(), "zzzz")
    QTest.keyClick(page.owner_box.lineEdit(), Qt.Key.Key_Return)
    assert page.view.model().rowCount() == 0
    assert page.summary.text() == "Aucune action ne correspond à ces filtres."


def test_sorting_by_columns(page):
    choose(page.status_box, "all")
    view = page.view
    view.sortByColumn(ActionsModel.DUE, Qt.SortOrder.DescendingOrder)
    dues = [r.due_on for r in shown(page)]
    assert dues == sorted(dues, reverse=True)            # by date, not by the dd/mm/yyyy text
    view.sortByColumn(ActionsModel.STRUCTURE, Qt.SortOrder.AscendingOrder)
    names = [r.structure_name for r in shown(page)]
    assert names.index("Pays de Châlons-en-Champagne") < names.index("Pays de Chaumont")   # French order
    view.sortByColumn(ActionsModel.STATUS, Qt.SortOrder.AscendingOrder)
    statuses = [r.status for r in shown(page)]
    order = ["todo", "in_progress", "done", "abandoned"]
    assert statuses == sorted(statuses, key=order.index)


# --- changing the status --------------------------------------------------------------------

def _status_index(page, action_id):
    source = page.model.index(page.model.position(action_id), ActionsModel.STATUS)
    return page.view.model().mapFromSource(source)


def test_inline_status_change_persists_even_on_signed_minutes(page, qtbot, main_window):
    db = page.db
    choose(page.status_box, "all")
    target = signed_open_action(db)
    index = _status_index(page, target.id)
    page.view.scrollTo(index)
    page.view.edit(index)
    editor = page.view.findChild(QComboBox, "status_editor")
    assert editor is not None and editor.currentData() == "in_progress"
    assert [editor.itemText(i) for i in range(editor.count())] == ["À faire", "En cours", "Fait", "Abandonnée"]
    editor.setCurrentIndex(editor.findData("done"))
    editor.activated.emit(editor.currentIndex())
    qtbot.waitUntil(lambda: page.model.rows[page.model.position(target.id)].status == "done", timeout=3000)
    stored = actions.board_row(db, target.id)
    assert stored.status == "done" and stored.done_on == TODAY
    assert records.get(db, Minutes, minutes.minutes_id(target.meeting_id)).status == "signed"
    assert minutes.verify_signature(db, minutes.minutes_id(target.meeting_id))
    assert _status_index(page, target.id).data() == "Fait"
    assert main_window.save_state.text().startswith("Enregistré à ")


def test_status_change_updates_the_count_and_the_red(page, qtbot):
    rows = shown(page)
    late = next(r for r in rows if r.overdue)
    before = sum(r.overdue for r in rows)
    page.change_status(late.id, "abandoned")
    assert page.summary.text() == f"{len(rows)} actions, dont {before - 1} en retard"   # stays until reload
    index = _status_index(page, late.id)
    assert index.data() == "Abandonnée"
    assert index.data(Qt.ItemDataRole.ForegroundRole).color() != OVERDUE_BRUSH.color()
    page.activate()
    assert late.id not in ids(shown(page))     # « Ouvertes » no longer includes it


def test_reopening_a_done_action_clears_its_completion_date(page):
    choose(page.status_box, "done")
    done = next(r for r in shown(page) if r.done_on)
    next(a for a in page.row_menu(done).actions() if a.text() == "Marquer « En cours »").trigger()
    stored = actions.board_row(page.db, done.id)
    assert stored.status == "in_progress" and stored.done_on is None
    assert _status_index(page, done.id).data() == "En cours"


def test_context_menu_marks_a_status_and_opens_the_meeting(page, qtbot):
    row = shown(page)[0]
    menu = page.row_menu(row)
    labels = [a.text() for a in menu.actions() if a.text()]
    assert labels == ["Ouvrir la réunion", "Marquer « À faire »", "Marquer « En cours »", "Marquer « Fait »",
                      "Marquer « Abandonnée »"]
    assert [a.isChecked() for a in menu.actions() if a.isCheckable()].count(True) == 1
    next(a for a in menu.actions() if a.text() == "Marquer « Fait »").trigger()
    assert actions.board_row(page.db, row.id).status == "done"
    with qtbot.waitSignal(page.context.bus.open_record, timeout=2000) as signal:
        menu.actions()[0].trigger()
    assert signal.args == ["meeting", row.meeting_id]


def test_the_board_reloads_when_data_changed_elsewhere(page):
    target = shown(page)[0]
    actions.set_status(page.db, target.id, "done")          # e.g. by a sync import
    page.context.bus.data_changed.emit()
    assert target.id not in ids(shown(page))


def test_a_bad_status_is_refused_in_french(demo_db):
    target = everything(demo_db)[0]
    with pytest.raises(InvalidValueError, match="statut d'action inconnu"):
        actions.set_status(demo_db, target.id, "finie")
    with pytest.raises(InvalidValueError, match="filtre de statut inconnu"):
        BoardFilter(status="finie")


# --- navigation -----------------------------------------------------------------------------

def _double_click(view, index) -> None:
    view.scrollTo(index)
    point: QPoint = view.visualRect(index).center()
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)


def test_double_click_opens_the_meeting_of_the_action(page, qtbot):
    row = shown(page)[3]
    with qtbot.waitSignal(page.context.bus.open_record, timeout=2000) as signal:
        _double_click(page.view, page.view.model().index(3, ActionsModel.TEXT))
    assert signal.args == ["meeting", row.meeting_id]
    meeting = records.get(page.db, Minutes, minutes.minutes_id(row.meeting_id))
    assert any(a.id == row.id for a in minutes.actions_of(page.db, meeting.id))


def test_double_click_on_the_status_edits_it_instead(page, qtbot):
    opened = []
    page.context.bus.open_record.connect(lambda kind, record_id: opened.append(kind))
    _double_click(page.view, page.view.model().index(0, ActionsModel.STATUS))
    qtbot.waitUntil(lambda: page.view.findChild(QComboBox, "status_editor") is not None, timeout=2000)
    assert opened == []


def test_open_record_selects_the_action_and_clears_the_filters_that_hide_it(main_window, page, qtbot):
    db = page.db
    page.structure_box.setCurrentIndex(page.structure_box.findText("Pays de Langres"))
    choose(page.status_box, "done")
    type_text(page.owner_box.lineEdit(), "Kuntz")
    QTest.keyClick(page.owner_box.lineEdit(), Qt.Key.Key_Return)
    target = next(r for r in actions.board(db, BoardFilter(owner="Kuntz"))
                  if r.structure_name != "Pays de Langres" and r.overdue)
    main_window.show_page(type(main_window.stack.widget(0)))   # somewhere else first
    main_window.context.bus.open_record.emit("action", target.id)
    assert main_window.stack.currentWidget() is page
    assert page.filter.structure_id == "" and page.filter.status == "all"
    assert page.filter.owner == "Kuntz"                      # this one did not hide it: kept
    assert page.structure_box.currentIndex() == 0 and page.status_box.currentData() == "all"
    assert page.selected_row().id == target.id
    rect = page.view.visualRect(page.view.currentIndex())
    assert page.view.viewport().rect().contains(rect.center())


def test_open_record_of_a_visible_action_keeps_the_filters(page):
    rows = shown(page)
    target = rows[len(rows) // 2]
    before = page.filter
    assert page.open_record("action", target.id)
    assert page.filter == before and page.selected_row().id == target.id


def test_open_record_of_a_deleted_action_says_so(page, monkeypatch):
    target = next(r for r in shown(page) if r.minutes_status != "signed")
    records.delete(page.db, Action, target.id)
    said = []
    monkeypatch.setattr("petr_desktop.ui.pages.actions.QMessageBox.information",
                        lambda parent, title, text: said.append(text))
    assert page.open_record("action", target.id)
    assert said == ["Cette action n'existe plus."]
    assert not page.open_record("meeting", target.meeting_id)


# --- persistence and loading -----------------------------------------------------------------

def test_filters_are_restored_from_settings(page, qtbot, demo_db, make_context):
    page.structure_box.setCurrentIndex(page.structure_box.findText("Pays de Verdun"))
    structure_id = page.structure_box.currentData()
    choose(page.status_box, "all")
    type_text(page.owner_box.lineEdit(), "Thiébaut")
    QTest.keyClick(page.owner_box.lineEdit(), Qt.Key.Key_Return)
    choose(page.due_box, "until")
    page.until_edit.setDate(QDate(2026, 6, 30))
    page.context.settings.sync()

    again = ActionsPage(make_context(demo_db))
    qtbot.addWidget(again)
    again.activate()
    assert again.filter == BoardFilter(structure_id, "Thiébaut", "all", "until", date(2026, 6, 30))
    assert again.structure_box.currentText() == "Pays de Verdun"
    assert again.owner_box.currentText() == "Thiébaut"
    assert again.status_box.currentData() == "all" and again.due_box.currentData() == "until"
    assert again.until_edit.date() == QDate(2026, 6, 30) and again.until_edit.isEnabled()
    rows = shown(again)
    assert rows and ids(rows) == ids(actions.board(demo_db, again.filter))
    assert all(r.structure_name == "Pays de Verdun" and "Thiébaut" in r.owner_name for r in rows)


def test_bad_settings_fall_back_to_the_defaults(demo_db, make_context, qtbot):
    context = make_context(demo_db)
    for key, value in {"status": "n'importe", "due": "demain", "due_until": "32/13/2026",
                       "structure": "disparue"}.items():
        context.settings.setValue(f"actions/{key}", value)
    page = ActionsPage(context)
    qtbot.addWidget(page)
    page.activate()
    assert page.filter == BoardFilter()
    assert len(shown(page)) == len(actions.board(demo_db))


def test_loading_runs_in_the_background_and_keeps_the_latest_filter(demo_db, make_context, qtbot):
    context = replace(make_context(demo_db), tasks=TaskRunner())       # a real thread pool
    page = ActionsPage(context)
    qtbot.addWidget(page)
    page.activate()
    assert page.model.rows == []                                         # not loaded on the GUI thread
    choose(page.status_box, "done")
    choose(page.due_box, "overdue")                                       # done ones are never late
    choose(page.due_box, "month")
    expected = ids(actions.board(demo_db, page.filter))
    qtbot.waitUntil(lambda: page._shown_generation == page._generation, timeout=5000)
    qtbot.waitUntil(lambda: page.structure_box.count() == 31, timeout=5000)
    assert ids(page.model.rows) == expected


# --- the service's pure parts ---------------------------------------------------------------

def test_due_window_and_revealing():
    wednesday = date(2026, 11, 25)
    assert due_window("week", wednesday) == (date(2026, 11, 23), date(2026, 11, 29))
    assert due_window("month", date(2026, 2, 10)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert due_window("until", wednesday, date(2027, 1, 1)) == (None, date(2027, 1, 1))
    row = actions.BoardRow("a", 2, "Envoyer", "s1", "Pays", "Élodie Klein", "", wednesday - timedelta(days=3),
                           "todo", None, "m", "management_dialogue", "DG", date(2026, 3, 1), "signed", True)
    assert BoardFilter(owner="ELODIE", due="overdue").matches(row, wednesday)
    hiding = BoardFilter(structure_id="s2", owner="klein", status="done", due="month")
    assert hiding.revealing(row, wednesday) == BoardFilter(owner="klein", status="all", due="month")
    assert BoardFilter(due="until", due_until=date(2026, 1, 1)).revealing(row, wednesday).due == "all"
    assert row.label == "A2" and row.meeting_label == "01/03/2026" and row.days_late(wednesday) == 3
    network = replace(row, meeting_kind="directors_network")
    assert network.meeting_label == "01/03/2026 — Réseau des directeurs"
