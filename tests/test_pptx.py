"""The « support de présentation » for the Commission: the deck is reopened with python-pptx (slides,
French titles, the 30 × 3 grid and its colours, native charts and their data) and, when LibreOffice
Impress is installed, converted to PDF and read back."""
from __future__ import annotations

import io
import shutil
import subprocess
import sys
from datetime import date

import pytest

pptx = pytest.importorskip("pptx")

from pptx.enum.chart import XL_CHART_TYPE  # noqa: E402
from pptx.enum.lang import MSO_LANGUAGE_ID  # noqa: E402
from pptx.util import Inches  # noqa: E402

from petr_desktop.domain.enums import SheetKind  # noqa: E402
from petr_desktop.domain.values import format_date  # noqa: E402
from petr_desktop.exports.pptx import euros, render  # noqa: E402
from petr_desktop.services import dashboard, exports  # noqa: E402
from petr_desktop.services.errors import NotFoundError  # noqa: E402
from petr_desktop.services.reference import structure_id  # noqa: E402
from petr_desktop.storage.database import raw_connection  # noqa: E402

TODAY = date.today()
TITLES = ["Pays/PETR — bilan 2026", "Chiffres clés 2026", "Fiches évaluatives 2026\u00a0: état par structure",
          "Montants votés et versés par structure (k€)", "Fiches évaluatives 2026 par statut",
          "Dialogues de gestion 2026\u00a0: tenus et programmés"]


@pytest.fixture(scope="module")
def deck_and_doc(tmp_path_factory, demo_template):
    """One deck of 2026 (one sheet validated, one never opened), built once for the module."""
    import shutil as sh

    from petr_desktop.storage.migrations import open_database

    path = tmp_path_factory.mktemp("pptx") / "demo.sqlite"
    sh.copy(demo_template, path)
    db = open_database(path)
    with db.unit_of_work() as session:
        conn = raw_connection(session)
        conn.execute("UPDATE evaluation_sheet SET status = 'validated' WHERE structure_id = ? AND year = 2026 "
                     "AND kind = 'thematic'", (structure_id("Pays de Langres"),))
        conn.execute("UPDATE evaluation_sheet SET deleted = 1 WHERE structure_id = ? AND year = 2026 "
                     "AND kind = 'collective'", (structure_id("Pays Vitryat"),))
    doc = dashboard.year_dashboard(db, 2026)
    target = path.parent / "support.pptx"
    result = exports.export_presentation(db, 2026, target)
    db.close()
    return pptx.Presentation(io.BytesIO(result.path.read_bytes())), doc, result.path


def _texts(slide) -> str:
    return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def test_deck_structure_and_french_titles(deck_and_doc):
    deck, doc, _path = deck_and_doc
    assert (deck.slide_width, deck.slide_height) == (Inches(13.333), Inches(7.5))
    assert abs(deck.slide_width / deck.slide_height - 16 / 9) < 0.001
    assert [slide.shapes.title.text for slide in deck.slides] == TITLES
    cover = _texts(deck.slides[0])
    assert format_date(TODAY) in cover and "8ᵉ Commission «\u00a0Territoires\u00a0»" in cover
    assert "Région Grand Est" in cover
    for number, slide in enumerate(deck.slides, start=1):
        if number > 1:
            assert f"{number} / 6" in _texts(slide)
            assert f"Carnet PETR — Région Grand Est — {format_date(TODAY)}" in _texts(slide)
    properties = deck.core_properties
    assert properties.title == "Pays/PETR — bilan 2026" and properties.author == "Carnet PETR"
    assert properties.language == "fr-FR"
    languages = {run.font.language_id for slide in deck.slides for shape in slide.shapes if shape.has_text_frame
                 for paragraph in shape.text_frame.paragraphs for run in paragraph.runs}
    assert languages == {MSO_LANGUAGE_ID.FRENCH}
    for shape in deck.slides[2].shapes:      # nothing spills off the slide
        assert shape.left + shape.width <= deck.slide_width and shape.top + shape.height <= deck.slide_height


def test_key_figures(deck_and_doc):
    deck, doc, _path = deck_and_doc
    text = _texts(deck.slides[1])
    for value in ("30", f"{doc.total('dialogues_held')} / {doc.total('dialogues_planned')}",
                  f"{doc.sheets_validated} / 90", euros(doc.total("voted_cents")), euros(doc.total("paid_cents")),
                  euros(doc.total("remaining_cents")), str(doc.total("overdue_actions"))):
        assert value in text, value
    assert "structures suivies" in text and f"actions en retard au {format_date(TODAY)}" in text
    assert doc.sheets_validated == 1
    assert "€" in euros(123_456) and ",00" not in euros(2_185_000_00)
    notes = deck.slides[1].notes_slide.notes_text_frame.text
    assert "dialogues de gestion tenus" in notes


def test_grid_table_coloured_by_status(deck_and_doc):
    deck, doc, _path = deck_and_doc
    [frame] = [shape for shape in deck.slides[2].shapes if shape.has_table]
    table = frame.table
    assert (len(table.rows), len(table.columns)) == (31, 4)
    assert [table.cell(0, c).text for c in range(4)] == ["Structure", "Missions socle", "Thématique",
                                                         "Chantier collectif"]
    assert [table.cell(r, 0).text for r in range(1, 31)] == [row.name for row in doc.rows]
    names = {table.cell(r, 0).text: r for r in range(1, 31)}
    langres, vitryat = names["Pays de Langres"], names["Pays Vitryat"]
    assert table.cell(langres, 2).text == "Validée (pièce pour solde)"
    assert str(table.cell(langres, 2).fill.fore_color.rgb) == "1E7B45"
    assert table.cell(langres, 1).text == "Examinée en dialogue"
    assert str(table.cell(langres, 1).fill.fore_color.rgb) == "8FB8DE"
    assert table.cell(vitryat, 3).text == "Non ouverte"
    assert str(table.cell(vitryat, 3).fill.fore_color.rgb) == "D9DEE4"
    legend = _texts(deck.slides[2])
    assert "Légende" in legend and "Examinée en dialogue (88)" in legend and "Non ouverte (1)" in legend
    assert sum(frame.table.rows[r].height for r in range(31)) <= deck.slide_height - frame.top


def test_native_charts(deck_and_doc):
    deck, doc, _path = deck_and_doc
    charts = [shape.chart for slide in deck.slides for shape in slide.shapes if shape.has_chart]
    assert [c.chart_type for c in charts] == [XL_CHART_TYPE.BAR_CLUSTERED, XL_CHART_TYPE.COLUMN_STACKED,
                                              XL_CHART_TYPE.BAR_CLUSTERED]
    assert all(len([s for s in slide.shapes if s.has_chart]) <= 1 for slide in deck.slides)
    money, sheets, dialogues = charts
    names = [row.name for row in doc.rows]
    assert list(money.plots[0].categories) == names[::-1]             # drawn bottom-up: read top-down
    series = {s.name: list(s.values) for s in money.plots[0].series}
    assert series["Voté"] == [r.voted_cents / 100_000 for r in doc.rows][::-1]
    assert series["Versé"] == [r.paid_cents / 100_000 for r in doc.rows][::-1]
    assert money.has_legend
    assert list(sheets.plots[0].categories) == [k.label for k in SheetKind]
    stacked = {s.name: list(s.values) for s in sheets.plots[0].series}
    assert stacked["Examinée en dialogue"] == [30, 29, 29]
    assert stacked["Validée (pièce pour solde)"] == [0, 1, 0] and stacked["Non ouverte"] == [0, 0, 1]
    assert "Brouillon" not in stacked                                    # no empty series
    held = {s.name: list(s.values) for s in dialogues.plots[0].series}
    assert held["Tenus"] == [r.dialogues_held for r in doc.rows][::-1]
    assert held["Programmés"] == [r.dialogues_planned for r in doc.rows][::-1]


def test_an_empty_year_still_makes_a_deck(demo_db, empty_db, tmp_path):
    deck = pptx.Presentation(io.BytesIO(render(dashboard.year_dashboard(demo_db, 2030))))
    assert len(deck.slides) == 6 and deck.slides[0].shapes.title.text == "Pays/PETR — bilan 2030"
    assert "0 / 90" in _texts(deck.slides[1])
    with pytest.raises(NotFoundError, match="aucune structure active"):
        exports.export_presentation(empty_db, 2026, tmp_path / "vide.pptx")
    assert not (tmp_path / "vide.pptx").exists()


def test_libreoffice_impress_opens_it(deck_and_doc, tmp_path):
    _deck, doc, path = deck_and_doc
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice absent")
    result = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
                             "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                            capture_output=True, timeout=120)
    pdf = tmp_path / "support.pdf"
    if not pdf.exists():
        pytest.skip("LibreOffice Impress absent (apt-get install libreoffice-impress) : "
                    + result.stderr.decode(errors="replace")[-200:])
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           6" in info
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True).stdout
    text = text.decode()
    for title in ("Pays/PETR — bilan 2026", "Chiffres clés 2026", "état par structure", "Légende",
                  "Montants votés et versés par structure (k€)", "Pays de Langres", "Validée (pièce pour solde)"):
        assert title in text, title


def test_python_pptx_is_imported_only_when_exporting():
    code = ("import sys, petr_desktop.app, petr_desktop.cli, petr_desktop.exports.pptx, "
            "petr_desktop.services.exports, petr_desktop.ui.main_window; "
            "print(sorted(m for m in ('pptx', 'reportlab', 'openpyxl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
