"""The sheet round-trip: a pre-filled, protected workbook, filled as a structure would, imported back.

Every problem is reported « Feuille, cellule : problème » and nothing is applied unless the whole
file is valid; a valid import writes only the values that changed (the op log shows only them).
"""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from petr_desktop.domain.models import EvaluationSheet, SheetPost, SupportingDocument
from petr_desktop.exports.excel import read_sheet_workbook, sheet_template_xlsx
from petr_desktop.exports.excel.sheet_roundtrip import build_layout
from petr_desktop.services import maintenance, records, sheets
from petr_desktop.services.errors import InvalidValueError, NotFoundError
from petr_desktop.services.spreadsheets import import_sheet_workbook, parse_sheet_kind
from petr_desktop.services.structures import find_structure
from petr_desktop.storage.database import raw_connection

STRUCTURE = "Alsace du Nord"


def _structure_id(db) -> str:
    return find_structure(db, STRUCTURE).id


def _row(kind: str, year: int, key: str) -> int:
    """The row of a field on « Réponses »."""
    layout = build_layout(sheets.load_template(kind, year))
    return next(slot.row for slot in layout.slots if slot.key == key)


def _edit(data: bytes, edits: dict[tuple[str, str], object]) -> bytes:
    """Fill cells with openpyxl, as a structure would in Excel, and save."""
    workbook = load_workbook(io.BytesIO(data))
    for (sheet, coordinate), value in edits.items():
        workbook[sheet][coordinate].value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _ops(db) -> list[tuple[str, str, str]]:
    with db.reader() as session:
        return list(raw_connection(session).execute("SELECT tbl, row_id, field FROM sync_op ORDER BY rowid"))


def _sheet(db, year: int = 2026, kind: str = "core_missions") -> str:
    return sheets.sheet_id(_structure_id(db), year, kind)


# --- The pre-filled workbook ----------------------------------------------------------------------

def test_template_is_prefilled_protected_and_identifies_its_sheet(demo_db):
    sid = _sheet(demo_db)
    data = sheet_template_xlsx(demo_db, _structure_id(demo_db), 2026, "core_missions")
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Mode d'emploi", "Réponses", "Moyens humains", "Indicateurs",
                                   "Pièces justificatives", "Listes", "Technique"]
    assert [ws.title for ws in workbook.worksheets if ws.sheet_state == "visible"] == workbook.sheetnames[:5]
    assert workbook["Technique"].sheet_state == "veryHidden" and workbook["Listes"].sheet_state == "hidden"
    assert workbook.security.lockStructure
    assert all(ws.protection.sheet for ws in workbook.worksheets)

    meta = workbook["Technique"]
    assert [meta[f"B{r}"].value for r in range(1, 9)] == [
        "carnet-petr-fiche", 1, _structure_id(demo_db), STRUCTURE, 2026, "core_missions", 1, sid]

    instructions = workbook["Mode d'emploi"]
    texts = [c.value for row in instructions.iter_rows() for c in row if isinstance(c.value, str)]
    assert STRUCTURE in texts and "Missions socle" in texts and "Examinée en dialogue" in texts
    assert any("videz toutes ses cellules" in t for t in texts)

    answers = workbook["Réponses"]
    assert [answers.cell(4, c).value for c in range(1, 5)] == ["Rubrique et question", "Réponse",
                                                               "Format attendu", "Aide"]
    assert answers.freeze_panes == "A5"
    assert answers.column_dimensions["E"].hidden and answers.column_dimensions["F"].hidden
    stored = sheets.answers(demo_db, sid)
    row = _row("core_missions", 2026, "faits_marquants.texte")
    assert answers[f"B{row}"].value == stored["faits_marquants.texte"]
    assert answers[f"E{row}"].value == "faits_marquants.texte"
    assert answers[f"B{row}"].protection.locked is False and answers[f"A{row}"].protection.locked is True
    writer = _row("core_missions", 2026, "@petr_writer")
    assert answers[f"A{writer}"].value == "Rédacteur PETR (nom et fonction)"
    assert answers[f"B{writer}"].value == "Direction du PETR"
    written = _row("core_missions", 2026, "@petr_written_on")
    assert answers[f"B{written}"].value == datetime(2026, 10, 5)
    assert answers[f"B{written}"].number_format == "DD/MM/YYYY"
    awarded = _row("core_missions", 2026, "@awarded_cents")
    assert answers[f"B{awarded}"].number_format == '#,##0.00 "€"'
    assert "Avis du chargé de mission" not in [answers.cell(r, 1).value for r in range(1, answers.max_row + 1)]

    # Drop-down lists: the choices of a field, from the hidden « Listes » sheet.
    choice = f"B{_row('core_missions', 2026, 'mission_animation.realise')}"
    lists = [dv for dv in answers.data_validations.dataValidation if choice in dv.sqref]
    assert len(lists) == 1 and lists[0].type == "list"
    column = lists[0].formula1.split("!")[1].split(":")[0].replace("$", "")[0]
    assert [workbook["Listes"][f"{column}{r}"].value for r in (1, 2, 3)] == ["Oui", "Partiel", "Non"]
    date_cell = f"B{_row('core_missions', 2026, 'gouvernance.date_projet_territoire')}"
    assert [dv.type for dv in answers.data_validations.dataValidation if date_cell in dv.sqref] == ["date"]

    indicators = workbook["Indicateurs"]
    assert [indicators.cell(3, c).value for c in range(1, 8)] == ["Indicateur", "Unité", "Cible", "Réalisé",
                                                                  "Cumul", "Source", "Commentaire"]
    rows = sheets.group_rows(demo_db, sid, "indicators")
    assert [indicators[f"A{4 + i}"].value for i in range(len(rows))] == [r.name for r in rows]
    assert [indicators[f"C{4 + i}"].value for i in range(len(rows))] == [r.target for r in rows]
    assert [indicators[f"H{4 + i}"].value for i in range(len(rows))] == [r.id for r in rows]
    assert indicators[f"A{4 + len(rows) + 14}"].protection.locked is False     # blank rows to add some
    assert indicators.freeze_panes == "A4"
    posts = workbook["Moyens humains"]
    assert posts["G3"].value == "Financements"


def test_template_of_a_sheet_never_opened_creates_nothing(demo_db):
    before = maintenance.dump(demo_db)
    data = sheet_template_xlsx(demo_db, _structure_id(demo_db), 2027, "core_missions")
    assert maintenance.dump(demo_db) == before
    assert sheets.find_sheet(demo_db, _structure_id(demo_db), 2027, "core_missions") is None
    workbook = load_workbook(io.BytesIO(data))
    names = [workbook["Indicateurs"][f"A{r}"].value for r in range(4, 9)]
    template = sheets.load_template("core_missions", 2027)
    defaults = next(s for s in template.group_sections() if s.group == "indicators").defaults
    assert names == [d["label"] for d in defaults]
    assert workbook["Réponses"][f"B{_row('core_missions', 2027, 'faits_marquants.texte')}"].value is None


def test_template_refuses_unknown_structure_or_kind(demo_db):
    with pytest.raises(NotFoundError):
        sheet_template_xlsx(demo_db, "0190f000-0000-7000-8000-000000000000", 2026, "core_missions")
    with pytest.raises(InvalidValueError, match="type de fiche inconnu"):
        sheet_template_xlsx(demo_db, _structure_id(demo_db), 2026, "budget")
    assert parse_sheet_kind("Missions socle") == "core_missions"
    assert parse_sheet_kind("chantier  COLLECTIF") == "collective"
    assert parse_sheet_kind("thematique") == "thematic"


def test_text_that_looks_like_a_formula_or_holds_control_characters_round_trips(demo_db):
    sid = _sheet(demo_db)
    sheets.set_answer(demo_db, sid, "difficultes.difficultes", "=SOMME(A1:A3) n'est pas une formule\x07")
    data = sheet_template_xlsx(demo_db, _structure_id(demo_db), 2026, "core_missions")
    cell = load_workbook(io.BytesIO(data))["Réponses"][f"B{_row('core_missions', 2026, 'difficultes.difficultes')}"]
    assert cell.data_type == "s" and cell.value == "=SOMME(A1:A3) n'est pas une formule"
    report = import_sheet_workbook(demo_db, data)
    assert report.problems == [] and report.changed_fields == 0


# --- Import: only what changed --------------------------------------------------------------------

def test_unchanged_workbook_changes_nothing(demo_db):
    data = sheet_template_xlsx(demo_db, _structure_id(demo_db), 2026, "core_missions")
    before, ops = maintenance.dump(demo_db), len(_ops(demo_db))
    report = import_sheet_workbook(demo_db, data)
    assert report.problems == [] and report.applied
    assert (report.changed_fields, report.added_rows, report.deleted_rows) == (0, 0, 0)
    assert "aucune modification" in report.message
    assert maintenance.dump(demo_db) == before and len(_ops(demo_db)) == ops


def test_import_writes_only_the_changed_fields(demo_db):
    sid = _sheet(demo_db)
    data = sheet_template_xlsx(demo_db, _structure_id(demo_db), 2026, "core_missions")
    indicators = sheets.group_rows(demo_db, sid, "indicators")
    filled = _edit(data, {
        ("Réponses", f"B{_row('core_missions', 2026, 'faits_marquants.texte')}"): "— Trois projets déposés",
        ("Réponses", f"B{_row('core_missions', 2026, 'perspectives.texte')}"): "Renforcer l'observation.",
        ("Réponses", f"B{_row('core_missions', 2026, '@petr_writer')}"): "Claire Martin, directrice",
        ("Réponses", f"B{_row('core_missions', 2026, '@balance_requested_cents')}"): 12500.5,
        ("Indicateurs", "D4"): 11,
        ("Indicateurs", "G5"): "Chiffre consolidé en décembre",
    })
    before = _ops(demo_db)
    report = import_sheet_workbook(demo_db, filled)
    assert report.problems == [] and report.applied
    assert report.changed_fields == 6 and report.added_rows == 0 and report.deleted_rows == 0
    assert report.message.endswith("import réussi — 6 valeurs modifiées.")
    new_ops = _ops(demo_db)[len(before):]
    assert sorted((tbl, field) for tbl, _row_id, field in new_ops) == sorted([
        ("sheet_answer", "value"), ("sheet_answer", "value"), ("evaluation_sheet", "petr_writer"),
        ("evaluation_sheet", "balance_requested_cents"), ("indicator", "actual"), ("indicator", "comment")])
    stored = sheets.answers(demo_db, sid)
    assert stored["faits_marquants.texte"] == "— Trois projets déposés"
    assert stored["perspectives.texte"] == "Renforcer l'observation."
    sheet = records.get(demo_db, EvaluationSheet, sid)
    assert sheet.petr_writer == "Claire Martin, directrice" and sheet.balance_requested_cents == 1_250_050
    after = sheets.group_rows(demo_db, sid, "indicators")
    assert after[0].actual == 11.0 and after[1].comment == "Chiffre consolidé en décembre"
    assert [r.target for r in after] == [r.target for r in indicators]
    # The same file again: nothing left to change.
    again = import_sheet_workbook(demo_db, filled)
    assert again.changed_fields == 0 and len(_ops(demo_db)) == len(before) + 6
    assert maintenance.check(demo_db) == []


def test_import_types_every_kind_of_cell_adds_and_deletes_rows(demo_db):
    sid = _sheet(demo_db)
    data = sheet_template_xlsx(demo_db, _structure_id(demo_db), 2026, "core_missions")
    documents = sheets.group_rows(demo_db, sid, "supporting_documents")
    r = lambda key: f"B{_row('core_missions', 2026, key)}"  # noqa: E731
    filled = _edit(data, {
        ("Réponses", r("gouvernance.nb_conseils_syndicaux")): 6,
        ("Réponses", r("gouvernance.nb_conferences_maires")): "2",
        ("Réponses", r("gouvernance.date_projet_territoire")): datetime(2024, 6, 12),
        ("Réponses", r("mission_animation.realise")): "Partiel",
        ("Réponses", r("mission_animation.autoevaluation")): "partiellement ATTEINT",
        ("Réponses", r("modulation.coefficient")): "1,2",
        ("Réponses", r("modulation.base_forfaitaire")): 40000,
        ("Réponses", r("modulation.montant_forfaitaire")): "48 000,00 €",
        ("Réponses", r("modulation.classe")): 2,
        ("Moyens humains", "A4"): "Chargée de mission mobilité",
        ("Moyens humains", "B4"): "Léa Girard",
        ("Moyens humains", "C4"): 0.8,
        ("Moyens humains", "D4"): datetime(2026, 3, 1),
        ("Moyens humains", "F4"): "Non",
        ("Moyens humains", "G4"): "Région — socle, leader",
        ("Pièces justificatives", "A4"): None,
        ("Pièces justificatives", "B4"): None,
        ("Pièces justificatives", "C4"): None,
        ("Pièces justificatives", "D4"): None,
        ("Pièces justificatives", f"A{4 + len(documents)}"): "Attestation du comptable public",
        ("Pièces justificatives", f"B{4 + len(documents)}"): "Oui",
    })
    report = import_sheet_workbook(demo_db, filled)
    assert report.problems == []
    assert (report.added_rows, report.deleted_rows) == (2, 1)
    stored = sheets.answers(demo_db, sid)
    assert stored["gouvernance.nb_conseils_syndicaux"] == 6 and stored["gouvernance.nb_conferences_maires"] == 2
    assert stored["gouvernance.date_projet_territoire"] == "2024-06-12"
    assert stored["mission_animation.realise"] == "Partiel"
    assert stored["mission_animation.autoevaluation"] == "Partiellement atteint"
    assert stored["modulation.coefficient"] == 1.2
    assert stored["modulation.base_forfaitaire"] == 4_000_000
    assert stored["modulation.montant_forfaitaire"] == 4_800_000
    assert stored["modulation.classe"] == "2"
    [post] = sheets.group_rows(demo_db, sid, "posts")
    assert (post.title, post.holder, post.fte, post.start_on, post.vacant) == (
        "Chargée de mission mobilité", "Léa Girard", 0.8, date(2026, 3, 1), False)
    assert sheets.post_funding(post) == ["region_core", "leader"]
    after = sheets.group_rows(demo_db, sid, "supporting_documents")
    assert [d.name for d in after] == [d.name for d in documents[1:]] + ["Attestation du comptable public"]
    assert after[-1].received is True
    with demo_db.reader() as session:
        assert session.get(SupportingDocument, documents[0].id).deleted
    assert maintenance.check(demo_db) == []


def test_percent_decimal_and_diversification_choices(demo_db):
    structure = _structure_id(demo_db)
    data = sheet_template_xlsx(demo_db, structure, 2026, "thematic")
    layout = build_layout(sheets.load_template("thematic", 2026))
    percents = [s for s in layout.slots if s.type == "percent"]
    workbook = load_workbook(io.BytesIO(data))
    assert workbook["Réponses"][f"B{percents[0].row}"].number_format == "0.0 %"
    filled = _edit(data, {("Réponses", f"B{percents[0].row}"): 0.455,          # typed « 45,5 % » in Excel
                          ("Réponses", f"B{percents[1].row}"): "60 %"})
    assert import_sheet_workbook(demo_db, filled).problems == []
    stored = sheets.answers(demo_db, sheets.sheet_id(structure, 2026, "thematic"))
    assert stored[percents[0].key] == 45.5 and stored[percents[1].key] == 60.0
    again = sheet_template_xlsx(demo_db, structure, 2026, "thematic")
    assert load_workbook(io.BytesIO(again))["Réponses"][f"B{percents[0].row}"].value == pytest.approx(0.455)
    assert import_sheet_workbook(demo_db, again).changed_fields == 0

    collective = sheet_template_xlsx(demo_db, structure, 2026, "collective")
    workbook = load_workbook(io.BytesIO(collective))
    sheet = workbook["Pistes de diversification"]
    assert [sheet.cell(3, c).value for c in range(1, 6)] == ["Piste", "État", "Montant attendu", "Échéance",
                                                             "Responsable"]
    filled = _edit(collective, {("Pistes de diversification", "A4"): "Prestations aux EPCI",
                                ("Pistes de diversification", "B4"): "Engagée",
                                ("Pistes de diversification", "C4"): 15000,
                                ("Pistes de diversification", "D4"): "30/06/2027"})
    assert import_sheet_workbook(demo_db, filled).problems == []
    [lead] = sheets.group_rows(demo_db, sheets.sheet_id(structure, 2026, "collective"), "diversification_leads")
    assert (lead.lead, lead.state, lead.expected_cents, lead.due_on) == (
        "Prestations aux EPCI", "engaged", 1_500_000, date(2027, 6, 30))
    shown = load_workbook(io.BytesIO(sheet_template_xlsx(demo_db, structure, 2026, "collective")))
    assert shown["Pistes de diversification"]["B4"].value == "Engagée"


def test_import_of_a_sheet_never_opened_creates_it_once(demo_db):
    structure = _structure_id(demo_db)
    data = sheet_template_xlsx(demo_db, structure, 2027, "core_missions")
    assert import_sheet_workbook(demo_db, data).changed_fields == 0
    assert sheets.find_sheet(demo_db, structure, 2027, "core_missions") is None     # nothing to apply: nothing made
    filled = _edit(data, {("Indicateurs", "C4"): 14, ("Indicateurs", "C5"): 7})
    report = import_sheet_workbook(demo_db, filled)
    assert report.problems == [] and report.changed_fields == 2
    sid = sheets.find_sheet(demo_db, structure, 2027, "core_missions")
    rows = sheets.group_rows(demo_db, sid, "indicators")
    assert len(rows) == 5 and [r.target for r in rows[:2]] == [14.0, 7.0]


# --- Import: refusals ------------------------------------------------------------------------------

def test_every_bad_cell_is_reported_and_nothing_applied(demo_db):
    data = sheet_template_xlsx(demo_db, _structure_id(demo_db), 2026, "core_missions")
    rows = {key: _row("core_missions", 2026, key) for key in (
        "gouvernance.nb_conseils_syndicaux", "gouvernance.date_projet_territoire", "mission_animation.realise",
        "modulation.base_forfaitaire", "faits_marquants.texte", "@version")}
    filled = _edit(data, {
        ("Réponses", f"B{rows['gouvernance.nb_conseils_syndicaux']}"): "douze",
        ("Réponses", f"B{rows['gouvernance.date_projet_territoire']}"): "31/02/2026",
        ("Réponses", f"B{rows['mission_animation.realise']}"): "Peut-être",
        ("Réponses", f"B{rows['modulation.base_forfaitaire']}"): "douze euros",
        ("Réponses", f"B{rows['faits_marquants.texte']}"): "Ce texte valide ne sera pas enregistré",
        ("Réponses", f"B{rows['@version']}"): 0,
        ("Indicateurs", "C4"): "beaucoup",
        ("Moyens humains", "A4"): "Chargé de mission",
        ("Moyens humains", "C4"): 1.5,
        ("Moyens humains", "G4"): "Département",
    })
    before, ops = maintenance.dump(demo_db), len(_ops(demo_db))
    report = import_sheet_workbook(demo_db, filled)
    assert not report.applied and report.changed_fields == 0
    assert report.problems == [
        f"Réponses, B{rows['@version']} : « Version de la fiche » attend un nombre entier à partir de 1, pas « 0 »",
        f"Réponses, B{rows['modulation.base_forfaitaire']} : « Base forfaitaire » attend un montant en euros "
        "(ex. 12 500,00), pas « douze euros »",
        f"Réponses, B{rows['gouvernance.nb_conseils_syndicaux']} : « Réunions du conseil syndical ou du bureau "
        "en 2026 » attend un nombre entier positif, pas « douze »",
        f"Réponses, B{rows['gouvernance.date_projet_territoire']} : « Projet de territoire : date d’adoption ou de "
        f"dernière révision » attend une date JJ/MM/AAAA (ex. {date.today():%d/%m/%Y}), pas « 31/02/2026 »",
        f"Réponses, B{rows['mission_animation.realise']} : « Réalisé » attend l'une des valeurs de la liste "
        "(Oui, Partiel, Non), pas « Peut-être »",
        "Moyens humains, G4 : « Financements » : source de financement « Département » inconnue (sources "
        "possibles : Région — socle, Région — thématique, LEADER, État, Autre)",
        "Indicateurs, C4 : « Cible » attend un nombre (ex. 1,5), pas « beaucoup »",
    ]
    assert report.message == "Import refusé : 7 problèmes à corriger. Rien n'a été enregistré."
    assert maintenance.dump(demo_db) == before and len(_ops(demo_db)) == ops


def test_money_with_more_than_two_decimals_and_negative_integer(demo_db):
    data = sheet_template_xlsx(demo_db, _structure_id(demo_db), 2026, "core_missions")
    money = _row("core_missions", 2026, "modulation.base_forfaitaire")
    count = _row("core_missions", 2026, "gouvernance.nb_conseils_syndicaux")
    report = import_sheet_workbook(demo_db, _edit(data, {("Réponses", f"B{money}"): 12.345,
                                                         ("Réponses", f"B{count}"): -2}))
    assert report.problems == [
        f"Réponses, B{money} : « Base forfaitaire » : un montant a au plus deux décimales, pas « 12,345 »",
        f"Réponses, B{count} : « Réunions du conseil syndical ou du bureau en 2026 » attend un nombre entier "
        "positif, pas « -2 »"]


@pytest.mark.parametrize("cell, value, expected", [
    ("B6", "budget", "Technique, B6 : type de fiche « budget » inconnu"),
    ("B5", "deux mille", "Technique, B5 : exercice « deux mille » invalide"),
    ("B5", 2025, "Technique, B8 : l'identifiant de la fiche ne correspond pas à la structure, à l'exercice (2025)"),
    ("B6", "thematic", "Technique, B8 : l'identifiant de la fiche ne correspond pas"),
    ("B7", 9, "Technique, B7 : le modèle de la fiche « Missions socle » 2026 a changé"),
    ("B2", 7, "Technique, B2 : version de format « 7 » inconnue"),
])
def test_tampered_identity_is_refused(demo_db, cell, value, expected):
    data = sheet_template_xlsx(demo_db, _structure_id(demo_db), 2026, "core_missions")
    before = maintenance.dump(demo_db)
    report = import_sheet_workbook(demo_db, _edit(data, {("Technique", cell): value}))
    assert len(report.problems) == 1 and report.problems[0].startswith(expected)
    assert not report.applied and maintenance.dump(demo_db) == before


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
                         '.org/package/2006/content-types"/>')
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _foreign_xlsx() -> bytes:
    workbook = Workbook()
    workbook.active["A1"] = "Budget 2026"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("make, expected", [
    (lambda data: b"", "Fichier : le fichier est vide"),
    (lambda data: b"Ceci n'est pas un classeur", "Fichier : ce n'est pas un classeur Excel (.xlsx)"),
    (lambda data: data[: len(data) // 2], "Fichier : le classeur est endommagé ou incomplet"),
    (lambda data: data[:30] + b"\x00" * 200 + data[230:], "Fichier : le classeur est endommagé ou incomplet"),
    (lambda data: _docx(), "Fichier : c'est un document Word, pas un classeur Excel (.xlsx)"),
    (lambda data: _foreign_xlsx(), "Fichier : ce classeur n'est pas une fiche évaluative créée par Carnet PETR"),
])
def test_bad_files_give_one_french_problem(demo_db, make, expected):
    data = make(sheet_template_xlsx(demo_db, _structure_id(demo_db), 2026, "core_missions"))
    before = maintenance.dump(demo_db)
    parsed = read_sheet_workbook(data)                 # pure reading: no database
    assert len(parsed.problems) == 1 and parsed.problems[0].startswith(expected)
    report = import_sheet_workbook(demo_db, data)
    assert report.problems == parsed.problems and not report.applied
    assert maintenance.dump(demo_db) == before


def test_a_new_row_needs_its_first_column(demo_db):
    data = sheet_template_xlsx(demo_db, _structure_id(demo_db), 2026, "core_missions")
    report = import_sheet_workbook(demo_db, _edit(data, {("Indicateurs", "C12"): 4, ("Indicateurs", "B12"): "%"}))
    assert report.problems == ["Indicateurs, A12 : « Indicateur » est à renseigner pour ajouter cette ligne"]


def test_a_validated_sheet_refuses_the_import(demo_db):
    data = sheet_template_xlsx(demo_db, _structure_id(demo_db), 2025, "core_missions")
    texts = [c.value for row in load_workbook(io.BytesIO(data))["Mode d'emploi"].iter_rows() for c in row]
    assert any(isinstance(t, str) and "validée" in t for t in texts)
    filled = _edit(data, {("Réponses", f"B{_row('core_missions', 2025, 'perspectives.texte')}"): "Autre texte"})
    before = maintenance.dump(demo_db)
    report = import_sheet_workbook(demo_db, filled)
    assert report.problems == ["Fiche « Missions socle » 2025 — Alsace du Nord : cette fiche est « Validée (pièce "
                               "pour solde) », elle ne change plus ; l'import est refusé (les corrections passent "
                               "par un rectificatif)."]
    assert maintenance.dump(demo_db) == before


def test_changes_made_in_the_application_since_the_export_are_never_overwritten(demo_db):
    sid = _sheet(demo_db)
    data = sheet_template_xlsx(demo_db, _structure_id(demo_db), 2026, "core_missions")
    sheets.set_answer(demo_db, sid, "perspectives.texte", "Texte revu en dialogue de gestion")
    sheets.set_answer(demo_db, sid, "faits_marquants.texte", "Faits revus en dialogue de gestion")
    perspectives = _row("core_missions", 2026, "perspectives.texte")
    facts = _row("core_missions", 2026, "faits_marquants.texte")

    # Changed in both places: refused, with the value the application holds.
    before = maintenance.dump(demo_db)
    edited = _edit(data, {("Réponses", f"B{perspectives}"): "Texte de la structure"})
    report = import_sheet_workbook(demo_db, edited)
    assert report.problems == [
        f"Réponses, B{perspectives} : « Perspectives pour 2027 » a aussi été modifié dans l'application depuis "
        "la création du classeur (valeur actuelle : « Texte revu en dialogue de gestion ») ; reportez dans la "
        "cellule la valeur à garder, puis importez de nouveau"]
    assert maintenance.dump(demo_db) == before

    # Changed only in the application: kept; the structure's other changes go in.
    count = _row("core_missions", 2026, "gouvernance.nb_conseils_syndicaux")
    report = import_sheet_workbook(demo_db, _edit(data, {("Réponses", f"B{count}"): 5}))
    assert report.problems == [] and report.changed_fields == 1 and report.kept_fields == 2
    stored = sheets.answers(demo_db, sid)
    assert stored["perspectives.texte"] == "Texte revu en dialogue de gestion"
    assert stored["faits_marquants.texte"] == "Faits revus en dialogue de gestion"
    assert stored["gouvernance.nb_conseils_syndicaux"] == 5
    assert import_sheet_workbook(demo_db, _edit(data, {("Réponses", f"B{facts}"): ""})).problems[0].startswith(
        f"Réponses, B{facts} : « Faits marquants")          # cleared here, changed there: refused too


def test_copied_rows_moved_lines_and_rows_deleted_meanwhile(demo_db):
    sid = _sheet(demo_db)
    data = sheet_template_xlsx(demo_db, _structure_id(demo_db), 2026, "core_missions")
    workbook = load_workbook(io.BytesIO(data))
    indicators = workbook["Indicateurs"]
    for column in "ABCDEFGHI":                 # a whole row copied, hidden columns included
        indicators[f"{column}12"].value = indicators[f"{column}4"].value
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = import_sheet_workbook(demo_db, buffer.getvalue())
    assert report.problems == ["Indicateurs, ligne 12 : cette ligne est une copie de la ligne 4 (même identifiant) ; "
                               "pour ajouter une ligne, utilisez une ligne vide en bas du tableau"]

    workbook = load_workbook(io.BytesIO(data))
    workbook["Réponses"].insert_rows(8)
    buffer = io.BytesIO()
    workbook.save(buffer)
    [problem] = import_sheet_workbook(demo_db, buffer.getvalue()).problems
    assert problem.startswith("Réponses, E8 : la ligne de « ") and "n'est plus à sa place" in problem

    rows = sheets.group_rows(demo_db, sid, "indicators")
    records.delete(demo_db, type(rows[0]), rows[0].id)
    assert import_sheet_workbook(demo_db, data).problems == []           # untouched there: ignored
    [problem] = import_sheet_workbook(demo_db, _edit(data, {("Indicateurs", "D4"): 3})).problems
    assert problem.startswith("Indicateurs, ligne 4 : cette ligne n'existe plus dans la fiche")


def test_libreoffice_saved_workbook_imports(demo_db, tmp_path):
    """A structure that fills the workbook and saves it with LibreOffice: the values come back typed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice (soffice) est nécessaire pour ce test : apt-get install libreoffice-calc"
    structure = _structure_id(demo_db)
    data = sheet_template_xlsx(demo_db, structure, 2026, "thematic")
    layout = build_layout(sheets.load_template("thematic", 2026))
    percent = next(s for s in layout.slots if s.type == "percent")
    money = next(s for s in layout.slots if s.type == "money" and not s.common)
    source = tmp_path / "fiche.xlsx"
    source.write_bytes(_edit(data, {("Réponses", f"B{percent.row}"): 0.3,
                                    ("Réponses", f"B{money.row}"): 2500.75,
                                    ("Projets émergés ou accompagnés", "A4"): "Maison de santé",
                                    ("Projets émergés ou accompagnés", "C4"): 180000}))
    out = tmp_path / "out"
    result = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
                             "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(source)],
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = import_sheet_workbook(demo_db, (out / "fiche.xlsx").read_bytes())
    assert report.problems == [] and report.changed_fields == 4 and report.added_rows == 1
    stored = sheets.answers(demo_db, sheets.sheet_id(structure, 2026, "thematic"))
    assert stored[percent.key] == 30.0 and stored[money.key] == 250_075
    [project] = sheets.group_rows(demo_db, sheets.sheet_id(structure, 2026, "thematic"), "projects")
    assert (project.title, project.amount_cents) == ("Maison de santé", 18_000_000)


def test_fingerprints_are_json_in_a_hidden_column(demo_db):
    data = sheet_template_xlsx(demo_db, _structure_id(demo_db), 2026, "core_missions")
    sheet = load_workbook(io.BytesIO(data))["Indicateurs"]
    assert sheet.column_dimensions["H"].hidden and sheet.column_dimensions["I"].hidden
    prints = json.loads(sheet["I4"].value)
    assert set(prints) == {"name", "unit", "target", "actual", "cumulative", "source", "comment"}
    report = import_sheet_workbook(demo_db, _edit(data, {("Indicateurs", "I4"): "{abîmé"}))
    assert report.problems == ["Indicateurs, I4 : cellule technique modifiée ; demandez un nouveau classeur"]


def test_posts_default_values_and_bool_cells(demo_db):
    sid = _sheet(demo_db)
    post = sheets.add_group_row(demo_db, sid, "posts", title="Directeur", fte=1.0, vacant=True)
    data = sheet_template_xlsx(demo_db, _structure_id(demo_db), 2026, "core_missions")
    sheet = load_workbook(io.BytesIO(data))["Moyens humains"]
    assert (sheet["A4"].value, sheet["C4"].value, sheet["F4"].value, sheet["G4"].value) == (
        "Directeur", 1.0, "Oui", None)
    report = import_sheet_workbook(demo_db, _edit(data, {("Moyens humains", "F4"): "non",
                                                         ("Moyens humains", "G4"): "État; autre"}))
    assert report.problems == [] and report.changed_fields == 2
    with demo_db.reader() as session:
        row = session.get(SheetPost, post.id)
        assert row.vacant is False and sheets.post_funding(row) == ["state", "other"]


def test_writes_and_reads_a_workbook_file(demo_db, tmp_path: Path):
    from petr_desktop.exports.files import atomic_write_bytes

    target = atomic_write_bytes(tmp_path / "fiche.xlsx",
                                sheet_template_xlsx(demo_db, _structure_id(demo_db), 2026, "collective"))
    assert zipfile.is_zipfile(target)
    assert import_sheet_workbook(demo_db, target.read_bytes()).problems == []
