"""The main window: navigation, structures, global search, status bar, start-up."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from conftest import type_text
from petr_desktop.domain.models import Person
from petr_desktop.services import records
from petr_desktop.ui.dialogs.search_dialog import SearchDialog
from petr_desktop.ui.main_window import PAGES, MainWindow
from petr_desktop.ui.pages.structures import StructuresPage


def _cell(view, row: int, column: int) -> str:
    return view.model().index(row, column).data()


def test_side_navigation_lists_every_page(main_window, qtbot):
    titles = [main_window.nav.item(i).text() for i in range(main_window.nav.count())]
    assert titles == ["Tableau de bord", "Structures", "Réunions", "Actions", "Fiches", "Instruction",
                      "Bonnes pratiques", "Synchronisation", "Paramètres"]
    for number, entry in enumerate(PAGES, start=1):
        qtbot.keyClick(main_window, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier)
        assert type(main_window.stack.currentWidget()).__name__ == entry.class_name
        assert main_window.stack.currentWidget() is main_window.page(entry.class_name)


def test_pages_are_built_when_first_shown(main_window):
    """Start-up builds only the page on screen; the others are imported and built on demand."""
    assert set(main_window.pages) == {"DashboardPage"}
    first = main_window.show_page("StructuresPage")
    assert set(main_window.pages) == {"DashboardPage", "StructuresPage"}
    assert main_window.show_page(StructuresPage) is first        # built once


def test_structures_page_lists_the_thirty_with_department_and_office(main_window):
    page = main_window.show_page(StructuresPage)
    view = page.view
    assert view.model().rowCount() == 30
    headers = [view.model().headerData(c, Qt.Orientation.Horizontal) for c in range(view.model().columnCount())]
    assert headers == ["Structure", "Forme juridique", "Siège", "Départements", "Maison de Région", "À vérifier"]
    rows = {_cell(view, r, 0): (_cell(view, r, 3), _cell(view, r, 4)) for r in range(30)}
    assert rows["Pays de la Déodatie"] == ("88", "Épinal")
    names = [_cell(view, r, 0) for r in range(30)]
    assert names.index("Pays de Châlons-en-Champagne") < names.index("Pays de Chaumont")   # French order


def test_flagged_cells_are_highlighted(main_window):
    model = main_window.show_page(StructuresPage).model
    row = next(i for i, r in enumerate(model.rows) if r.name == "Bruche-Mossig")
    assert model.index(row, 2).data(Qt.ItemDataRole.BackgroundRole) is not None     # siège à vérifier
    assert model.index(row, 0).data(Qt.ItemDataRole.BackgroundRole) is None


def _search(main_window, qtbot, text):
    dialog = SearchDialog(main_window.context, main_window)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(dialog.box, text)
    qtbot.waitUntil(lambda: bool(dialog.label.text()), timeout=2000)
    return dialog


def test_global_search_finds_and_opens_a_structure(main_window, qtbot):
    dialog = _search(main_window, qtbot, "Déodatie")
    assert dialog.results.rows[0].kind == "structure"
    qtbot.keyClick(dialog.box, Qt.Key.Key_Return)
    page = main_window.stack.currentWidget()
    assert isinstance(page, StructuresPage)
    assert [i.data() for i in page.view.selectionModel().selectedRows()] == ["Pays de la Déodatie"]


def test_global_search_accents_and_no_result(main_window, qtbot):
    dialog = _search(main_window, qtbot, "réfaction")
    hit = dialog.results.rows[0]
    assert "réfaction" in hit.excerpt and hit.context.startswith("Dialogue de gestion")
    dialog.box.clear()
    type_text(dialog.box, "zzzzqx")
    qtbot.waitUntil(lambda: dialog.label.text() == "Aucun résultat pour « zzzzqx »", timeout=2000)


def test_ctrl_k_opens_the_search(main_window, qtbot):
    seen = []

    def close_dialog():
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, SearchDialog) and w.isVisible()]
        seen.extend(dialogs)
        for d in dialogs:
            d.reject()

    QTimer.singleShot(100, close_dialog)
    qtbot.keyClick(main_window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert len(seen) == 1 and seen[0].focusWidget() is seen[0].box


def test_status_bar_shows_save_time_and_unsynced_changes(main_window, qtbot):
    before = main_window.unsynced.text()
    records.create(main_window.context.db, Person, full_name="Nouvelle personne")
    main_window.context.notify_saved()
    assert main_window.save_state.text().startswith("Enregistré à ")
    qtbot.waitUntil(lambda: main_window.unsynced.text() != before, timeout=2000)
    assert "non synchronisée" in main_window.unsynced.text()


def test_window_state_is_remembered(main_window, qtbot, make_context):
    main_window.nav.setCurrentRow(3)
    main_window.close()
    again = MainWindow(main_window.context)
    qtbot.addWidget(again)
    assert again.nav.currentRow() == 3


def test_application_starts_on_the_user_database_in_french(isolated_home):
    """Start-up as `make run` does it, in a real process: home folder, database with the
    reference data, French translators, the main window with its seven pages."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    helper = Path(__file__).parent / "helpers" / "start_app.py"
    result = subprocess.run([sys.executable, str(helper)], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, PETR_DESKTOP_HOME=str(isolated_home), QT_QPA_PLATFORM="offscreen"))
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown == {"pages": 9, "title": "Carnet PETR — Ingénierie territoriale des Pays/PETR",
                     "cancel": "Annuler", "structures": 30}
    assert (isolated_home / "carnet-petr.sqlite").exists()
    assert (isolated_home / "logs" / "carnet-petr.log").read_text("utf-8").count("starting") == 1
    assert not (isolated_home / "carnet-petr.lock").exists()          # released on exit


@pytest.mark.parametrize("entry", PAGES, ids=lambda entry: entry.class_name)
def test_every_page_renders(main_window, entry, tmp_path):
    page = main_window.show_page(entry.load())
    assert main_window.stack.currentWidget() is page
    assert main_window.grab().save(str(tmp_path / f"{entry.class_name}.png"))


def test_at_start_up_the_first_page_reads_once_the_window_has_painted(db, make_context, qtbot, monkeypatch):
    """Its reads run on a worker: started before the first paint, they would slow the paint down."""
    from petr_desktop.ui.pages.dashboard import DashboardPage

    activated = []
    monkeypatch.setattr(DashboardPage, "activate", lambda page: activated.append(page))
    window = MainWindow(make_context(db), activate_after_paint=True)
    qtbot.addWidget(window)
    assert activated == []
    window.show()
    qtbot.waitUntil(lambda: activated == [window.page(DashboardPage)], timeout=2000)
    window.show_page(StructuresPage)
    window.show_page(DashboardPage)
    assert len(activated) == 2                                   # later visits activate at once
