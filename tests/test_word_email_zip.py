"""Relevé as Word and as an e-mail draft, the dossier archive, and atomic writing of every export."""
from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import zipfile
from datetime import date, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from petr_desktop.domain.enums import AttendanceStatus, MinutesStatus, SheetKind
from petr_desktop.domain.models import EvaluationSheet, Meeting, Minutes, Person
from petr_desktop.domain.values import format_date
from petr_desktop.exports import dossier_zip, files
from petr_desktop.services import exports, meetings, minutes, records, sheets
from petr_desktop.services.errors import InvalidValueError, NotFoundError, ServiceError
from petr_desktop.services.structures import find_structure


def _minutes(db, status: str) -> Minutes:
    """A demo relevé of the given status, with decisions and actions."""
    return next(m for m in sorted(records.list_rows(db, Minutes), key=lambda m: m.id) if m.status == status)


def _leftovers(folder: Path) -> list[str]:
    """Temporary files of an atomic write (« .name.xxxx.tmp »)."""
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


# --- Word ---------------------------------------------------------------------------------------

def test_docx_reads_back_with_every_part_of_the_releve(demo_db, tmp_path):
    import docx

    record = _minutes(demo_db, MinutesStatus.SIGNED)
    minutes.add_amendment(demo_db, record.id, "Erreur de date de l'action A2",
                          "— Lire « 15 mai » au lieu de « 17 mai ».", author="Isabelle Kuntz")
    view = minutes.open_for_meeting(demo_db, record.meeting_id)
    target = tmp_path / "relevé.docx"
    result = exports.export_minutes(demo_db, record.id, target)
    assert result.path == target and result.size == target.stat().st_size

    document = docx.Document(str(target))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    texts = [t for _, t in paragraphs]
    assert ("Title", f"Relevé d'échange — {view.meeting.title}") in paragraphs
    headings = [t for s, t in paragraphs if s == "Heading 1"]
    assert headings == ["Participants", "Ordre du jour et points abordés", "Décisions", "Actions à suivre",
                        "Points de vigilance", "Prochaines étapes", "Rectificatifs", "Rédaction et validation"]
    assert "Rectificatif n°1 (Brouillon) — Erreur de date de l'action A2" in texts
    assert ("List Bullet", "Lire « 15 mai » au lieu de « 17 mai ».") in paragraphs
    # Agenda: one heading per item, its notes below.
    items = [t for s, t in paragraphs if s == "Heading 2"]
    assert items == [f"{n}. {i.title}" for n, i in enumerate(view.agenda, start=1)]
    for item in view.agenda:
        assert item.notes.strip().splitlines()[0] in texts
    # Decisions D1… and the vigilance points.
    for decision in view.decisions:
        assert any(t.startswith(f"D{decision.number} — {decision.text}") for t in texts)
    assert view.minutes.vigilance_points in texts
    assert view.minutes.next_steps in texts
    assert f"Prochaine échéance : {format_date(view.minutes.next_meeting_on)}" in texts

    facts, people, actions, drafting = document.tables
    facts = dict((r.cells[0].text, r.cells[1].text) for r in facts.rows)
    assert facts["Date"] == format_date(view.meeting.meeting_date) and facts["Horaires"] == "9 h 30 – 12 h 00"
    assert facts["Structure"] == view.structure_name
    rows = [[c.text for c in r.cells] for r in people.rows]
    assert rows[0] == ["Nom", "Fonction", "Organisme", "Présence"]
    assert rows[1:] == [[a.full_name, a.function, a.organisation_name, AttendanceStatus(a.status).label]
                        for a in view.attendance]
    rows = [[c.text for c in r.cells] for r in actions.rows]
    assert rows[0] == ["N°", "Action", "Responsable", "Échéance", "Statut"]
    assert [r[0] for r in rows[1:]] == [f"A{a.number}" for a in view.actions]
    first = view.actions[0]
    assert rows[1][1].startswith(first.text) and rows[1][2].startswith(first.owner_name)
    assert rows[1][3] == format_date(first.due_on)
    drafting = dict((r.cells[0].text, r.cells[1].text) for r in drafting.rows)
    assert drafting["Statut"] == "Signé" and drafting["Rédaction"] == view.minutes.author
    assert len(drafting["Empreinte SHA-256"]) == 64

    # Signed: no « PROJET » header; French proofing language; the title in the properties.
    assert document.sections[0].header.paragraphs[0].text == "Relevé d'échange"
    assert "Signé" in document.sections[0].footer.paragraphs[0].text
    assert document.core_properties.title == f"Relevé d'échange — {view.meeting.title}"
    assert 'w:val="fr-FR"' in document.styles["Normal"].element.xml


def test_docx_of_a_new_empty_releve_says_so_and_is_marked_draft(db, tmp_path):
    import docx

    structure = find_structure(db, "deodatie")
    meeting = meetings.create_meeting(db, "management_dialogue", date(2026, 3, 5), structure_id=structure.id,
                                      agenda=[])
    record = minutes.open_minutes(db, meeting.id, author="Isabelle Kuntz")
    target = tmp_path / "vide.docx"
    exports.export_minutes(db, record.id, target)
    document = docx.Document(str(target))
    texts = [p.text for p in document.paragraphs]
    for line in ("Aucun participant enregistré.", "Pas d'ordre du jour.", "Aucune décision.", "Aucune action.",
                 "Aucun point de vigilance.", "Non précisées."):
        assert line in texts
    assert document.sections[0].header.paragraphs[0].text == "PROJET — document non validé"


# --- E-mail draft -------------------------------------------------------------------------------

def test_eml_draft_to_the_participants_with_the_pdf(demo_db, tmp_path):
    from petr_desktop.exports.pdf import minutes_pdf

    record = _minutes(demo_db, MinutesStatus.TO_VALIDATE)
    view = minutes.open_for_meeting(demo_db, record.meeting_id)
    target = tmp_path / "brouillon.eml"
    result = exports.export_minutes(demo_db, record.id, target)

    message = BytesParser(policy=policy.default).parsebytes(target.read_bytes())
    assert message["X-Unsent"] == "1"
    assert message["Subject"] == f"Relevé d'échange — {view.meeting.title}"
    people = {p.id: p for p in records.list_rows(demo_db, Person)}
    expected = [people[a.person_id].email for a in view.attendance if people[a.person_id].email]
    assert [a.addr_spec for a in message["To"].addresses] == expected
    names = {a.addr_spec: a.display_name for a in message["To"].addresses}
    assert names[expected[0]] == view.attendance[0].full_name
    # The demo president has no e-mail address: the user is told.
    without = [a.full_name for a in view.attendance if not people[a.person_id].email]
    assert without and any(all(n in note for n in without) for note in result.notes)

    body = message.get_body(("plain",)).get_content()
    assert body.startswith("Bonjour,") and f"« {view.meeting.title} »" in body
    assert "relecture" in body                      # not signed yet
    for action in view.actions:
        assert f"A{action.number} — {action.text}" in body
    attachments = list(message.iter_attachments())
    assert len(attachments) == 1
    pdf = attachments[0]
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == f"Relevé d'échange — {view.meeting.title}.pdf"
    data = pdf.get_content()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert abs(len(data) - len(minutes_pdf(demo_db, record.id))) < 200
    # Accents of the file name travel as RFC 2231 (filename*=utf-8'').
    raw = target.read_bytes()
    assert b"filename*" in raw and b"utf-8''Relev%C3%A9" in raw
    assert b"\r\n" in raw


def test_eml_builder_encodes_names_and_attachment():
    from petr_desktop.exports.email import Attachment, Recipient, draft_eml

    raw = draft_eml("Relevé d'échange — Réunion", "Bonjour,\nÀ bientôt.",
                    [Recipient("Élodie Gérard", "elodie.gerard@petr-exemple.fr")],
                    [Attachment("Relevé n°1.pdf", b"%PDF-1.4 contenu")])
    assert raw.isascii()
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert message["To"].addresses[0].display_name == "Élodie Gérard"
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n").strip() == "Bonjour,\nÀ bientôt."
    part = next(message.iter_attachments())
    assert part.get_filename() == "Relevé n°1.pdf" and part.get_content() == b"%PDF-1.4 contenu"


# --- Dossier archive ------------------------------------------------------------------------------

def _check_manifest(archive: zipfile.ZipFile) -> dict:
    manifest = json.loads(archive.read("manifest.json"))
    names = set(archive.namelist()) - {"manifest.json"}
    assert {f["nom"] for f in manifest["fichiers"]} == names
    for entry in manifest["fichiers"]:
        data = archive.read(entry["nom"])
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["taille_octets"] == len(data)
    assert manifest["application"] == "Carnet PETR" and manifest["algorithme"] == "SHA-256"
    datetime.fromisoformat(manifest["genere_le"])
    return manifest


def test_dossier_zip_of_one_structure(demo_db, tmp_path):
    import openpyxl

    structure = find_structure(demo_db, "deodatie")
    target = tmp_path / "deodatie.zip"
    steps = []
    result = exports.export_dossier(demo_db, target, [structure.id], report=lambda d, t, x: steps.append((d, t, x)))
    assert result.size == target.stat().st_size and _leftovers(tmp_path) == []
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        manifest = _check_manifest(archive)
        names = archive.namelist()
        assert f"Dossier — {structure.name}.pdf" in names
        sheet_rows = sheets.list_sheets(demo_db, structure_id=structure.id)
        assert sorted(n for n in names if n.startswith("Fiches/")) == sorted(
            f"Fiches/Fiche {SheetKind(s.kind).label} {s.year}.pdf" for s in sheet_rows)
        held = [m for m in meetings.list_meetings(demo_db, structure_id=structure.id)
                if records.list_rows(demo_db, Minutes, meeting_id=m.id)]
        relevés = [n for n in names if n.startswith("Relevés/")]
        assert len(relevés) == len(held) == 3
        assert f"Relevés/{held[0].meeting_date.isoformat()} {held[0].title}.pdf" in relevés
        assert {n for n in names if n.startswith("Tableaux/")} == {
            "Tableaux/Finances.xlsx", "Tableaux/Actions.xlsx", "Tableaux/Indicateurs.xlsx"}
        for name in names:
            if name.endswith(".pdf"):
                assert archive.read(name).startswith(b"%PDF-")
            if name.endswith(".xlsx"):
                workbook = openpyxl.load_workbook(io.BytesIO(archive.read(name)))
                assert workbook.sheetnames
        readme = archive.read("LISEZMOI.txt").decode("utf-8")
        assert f"Structure : {structure.name}" in readme and "Get-FileHash" in readme
    assert manifest["version"]
    assert steps[-1][0] == steps[-1][1] and [s[0] for s in steps] == sorted(s[0] for s in steps)
    assert any("relevé" in s[2] for s in steps)


def test_dossier_zip_of_every_structure_has_a_folder_each(db, tmp_path):
    target = tmp_path / "tous.zip"
    exports.export_dossier(db, target)
    with zipfile.ZipFile(target) as archive:
        _check_manifest(archive)
        names = archive.namelist()
        readme = archive.read("LISEZMOI.txt").decode("utf-8")
        # Excel tables that cannot be limited to one structure come once, at the root.
        shared = any(n.startswith("Tableaux/") for n in names)
        folders = {n.split("/")[0] for n in names if "/" in n} - ({"Tableaux"} if shared else set())
        assert len(folders) == 30 and "Pays de la Déodatie" in folders
        assert "Pays de la Déodatie/Dossier — Pays de la Déodatie.pdf" in names
        tables = ("Finances.xlsx", "Actions.xlsx", "Indicateurs.xlsx")
        if shared:
            assert {f"Tableaux/{t}" for t in tables} <= set(names) and "toutes les structures" in readme
        else:
            assert {f"Pays de la Déodatie/Tableaux/{t}" for t in tables} <= set(names)
        assert "Structures (30)" in readme


def test_dossier_export_can_be_cancelled_and_writes_nothing(db, tmp_path):
    target = tmp_path / "annulé.zip"
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(exports.ExportCancelled) as raised:
        exports.export_dossier(db, target, cancelled=cancelled)
    assert "annulé" in str(raised.value) and len(calls) == 4
    assert not target.exists() and _leftovers(tmp_path) == []


def test_zip_builder_names_and_manifest():
    when = datetime(2026, 11, 28, 10, 30)
    items = [dossier_zip.ZipItem("Relevés/a.pdf", b"1"), dossier_zip.ZipItem("Relevés/a.pdf", b"2"),
             dossier_zip.ZipItem("Relevés/A.pdf", b"3")]
    data = dossier_zip.build_zip(items, "Lisez-moi", "9.9", when)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["Relevés/a.pdf", "Relevés/a (2).pdf", "Relevés/A (3).pdf",
                                      "LISEZMOI.txt", "manifest.json"]
        manifest = _check_manifest(archive)
        assert manifest["version"] == "9.9" and manifest["genere_le"] == "2026-11-28T10:30:00"
        assert archive.getinfo("Relevés/a.pdf").flag_bits & 0x800      # UTF-8 names
    assert dossier_zip.safe_name('Dialogue n°1 : « bilan » / 2026?. ') == "Dialogue n°1 - « bilan » - 2026-"
    assert dossier_zip.safe_name("...") == "sans titre"


# --- Identifiers given by a prefix -------------------------------------------------------------

def test_prefixes_resolve_to_one_record_or_explain(demo_db):
    ids = sorted(m.id for m in records.list_rows(demo_db, Minutes))
    unique = next(i[:n] for i in ids for n in range(1, 37)
                  if sum(1 for other in ids if other.startswith(i[:n])) == 1)
    full = next(i for i in ids if i.startswith(unique))
    assert exports.resolve_minutes(demo_db, unique) == full
    assert exports.resolve_minutes(demo_db, full.upper()) == full
    shared = next(i[:1] for i in ids if sum(1 for o in ids if o[:1] == i[:1]) > 1)
    with pytest.raises(InvalidValueError, match=f"plusieurs enregistrements commencent par « {shared} » : précisez"):
        exports.resolve_minutes(demo_db, shared)
    with pytest.raises(NotFoundError, match="aucun relevé"):
        exports.resolve_minutes(demo_db, "zz")
    # A meeting id leads to its relevé; a planned meeting has none yet.
    record = records.get(demo_db, Minutes, full)
    assert exports.resolve_minutes(demo_db, record.meeting_id) == full
    planned = next(m for m in records.list_rows(demo_db, Meeting, status="planned"))
    with pytest.raises(NotFoundError, match="n'a pas encore de relevé"):
        exports.resolve_minutes(demo_db, planned.id)
    with pytest.raises(NotFoundError, match="aucune fiche évaluative"):
        exports.resolve_id(demo_db, EvaluationSheet, "zz")
    # A deleted record is not found.
    structure = find_structure(demo_db, "deodatie")
    meeting = meetings.create_meeting(demo_db, "other", date(2026, 5, 5), structure_id=structure.id)
    records.delete(demo_db, Meeting, meeting.id)
    with pytest.raises(NotFoundError):
        exports.resolve_id(demo_db, Meeting, meeting.id)


# --- Atomic writing: full disk, locked target, folder in the way ---------------------------------

@pytest.fixture
def a_releve(db):
    structure = find_structure(db, "deodatie")
    meeting = meetings.create_meeting(db, "management_dialogue", date(2026, 3, 5), structure_id=structure.id)
    return minutes.open_minutes(db, meeting.id).id


def test_disk_full_leaves_the_old_file_and_no_temporary(db, a_releve, tmp_path, monkeypatch):
    target = tmp_path / "relevé.docx"
    target.write_bytes(b"ancienne version")

    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    with pytest.raises(ServiceError) as raised:
        exports.export_minutes(db, a_releve, target)
    message = str(raised.value)
    assert message.startswith("Export impossible : le disque est plein") and str(target) in message
    assert "No space" not in message
    assert target.read_bytes() == b"ancienne version" and _leftovers(tmp_path) == []


@pytest.mark.parametrize("lock", ["posix", "windows"])
def test_locked_target_is_explained_and_left_untouched(db, a_releve, tmp_path, monkeypatch, lock):
    target = tmp_path / "relevé.docx"
    target.write_bytes(b"ouvert dans Word")
    real_replace = os.replace

    def locked(source, destination):
        if Path(destination) == target:
            error = PermissionError(errno.EACCES, "Permission denied")
            if lock == "windows":
                error = OSError(errno.EINVAL, "The process cannot access the file")
                error.winerror = 32
            raise error
        return real_replace(source, destination)

    monkeypatch.setattr(files.os, "replace", locked)
    with pytest.raises(ServiceError) as raised:
        exports.export_minutes(db, a_releve, target)
    message = str(raised.value)
    assert ("ouvert dans un autre programme" in message) and str(target) in message
    assert target.read_bytes() == b"ouvert dans Word" and _leftovers(tmp_path) == []


def test_a_folder_with_the_target_name_or_a_missing_folder(db, a_releve, tmp_path):
    folder = tmp_path / "relevé.docx"
    folder.mkdir()
    with pytest.raises(ServiceError, match="est un dossier"):
        exports.export_minutes(db, a_releve, folder)
    assert folder.is_dir() and list(folder.iterdir()) == []
    with pytest.raises(ServiceError, match="n'existe pas"):
        exports.export_minutes(db, a_releve, tmp_path / "absent" / "relevé.docx")
    # The rename itself onto a folder (a folder appearing meanwhile) is refused too, without leftovers.
    with pytest.raises(OSError):
        files.atomic_write_bytes(folder, b"x")
    assert _leftovers(tmp_path) == [] and folder.is_dir()


def test_unsupported_extension_is_refused_before_any_work(db, a_releve, tmp_path):
    with pytest.raises(InvalidValueError, match=r"format de fichier non pris en charge \(« \.txt »\)"):
        exports.export_minutes(db, a_releve, tmp_path / "relevé.txt")
    with pytest.raises(InvalidValueError, match="sans extension"):
        exports.export_dossier(db, tmp_path / "archive")
    assert not (tmp_path / "relevé.txt").exists() and not (tmp_path / "archive").exists()
