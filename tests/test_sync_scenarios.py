"""SYNC.md « Tests that must exist »: scenarios between real databases exchanging real files."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from petr_desktop.domain.models import Action, Decision, Meeting, Minutes, SYNCED_MODELS
from petr_desktop.services import maintenance, meetings, minutes, records, reference, sheets, sync, sync_review
from petr_desktop.services.errors import ServiceError
from petr_desktop.storage.database import raw_connection
from petr_desktop.storage.migrations import open_database
from petr_desktop.sync import hlc
from petr_desktop.sync.materialize import differences
from petr_desktop.sync.policy import REGISTRY, Policy
from helpers.sync_replicas import dumps, exchange_all, make_replicas

IDS: dict[str, str] = {}


@pytest.fixture(scope="session")
def sync_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sync") / "template.sqlite"
    db = open_database(path)
    reference.load_reference(db)
    structure = reference.structure_id("Pays de la Déodatie")
    meeting = meetings.create_meeting(db, "management_dialogue", "2026-11-12", structure_id=structure)
    record = minutes.open_minutes(db, meeting.id, author="Isabelle Kuntz")
    records.update(db, Minutes, record.id, summary="Premier paragraphe.\n\nDeuxième paragraphe.")
    decision = minutes.add_decision(db, record.id, "Valider la trajectoire")
    action = minutes.add_action(db, record.id, "Envoyer le tableau", owner_name="Claire Martin")
    IDS.update(structure=structure, meeting=meeting.id, minutes=record.id, decision=decision.id,
               action=action.id)
    db.close()
    return path


@pytest.fixture
def pair(sync_template, tmp_path):
    a, b = make_replicas(sync_template, tmp_path, "Portable", "Bureau")
    yield a, b
    a.db.close(), b.db.close()


def converged(*replicas) -> bool:
    states = [dumps(r.state()) for r in replicas]
    return all(s == states[0] for s in states)


def assert_sound(*replicas) -> None:
    for r in replicas:
        with r.db.reader() as session:
            assert differences(raw_connection(session)) == []
        assert maintenance.check(r.db) == []


# --- Policy registry ------------------------------------------------------------------

def test_every_synced_column_has_a_merge_policy():
    for model in SYNCED_MODELS:
        columns = {c.name for c in model.__table__.columns} - {"id", "updated_at"}
        assert set(REGISTRY[model.__tablename__]) == columns, model.__tablename__
        for column in model.__table__.columns:
            if column.info.get("merge") == "keep_both":
                assert REGISTRY[model.__tablename__][column.name] is Policy.KEEP_BOTH
    assert set(REGISTRY) == {m.__tablename__ for m in SYNCED_MODELS}


# --- Scenarios --------------------------------------------------------------------------

def test_same_short_field_on_two_laptops_last_writer_wins_and_loser_can_be_restored(pair):
    a, b = pair
    records.update(a.db, Meeting, IDS["meeting"], place="Saint-Dié")
    records.update(b.db, Meeting, IDS["meeting"], place="Épinal")
    report = b.receive(a.export())
    a.receive(b.export())
    assert converged(a, b)
    winner = records.get(a.db, Meeting, IDS["meeting"]).place
    assert winner in ("Saint-Dié", "Épinal")
    both = {report.overwrites, 0}
    assert sync_review.open_conflict_count(a.db) == 0
    # the loser is journaled on the replica where it lost, and can be restored
    loser_side = a if winner == "Épinal" else b
    journal = sync_review.overwrites(loser_side.db)
    assert len(journal) == 1 and journal[0].lost.text != winner and journal[0].won.text == winner
    sync_review.restore_overwrite(loser_side.db, journal[0].lost_op_id)
    restored = records.get(loser_side.db, Meeting, IDS["meeting"]).place
    assert restored != winner
    exchange_all([a, b])
    assert converged(a, b) and records.get(a.db, Meeting, IDS["meeting"]).place == restored
    assert both and sync_review.overwrites(loser_side.db) == []
    assert_sound(a, b)


def test_same_minutes_text_on_two_laptops_is_a_conflict_resolved_in_the_merge(pair):
    a, b = pair
    records.update(a.db, Minutes, IDS["minutes"], summary="Premier paragraphe revu par A.\n\nDeuxième paragraphe.")
    records.update(b.db, Minutes, IDS["minutes"], summary="Premier paragraphe.\n\nDeuxième paragraphe complété par B.")
    report = b.receive(a.export())
    a.receive(b.export())
    assert report.conflicts == 1 and converged(a, b)
    [view] = sync_review.conflicts(b.db)
    assert [c.conflict_id for c in sync_review.conflicts(a.db)] == [view.conflict_id]
    assert view.is_text and view.field_label == "synthèse" and view.title.startswith("Relevé du 12 novembre 2026")
    assert json.loads(view.base) == "Premier paragraphe.\n\nDeuxième paragraphe."
    assert {json.loads(s.value) for s in view.sides} == {
        "Premier paragraphe revu par A.\n\nDeuxième paragraphe.",
        "Premier paragraphe.\n\nDeuxième paragraphe complété par B."}
    assert {s.device for s in view.sides} == {"Portable", "Bureau"}
    from petr_desktop.sync.textmerge import merge3

    suggestion = merge3(json.loads(view.base), *(json.loads(s.value) for s in view.sides))
    assert suggestion.clean
    sync_review.resolve(b.db, view.conflict_id, value=suggestion.text)
    assert sync_review.open_conflict_count(b.db) == 0
    exchange_all([a, b])
    assert converged(a, b)
    assert records.get(a.db, Minutes, IDS["minutes"]).summary == \
        "Premier paragraphe revu par A.\n\nDeuxième paragraphe complété par B."
    assert sync_review.open_conflict_count(a.db) == 0
    assert_sound(a, b)


def test_keeping_the_shown_value_still_closes_the_conflict_everywhere(pair):
    a, b = pair
    records.update(a.db, Decision, IDS["decision"], text="Version A")
    records.update(b.db, Decision, IDS["decision"], text="Version B")
    exchange_all([a, b])
    [view] = sync_review.conflicts(a.db)
    shown = records.get(a.db, Decision, IDS["decision"]).text
    letter = next(s.letter for s in view.sides if json.loads(s.value) == shown)
    sync_review.resolve(a.db, view.conflict_id, keep=letter)
    exchange_all([a, b])
    assert sync_review.open_conflict_count(b.db) == 0 and converged(a, b)


def test_identical_concurrent_edits_are_not_a_conflict(pair):
    a, b = pair
    for r in pair:
        records.update(r.db, Minutes, IDS["minutes"], next_steps="Relancer le PETR en janvier.")
    exchange_all([a, b])
    assert converged(a, b) and sync_review.open_conflict_count(a.db) == 0
    assert sync_review.overwrites(a.db) == [] and sync_review.overwrites(b.db) == []


def test_two_laptops_create_the_same_sheet_offline_one_row(pair):
    a, b = pair
    sa = sheets.open_sheet(a.db, IDS["structure"], 2026, "core_missions")
    sb = sheets.open_sheet(b.db, IDS["structure"], 2026, "core_missions")
    assert sa.id == sb.id
    sheets.set_answer(a.db, sa.id, "faits_marquants.texte", "Adoption du projet de territoire")
    exchange_all([a, b])
    assert converged(a, b)
    assert b.scalar("SELECT count(*) FROM evaluation_sheet WHERE structure_id = ? AND year = 2026",
                    IDS["structure"]) == 1
    assert sheets.answers(b.db, sa.id)["faits_marquants.texte"] == "Adoption du projet de territoire"
    assert sync_review.open_conflict_count(a.db) == 0
    assert_sound(a, b)


def test_delete_against_concurrent_edit_keeps_the_row_in_conflict(pair):
    a, b = pair
    records.delete(a.db, Action, IDS["action"])
    records.update(b.db, Action, IDS["action"], text="Envoyer le tableau complété")
    exchange_all([a, b])
    assert converged(a, b)
    row = records.get(a.db, Action, IDS["action"])          # not deleted
    assert row.text == "Envoyer le tableau complété"
    [view] = sync_review.conflicts(a.db)
    assert view.kind == "delete_edit" and "supprimé sur un poste" in view.summary
    sync_review.resolve(a.db, view.conflict_id, keep="a")    # confirm the deletion
    exchange_all([a, b])
    assert converged(a, b) and sync_review.open_conflict_count(b.db) == 0
    with pytest.raises(ServiceError):
        records.get(b.db, Action, IDS["action"])


def test_delete_after_seeing_the_edit_deletes_without_conflict(pair):
    a, b = pair
    records.update(b.db, Action, IDS["action"], text="Envoyer le tableau complété")
    a.receive(b.export())
    records.delete(a.db, Action, IDS["action"])
    exchange_all([a, b])
    assert converged(a, b) and sync_review.open_conflict_count(a.db) == 0
    assert b.scalar("SELECT deleted FROM action WHERE id = ?", IDS["action"]) == 1


def test_same_file_imported_twice_changes_nothing(pair):
    a, b = pair
    records.update(a.db, Meeting, IDS["meeting"], place="Saint-Dié")
    path = a.export()
    first = b.receive(path)
    before = dumps(b.state())
    second = b.receive(path)
    assert first.status == "imported" and second.status == "duplicate"
    assert "Déjà importé" in "\n".join(second.lines())
    assert dumps(b.state()) == before


def test_files_out_of_order_and_a_lost_file_recovered_by_the_next_export(pair):
    a, b = pair
    records.update(a.db, Meeting, IDS["meeting"], place="Saint-Dié")
    first = a.export(for_peer="Bureau")
    records.update(a.db, Minutes, IDS["minutes"], next_steps="Point d'étape en mars")
    second = a.export(for_peer="Bureau")
    b.receive(second)                        # the second file first
    b.receive(first)
    assert records.get(b.db, Meeting, IDS["meeting"]).place == "Saint-Dié"
    records.update(a.db, Minutes, IDS["minutes"], vigilance_points="Vacance du poste de directeur")
    a.export(for_peer="Bureau")               # this file is lost
    # the office never acknowledged it: the next file for the office carries it again
    records.update(a.db, Meeting, IDS["meeting"], place="Gérardmer")
    b.receive(a.export(for_peer="Bureau"))
    assert records.get(b.db, Minutes, IDS["minutes"]).vigilance_points == "Vacance du poste de directeur"
    b_to_a = b.export(for_peer="Portable")
    a.receive(b_to_a)
    assert converged(a, b)


def test_incremental_export_sends_only_what_the_peer_lacks(pair):
    a, b = pair
    exchange_all([a, b])
    records.update(a.db, Meeting, IDS["meeting"], place="Saint-Dié")
    result = sync.export(a.db, a.folder / "inc.petrsync", for_peer="Bureau")
    assert result.op_count == 1
    total = a.scalar("SELECT count(*) FROM sync_op")
    assert sync.export(a.db, a.folder / "all.petrsync", everything=True).op_count == total > 500


def test_relay_through_the_office(sync_template, tmp_path):
    marie, office, jean = make_replicas(sync_template, tmp_path, "Marie", "Office", "Jean")
    records.update(marie.db, Minutes, IDS["minutes"], next_steps="Relayé par le bureau")
    office.receive(marie.export())
    jean.receive(office.export())
    assert records.get(jean.db, Minutes, IDS["minutes"]).next_steps == "Relayé par le bureau"
    records.update(jean.db, Meeting, IDS["meeting"], place="Remiremont")
    office.receive(jean.export())
    marie.receive(office.export())
    assert converged(marie, office, jean)


def test_unknown_or_revoked_device_is_refused_with_how_to_enrol(sync_template, tmp_path):
    a, b = make_replicas(sync_template, tmp_path, "Portable", "Bureau", enrol=False)
    records.update(a.db, Meeting, IDS["meeting"], place="Saint-Dié")
    path = a.export()
    before = dumps(b.state())
    with pytest.raises(ServiceError) as refused:
        b.receive(path)
    assert "n'est pas enrôlé" in str(refused.value) and "sync enrol" in str(refused.value)
    assert dumps(b.state()) == before
    assert list((b.folder / "sync" / "quarantine").iterdir())
    assert sync.history(b.db)[0].status == "refused"
    sync.enrol(b.db, sync.write_key_file(a.db, a.folder / "k.json"))
    assert b.receive(path).status == "imported"
    sync.revoke(b.db, "Portable")
    records.update(a.db, Meeting, IDS["meeting"], place="Épinal")
    with pytest.raises(ServiceError, match="révoqué"):
        b.receive(a.export())


def test_encrypted_file_and_wrong_passphrase(pair):
    a, b = pair
    records.update(a.db, Meeting, IDS["meeting"], place="Saint-Dié")
    path = a.export(passphrase="cheval correct")
    before = dumps(b.state())
    from petr_desktop.sync.container import PassphraseNeeded

    with pytest.raises(PassphraseNeeded):
        b.receive(path)
    with pytest.raises(ServiceError, match="mot de passe incorrect ou fichier altéré"):
        b.receive(path, passphrase="cheval")
    assert dumps(b.state()) == before
    assert b.receive(path, passphrase="cheval correct").status == "imported"


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_damaged_files_are_refused_and_nothing_changes(pair, damage):
    a, b = pair
    records.update(a.db, Minutes, IDS["minutes"], summary="Texte qui ne doit pas arriver")
    path = a.export()
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[len(data) // 3] ^= 0x20
    else:
        data = bytearray(b"PK\x03\x04" + bytes(range(256)) * 4)
    path.write_bytes(bytes(data))
    before = dumps(b.state())
    with pytest.raises(ServiceError):
        b.receive(path)
    assert dumps(b.state()) == before


def test_file_from_a_newer_schema_is_refused(pair, monkeypatch):
    a, b = pair
    from petr_desktop.services import sync as sync_service

    monkeypatch.setattr(sync_service, "known_revisions", lambda: ["0001", "0002", "0003", "0004", "0099"])
    path = a.export()
    monkeypatch.undo()
    before = dumps(b.state())
    with pytest.raises(ServiceError, match="version plus récente"):
        b.receive(path)
    assert dumps(b.state()) == before


@pytest.mark.parametrize("skew_hours", [-3, +5, -(25 * 365 * 24), +(365 * 24)])
def test_skewed_clocks_never_decide_causality(pair, monkeypatch, skew_hours):
    """A later edit made after seeing an earlier one wins, whatever the clocks say."""
    a, b = pair
    real = hlc.wall_ms
    records.update(b.db, Meeting, IDS["meeting"], place="Saint-Dié")           # correct clock
    a.receive(b.export())
    monkeypatch.setattr(hlc, "wall_ms", lambda: real() + skew_hours * 3_600_000)
    records.update(a.db, Meeting, IDS["meeting"], place="Épinal")               # skewed, but later
    path = a.export()
    monkeypatch.setattr(hlc, "wall_ms", real)
    report = b.receive(path)
    assert records.get(b.db, Meeting, IDS["meeting"]).place == "Épinal"
    assert report.overwrites == 0
    if skew_hours > 1:
        assert any("en avance" in w for w in report.clock_warnings)
    if skew_hours < -1000:
        assert any("antérieure à 2020" in w for w in report.clock_warnings)
    # the receiving clock never jumps more than 24 h ahead
    ms, _ = hlc.unpack(b.scalar("SELECT hlc FROM sync_local"))
    assert ms <= real() + 24 * 3_600_000 + 60_000
    exchange_all([a, b])
    assert converged(a, b)


def test_restored_backup_or_copied_database_gets_a_new_replica_id(pair, tmp_path):
    a, _b = pair
    before = a.scalar("SELECT replica_id FROM sync_local")
    copy = maintenance.backup(a.db, tmp_path / "copie.sqlite")
    a.db.close()
    shutil.copy(copy, a.folder / "carnet.sqlite")
    for suffix in ("-wal", "-shm"):
        (a.folder / f"carnet.sqlite{suffix}").unlink(missing_ok=True)
    restored = open_database(a.folder / "carnet.sqlite")
    after = restored.engine.raw_connection()
    try:
        replica_id, seq = after.execute("SELECT replica_id, seq FROM sync_local").fetchone()
    finally:
        after.close()
    assert replica_id != before and seq == 0
    # reopening the same file does not change it again
    restored.close()
    again = open_database(a.folder / "carnet.sqlite")
    with again.reader() as session:
        assert raw_connection(session).execute("SELECT replica_id FROM sync_local").fetchone()[0] == replica_id
    again.close()
    a.db = open_database(a.folder / "carnet.sqlite")


def test_edit_concurrent_with_a_sign_off_becomes_a_proposal(pair):
    a, b = pair
    minutes.submit_for_validation(a.db, IDS["minutes"])
    exchange_all([a, b])
    minutes.sign(a.db, IDS["minutes"], "Isabelle Kuntz", "Chargée de mission")
    records.update(b.db, Minutes, IDS["minutes"], summary="Ajout tardif sur le portable")
    minutes.add_decision(b.db, IDS["minutes"], "Décision prise après coup")
    exchange_all([a, b])
    assert converged(a, b)
    for r in pair:
        record = records.get(r.db, Minutes, IDS["minutes"])
        assert record.status == "signed" and "Ajout tardif" not in record.summary
        assert [d.text for d in minutes.decisions(r.db, IDS["minutes"])] == ["Valider la trajectoire"]
        assert minutes.verify_signature(r.db, IDS["minutes"])
    proposals = sync_review.proposals(a.db)
    assert sorted((p.field_label, p.proposed.text) for p in proposals) == [
        ("nouvel enregistrement (décision)", "Décision prise après coup"),
        ("synthèse", "Ajout tardif sur le portable")]
    summary = next(p for p in proposals if p.proposed.text == "Ajout tardif sur le portable")
    amendment = sync_review.amend_from_proposal(a.db, summary.op_id)
    assert amendment.root_id == IDS["minutes"] and amendment.body == "Ajout tardif sur le portable"
    assert "après validation" in amendment.reason
    other = next(p for p in sync_review.proposals(a.db) if p.proposed.text == "Décision prise après coup")
    sync_review.reject_proposal(a.db, other.op_id)
    assert sync_review.proposals(a.db) == []
    assert_sound(a, b)


def test_mass_deletion_asks_before_commit(pair):
    a, b = pair
    from petr_desktop.domain.models import Structure

    for structure in records.list_rows(a.db, Structure)[:10]:
        records.delete(a.db, Structure, structure.id)
    path = a.export()
    before = dumps(b.state())
    with pytest.raises(ServiceError, match="supprimait beaucoup"):
        b.receive(path, confirm_mass_delete=lambda counts: False)
    assert dumps(b.state()) == before
    asked = []
    report = b.receive(path, confirm_mass_delete=lambda counts: asked.append(counts) or True)
    assert asked == [{"structure": 10}] and report.deleted == {"structure": 10}


def test_tables_equal_a_rebuild_from_the_op_log_and_a_drift_is_reported(pair):
    a, b = pair
    records.update(a.db, Minutes, IDS["minutes"], summary="Texte A")
    records.update(b.db, Minutes, IDS["minutes"], summary="Texte B")
    exchange_all([a, b])
    assert_sound(a, b)
    with a.db.unit_of_work() as session:          # a value changed behind the log's back
        conn = raw_connection(session)
        conn.execute("UPDATE sync_local SET applying = 1")
        conn.execute("UPDATE minutes SET author = 'Quelqu''un' WHERE id = ?", (IDS["minutes"],))
        conn.execute("UPDATE sync_head SET value = '\"Quelqu''un\"' WHERE row_id = ? AND field = 'author'",
                     (IDS["minutes"],))
        conn.execute("UPDATE sync_local SET applying = 0")
    problems = maintenance.check(a.db)
    assert len(problems) == 1 and "reconstruction depuis le journal" in problems[0] and "author" in problems[0]


def test_signed_content_refuses_local_writes_even_below_the_services(pair):
    import sqlite3

    a, _b = pair
    minutes.submit_for_validation(a.db, IDS["minutes"])
    minutes.sign(a.db, IDS["minutes"], "Isabelle Kuntz", "Chargée de mission")
    for sql, args in (("UPDATE minutes SET summary = 'modifié' WHERE id = ?", (IDS["minutes"],)),
                      ("UPDATE decision SET text = 'modifiée' WHERE id = ?", (IDS["decision"],)),
                      ("UPDATE agenda_item SET notes = 'x' WHERE meeting_id = ?", (IDS["meeting"],)),
                      ("UPDATE meeting SET place = 'ailleurs' WHERE id = ?", (IDS["meeting"],))):
        with pytest.raises(sqlite3.IntegrityError, match="signé"):
            with a.db.unit_of_work() as session:
                raw_connection(session).execute(sql, args)
    with a.db.unit_of_work() as session:       # the follow-up of actions stays open
        raw_connection(session).execute("UPDATE action SET status = 'done' WHERE id = ?", (IDS["action"],))
    records.update(a.db, Meeting, IDS["meeting"], status="held")


def test_mutated_files_give_french_errors_and_leave_the_database_before_or_after(pair, tmp_path):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from petr_desktop.storage.backup import backup_file
    from helpers.sync_replicas import Replica

    a, b = pair
    records.update(a.db, Minutes, IDS["minutes"], summary="Texte à protéger « intact »")
    path = a.export()
    original = path.read_bytes()
    before = dumps(b.state())
    copy = open_database(backup_file(b.db.path, tmp_path / "after" / "carnet.sqlite"))
    sync.import_file(copy, path)
    after = dumps(Replica("après", copy, copy.path.parent).state())
    copy.close()
    assert after != before

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def mutate(data):
        blob = bytearray(original)
        for _ in range(data.draw(st.integers(1, 3))):
            action = data.draw(st.sampled_from(["flip", "cut", "insert"]))
            where = data.draw(st.integers(0, len(blob) - 1))
            if action == "flip":
                blob[where] ^= 1 << data.draw(st.integers(0, 7))
            elif action == "cut":
                del blob[where:where + data.draw(st.integers(1, 64))]
            else:
                blob[where:where] = data.draw(st.binary(min_size=1, max_size=16))
        mutated = tmp_path / "mutated.petrsync"
        mutated.write_bytes(bytes(blob))
        try:
            b.receive(mutated)
        except ServiceError as exc:
            assert str(exc) and "Traceback" not in str(exc)
            assert dumps(b.state()) in (before, after)    # after: an earlier mutation was harmless
        else:
            assert dumps(b.state()) == after              # only ignored bytes were hit

    mutate()


@pytest.mark.parametrize("step", [1, 2, 3, 4])
def test_cancelled_import_changes_nothing_and_can_be_run_again(pair, step):
    a, b = pair
    records.update(a.db, Minutes, IDS["minutes"], summary="Texte annulé puis importé")
    path = a.export()
    before = dumps(b.state())

    class Stop(Exception):
        pass

    def progress(done, total, text):
        assert total == 5 and text
        if done == step:
            raise Stop()

    with pytest.raises(Stop):
        sync.import_file(b.db, path, progress=progress)
    assert dumps(b.state()) == before
    assert not list((b.folder / "sync" / "incoming").iterdir())
    assert b.receive(path).status == "imported"
    assert records.get(b.db, Minutes, IDS["minutes"]).summary == "Texte annulé puis importé"


def test_cancelled_export_writes_nothing(pair):
    a, _b = pair
    out = a.folder / "annule"
    out.mkdir()

    def progress(done, total, text):
        if done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync.export(a.db, out, progress=progress)
    assert list(out.iterdir()) == [] and sync.history(a.db) == []


def test_authors_are_shown_by_name():
    assert sync_review.person("IK Isabelle Kuntz") == "Isabelle Kuntz"
    assert sync_review.person("Isabelle Kuntz") == "Isabelle Kuntz"
    assert sync_review.person("") == "?"


def test_ops_from_an_older_schema_are_upcast():
    from petr_desktop.sync.upcast import upcast_ops

    old = [{"tbl": "aid_application", "field": "status", "value": '"under_review"', "op_id": "x"},
           {"tbl": "aid_application", "field": "notes", "value": '"under_review"', "op_id": "y"}]
    assert [op["value"] for op in upcast_ops(old, "0004")] == ['"complete"', '"under_review"']
    assert upcast_ops(old, "0005") == old


def test_import_backs_up_the_state_from_before_it(pair, tmp_path):
    """The backup is copied while the import applies its ops: it must hold the state before."""
    a, b = pair
    records.update(b.db, Minutes, IDS["minutes"], summary="Avant l'import")
    records.update(a.db, Decision, IDS["decision"], text="Décision venue du portable")
    path = a.export()
    report = b.receive(path)
    assert report.status == "imported" and report.backup
    saved = open_database(shutil.copy(report.backup, tmp_path / "avant.sqlite"))
    try:
        assert records.get(saved, Decision, IDS["decision"]).text == "Valider la trajectoire"
        assert records.get(saved, Minutes, IDS["minutes"]).summary == "Avant l'import"
    finally:
        saved.close()
    assert records.get(b.db, Decision, IDS["decision"]).text == "Décision venue du portable"
    backups_before = sorted((b.folder / "backups").iterdir())
    assert b.receive(path).status == "duplicate"
    assert sorted((b.folder / "backups").iterdir()) == backups_before        # a duplicate needs no backup


def test_failed_backup_imports_nothing_and_keeps_the_file_out_of_quarantine(pair, monkeypatch):
    import errno

    from petr_desktop.storage import backup as storage_backup

    a, b = pair
    records.update(a.db, Decision, IDS["decision"], text="Décision venue du portable")
    path = a.export()
    before = dumps(b.state())

    def full_disk(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage_backup, "backup_to_folder", full_disk)
    with pytest.raises(sync.BackupFailed, match="la sauvegarde avant l'import n'a pas pu être écrite .*"
                                                "rien n'a été importé"):
        b.receive(path)
    assert dumps(b.state()) == before
    assert not list((b.folder / "sync").glob("quarantine/*"))            # the file is not to blame
    monkeypatch.undo()
    assert b.receive(path).status == "imported"
