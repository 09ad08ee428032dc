"""Demo data: realistic, complete, consistent."""
from __future__ import annotations

from petr_desktop.domain.models import Minutes, SignOff
from petr_desktop.services import maintenance, minutes, money, records, sheets, structures
from petr_desktop.services.reference import structure_id


def test_demo_covers_every_structure_and_both_years(demo_db):
    stats = maintenance.stats(demo_db)
    assert stats["structure"] == 30 and stats["meeting"] >= 120 and stats["evaluation_sheet"] == 180
    assert stats["decision"] > 200 and stats["action"] > 300 and stats["indicator"] > 400
    for row in structures.list_structures(demo_db):
        assert {s.year for s in sheets.list_sheets(demo_db, structure_id=row.id)} == {2025, 2026}
        assert [m.year for m in money.summary(demo_db, row.id)] == [2025, 2026]
    assert maintenance.check(demo_db) == []


def test_demo_minutes_are_signed_and_verifiable(demo_db):
    signed = [m for m in records.list_rows(demo_db, Minutes) if m.status == "signed"]
    assert len(signed) == len(records.list_rows(demo_db, SignOff)) > 50
    assert all(minutes.verify_signature(demo_db, m.id) for m in signed[:10])


def test_demo_text_is_french(demo_db):
    board = minutes.action_board(demo_db, structure_id=structure_id("Pays de Langres"))
    assert board and any("é" in row.text or "è" in row.text for row in board)
    assert all(row.owner_name and row.due_on and row.structure_name == "Pays de Langres" for row in board)
