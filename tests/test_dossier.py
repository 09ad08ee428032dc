"""The structure dossier read model, identity checks and contacts (services only)."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from petr_desktop.domain.models import Indicator, Meeting, MeetingStructure, Structure
from petr_desktop.services import dossier, meetings, minutes, money, records, sheets, structures
from petr_desktop.services.errors import InvalidValueError, NotFoundError
from petr_desktop.storage.database import raw_connection

TODAY = date(2026, 11, 28)


def _structure(db, name: str) -> str:
    return structures.find_structure(db, name).id


def test_read_model_matches_the_services_for_a_demo_structure(demo_db):
    sid = _structure(demo_db, "Bruche-Mossig")
    data = dossier.load(demo_db, sid, today=TODAY)

    assert data.identity.name == "Bruche-Mossig" and data.identity.seat_town == "Molsheim"
    assert data.identity.regional_office_name == "Strasbourg"
    assert "seat_town" in data.identity.to_verify
    assert len(data.offices) == 12

    expected_meetings = meetings.list_meetings(demo_db, structure_id=sid)
    assert len(data.meetings) == len(expected_meetings) == 4
    assert [m.id for m in data.meetings] == [m.id for m in expected_meetings]          # chronological
    assert [m.minutes_status for m in data.meetings] == ["signed", "signed", "signed", None]   # last: planned

    assert data.years == (2025, 2026, 2027)
    per_year = Counter(year for year, _kind in data.sheets)
    assert per_year == {2025: 3, 2026: 3}
    assert {c.id for c in data.sheets.values()} == {s.id for s in sheets.list_sheets(demo_db, structure_id=sid)}
    assert data.sheet(2025, "thematic").status == "validated"
    assert data.sheet(2027, "core_missions") is None

    summary = {s.year: s for s in money.summary(demo_db, sid)}
    assert [y.year for y in data.money] == [2025, 2026]
    for year in data.money:
        assert (year.requested_cents, year.voted_cents, year.paid_cents, year.remaining_cents) == (
            summary[year.year].requested_cents, summary[year.year].voted_cents, summary[year.year].paid_cents,
            summary[year.year].remaining_cents)
        assert [line.kind for line in year.lines] == ["core", "thematic", "collective"]
    y2025 = data.money[0]
    assert (y2025.voted_cents, y2025.paid_cents, y2025.remaining_cents) == (5_800_000, 5_680_000, 120_000)
    assert [p.kind for p in y2025.payments] == ["advance", "balance"]
    assert data.framework is not None and data.framework.number == "CC-2025-005"

    board = [a for a in minutes.action_board(demo_db, structure_id=sid, today=TODAY)
             if a.status in ("todo", "in_progress")]
    assert {a.id for a in data.actions} == {a.id for a in board}
    assert {a.id for a in data.actions if a.overdue} == {a.id for a in board if a.overdue}
    assert all(a.meeting_title.startswith("Dialogue de gestion") for a in data.actions)

    assert {c.full_name for c in data.contacts} == {c.full_name for c in structures.list_contacts(demo_db, sid)}
    assert len(data.contacts) == 3


def test_trajectory_follows_each_indicator_across_the_years(demo_db):
    sid = _structure(demo_db, "Bruche-Mossig")
    sheet_2027 = sheets.open_sheet(demo_db, sid, 2027, "core_missions")
    first = sheets.group_rows(demo_db, sheet_2027.id, "indicators")[0]
    records.update(demo_db, Indicator, first.id, target=15.0, actual=4.0)
    data = dossier.load(demo_db, sid, today=TODAY)
    projects = next(t for t in data.trajectory if t.kind == "core_missions" and t.name == first.name)
    assert projects.points[2025] == (12.0, 13.0) and projects.points[2026] == (12.0, 10.0)
    assert projects.points[2027] == (15.0, 4.0)
    assert projects.sheet_ids[2027] == sheet_2027.id
    assert [t.kind for t in data.trajectory] == sorted((t.kind for t in data.trajectory),
                                                       key=["core_missions", "thematic", "collective"].index)
    assert data.sheet(2027, "core_missions").status == "draft"


def test_read_model_uses_a_few_queries_in_one_snapshot(demo_db):
    sid = _structure(demo_db, "Pays de la Déodatie")
    statements: list[str] = []
    with demo_db.reader() as session:
        raw_connection(session).set_trace_callback(statements.append)
        data = dossier.load(session, sid)
        raw_connection(session).set_trace_callback(None)
    assert data.identity.name == "Pays de la Déodatie"
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert 0 < len(selects) <= 12


def test_meetings_the_structure_takes_part_in_are_on_its_timeline(demo_db):
    sid = _structure(demo_db, "Pays de Langres")
    network = meetings.create_meeting(demo_db, "directors_network", "12/02/2027", title="Réseau des directeurs")
    records.create(demo_db, MeetingStructure, meeting_id=network.id, structure_id=sid)
    gone = meetings.create_meeting(demo_db, "other", "13/02/2027", structure_id=sid, title="Annulée puis supprimée")
    records.delete(demo_db, Meeting, gone.id)
    timeline = dossier.load(demo_db, sid).meetings
    assert timeline[-1].id == network.id and timeline[-1].minutes_status is None
    assert gone.id not in {m.id for m in timeline}


def test_unknown_or_deleted_structure_is_not_found(demo_db):
    with pytest.raises(NotFoundError, match="structure introuvable"):
        dossier.load(demo_db, "00000000-0000-0000-0000-000000000000")
    sid = _structure(demo_db, "Pays Barrois")
    records.delete(demo_db, Structure, sid)
    with pytest.raises(NotFoundError):
        dossier.load(demo_db, sid)


def test_source_note_explains_a_flagged_field(db):
    data = dossier.load(db, _structure(db, "Bruche-Mossig"))
    note = data.identity.source_note("seat_town")
    assert "« Siège » à vérifier" in note and "Siège : Molsheim (à vérifier)" in note
    assert "Sources :" in note and "docslib.org" in note
    assert data.identity.source_note("president") == ""


# --- identity rules ---------------------------------------------------------------------------------

def test_siren_is_nine_digits_and_normalised(db):
    sid = _structure(db, "Pays de Langres")
    assert structures.update_structure(db, sid, siren="200 012 345").siren == "200012345"
    with pytest.raises(InvalidValueError, match=r"SIREN invalide : « 12345 » — il compte 9 chiffres"):
        structures.update_structure(db, sid, siren="12345")
    with pytest.raises(InvalidValueError, match="SIREN invalide"):
        structures.update_structure(db, sid, siren="20001234A")
    assert dossier.load(db, sid).identity.siren == "200012345"
    assert structures.update_structure(db, sid, siren="").siren == ""


def test_departments_and_name_are_checked(db):
    sid = _structure(db, "Bande Rhénane Nord")
    row = structures.update_structure(db, sid, departments="67; 68 67")
    assert row.departments == "67,68" and "departments" not in row.to_verify
    with pytest.raises(InvalidValueError, match="département invalide : « ALSACE »"):
        structures.update_structure(db, sid, departments="Alsace")
    with pytest.raises(InvalidValueError, match="le nom de la structure ne peut pas être vide"):
        structures.update_structure(db, sid, name="   ")


def test_editing_a_flagged_field_clears_only_its_flag(db):
    sid = _structure(db, "Bruche-Mossig")
    before = set(dossier.load(db, sid).identity.to_verify)
    row = structures.update_structure(db, sid, seat_town="  Mutzig ")
    assert row.seat_town == "Mutzig"
    assert set(row.to_verify.split(",")) == before - {"seat_town"}
    structures.flag_to_verify(db, sid, "president")
    assert "president" in dossier.load(db, sid).identity.to_verify
    structures.flag_to_verify(db, sid, "president", flagged=False)
    assert "president" not in dossier.load(db, sid).identity.to_verify
    with pytest.raises(InvalidValueError, match="champ inconnu « sources »"):
        structures.flag_to_verify(db, sid, "sources")


# --- contacts ------------------------------------------------------------------------------------------

def test_contacts_add_edit_delete_with_french_checks(db):
    sid = _structure(db, "Pays de la Déodatie")
    added = structures.add_contact(db, sid, "Hélène Thiébaut", "Chargée de mission santé",
                                   "helene.thiebaut@deodatie.fr", "03 29 00 00 00")
    assert [c.full_name for c in structures.list_contacts(db, sid)] == ["Hélène Thiébaut"]
    with pytest.raises(InvalidValueError, match="adresse e-mail invalide : « helene@deodatie »"):
        structures.add_contact(db, sid, "Autre", email="helene@deodatie")
    with pytest.raises(InvalidValueError, match="le nom du contact est obligatoire"):
        structures.add_contact(db, sid, "  ")
    with pytest.raises(InvalidValueError, match="numéro de téléphone invalide"):
        structures.update_contact(db, added.id, phone="appeler le standard")
    edited = structures.update_contact(db, added.id, function="Directrice", email="direction@deodatie.fr")
    assert (edited.function, edited.email) == ("Directrice", "direction@deodatie.fr")
    structures.delete_contact(db, added.id)
    assert structures.list_contacts(db, sid) == []
    assert dossier.load(db, sid).contacts == ()


def test_offices_are_listed_in_french_order(db):
    names = [name for _id, name in structures.list_offices(db)]
    assert len(names) == 12 and names.index("Épinal") < names.index("Metz")
