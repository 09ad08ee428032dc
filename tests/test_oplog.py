"""Capture: every field change written from now on is an op of the log (SYNC.md)."""
from __future__ import annotations

import json
import sqlite3

from hypothesis import given
from hypothesis import strategies as st

from petr_desktop.domain.models import LOCAL_COLUMNS, Person, Structure
from petr_desktop.services import maintenance, records
from petr_desktop.sync import hlc


def _ops(db, row_id=None):
    with sqlite3.connect(db.path) as conn:
        conn.row_factory = sqlite3.Row
        query = "SELECT * FROM sync_op" + (" WHERE row_id = ?" if row_id else "") + " ORDER BY rowid"
        return [dict(r) for r in conn.execute(query, (row_id,) if row_id else ())]


def test_insert_mints_one_op_per_column(empty_db):
    person = records.create(empty_db, Person, full_name="Claire Martin", email="claire@petr.fr")
    ops = _ops(empty_db, person.id)
    columns = set(Person.model_fields) - LOCAL_COLUMNS
    assert {op["field"] for op in ops} == columns
    assert len(ops) == len(columns)
    by_field = {op["field"]: op for op in ops}
    assert json.loads(by_field["full_name"]["value"]) == "Claire Martin"
    assert by_field["deleted"]["kind"] == "create"
    assert len({op["batch_id"] for op in ops}) == 1


def test_update_mints_only_the_changed_fields(empty_db):
    person = records.create(empty_db, Person, full_name="Claire Martin")
    before = len(_ops(empty_db))
    records.update(empty_db, Person, person.id, function="Directrice", full_name="Claire Martin")
    new = _ops(empty_db)[before:]
    assert [(op["field"], json.loads(op["value"])) for op in new] == [("function", "Directrice")]
    records.update(empty_db, Person, person.id, function="Directrice")    # no change, no op
    assert len(_ops(empty_db)) == before + 1


def test_every_field_of_every_table_is_captured(db):
    """Changing any replicated column of a row always gives exactly one op for it."""
    structure = records.list_rows(db, Structure)[0]
    for field, value in {"name": "Nouveau nom", "seat_town": "Toul", "siren": "200012345",
                         "active": False, "rurality_class": "B", "notes": "note"}.items():
        before = len(_ops(db))
        records.update(db, Structure, structure.id, **{field: value})
        new = _ops(db)[before:]
        assert [op["field"] for op in new] == [field]
    assert maintenance.check(db) == []


def test_soft_delete_is_a_tombstone(empty_db):
    person = records.create(empty_db, Person, full_name="À supprimer")
    records.delete(empty_db, Person, person.id)
    last = _ops(empty_db, person.id)[-1]
    assert (last["field"], last["value"], last["kind"]) == ("deleted", "1", "tombstone")


def test_seq_and_version_vector(empty_db):
    records.create(empty_db, Person, full_name="A")
    records.create(empty_db, Person, full_name="B")
    ops = _ops(empty_db)
    assert [op["seq"] for op in ops] == list(range(1, len(ops) + 1))
    assert len({op["replica_id"] for op in ops}) == 1
    with sqlite3.connect(empty_db.path) as conn:
        batches = conn.execute("SELECT ctx_vv, hlc FROM sync_batch ORDER BY hlc").fetchall()
        vv = dict(conn.execute("SELECT replica_id, seq FROM sync_vv"))
    assert len(batches) == 2
    assert json.loads(batches[-1][0]) == vv == {ops[0]["replica_id"]: len(ops)}
    assert batches[0][1] < batches[1][1]


def test_writes_from_outside_the_app_are_captured_at_the_next_unit_of_work(db):
    structure = records.list_rows(db, Structure)[0]
    with sqlite3.connect(db.path) as conn:
        conn.execute("UPDATE structure SET siren = '123456789' WHERE id = ?", (structure.id,))
    records.create(db, Person, full_name="Déclencheur")
    fields = [op["field"] for op in _ops(db, structure.id)]
    assert fields.count("siren") == 2
    assert maintenance.check(db) == []


def test_importer_flag_silences_capture(empty_db):
    person = records.create(empty_db, Person, full_name="A")
    with sqlite3.connect(empty_db.path) as conn:
        conn.execute("UPDATE sync_local SET applying = 1")
        conn.execute("UPDATE person SET email = 'x@y.fr' WHERE id = ?", (person.id,))
        assert conn.execute("SELECT count(*) FROM sync_dirty").fetchone()[0] == 0
        conn.execute("UPDATE sync_local SET applying = 0")


def test_check_reports_a_value_without_op(db):
    structure = records.list_rows(db, Structure)[0]
    with sqlite3.connect(db.path) as conn:
        conn.execute("UPDATE sync_local SET applying = 1")
        conn.execute("UPDATE structure SET siren = '999' WHERE id = ?", (structure.id,))
        conn.execute("UPDATE sync_local SET applying = 0")
    assert any("journal de synchronisation incomplet" in p for p in maintenance.check(db))


@given(st.lists(st.integers(min_value=0, max_value=2**40), min_size=1, max_size=50))
def test_hlc_never_goes_backwards(wall_clocks):
    last = 0
    for now in wall_clocks:
        nxt = hlc.tick(last, now)
        assert nxt > last
        assert hlc.unpack(nxt)[0] >= min(now, hlc.unpack(last)[0])
        last = nxt
