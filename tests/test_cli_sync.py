"""`petr-desktop sync`: keys, enrolment, files between two databases, conflicts, all through the CLI."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from petr_desktop import cli
from petr_desktop.cli import main
from petr_desktop.domain.models import Meeting, Minutes
from petr_desktop.services import meetings, minutes, records, reference
from petr_desktop.storage.migrations import open_database
from helpers.sync_replicas import Replica, make_replicas

IDS: dict[str, str] = {}
SECRET = "phrase secrète très longue"


@pytest.fixture(scope="session")
def cli_sync_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli-sync") / "template.sqlite"
    db = open_database(path)
    reference.load_reference(db)
    meeting = meetings.create_meeting(db, "management_dialogue", "2026-11-12",
                                      structure_id=reference.structure_id("Pays de la Déodatie"))
    record = minutes.open_minutes(db, meeting.id, author="Isabelle Kuntz")
    records.update(db, Minutes, record.id, summary="Premier paragraphe.\n\nDeuxième paragraphe.")
    IDS.update(meeting=meeting.id, minutes=record.id)
    db.close()
    return path


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch):
    """Tests run without a terminal: nothing is ever asked."""
    monkeypatch.setattr("sys.stdin", io.StringIO(""))


def _replicas(template: Path, root: Path, enrol: bool):
    replicas = make_replicas(template, root, "Portable", "Bureau", enrol=enrol)
    yield replicas
    for r in replicas:
        r.db.close()


@pytest.fixture
def strangers(cli_sync_template, tmp_path):
    """Two copies of one database, not enrolled with each other."""
    yield from _replicas(cli_sync_template, tmp_path, enrol=False)


@pytest.fixture
def pair(cli_sync_template, tmp_path):
    yield from _replicas(cli_sync_template, tmp_path, enrol=True)


def sync(capsys, replica: Replica, *argv: str) -> tuple[int, str, str]:
    code = main(["--db", str(replica.db.path), "sync", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def export(capsys, replica: Replica, folder: Path, *extra: str, recipient: str = "") -> Path:
    folder.mkdir(exist_ok=True)
    before = set(folder.iterdir())
    code, out, err = sync(capsys, replica, "export", "-o", str(folder), *extra)
    assert code == 0, err
    [path] = set(folder.iterdir()) - before
    assert out.startswith(f"Fichier de synchronisation écrit : {path} (")
    assert f"pour : {recipient})" in out and "Vous pouvez retirer la clé USB." in out
    return path


def dump(capsys, replica: Replica) -> str:
    assert main(["--db", str(replica.db.path), "dump", "--json"]) == 0
    return capsys.readouterr().out


def text_file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- Keys, enrolment, files -------------------------------------------------------------

def test_key_enrol_export_import_round_trip(strangers, tmp_path, capsys):
    a, b = strangers
    for me, other in ((a, b), (b, a)):
        code, out, _ = sync(capsys, me, "key", "-o", str(me.folder / "cle.json"))
        assert code == 0 and "Clé de cet ordinateur écrite" in out and "petr-desktop sync enrol" in out
        code, out, _ = sync(capsys, other, "enrol", str(me.folder / "cle.json"))
        assert code == 0 and out.startswith(f"Appareil enrôlé : {me.name} (clé ")

    records.update(a.db, Meeting, IDS["meeting"], place="Saint-Dié-des-Vosges")
    code, out, _ = sync(capsys, a, "status")
    assert "Cet ordinateur : Portable" in out and "Modifications non exportées : 0" not in out
    path = export(capsys, a, tmp_path / "usb", recipient="tous les appareils enrôlés")
    code, out, _ = sync(capsys, a, "status")
    assert "Modifications non exportées : 0" in out

    code, out, err = sync(capsys, b, "import", str(path))
    assert code == 0, err
    assert f"Fichier « {path.name} » de « Portable »." in out
    assert "modification(s) nouvelle(s) appliquée(s)" in out and "réunion : 1 modifié(s)" in out
    assert "Sauvegarde faite avant l'import" in out
    assert records.get(b.db, Meeting, IDS["meeting"]).place == "Saint-Dié-des-Vosges"

    before = dump(capsys, b)
    code, out, _ = sync(capsys, b, "import", str(path))
    assert code == 0 and "Déjà importé" in out
    assert dump(capsys, b) == before

    code, out, _ = sync(capsys, b, "status", "--json")
    state = json.loads(out)
    assert state["replica_name"] == "Bureau" and state["open_conflicts"] == 0
    [peer] = state["peers"]
    assert peer["name"] == "Portable" and peer["active"] and peer["last_file_at"]
    assert peer["known_vv"] and set(peer["known_vv"]) <= set(state["version_vector"])
    code, out, _ = sync(capsys, b, "status")
    assert "Appareils enrôlés : 1" in out and "Portable · clé " in out and "actif" in out
    code, out, _ = sync(capsys, b, "peers")
    assert code == 0 and "Portable · clé " in out and "dernier fichier reçu : " in out
    assert "jamais" not in out
    code, out, _ = sync(capsys, b, "history")
    assert code == 0 and out.count("— import") == 2 and "Déjà importé" in out


def test_file_from_a_device_not_enrolled_is_refused_and_changes_nothing(strangers, tmp_path, capsys):
    a, b = strangers
    records.update(a.db, Meeting, IDS["meeting"], place="Gérardmer")
    path = export(capsys, a, tmp_path / "usb", recipient="tous")
    before, ops = dump(capsys, b), b.scalar("SELECT count(*) FROM sync_op")
    code, out, err = sync(capsys, b, "import", str(path))
    assert code == cli.EXIT_ERROR and out == ""
    assert "n'est pas enrôlé" in err and "sync enrol" in err
    assert dump(capsys, b) == before and b.scalar("SELECT count(*) FROM sync_op") == ops
    code, out, _ = sync(capsys, b, "peers")
    assert "Aucun appareil enrôlé" in out


def test_garbage_and_missing_files_are_explained(pair, tmp_path, capsys):
    a, _ = pair
    code, _, err = sync(capsys, a, "import", str(text_file(tmp_path, "x.petrsync", "pas un fichier")))
    assert code == cli.EXIT_ERROR and "n'est pas un fichier de synchronisation" in err
    code, _, err = sync(capsys, a, "import", str(tmp_path / "absent.petrsync"))
    assert code == cli.EXIT_ERROR and "introuvable" in err
    code, _, err = sync(capsys, a, "enrol", str(tmp_path / "x.petrsync"))
    assert code == cli.EXIT_ERROR and "n'est pas un fichier de clé" in err


def test_passphrase_protected_file(pair, tmp_path, capsys, monkeypatch):
    a, b = pair
    records.update(a.db, Meeting, IDS["meeting"], place="Raon-l'Étape")
    secret = text_file(tmp_path, "secret.txt", SECRET + "\n")
    path = export(capsys, a, tmp_path / "usb", "--for", "bureau", "--passphrase-file", str(secret),
                  recipient="Bureau")

    code, _, err = sync(capsys, b, "import", str(path))
    assert code == cli.EXIT_ERROR
    assert "ce fichier est protégé par un mot de passe : utilisez --passphrase-file" in err
    wrong = text_file(tmp_path, "wrong.txt", "autre chose\n")
    code, _, err = sync(capsys, b, "import", str(path), "--passphrase-file", str(wrong))
    assert code == cli.EXIT_ERROR and "mot de passe incorrect ou fichier altéré" in err
    empty = text_file(tmp_path, "empty.txt", "")
    code, _, err = sync(capsys, b, "import", str(path), "--passphrase-file", str(empty))
    assert code == cli.EXIT_ERROR and "fichier de mot de passe vide" in err
    assert records.get(b.db, Meeting, IDS["meeting"]).place != "Raon-l'Étape"

    # on a terminal the passphrase is asked; an empty answer is refused in French
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal(""))
    monkeypatch.setattr("getpass.getpass", lambda prompt: "")
    code, _, err = sync(capsys, b, "import", str(path))
    assert code == cli.EXIT_ERROR and "protégé par un mot de passe" in err
    monkeypatch.setattr("getpass.getpass", lambda prompt: SECRET if prompt == "Mot de passe du fichier : " else "")
    code, out, err = sync(capsys, b, "import", str(path))
    assert code == 0, err
    assert "modification(s) nouvelle(s) appliquée(s)" in out
    assert records.get(b.db, Meeting, IDS["meeting"]).place == "Raon-l'Étape"


def test_mass_deletions_are_confirmed_only_on_a_terminal(monkeypatch, capsys):
    mass = {"action": 12}
    assert cli._confirm_deletions(True)(mass) is True
    assert cli._confirm_deletions(False)(mass) is False            # no terminal: refused

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal("o\n"))
    assert cli._confirm_deletions(False)(mass) is True
    assert "action : 12" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", Terminal("\n"))
    assert cli._confirm_deletions(False)(mass) is False


# --- Conflicts, peers -------------------------------------------------------------------

def test_conflicts_listed_and_resolved(pair, tmp_path, capsys):
    a, b = pair
    text_a = "Premier paragraphe revu par A.\n\nDeuxième paragraphe."
    text_b = "Premier paragraphe.\n\nDeuxième paragraphe complété par B."
    records.update(a.db, Minutes, IDS["minutes"], summary=text_a)
    records.update(b.db, Minutes, IDS["minutes"], summary=text_b)
    b.receive(a.export())
    a.receive(b.export())

    code, out, _ = sync(capsys, b, "conflicts", "--json")
    [view] = json.loads(out)
    assert code == 0 and view["table"] == "minutes" and view["field_label"] == "synthèse"
    assert view["title"].startswith("Relevé du 12 novembre 2026")
    assert view["base"] == "Premier paragraphe.\n\nDeuxième paragraphe."
    assert {s["value"] for s in view["sides"]} == {text_a, text_b}
    assert {s["device"] for s in view["sides"]} == {"Portable", "Bureau"}
    assert [s["letter"] for s in view["sides"]] == ["a", "b"]
    code, out, _ = sync(capsys, b, "conflicts")
    assert f"[{view['conflict_id'][:8]}]" in out and "synthèse : 2 versions" in out
    assert "  a) " in out and "Agent Portable · " in out and "1 conflit(s) à arbitrer" in out
    code, out, _ = sync(capsys, b, "status")
    assert "Conflits à arbitrer : 1" in out

    merged = "Premier paragraphe revu par A.\n\nDeuxième paragraphe complété par B."
    value = text_file(tmp_path, "retenu.txt", merged + "\n")
    code, out, err = sync(capsys, b, "resolve", view["conflict_id"][:8], "--value-file", str(value))
    assert code == 0, err
    assert out.strip() == "Conflit résolu."
    assert json.loads(sync(capsys, b, "conflicts", "--json")[1]) == []
    assert "Aucun conflit à arbitrer." in sync(capsys, b, "conflicts")[1]
    assert records.get(b.db, Minutes, IDS["minutes"]).summary == merged

    # the other laptop keeps version « a »
    [other] = json.loads(sync(capsys, a, "conflicts", "--json")[1])
    code, out, err = sync(capsys, a, "resolve", other["conflict_id"], "--keep", "a")
    assert code == 0 and "Conflit résolu." in out, err
    assert records.get(a.db, Minutes, IDS["minutes"]).summary == other["sides"][0]["value"]
    code, _, err = sync(capsys, a, "resolve", other["conflict_id"], "--keep", "a")
    assert code == cli.EXIT_ERROR and "conflit introuvable" in err


def test_revoked_device_files_are_refused(pair, tmp_path, capsys):
    a, b = pair
    code, out, _ = sync(capsys, b, "revoke", "portable")
    assert code == 0 and "Appareil révoqué : Portable" in out
    code, out, _ = sync(capsys, b, "peers")
    assert "Portable · clé " in out and "révoqué le " in out
    assert json.loads(sync(capsys, b, "peers", "--json")[1])[0]["active"] is False
    records.update(a.db, Meeting, IDS["meeting"], place="Senones")
    path = export(capsys, a, tmp_path / "usb", "--all", recipient="tous")
    code, _, err = sync(capsys, b, "import", str(path))
    assert code == cli.EXIT_ERROR and "révoqué" in err
    assert records.get(b.db, Meeting, IDS["meeting"]).place != "Senones"
    code, _, err = sync(capsys, b, "revoke", "Inconnu")
    assert code == cli.EXIT_ERROR and "aucun appareil enrôlé ne s'appelle « Inconnu »" in err
    # enrolling again lifts the revocation
    assert sync(capsys, b, "enrol", str(a.folder / "key.json"))[0] == 0
    assert sync(capsys, b, "import", str(path))[0] == 0
    assert records.get(b.db, Meeting, IDS["meeting"]).place == "Senones"


@pytest.mark.parametrize("argv,message", [
    (["sync"], "arguments obligatoires manquants"),
    (["sync", "frobnicate"], "commande ou valeur inconnue"),
    (["sync", "export"], "arguments obligatoires manquants : -o/--output"),
    (["sync", "resolve", "abcd"], "un de ces arguments est obligatoire : --keep --value-file"),
    (["sync", "resolve", "abcd", "--keep", "a", "--value-file", "f.txt"],
     "argument --value-file : incompatible avec l'argument --keep"),
    (["sync", "import"], "arguments obligatoires manquants : FICHIER"),
])
def test_argument_errors_are_french(tmp_path, capsys, argv, message):
    code = main(["--db", str(tmp_path / "x.sqlite"), *argv])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_PROBLEMS and message in err and "Traceback" not in out + err
