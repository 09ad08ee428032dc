"""Rotating backups, restore (service, CLI, dialog) and the offer to restore a damaged database."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from petr_desktop.cli import main
from petr_desktop.services import backups, profile
from petr_desktop.storage.backup import backup_to_folder, prune
from petr_desktop.storage.migrations import open_database


def _replica(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT replica_id FROM sync_local").fetchone()[0]


def _damage(path: Path) -> None:
    """Overwrite pages past the header: a SQLite file failing integrity_check."""
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for start in range(page * 2, len(data) - 100, page):
        data[start + 8:start + 60] = b"\xff" * 52
    path.write_bytes(bytes(data))


def test_rotation_keeps_the_newest_n_per_kind(db, tmp_path, monkeypatch):
    folder = tmp_path / "backups"
    for _ in range(4):
        backup_to_folder(db.path, folder, "avant-import", keep=3)
    backup_to_folder(db.path, folder, "avant-migration-0003", keep=3)
    manual = backups.make_backup(db)
    found = backups.list_backups(folder)
    assert [b.reason_label for b in found].count("avant import") == 3
    assert {b.reason_label for b in found} == {"avant import", "avant migration", "manuelle"}
    assert found[0].path == manual and found[0].size > 0 and "à" in found[0].date_label
    monkeypatch.setenv("PETR_DESKTOP_BACKUPS_KEEP", "1")
    backups.make_backup(db, "avant-import")
    assert [b.reason for b in backups.list_backups(folder)].count("avant-import") == 1
    (folder / "notes.txt").write_text("à garder")
    prune(folder, "manuelle", 0)
    assert (folder / "notes.txt").exists() and all(b.kind != "manuelle" for b in backups.list_backups(folder))


def test_daily_backup_only_when_due(db):
    first = backups.daily_backup_if_due(db)
    assert first is not None and backups.daily_backup_if_due(db) is None


def test_restore_replaces_content_and_gives_a_new_replica_id(db):
    profile.set_profile(db, "Avant Restauration", "", "AR", "Poste")
    saved = backups.make_backup(db)
    profile.set_profile(db, "Après Sauvegarde", "", "AS", "Poste")
    path = db.path
    db.close()
    before = _replica(path)
    previous = backups.restore(path, saved)
    assert previous is not None and backups.list_backups(path.parent / "backups")[0].reason == "avant-restauration"
    restored = open_database(path)
    try:
        assert profile.get_profile(restored).user_name == "Avant Restauration"
        assert _replica(path) != before
    finally:
        restored.close()


def test_restore_of_a_corrupt_or_foreign_file_is_refused(db, tmp_path):
    good = backups.make_backup(db)
    damaged = tmp_path / "abimee.sqlite"
    damaged.write_bytes(good.read_bytes())
    _damage(damaged)
    foreign = tmp_path / "autre.sqlite"
    with closing(sqlite3.connect(foreign)) as conn:
        conn.execute("CREATE TABLE t(x)")
    garbage = tmp_path / "texte.sqlite"
    garbage.write_bytes(b"ceci n'est pas une base" * 100)
    path = db.path
    db.close()
    content = path.read_bytes()
    for bad, words in ((damaged, "endommagé"), (foreign, "Carnet PETR"), (garbage, "pas une base")):
        with pytest.raises(backups.BackupError, match=words):
            backups.restore(path, bad)
    assert path.read_bytes() == content


def test_cli_restore_and_backups(tmp_path, capsys):
    path = tmp_path / "cli.sqlite"
    assert main(["--db", str(path), "init"]) == 0
    assert main(["--db", str(path), "backup"]) == 0
    capsys.readouterr()
    assert main(["--db", str(path), "backups", "--verifier"]) == 0
    out = capsys.readouterr().out
    assert "manuelle" in out and "saine" in out and "1 sauvegarde(s)" in out
    saved = backups.list_backups(tmp_path / "backups")[0].path
    assert main(["--db", str(path), "restore", str(saved)]) == 1        # no terminal, no --oui
    assert "relancez avec --oui" in capsys.readouterr().err
    assert main(["--db", str(path), "restore", str(saved), "--oui"]) == 0
    out = capsys.readouterr().out
    assert "va être remplacée" in out and "Sauvegarde restaurée" in out
    garbage = tmp_path / "faux.sqlite"
    garbage.write_bytes(b"x" * 4096)
    content = path.read_bytes()
    assert main(["--db", str(path), "restore", str(garbage), "--oui"]) == 1
    err = capsys.readouterr().err
    assert "restauration refusée" in err and "n'a pas été modifiée" in err and "Traceback" not in err
    assert path.read_bytes() == content


@pytest.fixture
def damaged_base(db):
    """A database whose backups are: an old sound one, then a newer damaged one; the base is garbage."""
    good = backups.make_backup(db, "quotidienne")
    bad = backups.make_backup(db, "avant-import")
    _damage(bad)
    path = db.path
    db.close()
    path.write_bytes(b"\x00garbage" * 2048)
    return path, good


def test_damaged_database_decision(damaged_base):
    path, good = damaged_base
    questions = []
    assert not _offer(path, questions, answer=False)
    assert path.read_bytes().startswith(b"\x00garbage") and "Restaurer la dernière sauvegarde saine" in questions[0]
    assert _offer(path, questions, answer=True)
    assert backups.is_sound(path, full=True)


def _offer(path, questions, answer):
    from petr_desktop.ui.startup import offer_restore

    return offer_restore(path, "endommagée", lambda text: questions.append(text) or answer)


def test_damaged_database_at_start_up_is_restored(qapp, damaged_base, message_boxes):
    from petr_desktop.ui.startup import open_database_or_explain

    path, _good = damaged_base
    assert open_database_or_explain(path, ask=lambda _text: False) is None
    assert message_boxes and message_boxes[-1][0] == "critical"
    db = open_database_or_explain(path, ask=lambda _text: True)
    assert db is not None
    try:
        assert profile.get_profile(db) is not None
    finally:
        db.close()


def test_dialog_lists_and_backs_up_now(db, make_context, qtbot, message_boxes):
    from petr_desktop.ui.dialogs.backups_dialog import BackupsDialog

    backups.make_backup(db, "avant-import")
    dialog = BackupsDialog(make_context(db))
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 1).text() == "avant import"
    dialog.backup_button.click()
    assert dialog.table.rowCount() == 2 and dialog.table.item(0, 1).text() == "manuelle"
    dialog.table.selectRow(0)
    dialog.check_button.click()
    assert dialog.table.item(0, 3).text() == "saine"


def test_settings_page_opens_the_backups_dialog(db, make_window):
    main_window = make_window(db)
    from petr_desktop.ui.pages.settings import SettingsPage

    page = main_window.show_page(SettingsPage)
    page.backups_button.click()
    assert page.backups_dialog.isVisible() and page.backups_dialog.table.rowCount() == 0
    page.backups_dialog.close()


def test_dialog_restore_closes_the_database_then_asks_to_restart(db, make_context, qtbot, message_boxes):
    from petr_desktop.ui.dialogs.backups_dialog import BackupsDialog

    backups.make_backup(db, "manuelle")
    dialog = BackupsDialog(make_context(db))
    qtbot.addWidget(dialog)
    quits = []
    dialog.quit_application = lambda: quits.append(True)
    dialog.table.selectRow(0)
    dialog.restore_button.click()
    assert quits == [True]
    assert [kind for kind, _text in message_boxes] == ["question", "information"]
    assert "relancez" in message_boxes[-1][1]
    assert backups.list_backups(db.path.parent / "backups")[0].reason == "avant-restauration"
