"""« Suivi financier {année} »: the PDF (read back with pdftotext) and the workbook (openpyxl, and
LibreOffice headless) carry the numbers of ``services.money`` and ``services.instruction``; a balance
waiting for its sheet says « bloqué »; the entry point refuses other formats in French; the button of
the « Versements » tab exports through the page's exporter."""
from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from petr_desktop.domain.values import format_amount, format_date
from petr_desktop.services import exports, instruction, money
from petr_desktop.services.errors import InvalidValueError

YEAR = 2026


@pytest.fixture
def planned(demo_db):
    """Two conventions of 2026 with their balances planned (blocked: the sheets are not validated)."""
    agreements = money.payments_overview(demo_db, YEAR)[:2]
    for agreement in agreements:
        money.plan_payments(demo_db, agreement.id)
    return demo_db


def _text(path: Path, layout: bool = False) -> str:
    args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, check=True).stdout.decode()


def test_pdf(planned, tmp_path):
    result = exports.export_finance(planned, YEAR, tmp_path / "suivi.pdf")
    text = _text(result.path)
    overview = money.payments_overview(planned, YEAR)
    assert f"Suivi financier {YEAR} — Pays / PETR" in text
    for heading in ("Chiffres clés", "Versements par structure et ligne d'aide", f"Demandes d'aide {YEAR}",
                    "Reste à verser", "Socle forfaitaire", "Thématique", "Chantier collectif", "Avance", "Solde"):
        assert heading in text, heading
    voted = sum(a.voted_cents for a in overview)
    paid = sum(a.paid_cents for a in overview)
    for cents in (voted, paid, voted - paid):
        assert format_amount(cents) in text
    for agreement in overview:
        assert agreement.structure_name in text
        assert format_amount(agreement.voted_cents) in text and format_amount(agreement.remaining_cents) in text
    first = overview[0]
    balance = next(p for p in first.global_payments if p.kind == "balance")
    assert balance.blocker and format_amount(balance.amount_cents) in text
    assert "bloqué : fiche « Missions socle » est « Examinée en dialogue »" in " ".join(text.split())
    advance = next(p for p in first.global_payments if p.kind == "advance")
    assert f"Versé le {format_date(advance.paid_on)}" in " ".join(text.split())
    applications = instruction.list_applications(planned, YEAR)
    assert format_amount(sum(a.requested_cents for a in applications)) in text
    assert applications[0].status_label in text and format_date(applications[0].received_on) in text
    assert f"données au {format_date(date.today())}" in text
    pages = subprocess.run(["pdfinfo", str(result.path)], capture_output=True, check=True).stdout.decode()
    assert "841.89 x 595.276 pts (A4)" in pages


def test_workbook(planned, tmp_path):
    result = exports.export_finance(planned, YEAR, tmp_path / "suivi.xlsx")
    book = load_workbook(io.BytesIO(result.path.read_bytes()))
    assert book.sheetnames == [f"Versements {YEAR}", f"Par structure {YEAR}", f"Demandes {YEAR}"]
    overview = money.payments_overview(planned, YEAR)

    lines = book[f"Versements {YEAR}"]
    headers = [lines.cell(4, c).value for c in range(1, 14)]
    assert headers == ["Structure", "N° de convention", "Ligne d'aide", "Voté", "Avance", "Statut de l'avance",
                       "Avance versée le / échéance", "Solde", "Statut du solde", "Solde versé le / échéance",
                       "Blocage du solde", "Versé", "Reste à verser"]
    assert lines.freeze_panes == "B5"
    data = [[c.value for c in row] for row in lines.iter_rows(min_row=5, max_row=lines.max_row - 1)]
    for agreement in overview:
        mine = [r for r in data if r[0] == agreement.structure_name]
        assert sum(r[3] or 0 for r in mine) == agreement.voted_cents / 100
        assert sum(r[11] or 0 for r in mine) == agreement.paid_cents / 100
        assert sum(r[12] or 0 for r in mine) == agreement.remaining_cents / 100
        assert {r[2] for r in mine} >= {line.label for line in agreement.lines}
    blocked = [r for r in data if r[0] == overview[0].structure_name and r[10]]
    assert len(blocked) == 1 and blocked[0][10].startswith("bloqué : fiche")
    assert blocked[0][8] == "Prévu"
    paid_row = next(r for r in data if r[5] == "Versé")
    assert isinstance(paid_row[6], date) and lines.cell(5 + data.index(paid_row), 7).number_format == "DD/MM/YYYY"
    assert lines.cell(5, 4).number_format == '#,##0.00 "€"'
    total = lines.max_row
    assert lines.cell(total, 1).value == "Total" and lines.cell(total, 4).value == f"=SUBTOTAL(109,D5:D{total - 1})"

    structures = book[f"Par structure {YEAR}"]
    rows = {structures.cell(r, 1).value: [c.value for c in structures[r]] for r in range(5, 5 + len(overview))}
    for agreement in overview:
        row = rows[agreement.structure_name]
        assert (row[2], row[5], row[6]) == (agreement.voted_cents / 100, agreement.paid_cents / 100,
                                            agreement.remaining_cents / 100)
    assert [rows[a.structure_name][7] for a in overview[:3]] == [1, 1, 0]

    applications = book[f"Demandes {YEAR}"]
    assert [applications.cell(4, c).value for c in range(1, 7)] == ["Structure", "Statut", "Reçue le", "Demandé",
                                                                   "Proposé", "Pièces reçues"]
    expected = instruction.list_applications(planned, YEAR)
    got = [(applications.cell(r, 1).value, applications.cell(r, 2).value, applications.cell(r, 4).value)
           for r in range(5, 5 + len(expected))]
    assert got == [(a.structure_name, a.status_label, a.requested_cents / 100) for a in expected]


def test_libreoffice_opens_the_workbook(planned, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice (soffice) absent")
    path = exports.export_finance(planned, YEAR, tmp_path / "suivi.xlsx").path
    result = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
                             "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(path)],
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    text = _text(tmp_path / "pdf" / "suivi.pdf", layout=True)
    assert "Reste à verser" in text and "Socle forfaitaire" in text and "bloqué" in text


def test_wrong_extension_is_refused_in_french(demo_db, tmp_path):
    with pytest.raises(InvalidValueError, match="format de fichier non pris en charge .*choisissez .pdf, .xlsx"):
        exports.export_finance(demo_db, YEAR, tmp_path / "suivi.docx")
    assert not list(tmp_path.glob("suivi*"))


def test_empty_year(demo_db, tmp_path):
    text = _text(exports.export_finance(demo_db, 2031, tmp_path / "vide.pdf").path)
    assert "Aucune convention 2031." in text and "Aucune demande d'aide 2031." in text
    book = load_workbook(exports.export_finance(demo_db, 2031, tmp_path / "vide.xlsx").path)
    assert book.sheetnames == ["Versements 2031", "Par structure 2031", "Demandes 2031"]


def test_button_of_the_payments_tab(qtbot, demo_db, make_context, tmp_path):
    from petr_desktop.ui.pages.instruction import InstructionPage

    page = InstructionPage(make_context(demo_db))
    qtbot.addWidget(page)
    page.activate()
    page.set_year(YEAR)
    asked = []
    target = tmp_path / "suivi.xlsx"
    page.exporter.ask_path = lambda title, suggested, file_filter: asked.append((title, suggested, file_filter)) or target
    page.payments.export_button.click()
    qtbot.waitUntil(target.exists, timeout=15000)
    assert asked == [(f"Suivi financier {YEAR}", f"Suivi financier {YEAR}.pdf",
                      "Document PDF (*.pdf);;Classeur Excel (*.xlsx)")]
    assert page.payments.export_button.text() == "Exporter le suivi financier…"
    assert load_workbook(target).sheetnames[0] == f"Versements {YEAR}"


def test_global_menu_entries(main_window, tmp_path):
    year = date.today().year
    labels = [a.text() for a in main_window.export_menu.actions()]
    for y in (year, year - 1):
        assert f"Suivi financier {y} (PDF)…" in labels and f"Suivi financier {y} (Excel)…" in labels
    target = tmp_path / "suivi.pdf"
    main_window.exporter.ask_path = lambda title, suggested, file_filter: target
    next(a for a in main_window.export_menu.actions() if a.text() == f"Suivi financier {year} (PDF)…").trigger()
    assert target.read_bytes().startswith(b"%PDF") and f"finance:{year}".encode() in target.read_bytes()
