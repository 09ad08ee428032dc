"""The good practices library: tagging a note, a decision or a sheet answer, filters, themes, and
the digest (PDF through the shared machinery) read back with pdftotext."""
from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from petr_desktop.domain.models import AgendaItem, Practice
from petr_desktop.domain.values import NNBSP
from petr_desktop.services import exports, meetings, minutes, practices, records, reference, sheets
from petr_desktop.services.errors import InvalidValueError, NotFoundError

LANGRES = reference.structure_id("Pays de Langres")
CHAUMONT = reference.structure_id("Pays de Chaumont")


@pytest.fixture
def sources(db):
    """A dialogue with notes and a decision (Langres, 2026), a network meeting, and a sheet answer (Chaumont, 2025)."""
    dialogue = meetings.create_meeting(db, "management_dialogue", date(2026, 3, 12), structure_id=LANGRES)
    item = meetings.agenda(db, dialogue.id)[1]
    records.update(db, AgendaItem, item.id, notes="Un comité des financeurs se réunit chaque trimestre.")
    record = minutes.open_minutes(db, dialogue.id)
    decision = minutes.add_decision(db, record.id, "Retenir la piste « prestations aux EPCI »")
    network = meetings.create_meeting(db, "directors_network", date(2025, 6, 12), title="Réseau des directeurs")
    shared = meetings.agenda(db, network.id)[1]
    records.update(db, AgendaItem, shared.id, notes="Témoignage sur la mutualisation d'un poste d'économe de flux.")
    sheet = sheets.open_sheet(db, CHAUMONT, 2025, "collective")
    answer = sheets.set_answer(db, sheet.id, "bilan.acquis", "Méthode de diagnostic du modèle économique partagée.")
    return {"item": item, "decision": decision, "record": record, "shared": shared, "answer": answer}


def _tag_all(db, sources):
    practices.tag_practice(db, "agenda_item", sources["item"].id, "Ingénierie de projets",
                           "Un comité des financeurs", "À proposer aux autres PETR.")
    economy = "Modèle économique et diversification des ressources"
    practices.tag_practice(db, "decision", sources["decision"].id, economy, "Des prestations facturées aux EPCI", "")
    practices.tag_practice(db, "sheet_answer", sources["answer"].id, economy, "Une méthode de diagnostic partagée",
                           "Issue du chantier collectif.")
    practices.tag_practice(db, "agenda_item", sources["shared"].id, "Transition énergétique et climat",
                           "Un économe de flux mutualisé", "")


def test_tag_from_each_kind_of_source(db, sources):
    _tag_all(db, sources)
    rows = {r.title: r for r in practices.list_practices(db)}
    note = rows["Un comité des financeurs"]
    assert (note.structure_name, note.year, note.source_kind) == ("Pays de Langres", 2026, "Notes de réunion")
    assert note.source_label.startswith("Point 2 « ") and "(12 mars 2026)" in note.source_label
    assert note.source_text.startswith("Un comité des financeurs") and (note.open_kind, note.open_id[:8]) == (
        "meeting", sources["item"].meeting_id[:8])
    decision = rows["Des prestations facturées aux EPCI"]
    assert (decision.structure_name, decision.year) == ("Pays de Langres", 2026)
    assert decision.source_label.startswith("Décision D1 — ")
    answer = rows["Une méthode de diagnostic partagée"]
    assert (answer.structure_name, answer.year, answer.open_kind) == ("Pays de Chaumont", 2025, "sheet")
    assert answer.source_label == "Fiche « Chantier collectif » 2025 — « Acquis et apports de la formation »"
    shared = rows["Un économe de flux mutualisé"]
    assert (shared.structure_id, shared.structure_name, shared.year) == (None, practices.NETWORK, 2025)


def test_signed_minutes_can_still_be_tagged(db, sources):
    minutes.submit_for_validation(db, sources["record"].id)
    minutes.sign(db, sources["record"].id, "Isabelle Kuntz", "Chargée de mission")
    practice = practices.tag_practice(db, "decision", sources["decision"].id, "Gouvernance et instances", "Titre")
    assert practice.year == 2026


def test_tagging_is_checked(db, sources):
    with pytest.raises(InvalidValueError, match="thématique"):
        practices.tag_practice(db, "decision", sources["decision"].id, " ", "Titre")
    with pytest.raises(InvalidValueError, match="titre"):
        practices.tag_practice(db, "decision", sources["decision"].id, "Mobilité", "")
    with pytest.raises(InvalidValueError, match="source inconnue"):
        practices.tag_practice(db, "action", sources["decision"].id, "Mobilité", "Titre")
    with pytest.raises(NotFoundError):
        practices.tag_practice(db, "agenda_item", "absent", "Mobilité", "Titre")
    empty = meetings.agenda(db, sources["item"].meeting_id)[0]
    with pytest.raises(InvalidValueError, match="pas encore de notes"):
        practices.tag_practice(db, "agenda_item", empty.id, "Mobilité", "Titre")
    assert records.list_rows(db, Practice) == []


def test_filters(db, sources):
    _tag_all(db, sources)
    titles = lambda **kw: [r.title for r in practices.list_practices(db, **kw)]  # noqa: E731
    assert titles(theme="modele economique ET diversification des ressources") == [
        "Des prestations facturées aux EPCI", "Une méthode de diagnostic partagée"]       # latest year first
    assert titles(structure_id=LANGRES) == ["Un comité des financeurs", "Des prestations facturées aux EPCI"]
    assert titles(year=2025) == ["Une méthode de diagnostic partagée", "Un économe de flux mutualisé"]
    assert titles(text="econome FLUX") == ["Un économe de flux mutualisé"]
    assert titles(text="trimestre") == ["Un comité des financeurs"]                   # found in the source's text
    assert titles(text="chaumont chantier") == ["Une méthode de diagnostic partagée"]
    assert titles(theme="Mobilité") == []
    assert practices.practice_years(db) == [2026, 2025]


def test_update_and_remove(db, sources):
    _tag_all(db, sources)
    row = practices.list_practices(db, text="comité")[0]
    practices.update_practice(db, row.id, "Gouvernance et instances", "Un comité des financeurs trimestriel", "Note")
    assert practices.list_practices(db, theme="Gouvernance et instances")[0].title.endswith("trimestriel")
    practices.remove_practice(db, row.id)
    assert practices.list_practices(db, text="comité") == []
    assert len(practices.practices_of(db, "decision", sources["decision"].id)) == 1


def test_themes_are_the_defaults_then_those_typed(db, sources):
    defaults = practices.themes(db)
    assert defaults[:2] == ["Gouvernance et instances", "Animation territoriale et participation"]
    assert "Santé / CLS" in defaults
    practices.tag_practice(db, "decision", sources["decision"].id, "Circuits courts", "Titre")
    practices.tag_practice(db, "decision", sources["decision"].id, "santé / cls", "Titre")
    assert practices.themes(db) == defaults + ["Circuits courts"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext absent")
def test_the_digest_pdf(db, sources, tmp_path):
    _tag_all(db, sources)
    result = exports.export_practices(db, tmp_path / "recueil.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(result.path), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("Recueil des bonnes pratiques et retours d'expérience",
                     "Toutes les thématiques · toutes les structures · toutes les années",
                     "4 bonnes pratiques et retours d'expérience repérés", "Thématiques",
                     "Modèle économique et diversification des ressources (2)", "Ingénierie de projets (1)",
                     "Un comité des financeurs", f"Structure{chr(0xa0)}: Pays de Langres",
                     f"Source{chr(0xa0)}: Point 2", "Réseau (plusieurs structures)",
                     f"Extrait de la source{chr(0xa0)}: Un comité des financeurs se réunit chaque trimestre.",
                     "Décision D1 — Dialogue de gestion 2026 — Pays de Langres (12 mars 2026)",
                     f"Retenir la piste «{NNBSP}prestations aux EPCI{NNBSP}»",
                     "Recueil établi le"):
        assert expected in text, expected
    assert text.index("Ingénierie de projets (1)") < text.index("Modèle économique et diversification des "
                                                                "ressources (2)")
    filtered = exports.export_practices(db, tmp_path / "mobilite.pdf", theme="Transition énergétique et climat",
                                        year=2025)
    text = subprocess.run(["pdftotext", str(filtered.path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Thématique\u00a0: Transition énergétique et climat · toutes les structures · année 2025" in text
    assert "Une bonne pratique repérée" in text and "comité des financeurs" not in text
    with pytest.raises(InvalidValueError, match="format de fichier"):
        exports.export_practices(db, tmp_path / "recueil.docx")


def test_an_empty_digest_says_so(db, tmp_path):
    from petr_desktop.exports.pdf.practices import practices_pdf

    data = practices_pdf(db, theme="Mobilité")
    assert data.startswith(b"%PDF")
    doc = practices.digest_document(db, theme="Mobilité")
    assert doc.count == 0 and doc.scope.startswith("Thématique : Mobilité")
