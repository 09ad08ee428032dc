"""Excel tables: financial follow-up, actions, indicators, the Commission table.

Each workbook is read back with openpyxl (titles, French headers, values, number formats, table refs,
freeze panes, widths) and converted to PDF by LibreOffice headless.
"""
from __future__ import annotations

import io
import shutil
import subprocess
import sys
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from petr_desktop.domain.models import Action, Indicator, Structure
from petr_desktop.exports.excel import (actions_xlsx, commission_xlsx, finance_xlsx, indicators_xlsx,
                                        sheet_template_xlsx)
from petr_desktop.services import actions, money, records, spreadsheets
from petr_desktop.services.errors import NotFoundError
from petr_desktop.services.structures import find_structure, list_structures

EURO = '#,##0.00 "€"'
FINANCE_HEADERS = ["Structure", "Exercice", "N° de convention", "Date de la CP", "N° de délibération", "Demandé",
                   "Voté — socle", "Voté — thématique", "Voté — chantier collectif", "Total voté", "Avance versée",
                   "Date de l'avance", "Solde versé", "Date du solde", "Total versé", "Reste à verser"]


def _open(data: bytes):
    assert data[:2] == b"PK"
    return load_workbook(io.BytesIO(data))


def _headers(ws, row: int = 4) -> list[str]:
    return [ws.cell(row, c).value for c in range(1, ws.max_column + 1) if ws.cell(row, c).value is not None]


def _records(ws, headers: list[str]) -> list[dict[str, object]]:
    """The data rows of the sheet's table, as dicts by header."""
    [table] = ws.tables.values()
    first, last = table.ref.split(":")
    last_row = int("".join(ch for ch in last if ch.isdigit()))
    return [{h: ws.cell(r, c).value for c, h in enumerate(headers, start=1)} for r in range(5, last_row + 1)]


def _check_table(ws, name: str, columns: int, rows: int) -> None:
    from openpyxl.utils import get_column_letter

    [table] = ws.tables.values()
    assert table.displayName == name
    assert table.ref == f"A4:{get_column_letter(columns)}{4 + max(rows, 1)}"
    assert table.tableStyleInfo.name == "TableStyleMedium2" and table.tableStyleInfo.showRowStripes
    assert table.autoFilter is not None and table.autoFilter.ref == table.ref
    header = ws.cell(4, 1)
    assert header.font.b and header.fill.fgColor.rgb.endswith("1F4E79")
    assert ws.print_title_rows == "$4:$4"
    for column in range(1, columns + 1):
        width = ws.column_dimensions[get_column_letter(column)].width
        assert 8 <= width <= 60


def test_finance_workbook(demo_db):
    book = _open(finance_xlsx(demo_db))
    assert book.sheetnames == ["Suivi financier", "Lignes d'aide", "Versements"]
    assert book.properties.title == "Suivi financier des Pays et PETR" and book.properties.creator == "Carnet PETR"
    ws = book["Suivi financier"]
    assert ws["A1"].value == "Suivi financier — toutes structures — tous les exercices"
    assert ws["A2"].value.startswith("Carnet PETR — Région Grand Est — exporté le ")
    assert _headers(ws) == FINANCE_HEADERS
    _check_table(ws, "SuiviFinancier", 16, 60)
    assert ws.freeze_panes == "B5"
    rows = _records(ws, FINANCE_HEADERS)
    assert len(rows) == 60
    structure = find_structure(demo_db, "Alsace du Nord")
    mine = [r for r in rows if r["Structure"] == "Alsace du Nord"]
    assert [r["Exercice"] for r in mine] == [2025, 2026]
    for row, expected in zip(mine, money.summary(demo_db, structure.id)):
        assert row["Total voté"] == expected.voted_cents / 100
        assert row["Total versé"] == expected.paid_cents / 100
        assert row["Reste à verser"] == expected.remaining_cents / 100
        assert row["Voté — socle"] + row["Voté — thématique"] + row["Voté — chantier collectif"] == row["Total voté"]
        assert row["Avance versée"] + row["Solde versé"] == row["Total versé"]
    assert mine[0]["Date de la CP"] == datetime(2025, 4, 11) and mine[0]["Date du solde"] == datetime(2026, 5, 20)
    assert mine[1]["Solde versé"] == 0 and mine[1]["Date du solde"] is None
    assert mine[0]["N° de délibération"].startswith("CP2025-04-")
    data_row = 5 + rows.index(mine[0])
    assert ws.cell(data_row, 10).number_format == EURO and isinstance(ws.cell(data_row, 10).value, (int, float))
    assert ws.cell(data_row, 4).number_format == "DD/MM/YYYY"
    # A total line under the table, by SUBTOTAL (filters respected).
    assert ws.cell(65, 1).value == "Total"
    assert ws.cell(65, 10).value == "=SUBTOTAL(109,J5:J64)" and ws.cell(65, 10).number_format == EURO
    # The longest structure name fits its column.
    longest = max(len(s.name) for s in list_structures(demo_db))
    assert ws.column_dimensions["A"].width == longest + 2

    lines = book["Lignes d'aide"]
    headers = ["Structure", "Exercice", "Ligne d'aide", "Demandé", "Proposé", "Voté"]
    assert _headers(lines) == headers
    _check_table(lines, "LignesAide", 6, 180)
    kinds = {r["Ligne d'aide"] for r in _records(lines, headers)}
    assert kinds == {"Socle forfaitaire", "Thématique", "Chantier collectif"}

    payments = book["Versements"]
    headers = ["Structure", "Exercice", "Versement", "Ligne d'aide", "Montant", "Échéance", "Versé le", "Statut",
               "Référence"]
    assert _headers(payments) == headers
    _check_table(payments, "Versements", 9, 90)
    first = _records(payments, headers)[0]
    assert first["Versement"] == "Avance" and first["Statut"] == "Versé" and first["Versé le"] == datetime(2025, 6, 2)


def test_finance_workbook_of_one_year(demo_db):
    book = _open(finance_xlsx(demo_db, 2026))
    ws = book["Suivi financier"]
    assert ws["A1"].value == "Suivi financier — toutes structures — exercice 2026"
    rows = _records(ws, FINANCE_HEADERS)
    assert len(rows) == 30 and {r["Exercice"] for r in rows} == {2026}
    assert sum(r["Reste à verser"] for r in rows) == pytest.approx(
        sum(r.remaining_cents for r in spreadsheets.finance(demo_db, 2026).rows) / 100)


def test_actions_workbook(demo_db):
    book = _open(actions_xlsx(demo_db))
    ws = book["Actions"]
    headers = ["N°", "Action", "Structure", "Réunion", "Date de la réunion", "Porteur", "Organisme", "Échéance",
               "Statut", "Réalisée le", "En retard", "Jours de retard", "Relevé"]
    assert ws["A1"].value == "Actions à suivre — toutes structures"
    assert _headers(ws) == headers
    board = actions.board(demo_db, actions.BoardFilter(status="all"))
    _check_table(ws, "Actions", 13, len(board))
    assert ws.freeze_panes == "C5"
    rows = _records(ws, headers)
    assert [(r["N°"], r["Action"], r["Structure"]) for r in rows] == [
        (b.label, b.text, b.structure_name) for b in board]
    first = board[0]
    assert rows[0]["Échéance"] == datetime.combine(first.due_on, datetime.min.time())
    assert ws["H5"].number_format == "DD/MM/YYYY"
    assert {r["Statut"] for r in rows} <= {"À faire", "En cours", "Fait", "Abandonnée"}
    assert {r["En retard"] for r in rows} == {"Oui", "Non"}
    assert all((r["Jours de retard"] or 0) > 0 for r in rows if r["En retard"] == "Oui")
    assert {r["Relevé"] for r in rows} <= {"Brouillon", "À valider", "Signé"}
    assert ws["B5"].alignment.wrap_text


def test_actions_text_is_never_a_formula(demo_db):
    row = next(r for r in actions.board(demo_db, actions.BoardFilter(status="all")) if r.minutes_status != "signed")
    records.update(demo_db, Action, row.id, text="=HYPERLINK(\"http://x\") à vérifier\x0b")
    ws = _open(actions_xlsx(demo_db))["Actions"]
    cells = [c for c in ws["B"] if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert len(cells) == 1 and cells[0].data_type == "s"
    assert cells[0].value == "=HYPERLINK(\"http://x\") à vérifier"


def test_indicators_workbook(demo_db):
    book = _open(indicators_xlsx(demo_db))
    ws = book["Indicateurs"]
    headers = ["Structure", "Exercice", "Fiche", "Statut de la fiche", "Rubrique", "Indicateur", "Unité", "Cible",
               "Réalisé", "Écart", "Taux de réalisation", "Cumul", "Source", "Commentaire"]
    assert _headers(ws) == headers
    with demo_db.reader() as session:
        count = len(session.exec(select(Indicator).where(Indicator.deleted == False)).all())  # noqa: E712
    _check_table(ws, "Indicateurs", 14, count)
    rows = _records(ws, headers)
    assert len(rows) == count
    first = rows[0]
    assert first["Structure"] == "Alsace du Nord" and first["Exercice"] == 2025 and first["Fiche"] == "Missions socle"
    assert first["Statut de la fiche"] == "Validée (pièce pour solde)" and first["Rubrique"] == "Indicateurs"
    assert first["Écart"] == first["Réalisé"] - first["Cible"]
    assert first["Taux de réalisation"] == pytest.approx(first["Réalisé"] / first["Cible"])
    assert ws["K5"].number_format == "0.0 %"
    assert {r["Rubrique"] for r in rows if r["Fiche"] == "Thématique"} == {"Objectifs opérationnels 2025",
                                                                          "Objectifs opérationnels 2026"}
    only_2026 = _records(_open(indicators_xlsx(demo_db, 2026))["Indicateurs"], headers)
    assert len(only_2026) == count // 2 and {r["Exercice"] for r in only_2026} == {2026}


def test_commission_workbook(demo_db):
    book = _open(commission_xlsx(demo_db, 2026))
    assert book.sheetnames == ["Commission 2026"]
    ws = book["Commission 2026"]
    assert ws["A1"].value == "8e Commission « Territoires » — Pays et PETR — exercice 2026"
    headers = ["Structure", "Départements", "Maison de Région", "Classe de ruralité", "Thème", "Demandé",
               "Proposé — socle", "Proposé — thématique", "Proposé — chantier collectif", "Total proposé",
               "Total voté", "Voté 2025", "Évolution / 2025", "Fiches 2025 validées", "Date de la CP",
               "N° de délibération"]
    assert _headers(ws) == headers
    with demo_db.reader() as session:
        active = len(session.exec(select(Structure).where(Structure.active == True,  # noqa: E712
                                                          Structure.deleted == False)).all())  # noqa: E712
    _check_table(ws, "Commission2026", 16, active)
    assert ws.freeze_panes == "B5"
    rows = _records(ws, headers)
    assert len(rows) == active
    structure = find_structure(demo_db, "Alsace du Nord")
    row = next(r for r in rows if r["Structure"] == "Alsace du Nord")
    summary = {s.year: s for s in money.summary(demo_db, structure.id)}
    assert row["Total voté"] == summary[2026].voted_cents / 100
    assert row["Voté 2025"] == summary[2025].voted_cents / 100
    assert row["Total proposé"] == row["Proposé — socle"] + row["Proposé — thématique"] + \
        row["Proposé — chantier collectif"]
    assert row["Évolution / 2025"] == pytest.approx((row["Total proposé"] - row["Voté 2025"]) / row["Voté 2025"])
    assert row["Fiches 2025 validées"] == 3 and row["Date de la CP"] == datetime(2026, 4, 11)
    assert row["Thème"] and row["Maison de Région"] and row["Départements"]
    assert ws.cell(5 + active, 1).value == "Total"
    assert ws.cell(5 + active, 11).value == f"=SUBTOTAL(109,K5:K{4 + active})"
    assert ws["M5"].number_format == "0.0 %" and ws["F5"].number_format == EURO

    # A year without agreements: every structure listed, amounts empty.
    empty = _records(_open(commission_xlsx(demo_db, 2027))["Commission 2027"],
                     [h.replace("2025", "2026") for h in headers])
    assert len(empty) == active and all(r["Total proposé"] is None for r in empty)
    assert all(r["Voté 2026"] is not None for r in empty)


def test_tables_of_one_structure(demo_db):
    structure = find_structure(demo_db, "Alsace du Nord")
    ws = _open(finance_xlsx(demo_db, 2026, structure_id=structure.id))["Suivi financier"]
    assert ws["A1"].value == "Suivi financier — Alsace du Nord — exercice 2026"
    assert [r["Structure"] for r in _records(ws, FINANCE_HEADERS)] == ["Alsace du Nord"]
    ws = _open(actions_xlsx(demo_db, structure_id=structure.id))["Actions"]
    assert ws["A1"].value == "Actions à suivre — Alsace du Nord"
    own = actions.board(demo_db, actions.BoardFilter(structure_id=structure.id, status="all"))
    assert len(_records(ws, _headers(ws))) == len(own) > 0
    assert {r["Structure"] for r in _records(ws, _headers(ws))} == {"Alsace du Nord"}
    ws = _open(indicators_xlsx(demo_db, structure_id=structure.id))["Indicateurs"]
    assert ws["A1"].value == "Indicateurs des fiches évaluatives — Alsace du Nord — tous les exercices"
    assert {r["Structure"] for r in _records(ws, _headers(ws))} == {"Alsace du Nord"}
    with pytest.raises(NotFoundError):
        finance_xlsx(demo_db, structure_id="0190f000-0000-7000-8000-000000000000")


def test_workbooks_of_an_empty_database_still_hold_valid_tables(db):
    for data, name, columns in ((finance_xlsx(db), "SuiviFinancier", 16), (actions_xlsx(db), "Actions", 13),
                                (indicators_xlsx(db), "Indicateurs", 14),
                                (commission_xlsx(db, 2026), "Commission2026", 16)):
        ws = _open(data).worksheets[0]
        [table] = ws.tables.values()
        assert table.displayName == name
        if name != "Commission2026":
            _check_table(ws, name, columns, 0)
            assert all(ws.cell(5, c).value is None for c in range(1, columns + 1))


def test_openpyxl_is_imported_only_when_exporting():
    code = ("import sys, petr_desktop.exports.excel, petr_desktop.services.spreadsheets; "
            "print('openpyxl' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_every_workbook_opens_in_libreoffice(demo_db, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice (soffice) est nécessaire pour ce test : apt-get install libreoffice-calc"
    structure = find_structure(demo_db, "Alsace du Nord").id
    files = {"suivi_financier": finance_xlsx(demo_db), "actions": actions_xlsx(demo_db),
             "indicateurs": indicators_xlsx(demo_db, 2026), "commission": commission_xlsx(demo_db, 2026),
             "fiche_socle": sheet_template_xlsx(demo_db, structure, 2026, "core_missions"),
             "fiche_thematique": sheet_template_xlsx(demo_db, structure, 2026, "thematic"),
             "fiche_collectif": sheet_template_xlsx(demo_db, structure, 2027, "collective")}
    paths = []
    for name, data in files.items():
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(data)
        paths.append(str(path))
    out = tmp_path / "pdf"
    result = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
                             "--convert-to", "pdf", "--outdir", str(out), *paths],
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    texts = {}
    for name in files:
        pdf = out / f"{name}.pdf"
        assert pdf.exists() and pdf.stat().st_size > 1000, name
        assert pdf.read_bytes().startswith(b"%PDF")
        texts[name] = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                     timeout=60, check=True).stdout
    assert "Reste à verser" in texts["suivi_financier"] and "Alsace du Nord" in texts["suivi_financier"]
    assert "Porteur" in texts["actions"] and "Échéance" in texts["actions"]
    assert "Taux de réalisation" in texts["indicateurs"]
    assert "Commission « Territoires »" in texts["commission"] and "Total proposé" in texts["commission"]
    assert "Mode d'emploi" in texts["fiche_socle"] and "Moyens humains" in texts["fiche_socle"]
    assert "Technique" not in texts["fiche_socle"].split("Onglets à compléter")[0]
    assert "Pistes de diversification" in texts["fiche_collectif"]


def test_read_models_match_the_services(demo_db):
    structure = find_structure(demo_db, "Alsace du Nord")
    data = spreadsheets.finance(demo_db)
    own = [r for r in data.rows if r.structure == "Alsace du Nord"]
    assert [(r.year, r.voted_cents, r.paid_cents) for r in own] == [
        (s.year, s.voted_cents, s.paid_cents) for s in money.summary(demo_db, structure.id)]
    assert len(data.lines) == 3 * len(data.rows)
    commission = {r.structure: r for r in spreadsheets.commission_rows(demo_db, 2026)}
    assert commission["Alsace du Nord"].previous_validated_sheets == 3
    rows = spreadsheets.action_rows(demo_db, today=date(2026, 11, 28))
    assert len(rows) == len(actions.board(demo_db, actions.BoardFilter(status="all"), date(2026, 11, 28)))
