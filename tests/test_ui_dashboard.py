"""The Tableau de bord page: today's follow-up kept, the year selector reloading the table, the grid
and the charts, grid colours, double-clicks opening the dossier or the sheet, and its exports."""
from __future__ import annotations

import zipfile
from datetime import date

import pytest
from PySide6.QtCore import Qt

from petr_desktop.domain.values import format_amount, format_date
from petr_desktop.services import dashboard
from petr_desktop.services.reference import structure_id
from petr_desktop.storage.database import raw_connection
from petr_desktop.ui.pages.dashboard import STATUS_COLOURS, DashboardPage
from petr_desktop.ui.pages.sheets import SheetsPage
from petr_desktop.ui.pages.structures import StructuresPage

LANGRES = structure_id("Pays de Langres")


@pytest.fixture
def page(qtbot, demo_db, make_context):
    widget = DashboardPage(make_context(demo_db))
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activate()
    return widget


def _choose_year(page, year: int) -> None:
    page.year_box.setCurrentIndex(page.year_box.findData(year))


def _double_click(qtbot, view, row: int, column: int) -> None:
    index = view.model().index(row, column)
    view.scrollTo(index)
    point = view.visualRect(index).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_today_is_still_there(page):
    assert page.heading.text() == f"Tableau de bord — {format_date(date.today())}"
    assert "relevé(s) à valider" in page.figures.text() and "transmise par le PETR" not in page.figures.text()
    assert page.upcoming.rows and page.overdue.rows
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == ["À suivre", "Par structure",
                                                                         "Fiches évaluatives", "Graphiques"]
    page.tabs.setCurrentIndex(0)
    assert page.year_panel.isHidden()
    page.tabs.setCurrentIndex(1)
    assert not page.year_panel.isHidden() and page.stack.currentWidget() is page.structure_view
    assert page.context.settings.value("dashboard/tab") in (1, "1")


def test_year_change_reloads_table_grid_figures_and_charts(page, demo_db):
    assert [page.year_box.itemData(i) for i in range(page.year_box.count())][:3] == [2027, 2026, 2025]
    assert page.selected_year() == date.today().year
    _choose_year(page, 2026)
    expected = dashboard.year_dashboard(demo_db, 2026)
    assert page.year_data.year == 2026 and len(page.structure_model.rows) == 30
    assert page.key_figures["voted"].value.text() == format_amount(expected.total("voted_cents"))
    assert page.key_figures["sheets"].value.text() == "0 / 90"
    assert "50" in page.key_figures["paid"].caption.text()
    assert page.grid_model.index(0, 1).data() == "Examinée en dialogue"
    assert page.legend_labels["reviewed_in_dialogue"].text() == "Examinée en dialogue : 90"
    _choose_year(page, 2025)
    assert page.year_data.year == 2025
    assert page.key_figures["sheets"].value.text() == "90 / 90"
    assert page.grid_model.index(0, 1).data() == "Validée (pièce pour solde)"
    assert page.legend_labels["validated"].text() == "Validée (pièce pour solde) : 90"
    assert page.money_chart.title.startswith("Montants 2025") and len(page.money_chart.categories) == 30
    assert page.sheets_chart.categories == ["Validée (pièce pour solde)"]
    assert page.context.settings.value("dashboard/year") in (2025, "2025")
    row = next(r for r in page.structure_model.rows if r.structure_id == LANGRES)
    assert row.voted_cents == next(r for r in dashboard.year_dashboard(demo_db, 2025).rows
                                   if r.structure_id == LANGRES).voted_cents
    # A slower answer for a year no longer selected is dropped.
    page._year_loaded(dashboard.year_dashboard(demo_db, 2026))
    assert page.year_data.year == 2025
    # Shown again, the page keeps the chosen year.
    page.activate()
    assert page.selected_year() == 2025 and page.year_data.year == 2025


def test_numbers_sort_as_numbers(page):
    _choose_year(page, 2026)
    view = page.structure_view
    view.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    proxy = view.model()
    voted = [page.structure_model.rows[proxy.mapToSource(proxy.index(r, 0)).row()].voted_cents
             for r in range(proxy.rowCount())]
    assert voted == sorted(voted, reverse=True)


def test_grid_colours_follow_the_statuses(page, demo_db):
    with demo_db.unit_of_work() as session:
        raw_connection(session).execute("UPDATE evaluation_sheet SET status = 'validated' WHERE structure_id = ? "
                                         "AND year = 2026 AND kind = 'thematic'", (LANGRES,))
    page.activate()
    _choose_year(page, 2026)
    row = next(i for i, r in enumerate(page.grid_model.rows) if r.structure_id == LANGRES)
    model = page.grid_model
    background = model.index(row, 2).data(Qt.ItemDataRole.BackgroundRole).color().name()
    assert background == STATUS_COLOURS["validated"][0].lower()
    assert model.index(row, 2).data(Qt.ItemDataRole.ForegroundRole).color().name() == "#ffffff"
    assert model.index(row, 1).data(Qt.ItemDataRole.BackgroundRole).color().name() == \
        STATUS_COLOURS["reviewed_in_dialogue"][0].lower()
    assert model.index(row, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert page.legend_labels["validated"].text() == "Validée (pièce pour solde) : 1"
    assert STATUS_COLOURS["validated"][0].lower() in page.legend_labels["validated"].styleSheet().lower()


def test_double_clicks_open_the_dossier_and_the_sheet(qtbot, main_window):
    page = main_window.show_page(DashboardPage)
    page.tabs.setCurrentIndex(1)
    _choose_year(page, 2026)
    row = next(i for i, r in enumerate(page.structure_model.rows) if r.structure_id == LANGRES)
    _double_click(qtbot, page.structure_view, row, 0)        # the view is sorted by name: same order
    structures = main_window.page(StructuresPage)
    assert main_window.stack.currentWidget() is structures
    assert structures.dossier.title.text() == "Pays de Langres"

    page = main_window.show_page(DashboardPage)
    page.tabs.setCurrentIndex(2)
    row = next(i for i, r in enumerate(page.grid_model.rows) if r.structure_id == LANGRES)
    _double_click(qtbot, page.grid_view, row, 3)
    sheets_page = main_window.page(SheetsPage)
    assert main_window.stack.currentWidget() is sheets_page
    assert sheets_page.editor.sheet.id == page.grid_model.rows[row].sheets["collective"].id

    page = main_window.show_page(DashboardPage)
    page.tabs.setCurrentIndex(2)
    emitted = []
    page.context.bus.open_record.connect(lambda kind, rid: emitted.append((kind, rid)))
    _double_click(qtbot, page.grid_view, row, 0)
    assert emitted[-1] == ("structure", LANGRES)


def test_page_exports_write_the_three_files(page, tmp_path):
    _choose_year(page, 2025)
    menu = page.export_button.menu()
    labels = [a.text() for a in menu.actions()]
    assert labels == ["Tableau de bord (PDF)…", "Tableau de bord (Excel)…",
                      "Support de présentation pour la Commission (PowerPoint)…"]
    written = {}
    for action, name in zip(menu.actions(), ("t.pdf", "t.xlsx", "t.pptx")):
        asked = []
        page.exporter.ask_path = lambda title, suggested, file_filter, n=name: asked.append(suggested) or tmp_path / n
        action.trigger()
        written[name] = (tmp_path / name).read_bytes()
        assert "2025" in asked[0]
    assert written["t.pdf"].startswith(b"%PDF") and b"dashboard:2025" in written["t.pdf"]
    for name in ("t.xlsx", "t.pptx"):
        assert zipfile.is_zipfile(tmp_path / name)
    assert "ppt/slides/slide6.xml" in zipfile.ZipFile(tmp_path / "t.pptx").namelist()


def test_global_menu_has_the_dashboard_of_this_year_and_last(main_window, tmp_path):
    [submenu] = [a.menu() for a in main_window.export_menu.actions() if a.menu()]
    year = date.today().year
    labels = [a.text() for a in submenu.actions() if not a.isSeparator()]
    assert labels == [f"Tableau de bord {y} (PDF)…" if k == 0 else
                      f"Tableau de bord {y} (Excel)…" if k == 1 else
                      f"Support de présentation {y} pour la Commission (PowerPoint)…"
                      for y in (year, year - 1) for k in range(3)]
    target = tmp_path / "support.pptx"
    main_window.exporter.ask_path = lambda title, suggested, file_filter: target
    next(a for a in submenu.actions() if a.text().startswith("Support de présentation")).trigger()
    assert zipfile.is_zipfile(target)
