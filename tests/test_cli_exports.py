"""The export commands of the CLI: relevé, fiche, dossier, briefing, Commission report, signature,
verification, sheet workbooks — prefixes, French errors, no traceback, no partial file."""
from __future__ import annotations

import errno
import io
import json
import zipfile
from email import policy
from email.parser import BytesParser
from pathlib import Path


from petr_desktop.cli import main
from petr_desktop.domain.enums import MinutesStatus
from petr_desktop.domain.models import EvaluationSheet, Meeting, Minutes
from petr_desktop.exports import files
from petr_desktop.services import records


def run(capsys, db, *argv: str) -> tuple[int, str, str]:
    code = main(["--db", str(db.path), *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def unique_prefix(ids: list[str], wanted: str) -> str:
    """The shortest prefix of ``wanted`` that no other id shares."""
    return next(wanted[:n] for n in range(1, 37) if sum(1 for i in ids if i.startswith(wanted[:n])) == 1)


def shared_prefix(ids: list[str]) -> str:
    return next(i[:n] for n in (1, 2, 3) for i in sorted(ids) if sum(1 for o in ids if o.startswith(i[:n])) > 1)


def minutes_of(db, status: str) -> Minutes:
    return next(m for m in sorted(records.list_rows(db, Minutes), key=lambda m: m.id) if m.status == status)


def no_leftovers(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


# --- export releve ----------------------------------------------------------------------------------

def test_export_releve_as_word_pdf_and_email_by_prefix(demo_db, tmp_path, capsys):
    import docx

    record = minutes_of(demo_db, MinutesStatus.SIGNED)
    meeting = records.get(demo_db, Meeting, record.meeting_id)
    prefix = unique_prefix([m.id for m in records.list_rows(demo_db, Minutes)], record.id)

    code, out, _ = run(capsys, demo_db, "export", "releve", prefix, "-o", str(tmp_path / "relevé.docx"))
    assert code == 0 and "Relevé (Word) écrit" in out and "Ko" in out
    document = docx.Document(str(tmp_path / "relevé.docx"))
    assert document.paragraphs[1].text == f"Relevé d'échange — {meeting.title}"

    code, out, _ = run(capsys, demo_db, "export", "releve", prefix, "-o", str(tmp_path / "relevé.PDF"))
    assert code == 0 and (tmp_path / "relevé.PDF").read_bytes().startswith(b"%PDF-")

    code, out, _ = run(capsys, demo_db, "export", "releve", record.meeting_id, "-o", str(tmp_path / "envoi.eml"))
    assert code == 0 and "Brouillon de courriel écrit" in out
    assert "Remarque : sans adresse électronique" in out
    message = BytesParser(policy=policy.default).parsebytes((tmp_path / "envoi.eml").read_bytes())
    assert message["X-Unsent"] == "1" and message["Subject"] == f"Relevé d'échange — {meeting.title}"
    assert "isabelle.kuntz@grandest.fr" in [a.addr_spec for a in message["To"].addresses]
    assert next(message.iter_attachments()).get_content().startswith(b"%PDF-")
    assert "Ce relevé a été validé le" in message.get_body(("plain",)).get_content()
    assert no_leftovers(tmp_path)


def test_prefix_and_format_errors_are_french(demo_db, tmp_path, capsys):
    ids = [m.id for m in records.list_rows(demo_db, Minutes)]
    shared = shared_prefix(ids)
    code, _, err = run(capsys, demo_db, "export", "releve", shared, "-o", str(tmp_path / "r.pdf"))
    assert code == 1 and f"plusieurs enregistrements commencent par « {shared} » : précisez" in err
    code, _, err = run(capsys, demo_db, "export", "releve", "zzz", "-o", str(tmp_path / "r.pdf"))
    assert code == 1 and "aucun relevé d'échange ni aucune réunion ne correspond à l'identifiant « zzz »" in err
    code, _, err = run(capsys, demo_db, "export", "releve", ids[0], "-o", str(tmp_path / "r.odt"))
    assert code == 1 and "format de fichier non pris en charge (« .odt ») : choisissez .pdf, .docx, .eml" in err
    code, _, err = run(capsys, demo_db, "export", "fiche", "zzz", "-o", str(tmp_path / "f.pdf"))
    assert code == 1 and "aucune fiche évaluative ne correspond" in err
    code, _, err = run(capsys, demo_db, "export", "briefing", "zzz", "-o", str(tmp_path / "b.pdf"))
    assert code == 1 and "aucune réunion ne correspond" in err
    code, _, err = run(capsys, demo_db, "export", "releve", ids[0])
    assert code == 2 and "arguments obligatoires manquants : -o/--output" in err
    planned = next(m for m in records.list_rows(demo_db, Meeting, status="planned"))
    code, _, err = run(capsys, demo_db, "export", "releve", planned.id, "-o", str(tmp_path / "r.pdf"))
    assert code == 1 and "n'a pas encore de relevé d'échange" in err
    assert list(p.name for p in tmp_path.iterdir() if p.suffix in (".pdf", ".odt")) == []


# --- fiche, briefing, dossier, Commission ----------------------------------------------------------

def test_export_fiche_and_briefing(demo_db, tmp_path, capsys):
    sheet_ids = [s.id for s in records.list_rows(demo_db, EvaluationSheet)]
    code, out, _ = run(capsys, demo_db, "export", "fiche", unique_prefix(sheet_ids, sheet_ids[0]),
                       "-o", str(tmp_path / "fiche.pdf"))
    assert code == 0 and "Fiche écrite :" in out and (tmp_path / "fiche.pdf").read_bytes().startswith(b"%PDF-")
    meeting_ids = [m.id for m in records.list_rows(demo_db, Meeting)]
    code, out, _ = run(capsys, demo_db, "export", "briefing", unique_prefix(meeting_ids, meeting_ids[-1]),
                       "-o", str(tmp_path / "note.pdf"))
    assert code == 0 and (tmp_path / "note.pdf").read_bytes().startswith(b"%PDF-")
    code, _, err = run(capsys, demo_db, "export", "fiche", sheet_ids[0], "-o", str(tmp_path / "fiche.xlsx"))
    assert code == 1 and "choisissez .pdf" in err


def test_export_dossier_of_a_structure_named_without_accents(demo_db, tmp_path, capsys):
    import hashlib

    code, out, _ = run(capsys, demo_db, "export", "dossier", "--structure", "deodatie",
                       "-o", str(tmp_path / "déodatie.zip"))
    assert code == 0 and "Archive écrite :" in out
    with zipfile.ZipFile(tmp_path / "déodatie.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
        for entry in manifest["fichiers"]:
            assert hashlib.sha256(archive.read(entry["nom"])).hexdigest() == entry["sha256"]
        assert "Dossier — Pays de la Déodatie.pdf" in archive.namelist()
    code, _, _ = run(capsys, demo_db, "export", "dossier", "--structure", "Pays de la Deodatie",
                     "-o", str(tmp_path / "dossier.pdf"))
    assert code == 0 and (tmp_path / "dossier.pdf").read_bytes().startswith(b"%PDF-")
    code, _, err = run(capsys, demo_db, "export", "dossier", "--structure", "pays", "-o", str(tmp_path / "x.zip"))
    assert code == 1 and "plusieurs structures correspondent à « pays »" in err
    code, _, err = run(capsys, demo_db, "export", "dossier", "--structure", "atlantide", "-o", str(tmp_path / "x.zip"))
    assert code == 1 and "aucune structure ne correspond à « atlantide »" in err
    code, _, err = run(capsys, demo_db, "export", "dossier", "--all", "-o", str(tmp_path / "x.pdf"))
    assert code == 1 and "choisissez un fichier .zip" in err
    code, _, err = run(capsys, demo_db, "export", "dossier", "-o", str(tmp_path / "x.zip"))
    assert code == 2 and "--structure" in err
    assert not (tmp_path / "x.zip").exists() and no_leftovers(tmp_path)


def test_report_commission_as_pdf_and_excel(demo_db, tmp_path, capsys):
    import openpyxl

    code, out, _ = run(capsys, demo_db, "report", "commission", "--year", "2025", "-o", str(tmp_path / "cp.pdf"))
    assert code == 0 and "Bilan 2025 pour la Commission écrit" in out
    assert (tmp_path / "cp.pdf").read_bytes().startswith(b"%PDF-")
    code, out, _ = run(capsys, demo_db, "report", "commission", "--year", "2025", "-o", str(tmp_path / "cp.xlsx"))
    assert code == 0
    workbook = openpyxl.load_workbook(io.BytesIO((tmp_path / "cp.xlsx").read_bytes()))
    assert workbook.sheetnames
    code, _, err = run(capsys, demo_db, "report", "commission", "--year", "deux", "-o", str(tmp_path / "cp.pdf"))
    assert code == 2 and "année invalide « deux »" in err


# --- sign and verify ---------------------------------------------------------------------------------

def test_sign_then_verify_with_a_certificate_read_from_files(demo_db, tmp_path, capsys):
    from petr_desktop.exports import signing

    record = minutes_of(demo_db, MinutesStatus.SIGNED)
    p12 = tmp_path / "moi.p12"
    p12.write_bytes(signing.create_personal_certificate("Isabelle Kuntz", "", "phrase secrète longue"))
    secret = tmp_path / "phrase.txt"
    secret.write_text("phrase secrète longue\n", "utf-8")
    signed = tmp_path / "signé.pdf"
    code, out, err = run(capsys, demo_db, "sign", "minutes", record.id[:12], "--cert", str(p12),
                         "--passphrase-file", str(secret), "-o", str(signed))
    assert code == 0, err
    assert "Relevé signé écrit" in out and "phrase secrète" not in out + err

    code, out, _ = run(capsys, demo_db, "verify", str(signed))
    assert code == 0 and "Signature intacte." in out and "Conclusion : document conforme." in out

    tampered = tmp_path / "modifié.pdf"
    data = bytearray(signed.read_bytes())
    at = data.index(b"stream") + 20
    data[at] ^= 0x01
    tampered.write_bytes(bytes(data))
    code, out, _ = run(capsys, demo_db, "verify", str(tampered))
    assert code != 0 and "ne vous fiez pas" in out

    # Visa only (no certificate), and the French errors.
    code, out, _ = run(capsys, demo_db, "sign", "releve", record.id, "-o", str(tmp_path / "visa.pdf"))
    assert code == 0 and (tmp_path / "visa.pdf").read_bytes().startswith(b"%PDF-")
    secret.write_text("mauvaise phrase\n", "utf-8")
    code, _, err = run(capsys, demo_db, "sign", "minutes", record.id, "--cert", str(p12),
                       "--passphrase-file", str(secret), "-o", str(tmp_path / "raté.pdf"))
    assert code == 1 and not (tmp_path / "raté.pdf").exists()
    draft = minutes_of(demo_db, MinutesStatus.TO_VALIDATE)
    code, _, err = run(capsys, demo_db, "sign", "minutes", draft.id, "-o", str(tmp_path / "brouillon.pdf"))
    assert code == 1 and "pas encore signé" in err
    code, _, err = run(capsys, demo_db, "sign", "minutes", record.id, "--cert", str(tmp_path / "absent.p12"),
                       "-o", str(tmp_path / "x.pdf"))
    assert code == 1 and "le certificat « " in err and "introuvable" in err
    code, _, err = run(capsys, demo_db, "sign", "minutes", record.id, "--passphrase-file", str(tmp_path / "nulle"),
                       "-o", str(tmp_path / "x.pdf"))
    assert code == 1 and "introuvable" in err
    code, _, err = run(capsys, demo_db, "verify", str(tmp_path / "absent.pdf"))
    assert code == 1 and "introuvable" in err
    assert no_leftovers(tmp_path)


# --- fiche template / import -------------------------------------------------------------------

def test_sheet_template_round_trip_and_refused_import(demo_db, tmp_path, capsys):
    import openpyxl

    target = tmp_path / "fiche.xlsx"
    code, out, err = run(capsys, demo_db, "fiche", "template", "--structure", "deodatie", "--year", "2026",
                         "--kind", "thematique", "-o", str(target))
    assert code == 0, err
    assert "Modèle de fiche écrit" in out and openpyxl.load_workbook(target).sheetnames
    code, out, err = run(capsys, demo_db, "fiche", "import", str(target))
    assert code == 0, err
    assert out.strip()

    broken = tmp_path / "abîmé.xlsx"
    broken.write_bytes(b"PK\x03\x04 ceci n'est pas un classeur")
    code, out, err = run(capsys, demo_db, "fiche", "import", str(broken))
    assert code == 2 and "PROBLÈME : " in err and "Rien n'a été enregistré" in err
    code, _, err = run(capsys, demo_db, "fiche", "import", str(tmp_path / "absent.xlsx"))
    assert code == 1 and "introuvable" in err
    code, _, err = run(capsys, demo_db, "fiche", "template", "--structure", "deodatie", "--year", "2026",
                       "--kind", "zut", "-o", str(target))
    assert code == 2 and "type de fiche inconnu « zut »" in err


# --- Files that cannot be written --------------------------------------------------------------

def test_full_disk_and_folder_in_the_way_leave_no_file(demo_db, tmp_path, capsys, monkeypatch):
    record = minutes_of(demo_db, MinutesStatus.SIGNED)
    folder = tmp_path / "relevé.docx"
    folder.mkdir()
    code, _, err = run(capsys, demo_db, "export", "releve", record.id, "-o", str(folder))
    assert code == 1 and "est un dossier" in err and folder.is_dir()

    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    target = tmp_path / "plein.docx"
    code, out, err = run(capsys, demo_db, "export", "releve", record.id, "-o", str(target))
    assert code == 1 and "le disque est plein" in err and "No space" not in err
    assert not target.exists() and no_leftovers(tmp_path)
    code, _, err = run(capsys, demo_db, "export", "releve", record.id, "-o", str(tmp_path / "nulle" / "r.docx"))
    assert code == 1 and "n'existe pas" in err
