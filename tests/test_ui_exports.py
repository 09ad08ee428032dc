"""Exports driven from the GUI menus: the file is written, and it is the right kind of file."""
from __future__ import annotations

import zipfile
from pathlib import Path

from petr_desktop.domain.models import Minutes
from petr_desktop.services import records, sheets
from petr_desktop.services.reference import structure_id
from petr_desktop.ui.pages.sheets import SheetsPage
from petr_desktop.ui.pages.structures import StructuresPage

LANGRES = structure_id("Pays de Langres")


def _trigger(menu, text: str, exporter, target: Path) -> None:
    exporter.ask_path = lambda title, suggested, file_filter: target
    [action] = [a for a in menu.actions() if a.text() == text]
    action.trigger()


def test_global_menu_exports_the_finance_table_and_the_commission_report(main_window, tmp_path):
    xlsx, pdf = tmp_path / "finance.xlsx", tmp_path / "commission.pdf"
    _trigger(main_window.export_menu, "Suivi financier (Excel)…", main_window.exporter, xlsx)
    assert zipfile.is_zipfile(xlsx)
    year = [a.text() for a in main_window.export_menu.actions() if a.text().startswith("Rapport")][0]
    _trigger(main_window.export_menu, year, main_window.exporter, pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "8ᵉ Commission" in year


def test_meeting_mode_exports_the_releve_as_pdf_word_and_email(main_window, tmp_path):
    record = next(m for m in records.list_rows(main_window.context.db, Minutes) if m.status == "signed")
    main_window.context.bus.open_record.emit("meeting", record.meeting_id)
    page = main_window.meeting_mode
    menu = page.export_button.menu()
    for text, name, magic in (("Relevé (PDF)…", "r.pdf", b"%PDF"), ("Relevé (Word)…", "r.docx", b"PK"),
                              ("Note de préparation de la réunion (PDF)…", "b.pdf", b"%PDF")):
        _trigger(menu, text, page.exporter, tmp_path / name)
        assert (tmp_path / name).read_bytes().startswith(magic), text
    _trigger(menu, "Courriel aux participants (.eml)…", page.exporter, tmp_path / "r.eml")
    assert b"X-Unsent: 1" in (tmp_path / "r.eml").read_bytes()


def test_sheet_editor_exports_pdf_and_excel_template_then_imports_it(main_window, tmp_path, message_boxes):
    sheet_id = sheets.sheet_id(LANGRES, 2026, "thematic")
    main_window.context.bus.open_record.emit("sheet", sheet_id)
    page = main_window.page(SheetsPage)
    menu = page.export_button.menu()
    _trigger(menu, "Fiche (PDF)…", page.exporter, tmp_path / "fiche.pdf")
    assert (tmp_path / "fiche.pdf").read_bytes().startswith(b"%PDF")
    _trigger(menu, "Modèle Excel à envoyer au PETR…", page.exporter, tmp_path / "fiche.xlsx")
    from openpyxl import load_workbook

    workbook = load_workbook(tmp_path / "fiche.xlsx")
    assert len(workbook.sheetnames) >= 2
    from petr_desktop.ui.export_menus import import_sheet_file

    import_sheet_file(main_window.context, page, tmp_path / "fiche.xlsx", page._after_import)
    assert message_boxes[-1][0] == "information" and message_boxes[-1][1].startswith("Fiche importée")


def test_dossier_exports_its_pdf(main_window, tmp_path):
    main_window.context.bus.open_record.emit("structure", LANGRES)
    dossier = main_window.page(StructuresPage).dossier
    _trigger(dossier.export_button.menu(), "Dossier (PDF)…", dossier.exporter, tmp_path / "dossier.pdf")
    assert (tmp_path / "dossier.pdf").read_bytes().startswith(b"%PDF")
