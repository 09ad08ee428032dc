"""The command line: every command, and French errors without tracebacks."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from petr_desktop import __version__
from petr_desktop.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def base(tmp_path, capsys) -> Path:
    path = tmp_path / "cli.sqlite"
    assert run(capsys, "--db", str(path), "init")[0] == 0
    return path


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"Carnet PETR {__version__}"


def test_init_creates_the_reference_and_is_idempotent(tmp_path, capsys):
    path = tmp_path / "new" / "base.sqlite"
    code, out, _ = run(capsys, "--db", str(path), "init")
    assert code == 0 and "42 enregistrement(s) ajouté(s)" in out
    code, out, _ = run(capsys, "--db", str(path), "init")
    assert code == 0 and "0 enregistrement(s) ajouté(s)" in out


def test_structures(base, capsys):
    code, out, _ = run(capsys, "--db", str(base), "structures", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 30
    deodatie = next(r for r in rows if r["nom"] == "Pays de la Déodatie")
    assert deodatie["departements"] == ["88"] and deodatie["maison_de_region"] == "Épinal"
    code, out, _ = run(capsys, "--db", str(base), "structures")
    assert "30 structures" in out and "à vérifier" in out


def test_search(demo_db, capsys):
    code, out, _ = run(capsys, "--db", str(demo_db.path), "search", "--json", "reunion technique")
    hits = json.loads(out)
    assert code == 0 and hits and all(h["type"] == "Action" for h in hits)
    assert "réunion technique" in hits[0]["extrait"]
    code, out, _ = run(capsys, "--db", str(demo_db.path), "search", "oeuvre")
    assert code == 0 and "œuvre" in out


def test_dump_is_stable_and_equal_for_equal_content(tmp_path, capsys):
    outs = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.sqlite"
        run(capsys, "--db", str(path), "init")
        outs.append(run(capsys, "--db", str(path), "dump", "--json")[1])
    assert outs[0] == outs[1]
    assert len(json.loads(outs[0])["structure"]) == 30
    assert run(capsys, "--db", str(tmp_path / "a.sqlite"), "dump", "--json")[1] == outs[0]


def test_check_ok_and_failing(base, capsys):
    code, out, _ = run(capsys, "--db", str(base), "check")
    assert code == 0 and "Base saine" in out
    with sqlite3.connect(base) as conn:
        conn.execute("DELETE FROM search_doc")
    code, _, err = run(capsys, "--db", str(base), "check")
    assert code != 0 and "index plein texte incomplet" in err


def test_backup(base, tmp_path, capsys):
    target = tmp_path / "copie.sqlite"
    code, out, _ = run(capsys, "--db", str(base), "backup", "-o", str(target))
    assert code == 0 and target.exists()
    assert run(capsys, "--db", str(target), "dump", "--json")[1] == run(capsys, "--db", str(base), "dump", "--json")[1]
    code, out, _ = run(capsys, "--db", str(base), "backup")
    assert code == 0 and list((base.parent / "backups").glob("*manuelle.sqlite"))


@pytest.mark.parametrize("setup,argv,message", [
    ("missing", ["structures"], "n'existe pas"),
    ("corrupt", ["structures"], "n'est pas une base de données Carnet PETR"),
    ("directory", ["structures"], "est un dossier"),
    ("newer", ["check"], "version plus récente"),
    ("ok", ["frobnicate"], "commande ou valeur inconnue"),
    ("ok", ["search"], "arguments obligatoires manquants"),
    ("ok", ["structures", "--xml"], "arguments non reconnus"),
])
def test_errors_are_french_without_traceback(tmp_path, capsys, setup, argv, message):
    path = tmp_path / "x.sqlite"
    if setup == "corrupt":
        path.write_bytes(b"PK\x03\x04 pas une base" * 300)
    elif setup == "directory":
        path.mkdir()
    elif setup in ("newer", "ok"):
        run(capsys, "--db", str(path), "init")
        if setup == "newer":
            with sqlite3.connect(path) as conn:
                conn.execute("UPDATE alembic_version SET version_num = '0999'")
    code, out, err = run(capsys, "--db", str(path), *argv)
    assert code != 0
    assert message in err
    assert "Traceback" not in err + out


def test_console_script_in_a_real_process(tmp_path):
    """The installed entry point, as a user runs it: errors on stderr, exit codes."""
    env_db = tmp_path / "proc.sqlite"
    result = subprocess.run([sys.executable, "-m", "petr_desktop", "--db", str(env_db), "structures"],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "n'existe pas" in result.stderr and "Traceback" not in result.stderr
    result = subprocess.run([sys.executable, "-m", "petr_desktop", "--db", str(env_db), "init", "--demo"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "réunions" in result.stdout
    result = subprocess.run([sys.executable, "-m", "petr_desktop", "--db", str(env_db), "check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_file_system_failures_are_explained_in_french(tmp_path, capsys, monkeypatch):
    import errno

    from petr_desktop.services import maintenance

    path = tmp_path / "x.sqlite"
    run(capsys, "--db", str(path), "init")

    def disk_full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "copie.sqlite"))

    monkeypatch.setattr(maintenance, "backup_file", disk_full)
    code, out, err = run(capsys, "--db", str(path), "backup", "-o", str(tmp_path / "copie.sqlite"))
    assert code == 1 and "le disque est plein" in err and "No space" not in err



def test_damaged_sqlite_file_is_reported(tmp_path, capsys):
    """A real SQLite file with damaged pages: `check` says so in French, no traceback."""
    path = tmp_path / "x.sqlite"
    run(capsys, "--db", str(path), "init")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 3, min(len(data), page * 12), 7):
        data[offset] = 0xFF
    path.write_bytes(bytes(data))
    code, out, err = run(capsys, "--db", str(path), "check")
    assert code != 0 and "Traceback" not in err + out
    assert any(word in err for word in ("endommagée", "intégrité", "index plein texte"))


def test_output_in_a_narrow_encoding_replaces_what_it_cannot_print(tmp_path):
    """petr-desktop.exe redirected to a file on Windows writes cp1252: an emoji must not crash it."""
    import os
    import subprocess
    import sys

    from petr_desktop.services import profile
    from petr_desktop.storage.migrations import open_database

    path = tmp_path / "cp.sqlite"
    database = open_database(path)
    profile.set_profile(database, "Isabelle Kuntz", "", "IK", "Poste 🌳")        # sync status prints it
    database.close()
    result = subprocess.run([sys.executable, "-m", "petr_desktop", "--db", str(path), "sync", "status"],
                            capture_output=True, env=dict(os.environ, PYTHONIOENCODING="cp1252"))
    assert result.returncode == 0, result.stderr.decode("cp1252")
    assert b"Traceback" not in result.stderr and "Poste ?".encode("cp1252") in result.stdout
