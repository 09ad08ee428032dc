"""Reference data: 30 structures, 12 offices, flags, idempotence, identical ids everywhere."""
from __future__ import annotations

from petr_desktop.domain.models import RegionalOffice
from petr_desktop.services import maintenance, records, reference, structures
from petr_desktop.storage.migrations import open_database


def test_thirty_structures_and_twelve_offices(db):
    rows = structures.list_structures(db)
    assert len(rows) == 30
    assert len(records.list_rows(db, RegionalOffice)) == 12
    assert all(r.regional_office for r in rows)
    deodatie = next(r for r in rows if r.name == "Pays de la Déodatie")
    assert (deodatie.departments, deodatie.regional_office, deodatie.seat_town) == ("88", "Épinal", "Saint-Dié-des-Vosges")


def test_inferred_values_are_flagged_and_editable(db):
    rows = {r.name: r for r in structures.list_structures(db)}
    molsheim = rows["Bruche-Mossig"]
    assert "seat_town" in molsheim.to_verify and molsheim.seat_town == "Molsheim"
    remiremont = rows["Remiremont et ses vallées"]
    assert remiremont.legal_form == "mixed_syndicate"
    assert "legal_form" in remiremont.to_verify          # « passage en PETR à vérifier »
    structures.update_structure(db, molsheim.id, seat_town="Mutzig")
    updated = {r.name: r for r in structures.list_structures(db)}["Bruche-Mossig"]
    assert updated.seat_town == "Mutzig" and "seat_town" not in updated.to_verify
    structures.flag_to_verify(db, molsheim.id, "seat_town")
    assert "seat_town" in {r.name: r for r in structures.list_structures(db)}["Bruche-Mossig"].to_verify


def test_loading_twice_changes_nothing_and_keeps_user_edits(db):
    sid = reference.structure_id("Pays Barrois")
    structures.update_structure(db, sid, seat_town="Ligny-en-Barrois")
    dump = maintenance.dump(db)
    assert reference.load_reference(db) == 0
    assert maintenance.dump(db) == dump


def test_two_laptops_initialised_separately_agree_on_every_id(tmp_path):
    dumps = []
    for name in ("a", "b"):
        database = open_database(tmp_path / f"{name}.sqlite", replica_name=name)
        reference.load_reference(database)
        dumps.append(maintenance.dump(database))
    assert dumps[0] == dumps[1]


def test_find_structure_accents_optional(db):
    assert structures.find_structure(db, "deodatie").name == "Pays de la Déodatie"
    assert structures.find_structure(db, "PAYS DE LANGRES").name == "Pays de Langres"
    import pytest

    from petr_desktop.services.errors import NotFoundError
    with pytest.raises(NotFoundError, match="plusieurs structures"):
        structures.find_structure(db, "pays de")
    with pytest.raises(NotFoundError, match="aucune structure"):
        structures.find_structure(db, "Atlantide")


def test_office_matching():
    data = reference.read_reference()
    offices = data["maisons_de_region"]
    assert reference.match_office(offices, "Maison de la Région d'Épinal") == "Épinal"
    assert reference.match_office(offices, "Maison de la Région de la Marne — Reims et/ou Châlons-en-Champagne") \
        == "Reims et/ou Châlons-en-Champagne (Marne)"
    assert reference.match_office(offices, "Maison de la Région de Bar-le-Duc / Saint-Dizier") == "Bar-le-Duc / Saint-Dizier"
