"""Use cases and their rules: validation, references, workflows, freezing, numbering."""
from __future__ import annotations

from datetime import date

import pytest

from petr_desktop.domain.models import Action, AgendaItem, Decision, Indicator, Meeting, Minutes, Person
from petr_desktop.services import meetings, minutes, money, records, sheets
from petr_desktop.services.errors import (FrozenRecordError, InvalidValueError, NotFoundError,
                                          TransitionError)
from petr_desktop.services.reference import structure_id

LANGRES = structure_id("Pays de Langres")


@pytest.fixture
def meeting(db) -> Meeting:
    return meetings.create_meeting(db, "management_dialogue", "12/03/2026", structure_id=LANGRES,
                                   start_time="09:30", place_kind="video")


def test_meeting_gets_title_and_default_agenda(db, meeting):
    assert meeting.title == "Dialogue de gestion 2026 — Pays de Langres"
    assert meeting.meeting_date == date(2026, 3, 12)
    items = meetings.agenda(db, meeting.id)
    assert len(items) == 8 and items[0].title == "Tour de table et contexte du territoire"
    meetings.add_agenda_item(db, meeting.id, "Questions diverses")
    assert meetings.agenda(db, meeting.id)[-1].position == 9


def test_bad_values_get_french_messages(db):
    with pytest.raises(InvalidValueError, match="date invalide"):
        meetings.create_meeting(db, "management_dialogue", "31/02/2026", structure_id=LANGRES)
    with pytest.raises(InvalidValueError, match="valeur inconnue"):
        meetings.create_meeting(db, "apéro", "01/02/2026", structure_id=LANGRES)
    with pytest.raises(InvalidValueError, match="heure invalide"):
        meetings.create_meeting(db, "management_dialogue", "01/02/2026", structure_id=LANGRES, start_time="25h")
    with pytest.raises(NotFoundError, match="structure introuvable"):
        meetings.create_meeting(db, "management_dialogue", "01/02/2026", structure_id="nope")
    with pytest.raises(InvalidValueError, match="champ inconnu"):
        records.create(db, Person, nickname="Clo")
    assert meetings.list_meetings(db) == []          # nothing half-written


def test_participants_from_contacts_or_typed(db, meeting):
    person = records.create(db, Person, full_name="Hélène Roux", function="Directrice",
                            organisation_name="PETR du Pays de Langres", structure_id=LANGRES)
    meetings.add_participant(db, meeting.id, person_id=person.id)
    meetings.add_participant(db, meeting.id, full_name="Invité surprise", status="excused")
    rows = meetings.participants(db, meeting.id)
    assert [(r.full_name, r.function, r.status) for r in rows] == [
        ("Hélène Roux", "Directrice", "present"), ("Invité surprise", "", "excused")]


def test_numbering_of_decisions_and_actions(db, meeting):
    record = minutes.open_minutes(db, meeting.id)
    d1 = minutes.add_decision(db, record.id, "Valider la trajectoire")
    d2 = minutes.add_decision(db, record.id, "Reporter l'avenant")
    records.delete(db, Decision, d2.id)
    d3 = minutes.add_decision(db, record.id, "Retenir la piste")
    assert [d1.number, d2.number, d3.number] == [1, 2, 3]           # a deleted number is not reused
    assert [d.number for d in minutes.decisions(db, record.id)] == [1, 3]
    a1 = minutes.add_action(db, record.id, "Envoyer la fiche", owner_name="Hélène Roux", due_on="30/04/2026",
                            decision_id=d1.id)
    a2 = minutes.add_action(db, record.id, "Organiser une réunion")
    assert (a1.number, a2.number, a1.structure_id, a1.due_on) == (1, 2, LANGRES, date(2026, 4, 30))


def test_open_minutes_is_a_singleton(db, meeting):
    first = minutes.open_minutes(db, meeting.id)
    again = minutes.open_minutes(db, meeting.id)
    assert first.id == again.id == minutes.minutes_id(meeting.id)
    assert len(records.list_rows(db, Minutes)) == 1


def test_minutes_workflow_and_freeze(db, meeting):
    record = minutes.open_minutes(db, meeting.id)
    item = meetings.agenda(db, meeting.id)[0]
    records.update(db, AgendaItem, item.id, notes="Contexte du territoire")
    decision = minutes.add_decision(db, record.id, "Valider")
    action = minutes.add_action(db, record.id, "Envoyer la fiche")
    with pytest.raises(TransitionError, match="ne peut pas passer"):
        minutes.sign(db, record.id, "Isabelle Kuntz", "Chargée de mission")       # draft → signed: refused
    minutes.submit_for_validation(db, record.id)
    minutes.back_to_draft(db, record.id)
    minutes.submit_for_validation(db, record.id)
    with pytest.raises(InvalidValueError):
        records.update(db, Minutes, record.id, status="signed")                   # not by plain edit
    sign_off = minutes.sign(db, record.id, "Isabelle Kuntz", "Chargée de mission")
    assert len(sign_off.content_sha256) == 64
    assert minutes.verify_signature(db, record.id)

    frozen_edits = [
        lambda: records.update(db, Minutes, record.id, summary="ajout"),
        lambda: records.update(db, AgendaItem, item.id, notes="réécrit"),
        lambda: records.update(db, Decision, decision.id, text="autre"),
        lambda: records.delete(db, Decision, decision.id),
        lambda: minutes.add_decision(db, record.id, "nouvelle"),
        lambda: minutes.add_action(db, record.id, "nouvelle"),
        lambda: records.update(db, Action, action.id, text="autre"),
        lambda: meetings.add_agenda_item(db, meeting.id, "Point ajouté"),
        lambda: meetings.add_participant(db, meeting.id, full_name="Retardataire"),
        lambda: records.update(db, Meeting, meeting.id, title="Autre titre"),
        lambda: minutes.back_to_draft(db, record.id),
    ]
    for edit in frozen_edits:
        with pytest.raises((FrozenRecordError, TransitionError)):
            edit()
    assert minutes.verify_signature(db, record.id)
    # the follow-up of actions goes on after signing
    done = minutes.set_action_status(db, action.id, "done")
    assert done.status == "done" and done.done_on == date.today()
    assert minutes.verify_signature(db, record.id)
    # corrections are amendments linked to the original
    amendment = minutes.add_amendment(db, record.id, "Erreur de date", "Lire 14 mars au lieu de 12 mars.")
    assert (amendment.root_id, amendment.number) == (record.id, 1)
    assert [a.id for a in minutes.amendments(db, record.id)] == [amendment.id]


def test_amendment_needs_signed_minutes(db, meeting):
    record = minutes.open_minutes(db, meeting.id)
    with pytest.raises(FrozenRecordError, match="relevé signé"):
        minutes.add_amendment(db, record.id, "x", "y")


def test_action_board(db, meeting):
    record = minutes.open_minutes(db, meeting.id)
    minutes.add_action(db, record.id, "En retard", owner_name="Hélène", due_on="01/01/2026")
    late_done = minutes.add_action(db, record.id, "Faite", owner_name="Marc", due_on="01/01/2026")
    minutes.set_action_status(db, late_done.id, "done")
    minutes.add_action(db, record.id, "À venir", owner_name="Hélène", due_on="01/01/2030")
    rows = minutes.action_board(db, today=date(2026, 6, 1))
    assert [(r.label, r.overdue) for r in rows] == [("A1", True), ("A2", False), ("A3", False)]
    assert [r.label for r in minutes.action_board(db, owner="hélène")] == ["A1", "A3"]
    assert [r.label for r in minutes.action_board(db, status="done")] == ["A2"]
    assert minutes.action_board(db, structure_id=structure_id("Pays Barrois")) == []


def test_sheet_singleton_defaults_and_typed_answers(db):
    sheet = sheets.open_sheet(db, LANGRES, 2026, "core_missions")
    assert sheets.open_sheet(db, LANGRES, 2026, "core_missions").id == sheet.id
    docs = sheets.group_rows(db, sheet.id, "supporting_documents")
    assert len(docs) == 6 and docs[0].name
    assert len(sheets.group_rows(db, sheet.id, "indicators")) == 5
    template = sheets.load_template("core_missions", 2026)
    int_field = next(f for f in template.fields_by_key.values() if f.type == "integer")
    money_field = next(f for f in template.fields_by_key.values() if f.type == "money")
    choice_field = next(f for f in template.fields_by_key.values() if f.type == "choice")
    sheets.set_answer(db, sheet.id, int_field.key, "12")
    sheets.set_answer(db, sheet.id, money_field.key, "12 500,00 €")
    sheets.set_answer(db, sheet.id, choice_field.key, choice_field.choices[0])
    assert sheets.answers(db, sheet.id) == {int_field.key: 12, money_field.key: 1_250_000,
                                            choice_field.key: choice_field.choices[0]}
    for key, bad in ((int_field.key, "douze"), (money_field.key, "beaucoup"), (choice_field.key, "peut-être")):
        with pytest.raises(InvalidValueError, match="invalide"):
            sheets.set_answer(db, sheet.id, key, bad)
    from petr_desktop.domain.forms import TemplateError
    with pytest.raises(TemplateError, match="champ inconnu"):
        sheets.set_answer(db, sheet.id, "nope.nope", "x")


def test_two_sheets_created_separately_get_the_same_ids(tmp_path):
    from petr_desktop.services import maintenance, reference
    from petr_desktop.storage.migrations import open_database

    dumps = []
    for name in ("a", "b"):
        database = open_database(tmp_path / f"{name}.sqlite")
        reference.load_reference(database)
        sheets.open_sheet(database, LANGRES, 2026, "thematic")
        dumps.append({t: {r["id"] for r in rows}
                      for t, rows in __import__("json").loads(maintenance.dump(database)).items()})
    assert dumps[0] == dumps[1]


def test_sheet_workflow_freezes_when_validated(db):
    sheet = sheets.open_sheet(db, LANGRES, 2025, "thematic")
    indicator = sheets.group_rows(db, sheet.id, "indicators")[0]
    with pytest.raises(TransitionError):
        sheets.transition(db, sheet.id, "validated")
    for status in ("received", "reviewed_in_dialogue", "validated"):
        sheets.transition(db, sheet.id, status)
    with pytest.raises(FrozenRecordError, match="fiche est validée"):
        sheets.set_answer(db, sheet.id, "theme.theme_precise", "Mobilité solidaire")
    with pytest.raises(FrozenRecordError):
        records.update(db, Indicator, indicator.id, actual=3)
    with pytest.raises(FrozenRecordError):
        sheets.add_group_row(db, sheet.id, "projects", title="Nouveau projet")
    sheets.transition(db, sheet.id, "archived")


def test_prefill_from_previous_year_never_overwrites(db):
    last = sheets.open_sheet(db, LANGRES, 2025, "thematic")
    sheets.set_answer(db, last.id, "theme.theme", "Mobilité")
    sheets.set_answer(db, last.id, "objectif_triennal.objectif", "Objectif 2025-2027")
    sheets.add_group_row(db, last.id, "indicators", name="Covoiturage : trajets", unit="trajets", target=100)
    this = sheets.open_sheet(db, LANGRES, 2026, "thematic")
    sheets.set_answer(db, this.id, "theme.theme", "Habitat")
    copied = sheets.prefill_from_previous_year(db, this.id)
    assert copied == 2
    values = sheets.answers(db, this.id)
    assert values["theme.theme"] == "Habitat" and values["objectif_triennal.objectif"] == "Objectif 2025-2027"
    assert "Covoiturage : trajets" in [r.name for r in sheets.group_rows(db, this.id, "indicators")]
    assert sheets.prefill_from_previous_year(db, this.id) == 0


def test_money(db):
    agreement = money.annual_agreement(db, LANGRES, 2026, cp_date="11/04/2026", deliberation_no="CP2026-04-017")
    assert money.annual_agreement(db, LANGRES, 2026).id == agreement.id
    money.set_aid_line(db, agreement.id, "core", voted_cents="45 000,00 €", requested_cents=4_700_000)
    money.set_aid_line(db, agreement.id, "thematic", voted_cents=2_000_000)
    money.add_payment(db, agreement.id, "advance", "32 500", status="paid", paid_on="02/06/2026")
    money.add_payment(db, agreement.id, "balance", 3_250_000, status="planned")
    [year] = money.summary(db, LANGRES)
    assert (year.year, year.voted_cents, year.paid_cents, year.remaining_cents) == (2026, 6_500_000, 3_250_000, 3_250_000)
    with pytest.raises(InvalidValueError, match="montant invalide"):
        money.add_payment(db, agreement.id, "advance", "trente mille")
