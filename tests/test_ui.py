"""The first main window, driven through its widgets."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from conftest import type_text
from petr_desktop.ui.main_window import MainWindow

@pytest.fixture
def window(qtbot, demo_db):
    win = MainWindow(demo_db)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def _cell(view, row: int, column: int) -> str:
    return view.model().index(row, column).data()


def test_lists_the_thirty_structures_with_department_and_office(window):
    view = window.structures_view
    assert view.model().rowCount() == 30
    headers = [view.model().headerData(c, Qt.Orientation.Horizontal) for c in range(view.model().columnCount())]
    assert headers == ["Structure", "Forme juridique", "Siège", "Départements", "Maison de Région", "À vérifier"]
    rows = {_cell(view, r, 0): (_cell(view, r, 3), _cell(view, r, 4)) for r in range(30)}
    assert rows["Pays de la Déodatie"] == ("88", "Épinal")
    assert "30 structures" in window.statusBar().currentMessage()


def test_french_sort_order_ignores_accents(window):
    names = [_cell(window.structures_view, r, 0) for r in range(30)]
    assert names.index("Pays de Châlons-en-Champagne") < names.index("Pays de Chaumont")
    assert names.index("Sélestat Alsace Centrale") > names.index("Saverne Plaine et Plateau")


def test_flagged_cells_are_highlighted(window):
    model = window.structures
    row = next(i for i, r in enumerate(model.rows) if r.name == "Bruche-Mossig")
    assert model.index(row, 2).data(Qt.ItemDataRole.BackgroundRole) is not None     # siège à vérifier
    assert model.index(row, 0).data(Qt.ItemDataRole.BackgroundRole) is None


def test_search_box_finds_across_the_data(window, qtbot, tmp_path):
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.search_box.hasFocus()
    type_text(window.search_box, "réfaction")
    qtbot.waitUntil(lambda: window.results.rowCount() > 0, timeout=2000)
    assert window.results_box.isVisible()
    hit = window.results.rows[0]
    assert "réfaction" in hit.excerpt and hit.context.startswith("Dialogue de gestion")
    assert "résultats pour « réfaction »" in window.results_label.text()
    assert window.grab().save(str(tmp_path / "recherche.png"))


def test_no_result_and_clearing(window, qtbot):
    type_text(window.search_box, "zzzzqx")
    qtbot.waitUntil(lambda: window.results_box.isVisible(), timeout=2000)
    assert window.results.rowCount() == 0
    assert window.results_label.text() == "Aucun résultat pour « zzzzqx »"
    window.search_box.clear()
    qtbot.waitUntil(lambda: not window.results_box.isVisible(), timeout=2000)


def test_opening_a_structure_hit_selects_it(window, qtbot):
    type_text(window.search_box, "Déodatie")
    qtbot.waitUntil(lambda: window.results.rowCount() > 0, timeout=2000)
    row = next(i for i, h in enumerate(window.results.rows) if h.kind == "structure")
    window.results_view.doubleClicked.emit(window.results.index(row, 0))
    selected = window.structures_view.selectionModel().selectedRows()
    assert [index.data() for index in selected] == ["Pays de la Déodatie"]


def test_application_starts_on_the_user_database_in_french(qtbot, qapp, isolated_home):
    """Start-up as `make run` does it: home folder, database, reference data, translators."""
    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QApplication

    from petr_desktop.services.structures import list_structures
    from petr_desktop.storage.migrations import open_database
    from petr_desktop.ui.application import run_gui

    seen = {}

    def inspect_then_quit():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        seen["rows"] = windows[0].structures.rowCount() if windows else 0
        seen["cancel"] = QCoreApplication.translate("QPlatformTheme", "Cancel")
        for w in windows:
            w.close()
        qapp.quit()

    QTimer.singleShot(300, inspect_then_quit)
    code = run_gui(isolated_home / "carnet-petr.sqlite", isolated_home, ["petr-desktop"])
    assert code == 0
    assert seen == {"rows": 30, "cancel": "Annuler"}
    assert len(list_structures(open_database(isolated_home / "carnet-petr.sqlite"))) == 30
