"""Rotating backups, restore (service, CLI, dialog) and the offer to restore a damaged database."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from petr_desktop.cli import main
from petr_desktop.paths import resolve
from petr_desktop.services import backups, profile
from petr_desktop.services.errors import InvalidValueError
from petr_desktop.storage import instance_lock
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


# --- restore refused while Carnet PETR runs --------------------------------------------------------

CHILD_HOLDING_THE_LOCK = """
import sys, time
from pathlib import Path
from PySide6.QtCore import QCoreApplication
from petr_desktop.ui.startup import single_instance_lock
app = QCoreApplication([])
lock = single_instance_lock(Path(sys.argv[1]))
print("verrou" if lock is not None else "refus", flush=True)
time.sleep(60)
"""


@pytest.fixture
def sleeper():
    """Another process, alive for the length of the test."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _write_lock(folder: Path, pid: int, app_name: str | None = None, host: str | None = None,
                host_id: str | None = None, boot_id: str | None = None) -> Path:
    """A lock file as Qt 6 writes it: pid, process name, host name, machine id, boot id."""
    if app_name is None:
        import psutil

        try:
            app_name = Path(psutil.Process(pid).exe()).name
        except psutil.Error:
            app_name = "python3"
    lines = [str(pid), app_name, instance_lock.host_name() if host is None else host,
             instance_lock.machine_id() if host_id is None else host_id,
             instance_lock.boot_id() if boot_id is None else boot_id]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "carnet-petr.lock"
    path.write_text("".join(f"{line}\n" for line in lines), "utf-8")
    return path


def test_restore_is_refused_while_the_app_runs_in_another_process(db, isolated_home, sleeper):
    saved = backups.make_backup(db)
    path = db.path
    db.close()
    content = path.read_bytes()
    _write_lock(isolated_home, sleeper.pid)
    assert backups.running_app(path).pid == sleeper.pid
    with pytest.raises(backups.AppRunningError) as refused:
        backups.restore(path, saved)
    assert str(refused.value) == ("Carnet PETR est ouvert sur cet ordinateur : fermez-le avant de restaurer "
                                  "une sauvegarde.")
    assert path.read_bytes() == content
    assert [b.reason for b in backups.list_backups(path.parent / "backups")] == ["manuelle"]   # no « avant »


def test_a_lock_beside_the_database_counts_too(db, sleeper):
    saved = backups.make_backup(db)
    db.close()
    _write_lock(db.path.parent, sleeper.pid)
    with pytest.raises(backups.AppRunningError):
        backups.restore(db.path, saved)


def test_locks_that_do_not_block(db, isolated_home, sleeper):
    """A dead pid, a reused pid, a lock from before the last reboot, from another computer, or unreadable."""
    saved = backups.make_backup(db)
    path = db.path
    db.close()
    stale = [dict(pid=_dead_pid()), dict(pid=sleeper.pid, app_name="tout-autre-programme"),
             dict(pid=sleeper.pid, host="autre-poste", host_id="0" * 32)]
    if instance_lock.boot_id():
        stale.append(dict(pid=sleeper.pid, boot_id="00000000-0000-0000-0000-000000000000"))
    for fields in stale:
        _write_lock(isolated_home, **fields)
        assert backups.running_app(path) is None, fields
    (isolated_home / "carnet-petr.lock").write_bytes(b"\x00\xff pas un verrou")
    assert backups.running_app(path) is None
    _write_lock(isolated_home, _dead_pid())
    assert backups.restore(path, saved) is not None and backups.is_sound(path, full=True)


def test_a_lock_that_cannot_be_read_blocks(db, isolated_home):
    """On Windows, Qt may keep its lock open without sharing: there but unreadable means held."""
    saved = backups.make_backup(db)
    db.close()
    (isolated_home / "carnet-petr.lock").mkdir(parents=True)      # reading it fails with an OSError
    with pytest.raises(backups.AppRunningError):
        backups.restore(db.path, saved)


def test_no_lock_or_our_own_lock_does_not_block(db, isolated_home):
    saved = backups.make_backup(db)
    db.close()
    assert backups.running_app(db.path) is None
    _write_lock(isolated_home, os.getpid())          # the app restoring its own database
    assert backups.running_app(db.path) is None
    assert backups.restore(db.path, saved) is not None


def test_a_real_qt_lock_is_read(db, isolated_home):
    """The lock of a process holding Qt's QLockFile blocks; once that process is gone, it no longer does."""
    saved = backups.make_backup(db)
    db.close()
    child = subprocess.Popen([sys.executable, "-c", CHILD_HOLDING_THE_LOCK, str(isolated_home)],
                             stdout=subprocess.PIPE, text=True, env=os.environ | {"QT_QPA_PLATFORM": "offscreen"})
    try:
        assert child.stdout.readline().strip() == "verrou"
        info = instance_lock.read_lock(isolated_home / "carnet-petr.lock")
        assert info.pid == child.pid and info.host_name == instance_lock.host_name()
        assert backups.running_app(db.path) == info
        with pytest.raises(backups.AppRunningError):
            backups.restore(db.path, saved)
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    assert (isolated_home / "carnet-petr.lock").exists()      # killed: the lock stays, stale
    assert backups.running_app(db.path) is None
    assert backups.restore(db.path, saved) is not None


def test_cli_restore_refuses_while_the_app_runs(tmp_path, isolated_home, sleeper, capsys):
    path = tmp_path / "cli.sqlite"
    assert main(["--db", str(path), "init"]) == 0
    assert main(["--db", str(path), "backup"]) == 0
    saved = backups.list_backups(tmp_path / "backups")[0].path
    capsys.readouterr()
    replica = _replica(path)
    _write_lock(isolated_home, sleeper.pid)
    assert main(["--db", str(path), "restore", str(saved), "--oui"]) == 1
    captured = capsys.readouterr()
    assert ("Carnet PETR est ouvert sur cet ordinateur : fermez-le avant de restaurer une sauvegarde."
            in captured.err) and "va être remplacée" not in captured.out and "Traceback" not in captured.err
    assert _replica(path) == replica and len(backups.list_backups(tmp_path / "backups")) == 1    # untouched
    _write_lock(isolated_home, _dead_pid())
    assert main(["--db", str(path), "restore", str(saved), "--oui"]) == 0
    assert "Sauvegarde restaurée" in capsys.readouterr().out


def test_dialog_restore_works_while_the_app_holds_its_own_lock(db, make_context, qtbot, isolated_home,
                                                               message_boxes):
    from petr_desktop.ui.dialogs.backups_dialog import BackupsDialog
    from petr_desktop.ui.startup import single_instance_lock

    lock = single_instance_lock(isolated_home)
    assert lock is not None
    try:
        backups.make_backup(db, "manuelle")
        dialog = BackupsDialog(make_context(db))
        qtbot.addWidget(dialog)
        dialog.quit_application = lambda: None
        dialog.table.selectRow(0)
        dialog.restore_button.click()
        assert [kind for kind, _text in message_boxes] == ["question", "information"]
        assert backups.list_backups(db.path.parent / "backups")[0].reason == "avant-restauration"
    finally:
        lock.unlock()


# --- how many backups are kept: a setting of this computer -----------------------------------------

def test_keep_setting_round_trip(isolated_home, monkeypatch):
    monkeypatch.delenv("PETR_DESKTOP_BACKUPS_KEEP", raising=False)
    assert backups.keep_per_kind() == 10
    assert backups.set_keep_per_kind(4) == 4 and backups.keep_per_kind() == 4
    stored = resolve().local_settings
    assert stored.parent == isolated_home and json.loads(stored.read_text("utf-8")) == {"backups_keep": 4}
    for bad in (1, 101, 0, "5", True):
        with pytest.raises(InvalidValueError, match="compris entre 2 et 100"):
            backups.set_keep_per_kind(bad)
    assert backups.keep_per_kind() == 4
    monkeypatch.setenv("PETR_DESKTOP_BACKUPS_KEEP", "7")          # the variable wins (tests, scripts)
    assert backups.keep_per_kind() == 7
    monkeypatch.delenv("PETR_DESKTOP_BACKUPS_KEEP")
    stored.write_text("{abîmé", "utf-8")
    assert backups.keep_per_kind() == 10                          # unreadable: the default
    assert backups.set_keep_per_kind(3) == 3 and backups.keep_per_kind() == 3


def test_rotation_honours_the_setting_and_a_lowered_one_prunes_every_kind(db, tmp_path):
    folder = tmp_path / "backups"
    backups.set_keep_per_kind(3)
    for _ in range(5):
        backups.make_backup(db)
    assert [b.kind for b in backups.list_backups(folder)] == ["manuelle"] * 3
    for _ in range(4):
        backup_to_folder(db.path, folder, "avant-import", keep=10)
    backups.set_keep_per_kind(2)
    backups.daily_backup_if_due(db)
    kinds = [b.kind for b in backups.list_backups(folder)]
    assert sorted(kinds) == ["avant-import"] * 2 + ["manuelle"] * 2 + ["quotidienne"]


def test_cli_backup_honours_the_setting(tmp_path):
    path = tmp_path / "cli.sqlite"
    assert main(["--db", str(path), "init"]) == 0
    backups.set_keep_per_kind(2)
    for _ in range(3):
        assert main(["--db", str(path), "backup"]) == 0
    assert [b.kind for b in backups.list_backups(tmp_path / "backups")] == ["manuelle"] * 2


def test_settings_page_changes_the_number_kept(db, make_window):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from petr_desktop.ui.pages.settings import SettingsPage

    page = make_window(db).show_page(SettingsPage)
    spin = page.backups.keep
    assert spin.value() == 10 and (spin.minimum(), spin.maximum()) == (2, 100)
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin, "4")
    QTest.keyClick(spin, Qt.Key.Key_Return)
    assert backups.keep_per_kind() == 4 and "Réglage enregistré" in page.backups.message.text()
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin, "150")                                  # the 0 is refused, and said so
    assert "« 150 » n'est pas accepté" in page.backups.message.text()
    assert "entre 2 et 100" in page.backups.message.text()
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin, "1")
    QTest.keyClick(spin, Qt.Key.Key_Return)                       # too few: the previous value stays
    assert "« 1 » n'est pas accepté" in page.backups.message.text()
    assert spin.value() == 4 and backups.keep_per_kind() == 4
    spin.stepUp()
    assert backups.keep_per_kind() == 5
    page.activate()
    assert spin.value() == 5 and page.backups.message.text() == ""


def test_next_backup_removes_what_a_killed_backup_left(db, tmp_path):
    """A backup killed before its rename leaves ``….sqlite.tmp`` (and its journal): never listed,
    and removed by a later backup once it is clearly abandoned."""
    import os
    import time

    folder = tmp_path / "kept"
    stale = folder / "carnet-petr-2026-11-01_10-00-00-quotidienne.sqlite.tmp"
    journal = stale.with_name(stale.name + "-journal")
    fresh = folder / "carnet-petr-2026-11-29_10-00-00-manuelle.sqlite.tmp"       # a backup being written
    folder.mkdir()
    for path in (stale, journal, fresh):
        path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    an_hour_ago = time.time() - 3600
    for path in (stale, journal):
        os.utime(path, (an_hour_ago, an_hour_ago))
    assert backups.list_backups(folder) == []
    backup_to_folder(db.path, folder, "manuelle", keep=10)
    assert not stale.exists() and not journal.exists() and fresh.exists()
    assert [b.kind for b in backups.list_backups(folder)] == ["manuelle"]
