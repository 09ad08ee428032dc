"""Full-text search: accents and ligatures, kept in step with every write."""
from __future__ import annotations

import sqlite3

from petr_desktop.domain.models import AgendaItem, Structure
from petr_desktop.services import maintenance, meetings, minutes, records, sheets
from petr_desktop.services.reference import structure_id
from petr_desktop.services.search import search


def _meeting_with_notes(db, notes: str):
    meeting = meetings.create_meeting(db, "management_dialogue", "2026-03-10",
                                      structure_id=structure_id("Pays de Langres"))
    item = meetings.agenda(db, meeting.id)[0]
    records.update(db, AgendaItem, item.id, notes=notes)
    return meeting, item


def test_accents_and_ligatures_both_ways(db):
    _meeting_with_notes(db, "Une réunion sur la mise en œuvre du contrat ; Cœur de village et ex æquo.")
    for query in ("reunion", "réunion", "REUNION", "oeuvre", "œuvre", "coeur", "aequo", "mise oeuvre"):
        kinds = [h.kind for h in search(db, query)]
        assert "agenda_item" in kinds, query
    assert search(db, "réunionite") == []


def test_prefix_and_all_words(db):
    _meeting_with_notes(db, "Diagnostic partagé du modèle économique")
    assert [h.kind for h in search(db, "diagn econom")] == ["agenda_item"]
    assert search(db, "diagnostic inexistant") == []


def test_index_follows_updates_and_soft_deletes(db):
    meeting, item = _meeting_with_notes(db, "Première version du texte")
    assert search(db, "premiere")
    records.update(db, AgendaItem, item.id, notes="Texte corrigé")
    assert not search(db, "premiere")
    assert search(db, "corrige")[0].record_id == item.id
    records.delete(db, AgendaItem, item.id)
    assert not search(db, "corrige")
    assert maintenance.check(db) == []


def test_decisions_actions_and_sheet_answers_are_indexed(db):
    meeting, _ = _meeting_with_notes(db, "")
    record = minutes.open_minutes(db, meeting.id)
    minutes.add_decision(db, record.id, "Valider la trajectoire thématique")
    minutes.add_action(db, record.id, "Transmettre l'état récapitulatif", owner_name="Hélène Roux")
    sheet = sheets.open_sheet(db, structure_id("Pays de Langres"), 2026, "core_missions")
    sheets.set_answer(db, sheet.id, "faits_marquants.texte", "Ouverture d'une maison de santé")
    assert [h.kind for h in search(db, "trajectoire")] == ["decision"]
    assert [h.kind for h in search(db, "helene recapitulatif")] == ["action"]
    hit = search(db, "maison sante")[0]
    assert hit.kind == "sheet_answer" and "Pays de Langres" in hit.context


def test_search_structure_and_hostile_queries(db):
    hits = search(db, "deodatie")
    assert hits[0].kind == "structure" and hits[0].title == "Pays de la Déodatie"
    for query in ('"', "AND OR NOT", "*", "a\"b", "NEAR(", "'; DROP TABLE structure; --", "   ", ""):
        search(db, query)      # never an FTS syntax error
    assert len(records.list_rows(db, Structure)) == 30


def test_check_detects_a_damaged_index(db):
    with sqlite3.connect(db.path) as conn:
        conn.execute("DELETE FROM search_doc WHERE kind = 'structure'")
    problems = maintenance.check(db)
    assert any("index plein texte incomplet" in p for p in problems)
